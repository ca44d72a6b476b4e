"""The handout's exercises, worked by hand here and checked against the engine to full precision.

Each expected number is computed in this file with plain arithmetic, in the handout's order
(feed forward, cost, dC/da at the output, the chain of factors, the update), independently of
chainrule's math table.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

import chainrule as cr

R = 0.1  # the handout's learning rate r


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def exact(x: float) -> Any:
    """Equal up to the last bit or two (for sums whose order of float operations may differ)."""
    return pytest.approx(x, rel=1e-15, abs=0.0)


def test_exercise_1_simple_chain() -> None:
    a_j, w_jk, y = 0.5, 0.48, 1.0
    # feed forward (ReLU, z > 0 so a = z)
    z_k = a_j * w_jk
    a_k = z_k
    C = (a_k - y) ** 2
    # chain rule: dC/dw = dz/dw * da/dz * dC/da = a_j * 1 * 2(a_k - y)
    dC_da_k = 2 * (a_k - y)
    dC_dw = a_j * (1.0 * dC_da_k)
    w_new = w_jk - R * dC_dw

    step = cr.solve("exercise-1").step(1)
    s = step.samples[0]
    k = s.unit("k")
    assert (k.z, k.a, k.da_dz, k.dC_da, k.dC_dz) == (z_k, a_k, 1.0, dC_da_k, dC_da_k)
    assert s.unit("j").a == a_j
    assert step.cost == C
    assert step.gradients()["weights"] == {"j -> k": dC_dw}
    assert step.after()["weights"] == {"j -> k": w_new}
    # the numbers a student writes down
    assert z_k == pytest.approx(0.24) and C == pytest.approx(0.5776)
    assert dC_dw == pytest.approx(-0.76) and w_new == pytest.approx(0.556)


def test_exercise_2_three_layer_chain() -> None:
    a_i, w_ij, w_jk, y = 0.7, 0.86, 0.66, 1.0
    z_j = a_i * w_ij
    a_j = z_j
    z_k = a_j * w_jk
    a_k = z_k
    C = (a_k - y) ** 2
    dC_da_k = 2 * (a_k - y)
    dC_dz_k = 1.0 * dC_da_k
    dC_dw_jk = a_j * dC_dz_k
    # hidden unit j reuses dC/dz_k: dC/da_j = w_jk * dC/dz_k
    dC_da_j = w_jk * dC_dz_k
    dC_dz_j = 1.0 * dC_da_j
    dC_dw_ij = a_i * dC_dz_j
    new_w_ij = w_ij - R * dC_dw_ij
    new_w_jk = w_jk - R * dC_dw_jk

    trace = cr.solve("exercise-2")
    step = trace.step(1)
    s = step.samples[0]
    j, k = s.unit("j"), s.unit("k")
    assert (j.layer, k.layer, s.unit("i").layer) == ("L-1", "L", "L-2")
    assert (j.z, j.a, j.da_dz, j.dC_da, j.dC_dz) == (z_j, a_j, 1.0, dC_da_j, dC_dz_j)
    assert (k.z, k.a, k.da_dz, k.dC_da, k.dC_dz) == (z_k, a_k, 1.0, dC_da_k, dC_dz_k)
    assert step.cost == s.cost == C
    assert step.gradients() == {"weights": {"i -> j": dC_dw_ij, "j -> k": dC_dw_jk}, "biases": {}}
    assert step.before() == {"weights": {"i -> j": w_ij, "j -> k": w_jk}, "biases": {}}
    assert step.after() == {"weights": {"i -> j": new_w_ij, "j -> k": new_w_jk}, "biases": {}}
    # the chain of factors kept for the explanation
    f = s.factors(("i", "j"))
    factors = (f.a_from, f.da_dz, f.dC_da, f.dC_dz, f.gradient)
    assert factors == (a_i, 1.0, dC_da_j, dC_dz_j, dC_dw_ij)
    # the rounded numbers of the worked solution
    assert round(z_j, 4) == 0.602 and round(a_k, 4) == 0.3973 and round(C, 4) == 0.3632
    assert round(dC_da_k, 4) == -1.2054 and round(dC_dw_jk, 4) == -0.7256
    assert round(dC_dw_ij, 4) == -0.5569
    assert round(new_w_ij, 4) == 0.9157 and round(new_w_jk, 4) == 0.7326


def test_exercise_3_two_inputs() -> None:
    a_i, a_i2, w_ij, w_i2j, w_jk, y = 0.7, 0.4, 0.48, 0.48, 0.66, 1.0
    # the handout: a_j = a_i w_ij + a_j w_jj (its second input j is called i2 here)
    z_j = a_i * w_ij + a_i2 * w_i2j
    a_j = z_j
    z_k = a_j * w_jk
    a_k = z_k
    C = (a_k - y) ** 2
    dC_da_k = 2 * (a_k - y)
    dC_dz_k = dC_da_k
    dC_da_j = w_jk * dC_dz_k
    dC_dz_j = dC_da_j
    grads = {"i -> j": a_i * dC_dz_j, "i2 -> j": a_i2 * dC_dz_j, "j -> k": a_j * dC_dz_k}
    before = {"i -> j": w_ij, "i2 -> j": w_i2j, "j -> k": w_jk}
    after = {name: before[name] - R * g for name, g in grads.items()}

    step = cr.solve("exercise-3").step(1)
    s = step.samples[0]
    assert s.unit("j").z == exact(z_j)
    assert s.unit("k").z == exact(z_k)
    assert step.cost == exact(C)
    assert s.unit("j").dC_da == exact(dC_da_j)
    got = step.gradients()["weights"]
    assert list(got) == list(grads)
    for name in grads:
        assert got[name] == exact(grads[name])
        assert step.after()["weights"][name] == exact(after[name])
    assert s.unit("i").layer == s.unit("i2").layer == "L-2"
    assert round(z_j, 4) == 0.528 and round(z_k, 5) == 0.34848 and round(C, 4) == 0.4245


def test_chain_1_gradient_is_2w_minus_2_for_many_steps() -> None:
    trace = cr.solve("chain-1", steps=8)
    w = 0.66
    for step in trace:
        assert step.before()["weights"]["j -> k"] == w
        dC_dw = step.gradients()["weights"]["j -> k"]
        assert dC_dw == 2 * w - 2
        assert step.cost == (w - 1) ** 2
        w = w - 0.1 * (2 * w - 2)
        assert step.after()["weights"]["j -> k"] == w
    assert abs(w - 1) < abs(0.66 - 1) * 0.8**7  # each step shrinks the error by 1 - 2r = 0.8


def test_aima_21_sigmoid_network_with_biases() -> None:
    r = 0.5
    x1, x2, y = 1.0, 0.0, 1.0
    w = {"x1 -> u3": 0.1, "x1 -> u4": 0.4, "x2 -> u3": -0.2, "x2 -> u4": 0.3,
         "u3 -> u5": 0.5, "u4 -> u5": -0.6}
    b = {"u3": 0.1, "u4": -0.1, "u5": 0.2}
    z3 = x1 * w["x1 -> u3"] + x2 * w["x2 -> u3"] + b["u3"]
    z4 = x1 * w["x1 -> u4"] + x2 * w["x2 -> u4"] + b["u4"]
    a3, a4 = sigmoid(z3), sigmoid(z4)
    z5 = a3 * w["u3 -> u5"] + a4 * w["u4 -> u5"] + b["u5"]
    a5 = sigmoid(z5)
    C = (a5 - y) ** 2
    dC_da5 = 2 * (a5 - y)
    g5 = a5 * (1 - a5)
    delta5 = g5 * dC_da5  # dC/dz_5
    dC_da3 = w["u3 -> u5"] * delta5
    dC_da4 = w["u4 -> u5"] * delta5
    delta3 = a3 * (1 - a3) * dC_da3
    delta4 = a4 * (1 - a4) * dC_da4
    grads_w = {"x1 -> u3": x1 * delta3, "x1 -> u4": x1 * delta4, "x2 -> u3": x2 * delta3,
               "x2 -> u4": x2 * delta4, "u3 -> u5": a3 * delta5, "u4 -> u5": a4 * delta5}
    grads_b = {"u3": delta3, "u4": delta4, "u5": delta5}

    step = cr.solve("aima-21").step(1)
    s = step.samples[0]
    layers = [s.unit(n).layer for n in ("x1", "x2", "u3", "u4", "u5")]
    assert layers == ["L-2", "L-2", "L-1", "L-1", "L"]
    for name, z, a in (("u3", z3, a3), ("u4", z4, a4), ("u5", z5, a5)):
        assert s.unit(name).z == exact(z)
        assert s.unit(name).a == exact(a)
    assert s.unit("u5").dC_da == exact(dC_da5)
    assert s.unit("u5").dC_dz == exact(delta5)
    assert s.unit("u3").dC_da == exact(dC_da3)
    assert step.cost == exact(C)
    g = step.gradients()
    assert g["weights"] == {k: exact(v) for k, v in grads_w.items()}
    assert g["biases"] == {k: exact(v) for k, v in grads_b.items()}
    assert step.after()["weights"] == {k: exact(w[k] - r * v) for k, v in grads_w.items()}
    assert step.after()["biases"] == {k: exact(b[k] - r * v) for k, v in grads_b.items()}
    # x2 = 0, so its weights get no gradient
    assert g["weights"]["x2 -> u3"] == 0.0


# The JSON example of CONTRACT.md, `chainrule solve exercise-2 --format json`.
CONTRACT_EXERCISE_2: dict[str, Any] = {
    "title": "Exercise 2: three-layer chain network",
    "cost": "squared_error",
    "learning_rate": 0.1,
    "steps": [
        {
            "step": 1,
            "samples": [
                {
                    "inputs": {"i": 0.7},
                    "targets": {"k": 1.0},
                    "units": {
                        "i": {"layer": "L-2", "a": 0.7},
                        "j": {"layer": "L-1", "z": 0.602, "a": 0.602, "da_dz": 1.0,
                              "dC_da": -0.7955376, "dC_dz": -0.7955376},
                        "k": {"layer": "L", "z": 0.39732, "a": 0.39732, "da_dz": 1.0,
                              "dC_da": -1.20536, "dC_dz": -1.20536},
                    },
                    "cost": 0.3632231824,
                    "gradients": {"weights": {"i -> j": -0.55687632, "j -> k": -0.72562672},
                                  "biases": {}},
                }
            ],
            "cost": 0.3632231824,
            "gradients": {"weights": {"i -> j": -0.55687632, "j -> k": -0.72562672}, "biases": {}},
            "before": {"weights": {"i -> j": 0.86, "j -> k": 0.66}, "biases": {}},
            "after": {"weights": {"i -> j": 0.915687632, "j -> k": 0.732562672}, "biases": {}},
        }
    ],
}


def assert_same_json(got: Any, want: Any, path: str = "$") -> None:
    """Same structure (keys in the same order, same types); numbers within 1e-12."""
    if isinstance(want, dict):
        assert isinstance(got, dict), path
        assert list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
        for key in want:
            assert_same_json(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), path
        for n, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same_json(g, w, f"{path}[{n}]")
    elif isinstance(want, bool) or want is None or isinstance(want, str):
        assert got == want, path
    else:
        assert isinstance(got, (int, float)) and not isinstance(got, bool), path
        assert got == pytest.approx(want, abs=1e-12, rel=0), path


def test_contract_json_example_key_by_key() -> None:
    data = cr.solve("exercise-2").to_json()
    assert_same_json(data, CONTRACT_EXERCISE_2)
    # and through the text of `chainrule solve --format json`
    assert_same_json(json.loads(json.dumps(data, allow_nan=False)), CONTRACT_EXERCISE_2)


def test_contract_json_from_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    from chainrule.cli.main import main

    assert main(["solve", "exercise-2", "--format", "json"]) == 0
    assert_same_json(json.loads(capsys.readouterr().out), CONTRACT_EXERCISE_2)


def test_a_batch_is_the_mean_of_its_samples() -> None:
    data = cr.load("exercise-2").to_dict()
    data["samples"].append({"inputs": {"i": 0.3}, "targets": {"k": 0.5}})
    step = cr.solve(data).step(1)
    one = cr.solve({**data, "samples": data["samples"][:1]}).step(1)
    two = cr.solve({**data, "samples": data["samples"][1:]}).step(1)
    assert step.cost == (one.cost + two.cost) / 2
    for name, g in step.gradients()["weights"].items():
        assert g == (one.gradients()["weights"][name] + two.gradients()["weights"][name]) / 2
        assert step.after()["weights"][name] == step.before()["weights"][name] - R * g


def test_relu_with_negative_z_blocks_the_chain() -> None:
    data = cr.load("exercise-2").to_dict()
    data["weights"]["i -> j"] = -0.86
    s = cr.solve(data).step(1).samples[0]
    j = s.unit("j")
    assert j.z == 0.7 * -0.86 and j.a == 0.0 and j.da_dz == 0.0 and j.blocked
    assert s.gradients()["weights"]["i -> j"] == 0.0


def test_a_trace_repr_reads_right_for_one_step_and_many() -> None:
    import chainrule as cr

    one = repr(cr.solve("exercise-1"))
    assert "1 step, cost 0.5776 before its update" in one and "->" not in one
    many = repr(cr.solve("exercise-1", 3))
    assert "3 steps" in many and "->" in many
