"""Benchmark: `chainrule.train` against PyTorch, scikit-learn and a hand-written NumPy loop.

One epoch of plain mini-batch SGD (no momentum), each contender timed in the same run,
interleaved, median of several repeats; only the ratios count (the machine is shared).

- W1: digits (1797 x 64, scikit-learn's bundled copy), 64-32-10 relu/softmax, batch 32.
  Bar: chainrule >= 3x faster than PyTorch and than scikit-learn, within 1.25x of NumPy.
- W2: synthetic 60000 x 784 float32, 784-128-10 relu/softmax, batch 128.
  Bar: chainrule at least as fast as PyTorch, 1.5x faster than scikit-learn, within 2.5x of
  the GEMM floor (6 x parameters x samples flops at the GEMM rate measured in this run), and
  peak memory under 2x (data + parameters).
- W3: 2-2-1 sigmoid, 10,000 single-sample steps. Bar: >= 10x faster per step than PyTorch.

Fairness: every contender gets the same number of threads (PyTorch via
``torch.set_num_threads``; NumPy, scikit-learn and chainrule share OpenBLAS, which uses the
same count), the same data already in memory in the right dtype, index shuffling, and an
already-built model (the first call of each is a warm-up, not timed). chainrule's figure is
the whole ``cr.train(...)`` call: preparing the data, the epoch and the trained Network
returned. PyTorch uses its idiomatic fused loss (CrossEntropyLoss on logits, MSELoss);
scikit-learn's MLPClassifier does one epoch per ``partial_fit`` with solver="sgd",
momentum=0, alpha=0.

Run: ``python benchmarks/bench_train.py [W1] [W2] [W3]`` (all three by default; ``make bench``
runs them all). Exits 1 if a bar is missed.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr

THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def median_time(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(contenders: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median time of each contender, the runs interleaved so that load spikes hit all."""
    for fn in contenders.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


# ---------------------------------------------------------------------------------------------
# Contenders


def numpy_epoch(X: np.ndarray, labels: np.ndarray, ws: list[np.ndarray], bs: list[np.ndarray],
                r: float, batch: int, rng: np.random.Generator) -> float:
    """A hand-written NumPy loop: one hidden relu layer, softmax + cross entropy, plain SGD."""
    W1, W2 = ws
    b1, b2 = bs
    n = len(X)
    Y = np.eye(W2.shape[1], dtype=X.dtype)[labels]
    order = rng.permutation(n)
    total = 0.0
    for s in range(0, n, batch):
        idx = order[s:s + batch]
        xb, yb, m = X[idx], Y[idx], len(idx)
        z1 = xb @ W1 + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ W2 + b2
        z2 -= z2.max(axis=1, keepdims=True)
        e = np.exp(z2)
        s2 = e.sum(axis=1, keepdims=True)
        a2 = e / s2
        total += float(np.log(s2).sum() - np.vdot(yb, z2)) / m
        d2 = (a2 - yb) / m
        gW2, gb2 = a1.T @ d2, d2.sum(axis=0)
        d1 = (d2 @ W2.T) * (z1 > 0)
        gW1, gb1 = xb.T @ d1, d1.sum(axis=0)
        W1 -= r * gW1
        b1 -= r * gb1
        W2 -= r * gW2
        b2 -= r * gb2
    return total


def torch_setup(sizes: list[int], hidden: Any, dtype: Any) -> Any:
    import torch

    layers: list[Any] = []
    for i in range(1, len(sizes)):
        layers.append(torch.nn.Linear(sizes[i - 1], sizes[i], dtype=dtype))
        if i < len(sizes) - 1:
            layers.append(hidden())
    return torch.nn.Sequential(*layers)


