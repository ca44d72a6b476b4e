"""The Trace: every number one run of the scalar engine computed, as plain data.

A :class:`Trace` has one :class:`Step` per gradient-descent step; a step has one
:class:`SampleTrace` per sample (forward and backward pass) and the batch means, the gradients
and the parameters before and after the update. Renderers read these and never recompute.

Numbers are kept in lists aligned with the network's layout (unit order, weight order, bias
order) for speed; the accessor methods give them by name.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from chainrule.core.display import shown
from chainrule.core.errors import UsageError
from chainrule.core.network import Network, WeightKey, weight_name


@dataclass(frozen=True, slots=True)
class UnitValues:
    """One unit's numbers for one sample.

    ``z`` is the weighted input sum plus bias, ``a`` the activation, ``da_dz`` the activation's
    slope at ``z`` (None for inputs and softmax units), ``dC_da`` and ``dC_dz`` the cost's
    derivatives (None for inputs). ``blocked`` is True when ``da_dz`` is exactly 0, so that no
    gradient flows through the unit (a ReLU with z <= 0).
    """

    name: str
    layer: str
    activation: str
    z: float | None
    a: float
    da_dz: float | None
    dC_da: float | None
    dC_dz: float | None

    @property
    def blocked(self) -> bool:
        return self.da_dz == 0.0


@dataclass(frozen=True, slots=True)
class WeightFactors:
    """A weight's gradient for one sample as its chain of factors.

    ``dC/dw_AB = dz_B/dw_AB * da_B/dz_B * dC/da_B = a_A * g'(z_B) * dC/da_B``; for a softmax
    unit B the last two factors are replaced by ``dC/dz_B`` (``da_dz`` is None).
    """

    key: WeightKey
    a_from: float
    da_dz: float | None
    dC_da: float
    dC_dz: float
    gradient: float

    # Jupyter displays (chainrule.display): this weight's chain rule with its numbers
    def __str__(self) -> str:
        return shown(self, "text")

    def _repr_html_(self) -> str:
        return shown(self, "html")

    def _repr_markdown_(self) -> str:
        return shown(self, "markdown")

    def _repr_latex_(self) -> str:
        return shown(self, "latex")


@dataclass(frozen=True, slots=True)
class SampleTrace:
    """Forward and backward pass of one sample (lists aligned with ``Layout``)."""

    layout: Layout
    inputs: Mapping[str, float]
    targets: Mapping[str, float]
    z: list[float]
    a: list[float]
    da_dz: list[float | None]
    dC_da: list[float]
    dC_dz: list[float]
    cost: float
    weight_gradients: list[float]
    bias_gradients: list[float]

    def unit(self, name: str) -> UnitValues:
        lay = self.layout
        i = lay.index[name]
        if lay.is_input[i]:
            return UnitValues(name, lay.layers[i], "input", None, self.a[i], None, None, None)
        return UnitValues(
            name,
            lay.layers[i],
            lay.activations[i],
            self.z[i],
            self.a[i],
            self.da_dz[i],
            self.dC_da[i],
            self.dC_dz[i],
        )

    @property
    def units(self) -> dict[str, UnitValues]:
        """Every unit's numbers, in the network's unit order."""
        return {name: self.unit(name) for name in self.layout.unit_names}

    def factors(self, key: WeightKey) -> WeightFactors:
        lay = self.layout
        w = lay.weight_index[key]
        src, dst = lay.index[key[0]], lay.index[key[1]]
        return WeightFactors(
            key,
            self.a[src],
            self.da_dz[dst],
            self.dC_da[dst],
            self.dC_dz[dst],
            self.weight_gradients[w],
        )

    def gradients(self) -> dict[str, dict[str, float]]:
        return self.layout.named(self.weight_gradients, self.bias_gradients)

    def __repr__(self) -> str:
        return f"SampleTrace(inputs={dict(self.inputs)!r}, cost={self.cost:.6g})"

    def _repr_html_(self) -> str:
        return shown(self, "html")

    def _repr_markdown_(self) -> str:
        return shown(self, "markdown")

    def to_json(self) -> dict[str, Any]:
        """This sample's part of the JSON; a number that is not finite (dC/da of a cross entropy
        where a is 0 or 1, say) is None, so the JSON is always valid."""
        lay = self.layout
        units: dict[str, Any] = {}
        for name in lay.unit_names:
            i = lay.index[name]
            if lay.is_input[i]:
                units[name] = {"layer": lay.layers[i], "a": self.a[i]}
                continue
            entry: dict[str, Any] = {
                "layer": lay.layers[i], "z": _number(self.z[i]), "a": _number(self.a[i])
            }
            da_dz = self.da_dz[i]
            if da_dz is not None:
                entry["da_dz"] = _number(da_dz)
            entry["dC_da"] = _number(self.dC_da[i])
            entry["dC_dz"] = _number(self.dC_dz[i])
            units[name] = entry
        gradients: dict[str, dict[str, Any]] = self.gradients()
        if not all(map(math.isfinite, self.weight_gradients + self.bias_gradients)):
            gradients = {group: {k: _number(v) for k, v in values.items()}
                         for group, values in gradients.items()}
        return {
            "inputs": dict(self.inputs),
            "targets": dict(self.targets),
            "units": units,
            "cost": _number(self.cost),
            "gradients": gradients,
        }


def _number(x: float) -> float | None:
    """A JSON number: None for infinity and NaN (which JSON cannot hold)."""
    return x if math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class Step:
    """One gradient-descent step: every sample's passes, the batch means and the update."""

    layout: Layout
    number: int
    samples: list[SampleTrace]
    cost: float
    """Mean cost over the samples, measured in this step's forward pass (before the update)."""
    weight_gradients: list[float]
    bias_gradients: list[float]
    weights_before: list[float]
    biases_before: list[float]
    weights_after: list[float]
    biases_after: list[float]

    def gradients(self) -> dict[str, dict[str, float]]:
        """Mean gradients: ``{"weights": {"i -> j": ...}, "biases": {...}}``."""
        return self.layout.named(self.weight_gradients, self.bias_gradients)

    def before(self) -> dict[str, dict[str, float]]:
        return self.layout.named(self.weights_before, self.biases_before)

    def after(self) -> dict[str, dict[str, float]]:
        return self.layout.named(self.weights_after, self.biases_after)

    def __repr__(self) -> str:
        return (
            f"Step({self.number}, {len(self.samples)} sample(s), cost {self.cost:.6g}, "
            f"{len(self.weight_gradients)} weight(s), {len(self.bias_gradients)} bias(es))"
        )

    def _repr_html_(self) -> str:
        return shown(self, "html")

    def _repr_markdown_(self) -> str:
        return shown(self, "markdown")

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "samples": [s.to_json() for s in self.samples],
            "cost": self.cost,
            "gradients": self.gradients(),
            "before": self.before(),
            "after": self.after(),
        }


