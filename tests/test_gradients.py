"""Property tests on random networks: every gradient against two oracles.

1. Central finite differences of the batch-mean cost (the engine's forward pass only).
2. PyTorch float64 autograd on a graph built here, directly from the network dict, with its
   own formulas for every activation and cost (independent of chainrule's math table).

Plus the identities the JSON promises (dC_dz = da_dz * dC_da, ...), and the JSON's keys.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.core.errors import DivergedError
from chainrule.core.mathtable import output_pair
from chainrule.core.network import Network, weight_name

from .strategies import networks

KINKED = {"relu", "leaky_relu"}
KINK_MARGIN = 1e-3


def batch_cost(net: Network, weights: Mapping[Any, float], biases: Mapping[str, float]) -> float:
    return cr.solve(net.with_parameters(weights, biases)).step(1).cost


def near_a_kink(net: Network, trace: cr.Trace) -> bool:
    """True when some ReLU-like unit has |z| < KINK_MARGIN in some sample of step 1."""
    for s in trace.step(1).samples:
        for name, u in s.units.items():
            if net.unit[name].activation in KINKED and u.z is not None and abs(u.z) < KINK_MARGIN:
                return True
    return False


def agrees(got: float, want: float, tol: float) -> bool:
    return abs(got - want) <= tol * max(1.0, abs(want))


@settings(max_examples=60, deadline=None)
@given(networks())
def test_gradients_match_central_finite_differences(data: dict[str, Any]) -> None:
    net = cr.load(data)
    trace = cr.solve(net)
    assume(not near_a_kink(net, trace))
    step = trace.step(1)
    w0 = {k: p.value for k, p in net.weights.items()}
    b0 = {k: p.value for k, p in net.biases.items()}
    grads = step.gradients()
    checks: list[tuple[str, float, float]] = []
    for key in net.weights:
        h = 1e-6 * max(1.0, abs(w0[key]))
        up = batch_cost(net, {**w0, key: w0[key] + h}, b0)
        down = batch_cost(net, {**w0, key: w0[key] - h}, b0)
        checks.append((weight_name(key), grads["weights"][weight_name(key)], (up - down) / (2 * h)))
    for name in net.biases:
        h = 1e-6 * max(1.0, abs(b0[name]))
        up = batch_cost(net, w0, {**b0, name: b0[name] + h})
        down = batch_cost(net, w0, {**b0, name: b0[name] - h})
        checks.append((f"bias {name}", grads["biases"][name], (up - down) / (2 * h)))
    for what, analytic, numeric in checks:
        assert agrees(analytic, numeric, 1e-5), (what, analytic, numeric, net.to_dict())


# -- the PyTorch float64 oracle ---------------------------------------------------------------


def _value(spec: Any) -> float:
    return float(spec["value"] if isinstance(spec, Mapping) else spec)


def _trainable(spec: Any) -> bool:
    return bool(spec.get("trainable", True)) if isinstance(spec, Mapping) else True


def torch_oracle(data: dict[str, Any]) -> tuple[float, dict[str, float], dict[str, float]]:
    """(batch-mean cost, weight gradients, bias gradients) by PyTorch autograd in float64."""
    torch = pytest.importorskip("torch")
    f64 = torch.float64
    units: dict[str, tuple[str, float]] = {}
    for name, spec in data["units"].items():
        if isinstance(spec, Mapping):
            units[name] = (spec["activation"], float(spec.get("slope", 0.01)))
        else:
            units[name] = (spec, 0.01)
    edges = [(k, *(p.strip() for p in k.split("->"))) for k in data["weights"]]

    def leaf(spec: Any) -> Any:
        return torch.tensor(_value(spec), dtype=f64, requires_grad=True)

    w = {k: leaf(v) for k, v in data["weights"].items()}
    b = {k: leaf(v) for k, v in data["biases"].items()}
    # a feed-forward order: a unit after every unit that feeds it
    order: list[str] = []
    left = list(units)
    while left:
        for name in left:
            if all(src in order for _, src, dst in edges if dst == name):
                order.append(name)
                left.remove(name)
                break
    outputs = [n for n in units if units[n][0] != "input" and not any(s == n for _, s, _ in edges)]
    cost_name = data.get("cost", "squared_error")
    total = torch.zeros((), dtype=f64)
    for sample in data["samples"]:
        a: dict[str, Any] = {}
        z: dict[str, Any] = {}
        for name in order:
            act, slope = units[name]
            if act == "input":
                a[name] = torch.tensor(float(sample["inputs"][name]), dtype=f64)
                continue
            zero = torch.zeros((), dtype=f64)
            s = sum((a[src] * w[k] for k, src, dst in edges if dst == name), zero)
            if name in b:
                s = s + b[name]
            z[name] = s
            if act in ("identity", "linear"):
                a[name] = s
            elif act == "relu":
                a[name] = torch.where(s > 0, s, torch.zeros_like(s))
            elif act == "leaky_relu":
                a[name] = torch.where(s > 0, s, slope * s)
            elif act in ("sigmoid", "logistic"):
                a[name] = torch.sigmoid(s)
            elif act == "tanh":
                a[name] = torch.tanh(s)
            elif act != "softmax":
                raise AssertionError(act)
        if units[outputs[0]][0] == "softmax":
            soft = torch.softmax(torch.stack([z[k] for k in outputs]), dim=0)
            for i, k in enumerate(outputs):
                a[k] = soft[i]
        out = torch.stack([a[k] for k in outputs])
        y = torch.tensor([float(sample["targets"][k]) for k in outputs], dtype=f64)
        if cost_name == "squared_error":
            c = ((out - y) ** 2).sum()
        elif cost_name == "half_squared_error":
            c = 0.5 * ((out - y) ** 2).sum()
        elif cost_name == "mean_squared_error":
            c = ((out - y) ** 2).mean()
        elif cost_name == "binary_cross_entropy":
            c = -(y * torch.log(out) + (1 - y) * torch.log(1 - out)).sum()
        elif cost_name == "categorical_cross_entropy":
            c = -(y * torch.log(out)).sum()
        else:
            raise AssertionError(cost_name)
        total = total + c
    mean = total / len(data["samples"])
    mean.backward()

    def grad(t: Any) -> float:
        return 0.0 if t.grad is None else float(t.grad)

    return (
        float(mean.detach()),
        {k.replace(" ", "").replace("->", " -> "): grad(t) for k, t in w.items()},
        {k: grad(t) for k, t in b.items()},
    )


@settings(max_examples=60, deadline=None)
@given(networks())
def test_gradients_and_update_match_pytorch_float64(data: dict[str, Any]) -> None:
    pytest.importorskip("torch")
    cost, gw, gb = torch_oracle(data)
    trace = cr.solve(data)
    step = trace.step(1)
    assert agrees(step.cost, cost, 1e-12)
    got = step.gradients()
    assert list(got["weights"]) == list(gw) and list(got["biases"]) == list(gb)
    for name, g in gw.items():
        assert agrees(got["weights"][name], g, 1e-9), (name, got["weights"][name], g)
    for name, g in gb.items():
        assert agrees(got["biases"][name], g, 1e-9), (name, got["biases"][name], g)
    r = float(data["learning_rate"])
    before, after = step.before(), step.after()
    for group, oracle, specs in (("weights", gw, data["weights"]), ("biases", gb, data["biases"])):
        for (name, g), spec in zip(oracle.items(), specs.values(), strict=True):
            assert before[group][name] == _value(spec)
            if _trainable(spec):
                assert agrees(after[group][name], _value(spec) - r * g, 1e-9)
            else:
                assert after[group][name] == before[group][name]


def test_the_oracle_is_not_vacuous() -> None:
    """The PyTorch oracle gives the handout's Exercise 2 numbers."""
    pytest.importorskip("torch")
    cost, gw, _ = torch_oracle(cr.load("exercise-2").to_dict())
    assert cost == pytest.approx(0.3632231824, rel=1e-14)
    assert gw == pytest.approx({"i -> j": -0.55687632, "j -> k": -0.72562672}, rel=1e-14)


