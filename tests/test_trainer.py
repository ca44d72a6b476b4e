"""The vectorized trainer against its oracles: the scalar engine (same gradients and weights to
1e-10 on random networks with skips, biases, frozen parameters, every activation and cost),
and PyTorch in float64 (one epoch of plain SGD from the same initial weights, to 1e-10)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule.core.errors import UsageError
from chainrule.train import loop

from .strategies import COSTS, random_network_dict

SEEDS = range(120)


def samples_as_arrays(net: cr.Network) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[s.inputs[n] for n in net.inputs] for s in net.samples])
    Y = np.array([[s.targets[n] for n in net.outputs] for s in net.samples])
    return X, Y


def max_difference(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]]) -> float:
    assert a["weights"].keys() == b["weights"].keys() and a["biases"].keys() == b["biases"].keys()
    return max(
        [abs(a["weights"][k] - b["weights"][k]) for k in a["weights"]]
        + [abs(a["biases"][k] - b["biases"][k]) for k in a["biases"]]
        + [0.0]
    )


def named(net: cr.Network) -> dict[str, dict[str, float]]:
    return {
        "weights": {f"{a} -> {b}": p.value for (a, b), p in net.weights.items()},
        "biases": {k: p.value for k, p in net.biases.items()},
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_gradients_and_step_equal_the_scalar_engine(seed: int) -> None:
    net = cr.load(random_network_dict(seed))
    step = cr.solve(net).step(1)
    X, Y = samples_as_arrays(net)
    cost, gradients = loop.gradients(net, X, Y)
    assert cost == pytest.approx(step.cost, rel=1e-10, abs=1e-10)
    assert max_difference(gradients, step.gradients()) < 1e-10
    for engine in ("array", "scalar"):
        result = cr.train(net, X, Y, epochs=1, batch_size=len(X), shuffle=False,
                          progress=False, engine=engine)
        assert result.engine == engine
        assert result.history[0]["cost"] == pytest.approx(step.cost, rel=1e-10, abs=1e-10)
        assert max_difference(named(result.network), step.after()) < 1e-10


@pytest.mark.parametrize("cost", COSTS)
def test_every_cost_over_several_steps_of_single_samples(cost: str) -> None:
    """batch_size=1, shuffle=False: one engine step per sample, chained."""
    for seed in range(4):
        data = random_network_dict(1000 + seed, cost=cost, max_samples=4)
        net = cr.load(data)
        X, Y = samples_as_arrays(net)
        expected = net
        for x, y in zip(X, Y, strict=True):
            sample = cr.Sample(dict(zip(net.inputs, x.tolist(), strict=True)),
                               dict(zip(net.outputs, y.tolist(), strict=True)))
            from dataclasses import replace

            expected = cr.solve(replace(expected, samples=(sample,))).final
        for engine in ("array", "scalar"):
            result = cr.train(net, X, Y, epochs=1, batch_size=1, shuffle=False,
                              progress=False, engine=engine)
            assert max_difference(named(result.network), named(expected)) < 1e-10


def test_the_original_network_is_unchanged_and_values_are_floats() -> None:
    net = cr.mlp([3, 4, 2], hidden="tanh", output="sigmoid", seed=1)
    before = named(net)
    X = np.random.default_rng(0).normal(size=(20, 3))
    Y = np.random.default_rng(1).uniform(size=(20, 2))
    result = cr.train(net, X, Y, epochs=2, batch_size=8, dtype="float32", progress=False)
    assert named(net) == before
    assert all(type(p.value) is float for p in result.network.weights.values())
    assert named(result.network) != before
    assert [h["epoch"] for h in result.history] == [1, 2]


def test_float32_is_close_to_float64() -> None:
    net = cr.mlp([4, 16, 3], hidden="relu", output="softmax", cost="categorical_cross_entropy",
                 seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    labels = rng.integers(0, 3, 200)
    r64 = cr.train(net, X, labels, epochs=2, batch_size=16, seed=3, progress=False)
    r32 = cr.train(net, X, labels, epochs=2, batch_size=16, seed=3, dtype="float32",
                   progress=False)
    assert r32.costs == pytest.approx(r64.costs, rel=1e-4)
    assert cr.predict(r32.network, X, dtype="float32").dtype == np.float32


def test_integer_labels_equal_one_hot_targets() -> None:
    net = cr.mlp([4, 5, 3], output="softmax", cost="categorical_cross_entropy", seed=2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    labels = rng.integers(0, 3, 30)
    a = cr.train(net, X, labels, epochs=2, batch_size=7, seed=1, progress=False)
    b = cr.train(net, X, np.eye(3)[labels], epochs=2, batch_size=7, seed=1, progress=False)
    assert max_difference(named(a.network), named(b.network)) < 1e-12
    assert a.history[0]["accuracy"] == b.history[0]["accuracy"]
    with pytest.raises(UsageError, match="0..2"):
        cr.train(net, X, labels + 1, progress=False)


def test_seeded_training_is_reproducible_and_shuffles() -> None:
    net = cr.mlp([2, 6, 1], hidden="tanh", seed=0)
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(64, 2)), rng.normal(size=(64, 1))
    a = cr.train(net, X, Y, epochs=3, batch_size=8, seed=7, progress=False)
    b = cr.train(net, X, Y, epochs=3, batch_size=8, seed=7, progress=False)
    c = cr.train(net, X, Y, epochs=3, batch_size=8, seed=8, progress=False)
    assert named(a.network) == named(b.network)
    assert named(a.network) != named(c.network)


def test_predict_shapes_and_values() -> None:
    net = cr.mlp([3, 4, 5], hidden="sigmoid", output="softmax", seed=0)
    X = np.random.default_rng(0).normal(size=(7, 3))
    out = cr.predict(net, X)
    assert out.shape == (7, 5)
    assert np.allclose(out.sum(axis=1), 1.0)
    assert cr.predict(net, X[:0]).shape == (0, 5)
    # the scalar engine's forward pass gives the same activations
    from dataclasses import replace

    sample = cr.Sample(dict(zip(net.inputs, X[0].tolist(), strict=True)),
                       dict.fromkeys(net.outputs, 0.0))
    units = cr.solve(replace(net, samples=(sample,))).step(1).samples[0].units
    assert [units[o].a for o in net.outputs] == pytest.approx(out[0].tolist(), rel=1e-12)
    with pytest.raises(UsageError, match=r"shape \(n_samples, 3\)"):
        cr.predict(net, np.zeros((2, 4)))


def test_bad_arguments_are_usage_errors() -> None:
    net = cr.mlp([2, 3, 1], seed=0)
    X, Y = np.zeros((4, 2)), np.zeros((4, 1))
    for kwargs, message in [
        ({"epochs": 0}, "epochs"), ({"batch_size": 0}, "batch_size"),
        ({"learning_rate": -1.0}, "learning_rate"), ({"optimizer": "lbfgs"}, "optimizer"),
        ({"dtype": "float16"}, "dtype"), ({"engine": "gpu"}, "engine"),
    ]:
        with pytest.raises(UsageError, match=message):
            cr.train(net, X, Y, progress=False, **kwargs)
    with pytest.raises(UsageError, match="rows"):
        cr.train(net, X, np.zeros((3, 1)), progress=False)
    for engine in ("array", "scalar"):
        with pytest.raises(UsageError, match="finite"):
            cr.train(net, np.full((4, 2), np.nan), Y, progress=False, engine=engine)
    with pytest.raises(UsageError, match="sizes"):
        cr.mlp([3])
    with pytest.raises(UsageError, match="hidden"):
        cr.mlp([2, 2, 1], hidden="softmax")
    with pytest.raises(UsageError, match="cost"):
        cr.mlp([2, 2, 1], cost="hinge")


def test_divergence_names_the_epoch_and_keeps_finite_weights() -> None:
    net = cr.mlp([1, 4, 1], hidden="identity", output="identity", seed=0)
    X = np.linspace(-3, 3, 40).reshape(-1, 1) * 100
    Y = 3 * X
    with pytest.raises(cr.TrainingDivergedError, match=r"epoch \d+.*smaller") as caught:
        cr.train(net, X, Y, epochs=50, batch_size=4, learning_rate=0.5, progress=False)
    error = caught.value
    assert isinstance(error, cr.DivergedError) and error.epoch >= 1
    values = [p.value for p in error.result.network.weights.values()]
    assert all(np.isfinite(values))
    assert len(error.result.history) == error.epoch - 1
    tiny = cr.mlp([1, 1], output="identity", seed=0)
    with pytest.raises(cr.TrainingDivergedError, match="epoch"):
        cr.train(tiny, X, Y, epochs=50, batch_size=1, learning_rate=0.5, progress=False,
                 engine="scalar")


def test_ctrl_c_stops_cleanly_with_what_was_trained() -> None:
    net = cr.mlp([2, 3, 1], seed=0)
    X, Y = np.random.default_rng(0).normal(size=(40, 2)), np.zeros((40, 1))
    seen: list[int] = []

    def stop_after_two(entry: dict[str, Any]) -> None:
        seen.append(entry["epoch"])
        if entry["epoch"] == 2:
            raise KeyboardInterrupt

    result = cr.train(net, X, Y, epochs=10, seed=0, progress=stop_after_two)
    assert result.stopped == "interrupted" and seen == [1, 2] and len(result.history) == 2
    two = cr.train(net, X, Y, epochs=2, seed=0, progress=False)
    assert named(result.network) == named(two.network)


def test_frozen_parameters_stay_under_every_optimizer() -> None:
    data = random_network_dict(7, cost="squared_error")
    data["weights"] = {k: {"value": (v["value"] if isinstance(v, dict) else v),
                           "trainable": i % 2 == 0}
                       for i, (k, v) in enumerate(data["weights"].items())}
    net = cr.load(data)
    X, Y = samples_as_arrays(net)
    for optimizer in ("sgd", "momentum", "adam"):
        result = cr.train(net, X, Y, epochs=3, batch_size=2, optimizer=optimizer,
                          progress=False)
        for key, p in net.weights.items():
            if not p.trainable:
                assert result.network.weights[key].value == p.value


def test_validation_and_accuracy_in_history() -> None:
    net = cr.mlp([2, 8, 2], hidden="tanh", output="softmax", cost="categorical_cross_entropy",
                 seed=0)
    from chainrule.train.data import moons

    data = moons(100, seed=0)
    result = cr.train(net, data.X, data.y, epochs=3, validation=(data.X[:20], data.y[:20]),
                      progress=False)
    entry = result.history[-1]
    assert {"epoch", "cost", "accuracy", "test_cost", "test_accuracy"} <= entry.keys()
    scores = loop.evaluate(result.network, data.X[:20], data.y[:20])
    assert scores["cost"] == pytest.approx(entry["test_cost"], rel=1e-12)
    assert scores["accuracy"] == entry["test_accuracy"]


def test_tiny_networks_use_the_scalar_engine_with_the_same_numbers() -> None:
    net = cr.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (50, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    auto = cr.train(net, X, Y, epochs=2, batch_size=1, seed=0, progress=False)
    array = cr.train(net, X, Y, epochs=2, batch_size=1, seed=0, progress=False, engine="array")
    assert auto.engine == "scalar"
    assert max_difference(named(auto.network), named(array.network)) < 1e-12
    assert auto.history[1]["cost"] == pytest.approx(array.history[1]["cost"], rel=1e-12)


def test_npz_round_trip(tmp_path: Any) -> None:
    from chainrule.io.npzfile import save_npz

    data = random_network_dict(3)
    net = cr.load(data)
    path = tmp_path / "net.npz"
    save_npz(net, path)
    back = cr.load(str(path))
    assert named(back) == named(net)
    assert back.to_dict() == net.to_dict()
    big = cr.mlp([30, 20, 5], output="softmax", cost="categorical_cross_entropy", seed=0)
    save_npz(big, path)
    assert named(cr.load(path)) == named(big)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(cr.NetworkError, match="bad.npz"):
        cr.load(tmp_path / "bad.npz")


# ---------------------------------------------------------------------------------------------
# PyTorch float64 as the oracle


def torch_cost(cost: str, a: Any, y: Any) -> Any:
    """The contract's costs written in torch, independently of chainrule's math table."""
    import torch

    if cost == "squared_error":
        per_sample = ((a - y) ** 2).sum(dim=1)
    elif cost == "half_squared_error":
        per_sample = 0.5 * ((a - y) ** 2).sum(dim=1)
    elif cost == "mean_squared_error":
        per_sample = ((a - y) ** 2).mean(dim=1)
    elif cost == "binary_cross_entropy":
        per_sample = -(torch.xlogy(y, a) + torch.xlogy(1 - y, 1 - a)).sum(dim=1)
    else:
        per_sample = -torch.xlogy(y, a).sum(dim=1)
    return per_sample.mean()


def torch_epoch(net: cr.Network, X: np.ndarray, Y: np.ndarray, batch_size: int,
                r: float) -> tuple[cr.Network, list[float]]:
    import torch

    module = cr.to_torch(net)
    params = list(module.parameters())
    optimizer = torch.optim.SGD(params, lr=r)
    costs = []
    for start in range(0, len(X), batch_size):
        xb = torch.from_numpy(X[start:start + batch_size])
        yb = torch.from_numpy(Y[start:start + batch_size])
        optimizer.zero_grad()
        loss = torch_cost(net.cost, module(xb), yb)
        loss.backward()
        optimizer.step()
        costs.append(loss.item())
    return cr.from_torch(module), costs


@pytest.mark.parametrize("seed", range(30))
def test_one_epoch_equals_pytorch_sgd_on_random_networks(seed: int) -> None:
    pytest.importorskip("torch")
    net = cr.load(random_network_dict(2000 + seed, max_samples=1))
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.5, 1.5, size=(23, len(net.inputs)))
    if net.cost == "categorical_cross_entropy":
        Y = rng.dirichlet(np.ones(len(net.outputs)), size=23)
    elif net.cost == "binary_cross_entropy":
        Y = rng.uniform(size=(23, len(net.outputs)))
    else:
        Y = rng.uniform(-1, 1, size=(23, len(net.outputs)))
    ours = cr.train(net, X, Y, epochs=1, batch_size=5, shuffle=False, progress=False,
                    engine="array")
    theirs, costs = torch_epoch(net, X, Y, 5, net.learning_rate)
    assert max_difference(named(ours.network), named(theirs)) < 1e-10
    assert ours.history[0]["cost"] == pytest.approx(float(np.mean(costs)), rel=1e-10, abs=1e-12)


def test_one_epoch_of_an_mlp_equals_pytorch_sgd() -> None:
    torch = pytest.importorskip("torch")
    from chainrule.train.data import digits

    data = digits()
    X = data.X[:300] / 16.0
    net = cr.mlp([64, 32, 10], hidden="relu", output="softmax", cost="categorical_cross_entropy",
                 seed=0)
    module = cr.to_torch(net)
    assert isinstance(module, torch.nn.Sequential)
    ours = cr.train(net, X, data.y[:300], epochs=1, batch_size=32, learning_rate=0.05,
                    shuffle=False, progress=False)
    theirs, _ = torch_epoch(net, X, np.eye(10)[data.y[:300]], 32, 0.05)
    assert max_difference(named(ours.network), named(theirs)) < 1e-10


def test_the_batch_gathered_fast_path_equals_pytorch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Data gathered batch by batch (what large data sets take): plain sgd then updates the
    first layer inside one BLAS product (train/threads.subtract_product); still PyTorch's
    float64 numbers to 1e-10, on 1 and 2 threads."""
    pytest.importorskip("torch")
    from chainrule.train import chain, threads

    monkeypatch.setattr(chain, "WHOLE_BYTES", 0)
    calls: list[int] = []
    real = chain.subtract_product

    def counting(dtype: Any) -> Any:
        product = real(dtype)
        if product is None:
            return None

        def counted(a: Any, d: Any, w: Any) -> None:
            calls.append(1)
            product(a, d, w)
        return counted

    monkeypatch.setattr(chain, "subtract_product", counting)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 40))
    labels = rng.integers(0, 10, 200)
    net = cr.mlp([40, 24, 10], hidden="relu", output="softmax", cost="categorical_cross_entropy",
                 seed=3)
    theirs, _ = torch_epoch(net, X, np.eye(10)[labels], 32, 0.05)
    for n_threads in (1, 2):
        ours = cr.train(net, X, labels, epochs=1, batch_size=32, learning_rate=0.05,
                        shuffle=False, progress=False, threads=n_threads)
        assert max_difference(named(ours.network), named(theirs)) < 1e-10, n_threads
    # where NumPy's BLAS is OpenBLAS (every wheel) the in-product update was the one used
    assert bool(calls) == (threads.subtract_product(np.float64) is not None)


