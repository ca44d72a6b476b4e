"""The trainer's fast paths give the numbers of the general ones.

- single-sample steps of a tiny network as straight-line Python (train/straight.py) equal the
  scalar engine's plan bit for bit, and the array engine to 1e-12;
- a one-step `train()` reuses what compiling the network cost, and its result compiles to the
  same arrays as a fresh network.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.train import loop, straight
from chainrule.train.compile import _compile, compile_network

from .strategies import random_network_dict
from .test_trainer import max_difference, named, samples_as_arrays


def _data(net: cr.Network, rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    X, Y = samples_as_arrays(net)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(X), rows)
    return X[pick] + rng.normal(0, 0.1, (rows, X.shape[1])), Y[pick]


def _without_straight_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "straight_line", lambda net, key: None)


@pytest.mark.parametrize("seed", range(25))
def test_straight_line_steps_equal_the_plan_bit_for_bit(seed: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    net = cr.load(random_network_dict(seed, max_hidden_layers=2, max_width=2))
    X, Y = _data(net, 30, seed)
    kwargs = {"epochs": 2, "batch_size": 1, "seed": seed, "progress": False,
              "engine": "scalar", "learning_rate": 0.05}
    try:
        fast = cr.train(net, X, Y, **kwargs)  # type: ignore[arg-type]
    except cr.TrainingDivergedError:
        pytest.skip("diverges (checked below)")
    with monkeypatch.context() as patch:
        _without_straight_lines(patch)
        plan = cr.train(net, X, Y, **kwargs)  # type: ignore[arg-type]
    assert named(fast.network) == named(plan.network)
    assert fast.history[-1]["cost"] == plan.history[-1]["cost"]
    assert fast.history[-1].get("accuracy") == plan.history[-1].get("accuracy")
    array = cr.train(net, X, Y, **{**kwargs, "engine": "array"})  # type: ignore[arg-type]
    assert max_difference(named(fast.network), named(array.network)) < 1e-12


def test_straight_lines_are_built_for_tiny_plain_networks_only() -> None:
    tiny = cr.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    assert straight.compiled(tiny, object.__new__(type("Key", (), {}))) is not None
    softmax = cr.mlp([2, 3], output="softmax", cost="categorical_cross_entropy", seed=0)
    assert straight._build(softmax) is None
    frozen = cr.load({"units": {"x": "input", "y": "sigmoid"},
                      "weights": {"x -> y": {"value": 0.5, "trainable": False}},
                      "samples": [{"inputs": {"x": 1.0}, "targets": {"y": 0.0}}]})
    assert straight._build(frozen) is None


def test_divergence_in_a_straight_line_epoch_keeps_the_last_finite_weights() -> None:
    net = cr.mlp([1, 1], output="identity", seed=0)
    X = np.full((20, 1), 10.0)
    Y = np.zeros((20, 1))
    with pytest.raises(cr.TrainingDivergedError) as caught:
        cr.train(net, X, Y, epochs=50, batch_size=1, learning_rate=5.0, progress=False)
    values = [p.value for p in caught.value.result.network.weights.values()]
    assert all(np.isfinite(values))


def test_a_one_step_result_compiles_to_the_arrays_of_a_fresh_network() -> None:
    net = cr.load("aima-21")
    X, Y = samples_as_arrays(net)
    result = cr.train(net, X[:1], Y[:1], batch_size=1, progress=False)
    assert result.engine == "scalar"
    structure, params = compile_network(result.network)
    _, fresh = _compile(result.network)
    for mine, theirs in zip(params, fresh, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert cr.predict(result.network, X).shape == (len(X), 1)


def test_the_in_place_activations_equal_the_math_tables_arrays() -> None:
    from chainrule.core import mathtable

    z = np.array([[-2.0, -0.0, 0.0, 1e-300, 3.5], [np.inf, -np.inf, 0.25, -1e-9, 7.0]])
    for entry in mathtable.ACTIVATIONS.values():
        p = entry.default_parameter
        if entry.value_into is not None:
            out = np.empty_like(z)
            np.testing.assert_array_equal(entry.value_into(z, p, out), entry.value_array(z, p))
        if entry.slope_times is not None:
            a = entry.value_array(z, p)
            d = np.full_like(z, 1.5)
            entry.slope_times(z, a, p, d)
            np.testing.assert_array_equal(d, 1.5 * entry.slope_array(z, a, p))
