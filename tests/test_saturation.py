"""Saturated outputs and overflow (issue 10): the engine computes costs from z where that is exact,
never raises OverflowError, gives the divergence message instead, and keeps the weights from
before the update that blew up (in `solve` and in `train`, on both of its paths)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.core.mathtable import ACTIVATIONS, COSTS, OUTPUT_PAIRS, log_sum_exp
from chainrule.explain.document import Equation
from chainrule.explain.solution import explain
from chainrule.train.loop import evaluate


def one_output(activation: str, cost: str, weight: float, target: float | dict[str, float],
               outputs: tuple[str, ...] = ("k",), input_value: float = 1.0) -> dict[str, Any]:
    """i -> each output, the first weight ``weight``, the others 0."""
    targets = target if isinstance(target, dict) else {outputs[0]: target}
    return {
        "cost": cost,
        "learning_rate": 0.1,
        "units": {"i": "input", **dict.fromkeys(outputs, activation)},
        "weights": {f"i -> {o}": (weight if j == 0 else 0.0) for j, o in enumerate(outputs)},
        "samples": [{"inputs": {"i": input_value}, "targets": targets}],
    }


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)


# -- saturated outputs ------------------------------------------------------------------------


@pytest.mark.parametrize("z", [30.0, 40.0, 200.0, 800.0])
def test_binary_cross_entropy_on_a_saturated_sigmoid_is_computed_from_z(z: float) -> None:
    # y = 0: C = -ln(1 - a) = softplus(z) = z + ln(1 + e^-z); y = 1: C = -ln a = ln(1 + e^-z)
    zero = cr.solve(one_output("sigmoid", "binary_cross_entropy", z, 0.0)).step(1)
    assert zero.cost == z + math.log1p(math.exp(-z))
    one = cr.solve(one_output("sigmoid", "binary_cross_entropy", z, 1.0)).step(1)
    assert one.cost == pytest.approx(math.log1p(math.exp(-z)), rel=1e-15, abs=0.0)
    # dC/da is -1/a where y = 1 (not 0, what (a - y)/(a (1 - a)) gives once a rounds to 1)
    k = one.samples[0].unit("k")
    assert k.dC_da == -(1.0 + math.exp(-z)) and k.dC_da == pytest.approx(-1.0 / k.a)
    # and 1/(1 - a) = 1 + e^z where y = 0, infinite only past the float range
    k0 = zero.samples[0].unit("k")
    assert k0.dC_da == (1.0 + math.exp(z) if z < 700 else math.inf)
    assert k0.dC_dz == k0.a - 0.0 == zero.gradients()["weights"]["i -> k"]  # a - y
    # the slope a (1 - a) is computed as a^2 e^-z: da/dz * dC/da = dC/dz where both are finite
    if z < 700:
        assert k0.da_dz is not None and k0.da_dz * k0.dC_da == pytest.approx(1.0, rel=1e-12)


def test_z_of_40_is_not_divergence_and_the_text_says_what_was_computed() -> None:
    trace = cr.solve(one_output("sigmoid", "binary_cross_entropy", 40.0, 0.0), steps=3)
    assert [round(c, 6) for c in trace.costs] == [40.0, 39.9, 39.8]
    lines = [" = ".join([b.lhs.text, *(f.text for f in b.forms)])
             for section in explain(trace).sections for b in section.blocks
             if isinstance(b, Equation)]
    text = "\n".join(lines)
    assert "ln(1 + e^(z_k)) - y_k · z_k = ln(1 + e^(40)) - 0 · 40 = 40" in text
    assert "dC/dz_k = da_k/dz_k · dC/da_k = a_k - y_k = 1 - 0 = 1" in text


def test_softmax_with_cross_entropy_at_z_800(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    data = one_output("softmax", "categorical_cross_entropy", 800.0, {"p": 0.0, "q": 1.0},
                      outputs=("p", "q"))
    step = cr.solve(data).step(1)
    assert step.cost == 800.0  # -ln a_q = ln(e^800 + 1) - 0, by log-sum-exp
    assert step.gradients()["weights"] == {"i -> p": 1.0, "i -> q": -1.0}
    # dC/da_q = -1/a_q is infinite (a_q = e^-800 is 0 in floats): JSON writes null
    assert step.samples[0].unit("q").dC_da == -math.inf
    out = json.loads(json.dumps(step.samples[0].to_json(), allow_nan=False))
    assert out["units"]["q"]["dC_da"] is None and out["units"]["q"]["dC_dz"] == -1.0
    path = tmp_path / "net.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, text, err = run(["solve", str(path), "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(text)["steps"][0]["samples"][0]["units"]["q"]["dC_da"] is None
    for fmt in ("text", "markdown", "latex", "html"):
        code, _, err = run(["solve", str(path), "--format", fmt], capsys)
        assert code == 0, (fmt, err)


def test_the_trainer_agrees_with_the_engine_on_saturated_outputs() -> None:
    for data in (one_output("sigmoid", "binary_cross_entropy", 35.0, 1.0),
                 one_output("softmax", "categorical_cross_entropy", 300.0,
                            {"p": 0.25, "q": 0.75}, outputs=("p", "q"))):
        net = cr.load(data)
        step = cr.solve(net).step(1)
        X = np.array([[1.0]])
        Y = np.array([[data["samples"][0]["targets"][o] for o in net.outputs]])
        for engine in ("array", "scalar"):
            result = cr.train(net, X, Y, epochs=1, batch_size=1, progress=False, engine=engine)
            assert result.history[0]["cost"] == pytest.approx(step.cost, rel=1e-13)
            after = {f"{a} -> {b}": p.value for (a, b), p in result.network.weights.items()}
            assert after == pytest.approx(step.after()["weights"], rel=1e-13, abs=1e-13)


# -- the output pairs in the math table -------------------------------------------------------

ZS = [-3.0, -0.4, 0.0, 0.7, 2.5]


def test_pairs_equal_the_unfused_chain_where_that_is_exact() -> None:
    rng = np.random.default_rng(0)
    for (act_name, cost_name), pair in OUTPUT_PAIRS.items():
        act, cost = ACTIVATIONS[act_name], COSTS[cost_name]
        for _ in range(20):
            z = list(rng.uniform(-3, 3, 3))
            y = list(rng.uniform(0, 1, 3))
            if act.layer_value is not None:
                a = act.layer_value(z)
                assert act.layer_backward is not None
                slopes = [cost.slope(ak, yk, 3) for ak, yk in zip(a, y, strict=True)]
                chain = act.layer_backward(a, slopes)
            else:
                a = [act.value(zk, 0.0) for zk in z]
                chain = [act.slope(zk, ak, 0.0) * cost.slope(ak, yk, 3)
                         for zk, ak, yk in zip(z, a, y, strict=True)]
            assert pair.cost_from_z(z, y) == pytest.approx(
                sum(cost.term(ak, yk, 3) for ak, yk in zip(a, y, strict=True)), rel=1e-12)
            assert pair.dC_dz(a, y) == pytest.approx(chain, rel=1e-9, abs=1e-12)
            assert pair.dC_da(z, a, y) == pytest.approx(
                [cost.slope(ak, yk, 3) for ak, yk in zip(a, y, strict=True)], rel=1e-12)
            # the array versions, rows of samples, agree with the one-sample ones
            Z, Y = np.array([z, z]), np.array([y, y])
            A, aux = pair.forward_array(Z, np.empty_like(Z))
            assert A[0] == pytest.approx(a, rel=1e-15)
            assert pair.cost_sum_array(Z, Y, aux, Y.sum(axis=1, keepdims=True)) == \
                pytest.approx(2 * pair.cost_from_z(z, y), rel=1e-12)
            out = np.empty_like(Z)
            pair.dC_dz_array(A, Y, Y.sum(axis=1, keepdims=True), out)
            assert out[1] == pytest.approx(pair.dC_dz(a, y), rel=1e-12, abs=1e-15)


def test_pair_cost_is_the_derivative_of_nothing_but_z() -> None:
    # dC/dz of the pair is the central difference of its cost from z
    h = 1e-6
    for pair in OUTPUT_PAIRS.values():
        act = ACTIVATIONS[pair.activation]
        for z0 in ZS:
            z = [z0, 0.3 - z0, 1.1]
            y = [0.2, 0.5, 0.3]
            a = act.layer_value(z) if act.layer_value else [act.value(v, 0.0) for v in z]
            for k in range(3):
                up = [v + h if j == k else v for j, v in enumerate(z)]
                down = [v - h if j == k else v for j, v in enumerate(z)]
                numeric = (pair.cost_from_z(up, y) - pair.cost_from_z(down, y)) / (2 * h)
                assert pair.dC_dz(a, y)[k] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_log_sum_exp_does_not_overflow() -> None:
    assert log_sum_exp([800.0, 0.0]) == 800.0
    assert log_sum_exp([1000.0, 1000.0]) == pytest.approx(1000.0 + math.log(2.0))
    assert log_sum_exp([-1000.0, -1000.0]) == pytest.approx(-1000.0 + math.log(2.0))


# -- overflow in the scalar engine ------------------------------------------------------------

IDENTITY = """title = "overflow"
cost = "squared_error"
learning_rate = 0.1
[units]
i = "input"
k = "identity"
[weights]
"i -> k" = {weight}
[[samples]]
inputs = {{i = 1}}
targets = {{k = {target}}}
"""


@pytest.mark.parametrize(("weight", "target"), [("1e155", "1"), ("1", "1e308"),
                                                 ("1e300", "-1e300")])
def test_overflow_is_divergence_not_a_crash(weight: str, target: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.toml"
    path.write_text(IDENTITY.format(weight=weight, target=target), encoding="utf-8")
    with pytest.raises(cr.DivergedError) as info:
        cr.solve(path)
    assert info.value.step == 1
    saved = tmp_path / "saved.toml"
    code, out, err = run(["solve", str(path), "--save-updated", str(saved)], capsys)
    one_line_error(code, err, "step 1", "infinite" if "weight" in str(info.value) else "inf")
    # the cost was infinite before any update: the saved network is the one given
    assert cr.load(saved).weights == cr.load(path).weights


def test_a_huge_learning_rate_saves_the_last_weights_whose_cost_was_finite(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "d.toml"
    code, out, err = run(["solve", "exercise-2", "--learning-rate", "1e100", "--steps", "100",
                          "--save-updated", str(saved)], capsys)
    one_line_error(code, err, "learning rate")
    kept = cr.load(saved)
    first = cr.solve(kept, learning_rate=1e100).step(1)  # does not diverge at its first step
    assert math.isfinite(first.cost)
    with pytest.raises(cr.DivergedError) as info:
        cr.solve("exercise-2", steps=100, learning_rate=1e100)
    trace = info.value.trace
    assert isinstance(trace, cr.Trace)
    assert kept.weights == trace.final.weights


def test_plot_landscape_with_a_huge_learning_rate(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    code, out, err = run(["plot", "landscape", "exercise-2", "-w", "i -> j", "--learning-rate",
                          "1e308", "-o", str(tmp_path / "l.png")], capsys)
    assert code in (0, 2), err
    if code == 2:
        one_line_error(code, err, "learning rate")


@pytest.mark.parametrize("value", [1e154, 1e200, 1e300, 1.7e308, -1.7e308])
def test_every_cost_and_activation_survives_extreme_numbers(value: float) -> None:
    for activation in ("identity", "relu", "leaky_relu", "sigmoid", "tanh"):
        for cost in COSTS:
            data = one_output(activation, cost, value, 1.0 if "entropy" in cost else value / 3)
            try:
                trace = cr.solve(data, steps=2)
            except cr.DivergedError:
                continue
            except cr.NetworkError as error:  # a cross entropy needs probabilities
                assert "entropy" in cost, error
                continue
            json.dumps(trace.to_json(), allow_nan=False)


# -- train keeps the weights from before the update that blew up ------------------------------


def diverging_batch(error: cr.TrainingDivergedError) -> int:
    found = re.search(r"\(batch (\d+)\)", str(error))
    assert found, str(error)
    return int(found.group(1))


@pytest.mark.parametrize("engine", ["array", "scalar"])
@pytest.mark.parametrize("batch_size", [1, 4, 40])
def test_train_keeps_the_weights_from_before_the_update_that_blew_up(
        engine: str, batch_size: int) -> None:
    net = cr.mlp([1, 2, 1], hidden="identity", output="identity", seed=0)
    X = np.linspace(-3, 3, 40).reshape(-1, 1) * 10
    Y = 3 * X
    with pytest.raises(cr.TrainingDivergedError) as caught:
        cr.train(net, X, Y, epochs=500, batch_size=batch_size, learning_rate=0.05,
                 shuffle=False, progress=False, engine=engine)
    error = caught.value
    per_epoch = len(X) // batch_size
    failed = (error.epoch - 1) * per_epoch + diverging_batch(error)  # the batch whose cost blew
    kept_updates = failed - 2  # the updates before the one that led to it
    assert kept_updates >= 1
    # the same updates, replayed on consecutive copies of the data
    rows = np.tile(X, (error.epoch + 1, 1))[: kept_updates * batch_size]
    targets = np.tile(Y, (error.epoch + 1, 1))[: kept_updates * batch_size]
    replay = cr.train(net, rows, targets, epochs=1, batch_size=batch_size, learning_rate=0.05,
                      shuffle=False, progress=False, engine=engine).network
    kept = error.result.network
    assert kept.weights == replay.weights
    # the cost at the kept weights is finite (a saved file does not diverge at its first step)
    assert math.isfinite(evaluate(kept, X, Y)["cost"])


def test_train_divergence_with_an_optimizer_state_replays_exactly() -> None:
    net = cr.mlp([1, 3, 1], hidden="identity", output="identity", seed=1)
    X = np.linspace(-3, 3, 40).reshape(-1, 1) * 1e3
    Y = 3 * X
    with pytest.raises(cr.TrainingDivergedError) as caught:
        cr.train(net, X, Y, epochs=200, batch_size=8, learning_rate=5.0, optimizer="momentum",
                 seed=3, progress=False)
    kept = caught.value.result.network
    values = [p.value for p in kept.weights.values()]
    assert all(math.isfinite(v) for v in values)
    assert all(abs(v) < 1e300 for v in values)


@pytest.mark.parametrize("engine", ["array", "scalar"])
def test_data_near_the_float_limit_trains_or_diverges_without_a_warning(engine: str) -> None:
    import warnings

    net = cr.mlp([2, 3, 2], hidden="tanh", output="identity", seed=1)
    X = np.array([[1e308, -1e308], [1e308, 1e308], [-1e308, 5.0], [2.0, 1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(cr.TrainingDivergedError):
            cr.train(net, X, X, epochs=2, batch_size=2, progress=False, engine=engine)