# -- the trace's identities and the JSON ------------------------------------------------------

UNIT_KEYS = ["layer", "z", "a", "da_dz", "dC_da", "dC_dz"]


@settings(max_examples=40, deadline=None)
@given(networks(), st.integers(min_value=1, max_value=3))
def test_json_is_valid_and_has_exactly_the_contract_keys(data: dict[str, Any], steps: int) -> None:
    try:
        trace = cr.solve(data, steps=steps)
    except DivergedError:
        assume(False)
        raise
    net = trace.network
    text = json.dumps(trace.to_json(), allow_nan=False)

    def no_constant(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    out = json.loads(text, parse_constant=no_constant)
    assert list(out) == ["title", "cost", "learning_rate", "steps"]
    assert (out["title"], out["cost"], out["learning_rate"]) == (
        net.title, net.cost, net.learning_rate
    )
    assert [s["step"] for s in out["steps"]] == list(range(1, steps + 1))
    weight_names = [weight_name(k) for k in net.weights]
    for s in out["steps"]:
        assert list(s) == ["step", "samples", "cost", "gradients", "before", "after"]
        for group in ("gradients", "before", "after"):
            assert list(s[group]) == ["weights", "biases"]
            assert list(s[group]["weights"]) == weight_names
            assert list(s[group]["biases"]) == list(net.biases)
        assert len(s["samples"]) == len(net.samples)
        for sample, given_sample in zip(s["samples"], net.samples, strict=True):
            assert list(sample) == ["inputs", "targets", "units", "cost", "gradients"]
            assert sample["inputs"] == dict(given_sample.inputs)
            assert sample["targets"] == dict(given_sample.targets)
            assert list(sample["units"]) == [u.name for u in net.units]
            for name, entry in sample["units"].items():
                unit = net.unit[name]
                assert entry["layer"] == net.layer(name)
                if unit.is_input:
                    assert list(entry) == ["layer", "a"]
                    assert entry["a"] == given_sample.inputs[name]
                elif unit.activation == "softmax":
                    assert list(entry) == [k for k in UNIT_KEYS if k != "da_dz"]
                else:
                    assert list(entry) == UNIT_KEYS
    for a, b in zip(out["steps"], out["steps"][1:], strict=False):
        assert b["before"] == a["after"]


@settings(max_examples=60, deadline=None)
@given(networks())
def test_trace_identities(data: dict[str, Any]) -> None:
    """dC_dz = da_dz * dC_da; a weight's gradient = a_from * dC_dz_to; a hidden unit's dC_da is
    the sum over its outgoing weights of w * dC_dz (the reuse); the step's gradients are means."""
    trace = cr.solve(data)
    net = trace.network
    pair = output_pair([net.unit[k].activation for k in net.outputs], net.cost)
    step = trace.step(1)
    for s in step.samples:
        units = s.units
        for name, u in units.items():
            if net.unit[name].is_input:
                assert u.z is None and u.dC_da is None
                continue
            assert u.dC_dz is not None and u.dC_da is not None
            if u.da_dz is not None and name in net.outputs and pair is not None:
                # the pair's dC/dz = a - y is the chain's product, not its rounding of it
                assert abs(u.dC_dz - u.da_dz * u.dC_da) <= 1e-12 * max(1.0, abs(u.dC_dz))
            elif u.da_dz is not None:
                assert u.dC_dz == u.da_dz * u.dC_da
            else:
                assert net.unit[name].activation == "softmax"
            if name not in net.outputs:
                terms = [w.value * units[dst].dC_dz for (src, dst), w in net.weights.items()  # type: ignore[operator]
                         if src == name]
                assert terms
                assert abs(u.dC_da - math.fsum(terms)) <= 1e-12 * math.fsum(map(abs, terms))
        grads = s.gradients()
        for key in net.weights:
            f = s.factors(key)
            assert f.gradient == units[key[0]].a * units[key[1]].dC_dz  # type: ignore[operator]
            assert grads["weights"][weight_name(key)] == f.gradient
            assert f.a_from == units[key[0]].a and f.dC_dz == units[key[1]].dC_dz
        for name in net.biases:
            assert grads["biases"][name] == units[name].dC_dz
    n = len(step.samples)
    mean = step.gradients()
    for group in ("weights", "biases"):
        for name, g in mean[group].items():
            per_sample = [s.gradients()[group][name] for s in step.samples]
            assert g == pytest.approx(math.fsum(per_sample) / n, rel=1e-12, abs=1e-300)
    assert step.cost == pytest.approx(math.fsum(s.cost for s in step.samples) / n, rel=1e-12)
