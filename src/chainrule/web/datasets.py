"""The page's data-set mode, as TensorFlow Playground has it: the classic 2-D sets (circle, XOR,
Gaussian clusters, spiral), a layered network trained on half of the points by chainrule's own
trainer (:func:`chainrule.train`), and what the page draws: the decision boundary, the training
and test loss of each epoch, and the network with one training point as its sample, so that the
diagram and the derivation of any weight are those of the current sample.

Everything is reproducible from the settings alone (the points, the initial weights and the
shuffling of each epoch are seeded), so the share link holds the settings and the epochs taken,
never the data: epoch e is trained with the shuffling seed e, so E epochs in one request and E
requests of one epoch give the same weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from chainrule.core.errors import UsageError

SETS = ("circle", "xor", "gaussian", "spiral")
POINTS = 200
"""Points in a data set: half to train on, half to test."""
GRID = 40
"""The decision boundary is the network's output on a GRID x GRID lattice over the points."""
MAX_HIDDEN_LAYERS = 4
MAX_HIDDEN_UNITS = 8
MAX_EPOCHS = 500
"""Epochs one request trains (a few ms each: a second or two at most)."""
MAX_EPOCH_WORK = 30_000
"""epochs x the network's weights and biases, per request."""
BATCH = 10
ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity", "leaky_relu")


def points(name: str, seed: int = 0) -> tuple[Any, Any]:
    """The set's points (POINTS x 2) and their labels (0 or 1)."""
    import numpy as np

    from chainrule.train import data

    if name == "circle":
        d = data.circles(POINTS, seed=seed, noise=0.05, factor=0.5)
        return d.X * 1.2, d.y
    if name == "xor":
        d = data.xor(POINTS, seed=seed)
        return d.X * 1.2, d.y
    if name == "spiral":
        d = data.spiral(POINTS, seed=seed, classes=2, noise=0.1)
        return d.X * 1.4, d.y
    if name == "gaussian":
        rng = np.random.default_rng(seed)
        half = POINTS // 2
        centers = np.array([[0.7, 0.7]] * (POINTS - half) + [[-0.7, -0.7]] * half)
        X = centers + rng.normal(0.0, 0.35, size=(POINTS, 2))
        y = np.array([1] * (POINTS - half) + [0] * half)
        order = rng.permutation(POINTS)
        return X[order], y[order]
    raise UsageError(f"data.set: unknown data set {name!r}; valid sets are {', '.join(SETS)}")


def settings(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The data-set mode's settings, checked: set, hidden (units per hidden layer), activation,
    learning_rate."""
    name = spec.get("set")
    if name not in SETS:
        raise UsageError(f"data.set: unknown data set {name!r}; valid sets are {', '.join(SETS)}")
    hidden = spec.get("hidden", [4, 2])
    if (not isinstance(hidden, list) or len(hidden) > MAX_HIDDEN_LAYERS or not all(
            isinstance(h, int) and not isinstance(h, bool) and 1 <= h <= MAX_HIDDEN_UNITS
            for h in hidden)):
        raise UsageError(f"data.hidden: give 0 to {MAX_HIDDEN_LAYERS} hidden layers of 1 to "
                         f"{MAX_HIDDEN_UNITS} units each, e.g. [4, 2]; got {hidden!r}")
    activation = spec.get("activation", "tanh")
    if activation not in ACTIVATIONS:
        raise UsageError(f"data.activation: unknown activation {activation!r}; valid are "
                         f"{', '.join(ACTIVATIONS)}")
    rate = spec.get("learning_rate", 0.1)
    if (isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate)
            or not 0 < rate <= 10):
        raise UsageError(f"data.learning_rate: give a number above 0 and at most 10; got {rate!r}")
    return {"set": name, "hidden": hidden, "activation": activation, "learning_rate": rate}


def _network(spec: dict[str, Any]) -> Any:
    from chainrule.train.mlp import mlp

    return mlp([2, *spec["hidden"], 1], hidden=spec["activation"], output="sigmoid",
               cost="binary_cross_entropy", seed=0, learning_rate=float(spec["learning_rate"]),
               title=f"{spec['set']} data set, hidden layers {spec['hidden']}")


def _with_sample(net: Any, X: Any, y: Any, sample: int) -> dict[str, Any]:
    out: dict[str, Any] = net.to_dict()
    out["samples"] = [{"inputs": {"x1": float(X[sample, 0]), "x2": float(X[sample, 1])},
                       "targets": {"o1": float(y[sample])}}]
    return out


def run(data: Mapping[str, Any] | None, spec: Mapping[str, Any], epochs: int,
        sample: int = 0, taken: int = 0) -> dict[str, Any]:
    """Train ``epochs`` epochs more (``taken`` already done) from ``data`` (a network's file
    structure; None: the settings' initial network), and what the page draws."""
    import numpy as np

    from chainrule.core.network import Network
    from chainrule.train.loop import evaluate, predict, train
    from chainrule.web import limits

    chosen = settings(spec)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 0 <= epochs <= MAX_EPOCHS:
        raise UsageError(f"epochs: a whole number from 0 to {MAX_EPOCHS}, got {epochs!r}")
    X, y = points(chosen["set"])
    half = POINTS // 2
    X_train, y_train, X_test, y_test = X[:half], y[:half], X[half:], y[half:]
    if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample < half:
        raise UsageError(f"sample: a training point from 0 to {half - 1}, got {sample!r}")
    if data is None:
        net = _network(chosen)
    else:
        net = Network.from_dict(data)
        limits.check_network(net)
        if net.inputs != ("x1", "x2") or net.outputs != ("o1",):
            raise UsageError("network: the data-set mode trains a network with inputs x1, x2 "
                             "and the output o1; start it again from the data set")
    if epochs * net.n_parameters > MAX_EPOCH_WORK:
        most = max(1, MAX_EPOCH_WORK // net.n_parameters)
        raise UsageError(f"epochs: {epochs} epochs of a network of {net.n_parameters} weights "
                         f"and biases is more than this server trains at once (at most {most})")
    Y_train = y_train.reshape(-1, 1).astype(float)
    Y_test = y_test.reshape(-1, 1).astype(float)
    history: list[dict[str, float]] = []
    for epoch in range(taken, taken + epochs):
        result = train(net, X_train, Y_train, epochs=1, batch_size=BATCH, seed=epoch,
                       progress=False, validation=(X_test, Y_test), accuracy=False)
        net = result.network
        history.append({"cost": float(result.history[-1]["cost"]),
                        "test_cost": float(result.history[-1]["test_cost"])})
    lo = X.min(axis=0) - 0.2
    hi = X.max(axis=0) + 0.2
    xs = np.linspace(lo[0], hi[0], GRID)
    ys = np.linspace(lo[1], hi[1], GRID)
    grid = np.array([[a, b] for b in ys for a in xs])
    boundary = predict(net, grid)[:, 0]
    now = {"cost": evaluate(net, X_train, Y_train)["cost"],
           "test_cost": evaluate(net, X_test, Y_test)["cost"]}
    return {
        "network": _with_sample(net, X_train, y_train, sample),
        "settings": chosen,
        "history": history,
        "loss": {k: float(v) for k, v in now.items()},
        "boundary": {"x": [float(v) for v in xs], "y": [float(v) for v in ys],
                     "p": [round(float(v), 4) for v in boundary]},
        "train": {"x": X_train.round(4).tolist(), "label": y_train.tolist()},
        "test": {"x": X_test.round(4).tolist(), "label": y_test.tolist()},
    }
