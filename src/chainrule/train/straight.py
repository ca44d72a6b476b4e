"""Tiny networks, one sample per step, as straight-line Python: what a hand-written loop does.

The scalar engine's plan (:class:`chainrule.core.engine.Plan`) loops over index lists for any
network; for a student's 2-2-1 most of a step's time goes to those loops and lists. Here a
network is turned, once, into the source of one function that runs a whole epoch of
single-sample steps with every weight, bias, z, a and dC/dz a local variable: the same
operations in the same order as the plan (the same numbers, bit for bit), each activation's
value and slope and the cost's term and slope the math table's own functions, called by name.

Used for plain SGD with ``batch_size=1`` on networks without an output pair or a softmax layer
whose every parameter is trainable (:func:`compiled` says None otherwise); the source is built
per network structure and kept (:data:`_CACHE`), so a one-step ``train()`` call pays nothing
for it again.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import Any

from chainrule.core import mathtable
from chainrule.core.network import Network

Epoch = Callable[..., tuple[list[float], list[float], float, int, int, float | None]]
"""``(xs, ys, rows, n, w, b, r, labels, report) -> (w, b, total cost, correct, steps, bad)``:
``bad`` is the first non-finite cost (the step it happened in is ``steps``; its update is not
made), else None."""

_CACHE: weakref.WeakKeyDictionary[Any, Epoch | None] = weakref.WeakKeyDictionary()


def compiled(network: Network, key: Any) -> Epoch | None:
    """The epoch function of ``network`` (cached under ``key``, an object that lives as long as
    the network's structure), or None when the network needs the general plan."""
    if key in _CACHE:
        return _CACHE[key]
    epoch = _build(network)
    _CACHE[key] = epoch
    return epoch


def _build(net: Network) -> Epoch | None:
    functions = {u.name: u.function for u in net.units}
    outputs = list(net.outputs)
    if any(functions[o].kind == "softmax" for o in outputs):
        return None
    if mathtable.output_pair([functions[o].name for o in outputs], net.cost) is not None:
        return None
    if not all(p.trainable for p in net.weights.values()) or not all(
            p.trainable for p in net.biases.values()):
        return None
    index = {u.name: i for i, u in enumerate(net.units)}
    weight_keys = list(net.weights)
    bias_of = {u: bi for bi, u in enumerate(net.biases)}
    incoming: dict[str, list[tuple[str, int]]] = {u.name: [] for u in net.units}
    outgoing: dict[str, list[tuple[str, int]]] = {u.name: [] for u in net.units}
    for wi, (src, dst) in enumerate(weight_keys):
        incoming[dst].append((src, wi))
        outgoing[src].append((dst, wi))
    names: dict[str, Any] = {"COST_TERM": mathtable.COSTS[net.cost].term,
                             "COST_SLOPE": mathtable.COSTS[net.cost].slope,
                             "isfinite": math.isfinite}
    for u in net.units:
        if not u.is_input:
            i = index[u.name]
            names[f"V{i}"] = u.function.value
            names[f"S{i}"] = u.function.slope
            names[f"P{i}"] = u.parameter if u.parameter is not None else 0.0
    n_w, n_b, n_out = len(weight_keys), len(bias_of), len(outputs)
    w_vars = [f"w{i}" for i in range(n_w)]
    b_vars = [f"b{i}" for i in range(n_b)]
    lines = ["def epoch(xs, ys, rows, n, w, b, r, labels, report):"]
    body: list[str] = []
    if n_w:
        body.append(f"{', '.join(w_vars)}, = w")
    if n_b:
        body.append(f"{', '.join(b_vars)}, = b")
    body += ["total = 0.0", "correct = 0", "steps = 0", "bad = None",
             "for row in rows[:n]:"]
    step: list[str] = ["x = xs[row]", "y = ys[row]"]
    for j, name in enumerate(net.inputs):
        step.append(f"a{index[name]} = x[{j}]")
    hidden_backward = []
    output_set = set(outputs)
    for name in net.order:
        i = index[name]
        if name in net.inputs:
            continue
        terms = "".join(f" + a{index[src]} * w{wi}" for src, wi in incoming[name])
        bias = f" + b{bias_of[name]}" if name in bias_of else ""
        step.append(f"z{i} = 0.0{terms}{bias}")
        step.append(f"a{i} = V{i}(z{i}, P{i})")
        if name not in output_set:
            hidden_backward.append(name)
    # the cost and dC/dz at the outputs, then each hidden unit's, as the plan computes them
    step.append("c = 0.0" + "".join(
        f" + COST_TERM(a{index[o]}, y[{j}], {n_out})" for j, o in enumerate(outputs)))
    for j, o in enumerate(outputs):
        k = index[o]
        step.append(f"d{k} = S{k}(z{k}, a{k}, P{k}) * COST_SLOPE(a{k}, y[{j}], {n_out})")
    for name in reversed(hidden_backward):
        i = index[name]
        terms = "".join(f" + w{wi} * d{index[dst]}" for dst, wi in outgoing[name])
        step.append(f"d{i} = S{i}(z{i}, a{i}, P{i}) * (0.0{terms})")
    step += ["steps += 1", "if not isfinite(c):", "    bad = c", "    break", "total += c"]
    for wi, (src, dst) in enumerate(weight_keys):
        step.append(f"w{wi} = w{wi} - r * (a{index[src]} * d{index[dst]})")
    for unit_name, bi in bias_of.items():
        step.append(f"b{bi} = b{bi} - r * d{index[unit_name]}")
    step.append("if labels is not None:")
    if n_out == 1:
        step.append(f"    correct += (a{index[outputs[0]]} > 0.5) == labels[row]")
    else:
        values = ", ".join(f"a{index[o]}" for o in outputs)
        step.append(f"    out = ({values},)")
        step.append(f"    correct += max(range({n_out}), key=out.__getitem__) == labels[row]")
    step += ["if report is not None:",
             "    report(steps, total / steps, correct / steps if labels is not None else None)"]
    body += ["    " + s for s in step]
    body.append(f"return [{', '.join(w_vars)}], [{', '.join(b_vars)}], total, correct, steps, bad")
    lines += ["    " + s for s in body]
    code = compile("\n".join(lines) + "\n", f"<chainrule epoch of {net.title or 'a network'}>",
                   "exec")
    exec(code, names)  # the source above: built from the network's structure, no user text
    epoch: Epoch = names["epoch"]
    return epoch
