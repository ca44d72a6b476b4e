"""The bridge to PyTorch: a Network as a ``torch.nn.Module``, and a trained layered PyTorch MLP
back as a Network. torch is an optional extra (``pip install 'chainrule[torch]'``), imported
only inside these functions.

- A layered, fully connected network (what :func:`chainrule.mlp` makes), all parameters
  trainable, becomes a plain ``torch.nn.Sequential`` of ``Linear`` layers and activation
  modules, ending in ``Softmax(dim=-1)`` for softmax outputs: the most ordinary PyTorch model,
  ready for ``DistributedDataParallel``.
- Any other network (skip connections, missing weights, units without a bias, frozen
  parameters, mixed activations in a layer) becomes a ``ChainruleModule`` computing the same
  groups of matrix products as the vectorized trainer; absent and frozen entries get a zero
  gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.core.errors import UsageError
from chainrule.core.network import Network
from chainrule.core.optional import optional_import
from chainrule.io.netfile import NetworkLike, load
from chainrule.train.compile import (
    as_arrays,
    compile_network,
    layer_activations,
    network_from_params,
)

_TORCH_DTYPES = ("float64", "float32")
_MODULES = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "identity": "Identity"}


def _torch() -> Any:
    return optional_import("torch", "converting to and from PyTorch needs")


def _is_plain_layered(net: Network) -> bool:
    structure, _ = compile_network(net)
    try:
        as_arrays(net)
        layer_activations(net)
    except UsageError:
        return False
    if not all(p.trainable for p in net.weights.values()) or not all(
        p.trainable for p in net.biases.values()
    ):
        return False
    return all(g.bias_cols is None or len(g.bias_cols) == g.size for g in structure.groups[1:])


def _activation_module(torch: Any, name: str, parameter: float) -> Any:
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(parameter)
    if name == "softmax":
        return torch.nn.Softmax(dim=-1)
    return getattr(torch.nn, _MODULES[name])()


def to_torch(network: NetworkLike, dtype: str = "float64") -> Any:
    """A ``torch.nn.Module`` computing the network's output activations.

    Parameters
    ----------
    network : Network or anything :func:`chainrule.load` accepts.
    dtype : ``"float64"`` or ``"float32"``, the dtype of the module's parameters.

    Returns
    -------
    torch.nn.Module
        ``module(X)`` maps a tensor (n_samples, n_inputs), columns in the order of the input
        units, to the output activations (n_samples, n_outputs) (probabilities for softmax).
        A layered MLP is a ``torch.nn.Sequential``; ``module.chainrule_network`` keeps the
        network it came from (names, cost, learning rate) for :func:`from_torch`.

    Examples
    --------
    >>> import chainrule as cr, torch                       # doctest: +SKIP
    >>> module = cr.to_torch(cr.mlp([4, 8, 3], output="softmax", seed=0))  # doctest: +SKIP
    >>> module(torch.zeros(2, 4, dtype=torch.float64)).sum(dim=1)        # doctest: +SKIP
    tensor([1., 1.], dtype=torch.float64, grad_fn=<SumBackward1>)
    """
    torch = _torch()
    if dtype not in _TORCH_DTYPES:
        raise UsageError(f"dtype must be one of {', '.join(_TORCH_DTYPES)}, got {dtype!r}")
    tdtype = getattr(torch, dtype)
    net = load(network)
    module: Any
    if _is_plain_layered(net):
        ws, bs = as_arrays(net)
        structure, _ = compile_network(net)
        acts = layer_activations(net)
        layers: list[Any] = []
        for w, b, g, (act, p) in zip(ws, bs, structure.groups[1:], acts, strict=True):
            linear = torch.nn.Linear(w.shape[0], w.shape[1], bias=g.bias_cols is not None,
                                     dtype=tdtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(w.T.copy()))
                if linear.bias is not None:
                    linear.bias.copy_(torch.from_numpy(b))
            layers.append(linear)
            if act != "identity":
                layers.append(_activation_module(torch, act, p))
        module = torch.nn.Sequential(*layers)
    else:
        module = _module_class(torch)(net, tdtype)
    module.chainrule_network = net
    return module


_CLASS: Any = None


def _module_class(torch: Any) -> Any:
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    nn = torch.nn

    class ChainruleModule(nn.Module):  # type: ignore[misc,name-defined]
        """Any chainrule network as groups of masked matrix products (see train/compile.py)."""

        def __init__(self, net: Network, dtype: Any) -> None:
            super().__init__()
            structure, params = compile_network(net)
            self.structure = structure
            self.weights = nn.ParameterList()
            self.biases = nn.ParameterList()
            self.plan: list[tuple[list[tuple[int, int]], int, Any]] = []
            blocks = structure.blocks()
            n_blocks = len(blocks)
            bias_iter = iter(params[n_blocks:])
            block_iter = iter(zip(blocks, params[:n_blocks], strict=True))
            for g in structure.groups[1:]:
                entries = []
                for _ in g.blocks:
                    blk, w = next(block_iter)
                    p = nn.Parameter(torch.tensor(w, dtype=dtype))
                    if blk.mask is not None:
                        p.register_hook(_masker(torch.tensor(blk.mask, dtype=dtype)))
                    self.weights.append(p)
                    entries.append((blk.src, len(self.weights) - 1))
                bias_at = -1
                if g.bias_cols is not None:
                    b = nn.Parameter(torch.tensor(next(bias_iter), dtype=dtype))
                    if g.bias_mask is not None:
                        b.register_hook(_masker(torch.tensor(g.bias_mask, dtype=dtype)))
                    self.biases.append(b)
                    bias_at = len(self.biases) - 1
                self.plan.append((entries, bias_at, g.segments))

        def forward(self, x: Any) -> Any:
            a = [x]
            last = len(self.plan) - 1
            for number, (entries, bias_at, segments) in enumerate(self.plan):
                z = sum(a[src] @ self.weights[wi] for src, wi in entries)
                if bias_at >= 0:
                    z = z + self.biases[bias_at]
                if number == last and self.structure.softmax:
                    a.append(torch.softmax(z, dim=-1))
                    continue
                parts = [_apply(torch, z[:, start:stop], f.name, p)
                         for start, stop, f, p in segments]
                a.append(parts[0] if len(parts) == 1 else torch.cat(parts, dim=1))
            return a[-1]

        def parameters_as_arrays(self) -> list[Any]:
            """The parameters as float64 NumPy arrays, in the trainer's order."""
            return [p.detach().cpu().double().numpy() for p in [*self.weights, *self.biases]]

    _CLASS = ChainruleModule
    return _CLASS