def torch_epoch(model: Any, X: Any, y: Any, r: float, batch: int, loss_fn: Any) -> None:
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=r)
    order = torch.randperm(len(X))
    for s in range(0, len(X), batch):
        idx = order[s:s + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        optimizer.step()


def sklearn_model(hidden: tuple[int, ...], activation: str, r: float, batch: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=hidden, activation=activation, solver="sgd",
                         learning_rate_init=r, momentum=0.0, nesterovs_momentum=False, alpha=0.0,
                         batch_size=batch, shuffle=True, random_state=0)


def gemm_rate(dtype: Any, batch: int, n_in: int, n_out: int) -> float:
    """Flops per second of the layer's own GEMM shape, measured now."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((batch, n_in)).astype(dtype)
    w = rng.standard_normal((n_in, n_out)).astype(dtype)
    out = np.empty((batch, n_out), dtype)
    for _ in range(20):
        np.matmul(a, w, out=out)
    best = math.inf
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(50):
            np.matmul(a, w, out=out)
        best = min(best, (time.perf_counter() - start) / 50)
    return 2 * batch * n_in * n_out / best


# ---------------------------------------------------------------------------------------------
# Workloads


def w1(torch: Any) -> list[tuple[str, float, str, bool]]:
    from sklearn.datasets import load_digits

    X, labels = load_digits(return_X_y=True)
    X = X / 16.0
    r, batch = 0.05, 32
    net = cr.mlp([64, 32, 10], hidden="relu", output="softmax",
                 cost="categorical_cross_entropy", seed=0)
    from chainrule.train.compile import as_arrays

    ws0, bs0 = as_arrays(net)
    ws, bs = [w.copy() for w in ws0], [b.copy() for b in bs0]
    rng = np.random.default_rng(0)
    model = torch_setup([64, 32, 10], torch.nn.ReLU, torch.float64)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(labels)
    ce = torch.nn.CrossEntropyLoss()
    sk = sklearn_model((32,), "relu", r, batch)
    sk.partial_fit(X, labels, classes=np.arange(10))
    t = interleaved({
        "chainrule": lambda: cr.train(net, X, labels, epochs=1, batch_size=batch,
                                      learning_rate=r, seed=0, progress=False),
        "numpy": lambda: numpy_epoch(X, labels, ws, bs, r, batch, rng),
        "torch": lambda: torch_epoch(model, Xt, yt, r, batch, ce),
        "sklearn": lambda: sk.partial_fit(X, labels),
    }, repeats=9)
    print("W1 digits 1797x64, 64-32-10 relu/softmax, batch 32, one epoch (median of 9):")
    for name, s in t.items():
        print(f"   {name:10} {s * 1e3:8.2f} ms")
    c = t["chainrule"]
    return [
        ("W1 vs PyTorch", t["torch"] / c, ">= 3x faster", t["torch"] / c >= 3),
        ("W1 vs scikit-learn", t["sklearn"] / c, ">= 3x faster", t["sklearn"] / c >= 3),
        ("W1 vs NumPy loop", c / t["numpy"], "<= 1.25x its time", c / t["numpy"] <= 1.25),
    ]


def w2(torch: Any) -> list[tuple[str, float, str, bool]]:
    n, sizes, r, batch = 60_000, [784, 128, 10], 0.01, 128
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 784), dtype=np.float32)
    labels = rng.integers(0, 10, n)
    net = cr.mlp(sizes, hidden="relu", output="softmax", cost="categorical_cross_entropy",
                 seed=0)
    from chainrule.train.compile import as_arrays

    ws0, bs0 = as_arrays(net)
    ws = [w.astype(np.float32) for w in ws0]
    bs = [b.astype(np.float32) for b in bs0]
    model = torch_setup(sizes, torch.nn.ReLU, torch.float32)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(labels)
    ce = torch.nn.CrossEntropyLoss()
    sk = sklearn_model((128,), "relu", r, batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.partial_fit(X[:1000], labels[:1000], classes=np.arange(10))
    t = interleaved({
        "chainrule": lambda: cr.train(net, X, labels, epochs=1, batch_size=batch,
                                      learning_rate=r, seed=0, dtype="float32", progress=False),
        "numpy": lambda: numpy_epoch(X, labels, ws, bs, r, batch, rng),
        "torch": lambda: torch_epoch(model, Xt, yt, r, batch, ce),
        "sklearn": lambda: sk.partial_fit(X, labels),
    }, repeats=3)
    params = sum(w.size for w in ws) + sum(b.size for b in bs)
    rate = gemm_rate(np.float32, batch, 784, 128)
    floor = 6 * params * n / rate
    # peak memory of the training call beyond the data it is given (numpy reports to tracemalloc)
    data_bytes = X.nbytes + labels.nbytes
    param_bytes = params * 4
    tracemalloc.start()
    cr.train(net, X, labels, epochs=1, batch_size=batch, learning_rate=r, seed=0,
             dtype="float32", progress=False)
    _, extra = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = data_bytes + extra
    print("W2 synthetic 60000x784 float32, 784-128-10 relu/softmax, batch 128, one epoch "
          "(median of 3):")
    for name, s in t.items():
        print(f"   {name:10} {s:8.3f} s")
    print(f"   GEMM rate {rate / 1e9:.0f} GFLOP/s -> floor 6 x {params} params x {n} samples = "
          f"{floor:.3f} s")
    print(f"   peak memory {peak / 2**20:.0f} MiB (data {data_bytes / 2**20:.0f} MiB + "
          f"{extra / 2**20:.1f} MiB during train)")
    c = t["chainrule"]
    bar_memory = 2 * (data_bytes + param_bytes)
    return [
        ("W2 vs PyTorch", t["torch"] / c, ">= 1x (as fast)", t["torch"] / c >= 1.0),
        ("W2 vs scikit-learn", t["sklearn"] / c, ">= 1.5x faster", t["sklearn"] / c >= 1.5),
        ("W2 vs GEMM floor", c / floor, "<= 2.5x the floor", c / floor <= 2.5),
        ("W2 peak memory / (data + params)", peak / (data_bytes + param_bytes), "< 2x",
         peak < bar_memory),
    ]


def python_lists_epoch(X: list[list[float]], Y: list[float], w: list[float], r: float) -> None:
    """The plain-Python reference: 2-2-1 sigmoid, squared error, one sample per step."""
    exp = math.exp
    w11, w12, w21, w22, v1, v2, b1, b2, c = w
    for (x1, x2), y in zip(X, Y, strict=True):
        h1 = 1 / (1 + exp(-(x1 * w11 + x2 * w21 + b1)))
        h2 = 1 / (1 + exp(-(x1 * w12 + x2 * w22 + b2)))
        o = 1 / (1 + exp(-(h1 * v1 + h2 * v2 + c)))
        do = 2 * (o - y) * o * (1 - o)
        d1 = v1 * do * h1 * (1 - h1)
        d2 = v2 * do * h2 * (1 - h2)
        v1 -= r * do * h1
        v2 -= r * do * h2
        c -= r * do
        w11 -= r * d1 * x1
        w21 -= r * d1 * x2
        b1 -= r * d1
        w12 -= r * d2 * x1
        w22 -= r * d2 * x2
        b2 -= r * d2


def w3(torch: Any) -> list[tuple[str, float, str, bool]]:
    n, r = 10_000, 0.5
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (n, 2))
    Y = (X[:, 0] * X[:, 1] > 0).astype(np.float64)
    net = cr.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2, dtype=torch.float64), torch.nn.Sigmoid(),
                                torch.nn.Linear(2, 1, dtype=torch.float64), torch.nn.Sigmoid())
    slow = 2000  # PyTorch and scikit-learn: fewer steps, reported per step
    Xt = torch.from_numpy(X[:slow])
    Yt = torch.from_numpy(Y[:slow, None])
    mse = torch.nn.MSELoss()
    sk = sklearn_model((2,), "logistic", r, 1)
    sk.partial_fit(X[:10], Y[:10].astype(int), classes=[0, 1])
    xs, ys = X.tolist(), Y.tolist()
    weights = [0.1] * 9
    t = interleaved({
        "chainrule": lambda: cr.train(net, X, Y, epochs=1, batch_size=1, learning_rate=r,
                                      seed=0, progress=False),
        "python lists": lambda: python_lists_epoch(xs, ys, weights, r),
        "numpy": lambda: numpy_single_steps(X, Y, r),
        "torch": lambda: torch_epoch(model, Xt, Yt, r, 1, mse),
        "sklearn": lambda: sk.partial_fit(X[:slow], Y[:slow].astype(int)),
    }, repeats=3)
    steps = {"chainrule": n, "python lists": n, "numpy": n, "torch": slow, "sklearn": slow}
    per = {name: t[name] / steps[name] for name in t}
    print("W3 2-2-1 sigmoid, single-sample steps (median of 3), per step:")
    for name, s in per.items():
        print(f"   {name:12} {s * 1e6:8.2f} us/step")
    return [("W3 vs PyTorch (per step)", per["torch"] / per["chainrule"], ">= 10x faster",
             per["torch"] / per["chainrule"] >= 10)]


def numpy_single_steps(X: np.ndarray, Y: np.ndarray, r: float) -> None:
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(size=(2, 2)), np.zeros(2)
    W2, b2 = rng.normal(size=(2, 1)), np.zeros(1)
    for x, y in zip(X, Y, strict=True):
        a1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
        a2 = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
        d2 = 2 * (a2 - y) * a2 * (1 - a2)
        d1 = (W2 @ d2) * a1 * (1 - a1)
        W2 -= r * np.outer(a1, d2)
        b2 -= r * d2
        W1 -= r * np.outer(x, d1)
        b1 -= r * d1


def main() -> int:
    try:
        import torch
    except ImportError:
        print("bench_train needs torch==2.13.0 (make torch)")
        return 1
    torch.set_num_threads(THREADS or 1)
    started = time.perf_counter()
    print(f"{platform.processor() or platform.machine()}, {THREADS} threads for every contender "
          f"(torch.set_num_threads({THREADS}); OpenBLAS for NumPy, scikit-learn and chainrule), "
          f"Python {platform.python_version()}, NumPy {np.__version__}, torch {torch.__version__}")
    chosen = [a.upper() for a in sys.argv[1:]] or ["W1", "W2", "W3"]
    workloads = {"W1": w1, "W3": w3, "W2": w2}
    rows = [row for name, run in workloads.items() if name in chosen for row in run(torch)]
    print(f"\n{'bar':36} {'ratio':>8}  {'needed':18} result")
    ok = True
    for name, ratio, needed, met in rows:
        ok &= met
        print(f"{name:36} {ratio:8.2f}  {needed:18} {'met' if met else 'MISSED'}")
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