class Layout:
    """A Network flattened to indices: what the scalar engine loops over and the Trace keeps."""

    def __init__(self, network: Network) -> None:
        self.unit_names: tuple[str, ...] = tuple(u.name for u in network.units)
        self.index: dict[str, int] = {n: i for i, n in enumerate(self.unit_names)}
        self.layers: tuple[str, ...] = tuple(network.layer(n) for n in self.unit_names)
        self.activations: tuple[str, ...] = tuple(u.activation for u in network.units)
        self.is_input: tuple[bool, ...] = tuple(u.is_input for u in network.units)
        self.weight_keys: tuple[WeightKey, ...] = tuple(network.weights)
        self.weight_names: tuple[str, ...] = tuple(weight_name(k) for k in self.weight_keys)
        self.weight_index: dict[WeightKey, int] = {k: i for i, k in enumerate(self.weight_keys)}
        self.bias_units: tuple[str, ...] = tuple(network.biases)

    def named(self, weights: list[float], biases: list[float]) -> dict[str, dict[str, float]]:
        return {
            "weights": dict(zip(self.weight_names, weights, strict=True)),
            "biases": dict(zip(self.bias_units, biases, strict=True)),
        }


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything ``chainrule solve`` shows: the network and every step's numbers.

    ``trace.network`` is the network before the first step; ``trace.final`` the network after
    the last (the one ``--save-updated`` writes). ``trace.to_json()`` is the documented JSON.
    """

    network: Network
    steps: list[Step]
    rounded: int | None = None
    """None: full precision. A number of decimals: worked as by hand, every printed number
    rounded to that many decimals and each line computed from the rounded numbers
    (``solve(..., rounded=4)``)."""

    @cached_property
    def final(self) -> Network:
        if not self.steps:
            return self.network
        last = self.steps[-1]
        lay = last.layout
        return self.network.with_parameters(
            dict(zip(lay.weight_keys, last.weights_after, strict=True)),
            dict(zip(lay.bias_units, last.biases_after, strict=True)),
        )

    def step(self, number: int) -> Step:
        """Step ``number``, counted from 1 (UsageError for a step that was not run)."""
        if isinstance(number, bool) or not isinstance(number, numbers.Integral) or not (
            1 <= number <= len(self.steps)
        ):
            have = f"steps 1 to {len(self.steps)}" if self.steps else "no steps"
            raise UsageError(f"step {number!r} does not exist; this run has {have}")
        return self.steps[int(number) - 1]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def costs(self) -> list[float]:
        return [s.cost for s in self.steps]

    def to_json(self) -> dict[str, Any]:
        """The ``chainrule solve --format json`` object (see docs/json.md)."""
        out: dict[str, Any] = {
            "title": self.network.title,
            "cost": self.network.cost,
            "learning_rate": self.network.learning_rate,
            "steps": [s.to_json() for s in self.steps],
        }
        if self.rounded is not None:
            out["rounded"] = self.rounded
        return out

    # Jupyter displays the worked solution (chainrule.display, chainrule.render)
    def _repr_html_(self) -> str:
        return shown(self, "html")

    def _repr_markdown_(self) -> str:
        return shown(self, "markdown")

    def _repr_latex_(self) -> str:
        return shown(self, "latex")

    def __repr__(self) -> str:
        name = self.network.title or "network"
        if not self.steps:
            return f"Trace({name!r}, no steps)"
        if len(self.steps) == 1:
            return f"Trace({name!r}, 1 step, cost {self.steps[0].cost:.6g} before its update)"
        return (
            f"Trace({name!r}, {len(self.steps)} steps, cost {self.steps[0].cost:.6g} before "
            f"the first update -> {self.steps[-1].cost:.6g} before the last)"
        )
