"""The recipe for training on a data set, as ``chainrule train`` (and any other shell) follows
it: choose the output activation and the cost from the data, build or check the network, hold
out a test split, standardize with the training split's numbers, encode the targets the way the
trainer takes them, and save the trained network by its file name's ending.

>>> from chainrule.train.data import load_data
>>> from chainrule.train.recipe import prepare
>>> setup = prepare(load_data("iris"), sizes=[4, 8, 3], standardize=True, seed=0)
>>> setup.network.unit[setup.network.outputs[0]].activation, setup.network.cost
('softmax', 'categorical_cross_entropy')
>>> len(setup.train.X), len(setup.test.X)
(120, 30)
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainrule.core.errors import UsageError
from chainrule.core.network import Network, Sample
from chainrule.core.schema import dumps_toml
from chainrule.io.atomic import write_atomic
from chainrule.io.npzfile import save_npz
from chainrule.train.data import Dataset
from chainrule.train.mlp import check_parameters, mlp

Array = NDArray[Any]
MODEL_TYPES = (".toml", ".json", ".npz")
"""The file endings a trained network can be saved as."""

HIDDEN_UNITS = 16
"""Hidden units of the default layered network (features, 16, outputs)."""


def default_output(data: Dataset, sizes: Sequence[int] | None = None) -> str:
    """The output activation for ``data``: softmax for classes (sigmoid for one output unit),
    identity for numbers."""
    if data.classes is None:
        return "identity"
    return "softmax" if sizes is None or sizes[-1] > 1 else "sigmoid"


def default_cost(output: str, data: Dataset) -> str:
    """The cost that goes with ``output`` on ``data``: categorical cross entropy for softmax,
    binary cross entropy for sigmoid outputs on classes, else squared error."""
    if output == "softmax":
        return "categorical_cross_entropy"
    if output == "sigmoid" and data.classes is not None:
        return "binary_cross_entropy"
    return "squared_error"


def default_sizes(data: Dataset, output: str) -> list[int]:
    """Units per layer when none are given: features, 16, outputs (one output for two classes
    with a non-softmax output)."""
    two_classes = data.classes is not None and len(data.classes) == 2
    outputs = 1 if two_classes and output != "softmax" else data.n_outputs
    return [data.n_features, HIDDEN_UNITS, outputs]


def encode_targets(data: Dataset, network: Network, what: str = "the network") -> Array:
    """The targets as the trainer takes them for ``network``: class labels (softmax or
    categorical cross entropy), one-hot rows, a 0/1 column (one output, two classes), or the
    values; UsageError when the outputs do not fit the data."""
    n_out = len(network.outputs)
    labels_ok = network.unit[network.outputs[0]].activation == "softmax" or (
        network.cost == "categorical_cross_entropy")
    if data.classes is not None:
        k = len(data.classes)
        if n_out == k and n_out > 1:
            return data.y if labels_ok else data.one_hot()
        if n_out == 1 and k == 2:
            return data.y.astype(np.float64).reshape(-1, 1)
        raise UsageError(
            f"{what} has {n_out} output unit(s) but {data.name} has {k} classes "
            f"({', '.join(data.classes[:8])}{', ...' if k > 8 else ''}); give {k} outputs"
            + (" (or 1 sigmoid output)" if k == 2 else ""))
    if data.y.shape[1] != n_out:
        raise UsageError(f"{what} has {n_out} output unit(s) but {data.name} has "
                         f"{data.y.shape[1]} target column(s)")
    return np.asarray(data.y)


def check_model_path(path: str | os.PathLike[str]) -> str:
    """The ending of ``path`` if a trained network can be saved there (.toml, .json, .npz), else
    a UsageError; checked before training so that a run is not lost at the end."""
    suffix = Path(path).suffix.lower()
    if suffix not in MODEL_TYPES:
        raise UsageError(f"{path}: use a file name ending in {', '.join(MODEL_TYPES)}")
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise UsageError(f"{path}: the folder {str(folder)!r} does not exist")
    return suffix


@dataclass(frozen=True)
class Setup:
    """A network and the data to train it on, ready for :func:`chainrule.train`.

    network : the network to train (new with random weights, or the one given).
    train, test : the training split and the held-out split (None without one), standardized
        with the training split's mean and deviation when asked.
    Y_train, Y_test : their targets, encoded for the network (:func:`encode_targets`).
    source : what the data is called (a data set's name or a file), for titles and comments.
    standardized : whether the features were standardized.
    """

    network: Network
    train: Dataset
    test: Dataset | None
    Y_train: Array
    Y_test: Array | None
    source: str
    standardized: bool

    @property
    def validation(self) -> tuple[Array, Array] | None:
        """``(X_test, Y_test)`` for ``train(..., validation=...)``, or None."""
        if self.test is None or self.Y_test is None:
            return None
        return self.test.X, self.Y_test

    def title(self) -> str:
        """A short title for plots: the data, the layer sizes and the activations, e.g.
        ``digits: 64-32-10 network, relu hidden, softmax output``."""
        net = self.network
        sizes = "-".join(str(len(layer)) for layer in net.layers)
        hidden = sorted({net.unit[u].activation for layer in net.layers[1:-1] for u in layer})
        output = sorted({net.unit[u].activation for u in net.outputs})
        parts = [f"{self.source}: {sizes} network"]
        if hidden:
            parts.append(f"{'/'.join(hidden)} hidden")
        parts.append(f"{'/'.join(output)} output")
        return ", ".join(parts)

    def save(self, network: Network, path: str | os.PathLike[str]) -> None:
        """Write the trained ``network`` by the ending of ``path``: ``.toml`` or ``.json`` (a
        network file whose one sample is the first training row) or ``.npz`` (large
        networks), all at once."""
        suffix = check_model_path(path)
        x0 = self.train.X[0].tolist()
        y_row = np.asarray(self.Y_train[0])
        if y_row.ndim == 0 and len(network.outputs) > 1:  # a class label
            y0 = [1.0 if i == int(y_row) else 0.0 for i in range(len(network.outputs))]
        else:
            y0 = np.atleast_1d(y_row).astype(float).tolist()
        sample = Sample(dict(zip(network.inputs, x0, strict=True)),
                        dict(zip(network.outputs, y0, strict=True)))
        net = replace(network, samples=(sample,))
        if suffix == ".npz":
            save_npz(net, path)
        elif suffix == ".json":
            write_atomic(path, json.dumps(net.to_dict(), indent=2) + "\n")
        else:
            note = (" (features standardized with the training split's mean and deviation)"
                    if self.standardized else "")
            comment = f"trained by chainrule train on {self.source}{note}; the sample is its " \
                "first row"
            write_atomic(path, dumps_toml(net, comment=comment))


def prepare(
    data: Dataset,
    network: Network | None = None,
    *,
    sizes: Sequence[int] | None = None,
    hidden: str = "relu",
    output: str | None = None,
    cost: str | None = None,
    test_fraction: float = 0.2,
    standardize: bool = False,
    seed: int | None = 0,
    max_parameters: int | None = None,
) -> Setup:
    """Everything before training: the network and the data, split, standardized and encoded.

    Parameters
    ----------
    data : the data set (:func:`chainrule.train.data.load_data`).
    network : a network whose input units take the data's features in order; or None for a
        new layered network of ``sizes`` with random weights (seeded by ``seed``).
    sizes : units per layer, inputs first (default: features, 16, outputs).
    hidden, output, cost : the new network's hidden activation, output activation (default:
        :func:`default_output`) and cost (default: :func:`default_cost`). Not with ``network``.
    test_fraction : the part of the samples held out to test on (0: none), chosen with ``seed``.
    standardize : shift and scale each feature by the training split's mean and deviation.
    max_parameters : allow a new network with more weights and biases than the limit.
    """
    if network is not None and (sizes is not None or output is not None or cost is not None):
        raise UsageError("give either a network or `sizes`, `output` and `cost`, not both")
    if network is not None:
        if len(network.inputs) != data.n_features:
            raise UsageError(
                f"the network has {len(network.inputs)} input unit(s) but {data.name} has "
                f"{data.n_features} feature(s) ({', '.join(data.feature_names[:8])}"
                f"{', ...' if data.n_features > 8 else ''})")
        net, what = network, network.title or "the network"
    else:
        if sizes is not None:
            check_parameters(sizes, True, max_parameters)
        output = output or default_output(data, sizes)
        cost = cost or default_cost(output, data)
        chosen = list(sizes) if sizes is not None else default_sizes(data, output)
        if chosen[0] != data.n_features:
            raise UsageError(
                f"`sizes` {','.join(map(str, chosen))} starts with {chosen[0]} inputs, but "
                f"{data.name} has {data.n_features} features")
        net = mlp(chosen, hidden=hidden, output=output, cost=cost, seed=seed,
                  max_parameters=max_parameters)
        what = f"`sizes` {','.join(map(str, chosen))}"
    Y = encode_targets(data, net, what)
    train_set, test_set = data, None
    Y_train, Y_test = Y, None
    if test_fraction:
        train_rows, test_rows = data.split_rows(test_fraction, seed)
        train_set = replace(data, X=data.X[train_rows], y=data.y[train_rows])
        test_set = replace(data, X=data.X[test_rows], y=data.y[test_rows])
        Y_train, Y_test = Y[train_rows], Y[test_rows]
    if standardize:
        reference = train_set
        train_set = train_set.standardized(reference)
        test_set = test_set.standardized(reference) if test_set is not None else None
    return Setup(net, train_set, test_set, Y_train, Y_test, data.name, standardize)