def _masker(mask: Any) -> Any:
    def hook(grad: Any) -> Any:
        return grad * mask.to(grad.dtype)

    return hook


def _apply(torch: Any, z: Any, name: str, p: float) -> Any:
    if name == "identity":
        return z
    if name == "leaky_relu":
        return torch.nn.functional.leaky_relu(z, p)
    return getattr(torch, name)(z)


def from_torch(
    module: Any,
    *,
    cost: str | None = None,
    learning_rate: float | None = None,
    title: str | None = None,
) -> Network:
    """A Network from a PyTorch model: a module made by :func:`to_torch` (trained or not), or
    any ``torch.nn.Sequential`` of ``Linear`` layers and ``ReLU``, ``LeakyReLU``, ``Sigmoid``,
    ``Tanh``, ``Identity`` modules (two Linear layers in a row: identity units between), with
    an optional ``Softmax(dim=-1)`` at the end.

    Parameters
    ----------
    module : the PyTorch model.
    cost, learning_rate, title : the network's; default those of the network the module came
        from (``module.chainrule_network``), else ``squared_error`` and 0.1.

    Returns
    -------
    Network
        With the module's current parameter values (as float64). A module from
        :func:`to_torch` keeps the unit names and samples of its network.
    """
    torch = _torch()
    from chainrule.core import mathtable

    if cost is not None and cost not in mathtable.COSTS:
        raise UsageError(f"cost must be one of {', '.join(mathtable.COSTS)}; got {cost!r}")
    source: Network | None = getattr(module, "chainrule_network", None)
    if source is not None and type(module).__name__ == "ChainruleModule":
        net = network_from_params(source, source_structure(source), module.parameters_as_arrays())
        return _relabel(net, cost, learning_rate, title)
    if not isinstance(module, torch.nn.Sequential):
        raise UsageError(
            f"from_torch reads a torch.nn.Sequential of Linear layers and activations (or a "
            f"module from to_torch), got {type(module).__name__}"
        )
    weights: list[Any] = []
    biases: list[Any] = []
    activations: list[tuple[str, float | None]] = []
    pending: tuple[str, float | None] | None = None
    children = list(module.children())
    for i, layer in enumerate(children):
        kind = type(layer).__name__
        if isinstance(layer, torch.nn.Linear):
            if weights:
                activations.append(pending or ("identity", None))
            weights.append(layer.weight.detach().cpu().double().numpy().T.copy())
            biases.append(None if layer.bias is None
                          else layer.bias.detach().cpu().double().numpy().copy())
            pending = None
            continue
        if not weights or pending is not None:
            raise UsageError(f"from_torch: layer {i} ({kind}) must follow a Linear layer")
        if isinstance(layer, torch.nn.LeakyReLU):
            pending = ("leaky_relu", float(layer.negative_slope))
        elif isinstance(layer, torch.nn.Softmax):
            if i != len(children) - 1 or layer.dim not in (-1, 1):
                raise UsageError("from_torch: Softmax must be the last layer, with dim=-1")
            pending = ("softmax", None)
        elif kind in ("ReLU", "Sigmoid", "Tanh", "Identity"):
            pending = ({v: k for k, v in _MODULES.items()}[kind], None)
        else:
            raise UsageError(
                f"from_torch: layer {i} is {kind}; supported layers are Linear, ReLU, LeakyReLU, "
                "Sigmoid, Tanh, Identity and a final Softmax"
            )
    if not weights:
        raise UsageError("from_torch: the Sequential has no Linear layer")
    activations.append(pending or ("identity", None))
    for number, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        for what, values in (("weights", w), ("biases", b)):
            if values is not None and not np.all(np.isfinite(values)):
                raise UsageError(
                    f"from_torch: Linear layer {number} has {what} that are NaN or infinite; "
                    "a network's parameters must be finite numbers (was the training diverging?)"
                )
    for w, prev in zip(weights[1:], weights, strict=False):
        if w.shape[0] != prev.shape[1]:
            raise UsageError(f"from_torch: a Linear layer of {prev.shape[1]} outputs feeds one of "
                             f"{w.shape[0]} inputs")
    from chainrule.train.mlp import layered

    names = samples = None
    base_cost, base_lr, base_title, description = "squared_error", 0.1, None, None
    if source is not None:
        base_cost, base_lr = source.cost, source.learning_rate
        base_title, description = source.title, source.description
        try:
            structure, _ = compile_network(source)
            if [g.size for g in structure.groups] == [weights[0].shape[0]] + [
                w.shape[1] for w in weights
            ]:
                names = [list(g.units) for g in structure.groups]
                samples = source.samples
        except UsageError:
            pass
    return layered(weights, biases, [(a, p) for a, p in activations],
                   cost=cost or base_cost,
                   learning_rate=float(learning_rate if learning_rate is not None else base_lr),
                   title=title if title is not None else base_title, description=description,
                   names=names, samples=samples)


def source_structure(net: Network) -> Any:
    return compile_network(net)[0]


def _relabel(net: Network, cost: str | None, learning_rate: float | None,
             title: str | None) -> Network:
    from dataclasses import replace

    changes: dict[str, Any] = {}
    if cost is not None:
        changes["cost"] = cost
    if learning_rate is not None:
        changes["learning_rate"] = float(learning_rate)
    if title is not None:
        changes["title"] = title
    if not changes:
        return net
    if "cost" in changes:  # the cost decides the targets' valid range: validate again
        return Network.from_dict({**net.to_dict(), **changes})
    return replace(net, **changes)