def test_to_torch_outputs_and_from_torch_round_trip() -> None:
    torch = pytest.importorskip("torch")
    for seed in range(10):
        net = cr.load(random_network_dict(3000 + seed))
        X = np.random.default_rng(seed).normal(size=(6, len(net.inputs)))
        module = cr.to_torch(net)
        out = module(torch.from_numpy(X)).detach().numpy()
        assert np.allclose(out, cr.predict(net, X), rtol=1e-12, atol=1e-14)
        back = cr.from_torch(module)
        assert named(back) == named(net)
        assert back.cost == net.cost and back.learning_rate == net.learning_rate
    net = cr.mlp([3, 5, 4, 2], hidden="leaky_relu", output="softmax",
                 cost="categorical_cross_entropy", seed=0)
    module = cr.to_torch(net, dtype="float32")
    assert next(module.parameters()).dtype == torch.float32
    back = cr.from_torch(module)
    assert back.inputs == net.inputs and back.cost == net.cost
    assert max_difference(named(back), named(net)) < 1e-6


def test_from_torch_reads_a_plain_pytorch_mlp() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2),
                                torch.nn.Sigmoid()).double()
    net = cr.from_torch(model, cost="binary_cross_entropy")
    X = np.random.default_rng(0).normal(size=(5, 3))
    assert np.allclose(cr.predict(net, X), model(torch.from_numpy(X)).detach().numpy(),
                       rtol=1e-12)
    assert net.cost == "binary_cross_entropy" and len(net.weights) == 3 * 4 + 4 * 2
    # a step the scalar engine explains: the same gradients as torch's autograd
    with pytest.raises(UsageError, match="Conv"):
        cr.from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 1)))
    with pytest.raises(UsageError, match="cost"):
        cr.from_torch(model, cost="hinge")


def test_optimizers_equal_pytorch() -> None:
    torch = pytest.importorskip("torch")
    net = cr.mlp([3, 6, 2], hidden="tanh", output="identity", seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    for name, make in [
        ("momentum", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
        ("adam", lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8)),
    ]:
        ours = cr.train(net, X, Y, epochs=2, batch_size=8, learning_rate=0.05, optimizer=name,
                        shuffle=False, progress=False)
        module = cr.to_torch(net)
        opt = make(list(module.parameters()))
        for _ in range(2):
            for start in range(0, 40, 8):
                opt.zero_grad()
                a = module(torch.from_numpy(X[start:start + 8]))
                torch_cost("squared_error", a, torch.from_numpy(Y[start:start + 8])).backward()
                opt.step()
        assert max_difference(named(ours.network), named(cr.from_torch(module))) < 1e-10, name


def test_docstring_examples_run() -> None:
    import doctest

    from chainrule.train import mlp as build

    for module in (loop, build):
        failed, attempted = doctest.testmod(module)
        assert failed == 0 and attempted > 0, module.__name__
