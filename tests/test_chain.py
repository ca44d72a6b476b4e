"""The layered-network fast path (train/chain.py) against the general kernel: the same weights,
costs and accuracy for every hidden activation, output, optimizer, dtype and batch split, with
the data gathered whole or batch by batch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule.train import chain, loop, progress
from chainrule.train.compile import compile_network

CASES = [
    # sizes, hidden, output, cost, targets
    ([4, 6, 3], "relu", "softmax", "categorical_cross_entropy", "labels"),
    ([4, 6, 3], "tanh", "softmax", "categorical_cross_entropy", "soft"),
    ([4, 5, 4, 3], "leaky_relu", "softmax", "categorical_cross_entropy", "one-hot"),
    ([4, 5, 1], "sigmoid", "sigmoid", "binary_cross_entropy", "binary"),
    ([4, 5, 2], "relu", "sigmoid", "binary_cross_entropy", "probabilities"),
    ([4, 6, 5, 2], "tanh", "identity", "squared_error", "numbers"),
    ([4, 3], "relu", "softmax", "categorical_cross_entropy", "labels"),
    ([4, 7, 2], "identity", "tanh", "squared_error", "numbers"),
]


def data(n_out: int, targets: str, rng: np.random.Generator, n: int = 37) -> tuple[Any, Any]:
    X = rng.normal(size=(n, 4))
    Y: Any
    if targets == "labels":
        Y = rng.integers(0, n_out, n)
    elif targets == "one-hot":
        Y = np.eye(n_out)[rng.integers(0, n_out, n)]
    elif targets == "soft":
        Y = rng.dirichlet(np.ones(n_out), size=n)
    elif targets == "binary":
        Y = rng.integers(0, 2, (n, 1)).astype(float)
    elif targets == "probabilities":
        Y = rng.uniform(size=(n, n_out))
    else:
        Y = rng.normal(size=(n, n_out))
    return X, Y


def values(net: cr.Network) -> np.ndarray:
    return np.array([p.value for p in net.weights.values()]
                    + [p.value for p in net.biases.values()])


def general(monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> cr.TrainResult:
    with monkeypatch.context() as m:
        m.setattr(chain, "eligible", lambda structure: False)
        return cr.train(**kwargs)


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("whole", [True, False])
def test_the_fast_path_equals_the_general_kernel(case: int, whole: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    sizes, hidden, output, cost, targets = CASES[case]
    net = cr.mlp(sizes, hidden=hidden, output=output, cost=cost, seed=case)
    assert chain.eligible(compile_network(net)[0])
    rng = np.random.default_rng(case)
    X, Y = data(sizes[-1], targets, rng)
    if not whole:
        monkeypatch.setattr(chain, "WHOLE_BYTES", 0)
    for optimizer, dtype, shuffle, batch in [("sgd", "float64", True, 8),
                                             ("sgd", "float64", False, 37),
                                             ("momentum", "float64", True, 5),
                                             ("adam", "float64", False, 6),
                                             ("sgd", "float32", True, 16)]:
        kwargs: dict[str, Any] = {
            "network": net, "X": X, "Y": Y, "epochs": 3, "batch_size": batch,
            "learning_rate": 0.05, "optimizer": optimizer, "shuffle": shuffle, "seed": 1,
            "dtype": dtype, "progress": False, "engine": "array", "validation": (X[:9], Y[:9]),
        }
        fast = cr.train(**kwargs)
        slow = general(monkeypatch, **kwargs)
        tolerance = 1e-12 if dtype == "float64" else 1e-5
        assert np.max(np.abs(values(fast.network) - values(slow.network))) < tolerance
        for a, b in zip(fast.history, slow.history, strict=True):
            assert a.keys() == b.keys()
            for key in ("cost", "test_cost"):
                assert a[key] == pytest.approx(b[key], rel=tolerance, abs=tolerance)
            for key in ("accuracy", "test_accuracy"):
                assert a.get(key) == b.get(key)


def test_the_progress_bar_sees_the_running_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, float, float | None]] = []

    class Record:
        def start(self, epochs: int, samples: int) -> None:
            pass

        def batch(self, done: int, cost: float, accuracy: float | None) -> None:
            seen.append((done, cost, accuracy))

        def epoch(self, entry: dict[str, Any]) -> None:
            pass

        def stop(self) -> None:
            pass

    monkeypatch.setattr(progress, "REFRESH_S", 0.0)
    net = cr.mlp([4, 6, 3], output="softmax", cost="categorical_cross_entropy", seed=0)
    X, Y = data(3, "labels", np.random.default_rng(0), n=40)
    result = cr.train(net, X, Y, epochs=1, batch_size=10, seed=0, progress=Record())
    assert [s[0] for s in seen] == [10, 20, 30, 40]
    assert seen[-1][1] == pytest.approx(result.history[0]["cost"], rel=1e-12)
    assert seen[-1][2] == result.history[0]["accuracy"]


def test_divergence_in_the_fast_path_keeps_the_last_finite_weights(
        monkeypatch: pytest.MonkeyPatch) -> None:
    net = cr.mlp([1, 4, 1], hidden="identity", output="identity", seed=0)
    assert chain.eligible(compile_network(net)[0])
    X = np.linspace(-3, 3, 40).reshape(-1, 1) * 100
    kwargs: dict[str, Any] = {"network": net, "X": X, "Y": 3 * X, "epochs": 50,
                              "batch_size": 4, "learning_rate": 0.5, "progress": False,
                              "seed": 0}
    with pytest.raises(cr.TrainingDivergedError) as fast:
        cr.train(**kwargs)
    with pytest.raises(cr.TrainingDivergedError) as slow:
        general(monkeypatch, **kwargs)
    assert fast.value.epoch == slow.value.epoch
    assert str(fast.value) == str(slow.value)
    kept = values(fast.value.result.network)
    assert np.all(np.isfinite(kept))
    assert np.array_equal(kept, values(slow.value.result.network))


def test_buffers_are_reused_not_shared() -> None:
    net = cr.mlp([4, 6, 3], output="softmax", cost="categorical_cross_entropy", seed=0)
    X, Y = data(3, "labels", np.random.default_rng(0))
    first = cr.train(net, X, Y, epochs=2, batch_size=8, seed=0, progress=False)
    X2, Y2 = data(3, "labels", np.random.default_rng(1))
    cr.train(net, X2, Y2, epochs=2, batch_size=8, seed=0, progress=False)
    again = cr.train(net, X, Y, epochs=2, batch_size=8, seed=0, progress=False)
    assert np.array_equal(values(first.network), values(again.network))
    assert first.history == [dict(h, seconds=a["seconds"],
                                  samples_per_second=a["samples_per_second"])
                             for h, a in zip(again.history, first.history, strict=True)]
    assert loop.SCALAR_WORK_LIMIT > 0


@pytest.mark.parametrize("dtype,scale", [("float64", 400.0), ("float32", 60.0),
                                         ("float64", -900.0), ("float64", 1.0)])
def test_large_logits_give_the_guarded_softmax(dtype: str, scale: float,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # logits past exp's range (e^z overflows, or every e^z of a row underflows) make the
    # unguarded epoch fail its check: it is done again with the shift by the row's maximum
    net = cr.mlp([4, 6, 3], hidden="identity", output="softmax",
                 cost="categorical_cross_entropy", seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4)) * abs(scale)
    if scale < 0:
        X = np.abs(X)
        net = cr.mlp([4, 6, 3], hidden="relu", output="softmax",
                     cost="categorical_cross_entropy", seed=0)
    Y = rng.integers(0, 3, 40)
    kwargs: dict[str, Any] = {"network": net, "X": X, "Y": Y, "epochs": 2, "batch_size": 8,
                              "learning_rate": 1e-6, "seed": 0, "dtype": dtype,
                              "progress": False}
    fast = cr.train(**kwargs)
    slow = general(monkeypatch, **kwargs)
    tolerance = 1e-9 if dtype == "float64" else 1e-3
    assert np.allclose(values(fast.network), values(slow.network), rtol=tolerance,
                       atol=tolerance)
    assert fast.history[-1]["cost"] == pytest.approx(slow.history[-1]["cost"], rel=tolerance)
    assert np.isfinite(fast.history[-1]["cost"])


@pytest.mark.parametrize("bad", [-1, 3, -2**62])
def test_class_labels_out_of_range_are_refused(bad: int) -> None:
    net = cr.mlp([4, 6, 3], output="softmax", cost="categorical_cross_entropy", seed=0)
    X, Y = data(3, "labels", np.random.default_rng(0))
    Y[5] = bad
    low, high = min(int(Y.min()), bad), max(int(Y.max()), bad)
    with pytest.raises(cr.UsageError, match=rf"must be 0\.\.2 \(the network has 3 output units\), "
                                            rf"got {low}\.\.{high}$"):
        cr.train(net, X, Y, epochs=1, batch_size=8, seed=0, progress=False)


def test_a_kept_kernel_leaves_earlier_results_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # the chain kernel (with its parameter buffer) is kept for the next training of the same
    # shapes: a trained network must not share that buffer
    net = cr.mlp([4, 6, 3], output="softmax", cost="categorical_cross_entropy", seed=0)
    X, Y = data(3, "labels", np.random.default_rng(0))
    kwargs: dict[str, Any] = {"network": net, "X": X, "Y": Y, "epochs": 2, "batch_size": 8,
                              "seed": 0, "progress": False}
    first = cr.train(**kwargs)  # (its values not read yet: they are made when first read)
    structure = compile_network(net)[0]
    assert any(k.s is structure for kept in chain._KEPT.values() for k in kept)
    X2, Y2 = data(3, "labels", np.random.default_rng(1))
    cr.train(**dict(kwargs, X=X2, Y=Y2, seed=1))  # (takes the kept kernel)
    slow = general(monkeypatch, **kwargs)
    assert np.max(np.abs(values(first.network) - values(slow.network))) < 1e-12
    # (and the arrays a trained network keeps for its next training)
    for a, b in zip(compile_network(first.network)[1], compile_network(slow.network)[1],
                    strict=True):
        assert np.max(np.abs(a - b)) < 1e-12
