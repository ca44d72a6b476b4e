"""Editing a network's structure in place (the page's Network panel): an activation, the cost, a
unit or a layer added or removed. Each edit takes the network file's structure and gives a new
one, which goes through the same loader as a file before it is kept, so every edit is either a
valid network or one clear message.

Layers are the library's (:attr:`chainrule.core.network.Network.layers`, from the input side to
the output layer L). A new unit takes its layer's activation and is connected as its layer is
(from every unit of the layer before, to every unit of the layer after), with the weight
:data:`NEW_WEIGHT`; a new input gets the value 0 in every sample and a new output the target 0.
A new hidden layer goes just before the output layer, as wide as the layer before it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from chainrule.core import mathtable
from chainrule.core.errors import UsageError
from chainrule.core.network import Network

NEW_WEIGHT = 0.1
"""Every new connection's weight (a small number that is easy to follow by hand)."""

OPERATIONS = ("activation", "cost", "add-unit", "remove-unit", "add-layer", "remove-layer")


def choices() -> dict[str, list[str]]:
    """The activations (input aside) and costs a network may use, as the page offers them."""
    return {"activations": [a for a in mathtable.ACTIVATIONS if a != "input"],
            "costs": list(mathtable.COSTS)}


def _name(net: Network, layer: tuple[str, ...]) -> str:
    """A new unit's name in the style of its layer's (u3, u4 -> u6; i, j, k -> l; h1_1 ->
    h1_2), not used yet anywhere in the network."""
    taken = {u.name for u in net.units}
    numbered = [re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*?)(\d+)", n) for n in layer]
    if numbered and all(numbered):
        prefix = numbered[0].group(1)  # type: ignore[union-attr]
        if all(m.group(1) == prefix for m in numbered if m):
            n = max(int(m.group(2)) for m in numbered if m) + 1
            while f"{prefix}{n}" in taken:
                n += 1
            return f"{prefix}{n}"
    if all(len(n) == 1 for n in layer):
        for letter in "abcdefghijklmnopqrstuvwxyz":
            if letter not in taken and letter > max(layer):
                return letter
    n = 1
    while f"h{n}" in taken:
        n += 1
    return f"h{n}"


def _unit_entry(net: Network, like: str) -> Any:
    return copy.deepcopy(net.to_dict()["units"][like])


def edit(data: Mapping[str, Any], operation: str, *, unit: str | None = None,
         layer: int | None = None, value: str | None = None) -> dict[str, Any]:
    """The network after one edit (its file structure). ``layer`` counts from 0 on the input
    side; ``unit`` names a unit; ``value`` is an activation or a cost's name."""
    from chainrule.web.work import _load

    net = _load(data)
    out = net.to_dict()
    layers = net.layers
    if operation not in OPERATIONS:
        raise UsageError(f"operation: unknown edit {operation!r}; valid edits are "
                         f"{', '.join(OPERATIONS)}")

    def which_unit() -> str:
        if unit is None or unit not in net.unit:
            raise UsageError(f"unit: no unit named {unit!r}; the units are "
                             f"{', '.join(u.name for u in net.units)}")
        return unit

    def which_layer(hidden: bool = False) -> int:
        last = len(layers) - 1
        low, high = (1, last - 1) if hidden else (0, last)
        if layer is None or isinstance(layer, bool) or not low <= layer <= high:
            kind = "a hidden layer" if hidden else "a layer"
            raise UsageError(f"layer: {layer!r} is not {kind} of this network (layers are "
                             f"numbered from 0 on the input side; valid here: {low} to {high})")
        return layer

    if operation == "activation":
        name = which_unit()
        if net.unit[name].is_input:
            raise UsageError(f"unit: {name} is an input; an input has no activation")
        choice = choices()["activations"]
        if value not in choice:
            raise UsageError(f"activation: unknown activation {value!r}; valid activations are "
                             f"{', '.join(choice)}")
        out["units"][name] = value
    elif operation == "cost":
        if value not in mathtable.COSTS:
            raise UsageError(f"cost: unknown cost {value!r}; valid costs are "
                             f"{', '.join(mathtable.COSTS)}")
        out["cost"] = value
    elif operation == "add-unit":
        k = which_layer()
        group = layers[k]
        new = _name(net, group)
        units = dict(out["units"])
        out["units"] = {}
        for name, entry in units.items():  # the new unit right after its layer's last one
            out["units"][name] = entry
            if name == group[-1]:
                out["units"][new] = _unit_entry(net, group[0])
        if k > 0:
            for before in layers[k - 1]:
                out["weights"][f"{before} -> {new}"] = NEW_WEIGHT
        if k < len(layers) - 1:
            for after in layers[k + 1]:
                out["weights"][f"{new} -> {after}"] = NEW_WEIGHT
        if k > 0 and any(u in net.biases for u in group):
            out["biases"][new] = 0.0
        for sample in out["samples"]:
            if k == 0:
                sample["inputs"][new] = 0.0
            elif k == len(layers) - 1:
                sample["targets"][new] = 0.0
    elif operation == "remove-unit":
        name = which_unit()
        group = next(g for g in layers if name in g)
        if len(group) == 1:
            raise UsageError(f"unit: {name} is the only unit of its layer; remove the layer "
                             "instead (a hidden one), or add a unit first")
        _drop(out, {name})
    elif operation == "add-layer":
        if len(layers) < 2:
            raise UsageError("network: it needs an input and an output layer to add a layer "
                             "between them")
        before_layer, after_layer = layers[-2], layers[-1]
        width = len(before_layer) if len(layers) > 2 else 1
        like = before_layer[0] if len(layers) > 2 else after_layer[0]
        entry = _unit_entry(net, like)
        if entry == "softmax" or (isinstance(entry, dict) and entry.get("activation") ==
                                  "softmax"):
            entry = "sigmoid"
        names: list[str] = []
        probe = Network.from_dict(out)
        for _ in range(width):
            fresh = _name(probe, tuple(names) or ("h0",))
            while fresh in probe.unit or fresh in names:
                fresh = fresh + "_"
            names.append(fresh)
        for a in before_layer:
            for b in after_layer:
                out["weights"].pop(f"{a} -> {b}", None)
        units = dict(out["units"])
        out["units"] = {}
        for name, value_ in units.items():
            if name == after_layer[0]:
                for fresh in names:
                    out["units"][fresh] = copy.deepcopy(entry)
            out["units"][name] = value_
        for a in before_layer:
            for fresh in names:
                out["weights"][f"{a} -> {fresh}"] = NEW_WEIGHT
        for fresh in names:
            for b in after_layer:
                out["weights"][f"{fresh} -> {b}"] = NEW_WEIGHT
        if net.biases:
            for fresh in names:
                out["biases"][fresh] = 0.0
    elif operation == "remove-layer":
        k = which_layer(hidden=True)
        _drop(out, set(layers[k]))
        for a in layers[k - 1]:
            for b in layers[k + 1]:
                out["weights"].setdefault(f"{a} -> {b}", NEW_WEIGHT)
    # the same loader as a file: a valid network or one clear message
    return _load(out).to_dict()


def _drop(out: dict[str, Any], names: set[str]) -> None:
    out["units"] = {n: e for n, e in out["units"].items() if n not in names}
    out["weights"] = {w: v for w, v in out["weights"].items()
                      if not set(w.split(" -> ")) & names}
    out["biases"] = {n: v for n, v in out["biases"].items() if n not in names}
    for sample in out["samples"]:
        sample["inputs"] = {n: v for n, v in sample["inputs"].items() if n not in names}
        sample["targets"] = {n: v for n, v in sample["targets"].items() if n not in names}
