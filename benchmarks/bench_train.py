"""Benchmark: `chainrule.train` against PyTorch (at its best thread count), scikit-learn, a
hand-written NumPy loop and the GEMM floor, every contender timed in the same run, interleaved,
best of N (issue 19). The machine is shared: the load average is printed beside every figure,
and only the ratios, measured side by side, count.

- W1: digits (1797 x 64, scikit-learn's bundled copy), 64-32-10 relu/softmax, batch 32, one
  epoch. Bars: >= 6x PyTorch, >= 3.5x scikit-learn's MLPClassifier.
- W2: synthetic 60000 x 784 float32, 784-128-10 relu/softmax, batch 128, one epoch. Bars:
  >= 2x PyTorch, <= 1.15x the GEMM floor (6 x parameters x samples flops at the rate of
  the layer's own GEMM, best of 10 runs of 50 products, on the thread count, 1 or 2, on
  which a whole epoch of the network's matrix products alone runs faster in this run: on a
  loaded machine two threads are fast in a short burst that finds both cores free and
  collapse over an epoch); peak memory < 2x (data + parameters). Also shown, not a bar: that
  epoch of matrix products alone (4 flops per first-layer weight and sample, where the floor
  counts 6), the same products through PyTorch's own BLAS (MKL), and NumPy's products alone
  against the time 2x PyTorch allows the whole epoch (at or above 1, the bar cannot be met
  with NumPy's BLAS whatever the trainer does around its products).
- Sweep: 784-H-10 at batch 128 for H = 32 ... 512 (10,000 samples). Bar: at least PyTorch's
  speed at every width.
- W3: 2-2-1 sigmoid, single-sample steps inside an epoch (10,000 steps). Bar: >= 50x PyTorch
  per step.
- One step: a whole ``cr.train()`` call of one step on the 2-2-1 network. Bar: under 20 us
  more than the step itself costs inside an epoch.

PyTorch runs at 1 and at 2 threads (``torch.set_num_threads``) and its better time counts;
chainrule chooses its own threads (its ``threads_reason`` is printed). Every contender gets the
same data already in memory in the right dtype and index shuffling; the first call of each is a
warm-up. chainrule's figure is the whole ``cr.train(...)`` call (checks, the epoch, the trained
Network returned). PyTorch uses its idiomatic fused loss (CrossEntropyLoss on logits,
MSELoss); scikit-learn's MLPClassifier does one epoch per ``partial_fit`` (solver="sgd",
momentum=0, alpha=0).

Run: ``python benchmarks/bench_train.py [W1] [W2] [SWEEP] [W3] [STEP]`` (all by default;
``make bench`` runs them all). Exits 1 if a bar is missed.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr

THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


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
    # the best of 10 runs of 50 products (~8 ms each: a sustained rate; runs of 10 products
    # find rates about 12% above what any epoch of them sustains, 255 against 214-228 GFLOP/s
    # on 2 threads)
    best = math.inf
    for _ in range(10):
        start = time.perf_counter()
        for _ in range(50):
            np.matmul(a, w, out=out)
        best = min(best, (time.perf_counter() - start) / 50)
    return 2 * batch * n_in * n_out / best


# ---------------------------------------------------------------------------------------------
# Workloads


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f})"


def best_interleaved(contenders: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Best time of each contender over ``repeats`` rounds, the contenders interleaved in each
    round (so a load spike hits them all), each round starting one contender later (so none
    always runs right after the same one: what a contender leaves behind, such as BLAS or
    OpenMP threads still spinning, falls on each in turn); one warm-up call each first. As
    :mod:`timeit` does, the garbage collector is off during each timed call, and it collects
    once per round (not before every call: a full collection walks every object of the
    process, torch's and scikit-learn's included, and leaves the caches cold, which added 1 ms
    to a 1.5 ms epoch and far less, relatively, to longer ones)."""
    for fn in contenders.values():
        fn()
    best = dict.fromkeys(contenders, math.inf)
    CPU.clear()
    names = list(contenders)
    for round_ in range(repeats):
        shift = round_ % len(names)
        gc.collect()
        for name in names[shift:] + names[:shift]:
            fn = contenders[name]
            gc.disable()
            try:
                cpu = time.process_time()
                start = time.perf_counter()
                fn()
                wall = time.perf_counter() - start
                cpu = time.process_time() - cpu
            finally:
                gc.enable()
            best[name] = min(best[name], wall)
            CPU[name] = min(CPU.get(name, math.inf), cpu)
    return best


CPU: dict[str, float] = {}
"""The last :func:`best_interleaved`'s best CPU time of each contender (every thread of the
process counted), shown beside the wall-clock times: on a loaded machine it shows how much of
a wall-clock figure is waiting for a core."""


def with_torch_threads(torch: Any, threads: int, fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        torch.set_num_threads(threads)
        return fn()

    return run


def torch_best(t: dict[str, float]) -> tuple[float, str]:
    """PyTorch's better time of its 1- and 2-thread runs, and which."""
    name = min((k for k in t if k.startswith("torch")), key=lambda k: t[k])
    return t[name], name


def show(title: str, t: dict[str, float], unit: str = "ms", per: float = 1.0) -> None:
    scale = {"ms": 1e3, "s": 1.0, "us": 1e6}[unit]
    print(f"{title}  [{load()}]")
    for name, seconds in t.items():
        cpu = f"   (CPU {CPU[name] / per * scale:10.3f} {unit})" if name in CPU else ""
        print(f"   {name:14} {seconds / per * scale:10.3f} {unit}{cpu}")


Row = tuple[str, float, str, bool]


def w1(torch: Any) -> list[Row]:
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
    why: list[str] = []

    def chainrule_epoch() -> None:
        why[:] = [cr.train(net, X, labels, epochs=1, batch_size=batch, learning_rate=r, seed=0,
                           progress=False).threads_reason]

    t = best_interleaved({
        "chainrule": chainrule_epoch,
        "numpy": lambda: numpy_epoch(X, labels, ws, bs, r, batch, rng),
        "torch 1 thread": with_torch_threads(torch, 1, lambda: torch_epoch(model, Xt, yt, r,
                                                                             batch, ce)),
        "torch 2 threads": with_torch_threads(torch, 2, lambda: torch_epoch(model, Xt, yt, r,
                                                                              batch, ce)),
        "sklearn": lambda: sk.partial_fit(X, labels),
    }, repeats=9)
    show("W1 digits 1797x64, 64-32-10 relu/softmax, batch 32, one epoch (best of 9):", t)
    print(f"   chainrule's threads: {why[0]}")
    c = t["chainrule"]
    tb, _ = torch_best(t)
    return [
        ("W1 vs PyTorch at its best", tb / c, ">= 6x faster", tb / c >= 6),
        ("W1 vs scikit-learn", t["sklearn"] / c, ">= 3.5x faster", t["sklearn"] / c >= 3.5),
    ]


def gemm_floor(n_in: int, n_out: int, batch: int, params: int, n: int,
               threads: int) -> tuple[float, str]:
    """6 x params x samples flops at the layer's GEMM rate on ``threads`` BLAS threads (the
    better thread count for a whole epoch of the products in this run: see
    :func:`epoch_matmuls`). Both rates are shown."""
    from threadpoolctl import threadpool_limits

    rates = {}
    for t in (1, 2):
        with threadpool_limits(t, user_api="blas"):
            rates[t] = gemm_rate(np.float32, batch, n_in, n_out)
    return 6 * params * n / rates[threads], \
        f"{rates[threads] / 1e9:.0f} GFLOP/s on {threads} thread(s); {rates[1] / 1e9:.0f} on " \
        f"1, {rates[2] / 1e9:.0f} on 2"


def epoch_of_products(mm: Any, X: Any, sizes: list[int], batch: int,
                      to: Callable[[np.ndarray], Any]) -> Callable[[], float]:
    """A timer of one epoch of the network's matrix products alone, ``mm(a, b, out=c)``, on
    batches that are slices of ``X``: every layer's forward product and weight gradient, and
    dC/da for every layer but the first (no gather, no elementwise work, no update). ``to``
    makes the arrays ``mm`` takes from NumPy's."""
    rng = np.random.default_rng(0)
    ws = [to(rng.standard_normal((a + 1, b), dtype=np.float32)) for a, b in
          zip(sizes, sizes[1:], strict=False)]
    hs = [to(np.ones((batch, a + 1), np.float32)) for a in sizes[1:-1]]
    zs = [to(np.empty((batch, b), np.float32)) for b in sizes[1:]]
    grads = [to(np.empty((a + 1, b), np.float32)) for a, b in zip(sizes, sizes[1:], strict=False)]
    n = len(X) // batch * batch

    def epoch() -> float:
        start = time.perf_counter()
        for s in range(0, n, batch):
            x = X[s:s + batch]
            mm(x, ws[0][:-1], out=zs[0])
            for i, h in enumerate(hs):
                mm(h, ws[i + 1], out=zs[i + 1])
            for i in range(len(hs), 0, -1):
                mm(hs[i - 1].T, zs[i], out=grads[i])
                mm(zs[i], ws[i][:-1].T, out=zs[i - 1])
            mm(x.T, zs[0], out=grads[0][:-1])
        return time.perf_counter() - start

    return epoch


def torch_matmuls(torch: Any, X: np.ndarray, sizes: list[int], batch: int) -> tuple[float, str]:
    """The same products as :func:`epoch_matmuls` through PyTorch's BLAS (MKL in its x86
    wheels), at its better of 1 and 2 threads: what the epoch's products alone cost with the
    GEMM PyTorch itself uses (not a bar; it says how far NumPy's BLAS is from it)."""
    epoch = epoch_of_products(torch.mm, torch.from_numpy(X), sizes, batch, torch.from_numpy)
    times = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        epoch()
        times[threads] = min(epoch() for _ in range(3))
    best = min(times.values())
    return best, f"{times[1]:.3f} s on 1 thread, {times[2]:.3f} s on 2"


def epoch_matmuls(X: np.ndarray, sizes: list[int], batch: int) -> tuple[float, int, str]:
    """The matrix products of one epoch alone (:func:`epoch_of_products`), at the better of 1
    and 2 BLAS threads (whole epochs, best of 3; the time, the thread count, both times).
    What a trainer that only multiplied would take: 4 flops per first-layer weight and sample
    (the inputs need no gradient) where the floor counts 6."""
    from threadpoolctl import threadpool_limits

    epoch = epoch_of_products(np.matmul, X, sizes, batch, lambda a: a)

    # whole epochs, best of 3: sustained, as a training runs (on a loaded machine two threads
    # collapse over an epoch even where a short burst of products finds both cores free)
    times = {}
    for threads in (1, 2):
        with threadpool_limits(threads, user_api="blas"):
            epoch()
            times[threads] = min(epoch() for _ in range(3))
    threads = min(times, key=lambda k: times[k])
    return times[threads], threads, f"{times[1]:.3f} s on 1 thread, {times[2]:.3f} s on 2"


def w2(torch: Any) -> list[Row]:
    n, sizes, r, batch = 60_000, [784, 128, 10], 0.01, 128
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 784), dtype=np.float32)
    labels = rng.integers(0, 10, n)
    net = cr.mlp(sizes, hidden="relu", output="softmax", cost="categorical_cross_entropy",
                 seed=0)
    model = torch_setup(sizes, torch.nn.ReLU, torch.float32)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(labels)
    ce = torch.nn.CrossEntropyLoss()
    sk = sklearn_model((128,), "relu", r, batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.partial_fit(X[:1000], labels[:1000], classes=np.arange(10))
    why: list[str] = []

    def chainrule_epoch() -> None:
        why[:] = [cr.train(net, X, labels, epochs=1, batch_size=batch, learning_rate=r, seed=0,
                           dtype="float32", progress=False).threads_reason]

    t = best_interleaved({
        "chainrule": chainrule_epoch,
        "torch 1 thread": with_torch_threads(torch, 1, lambda: torch_epoch(model, Xt, yt, r,
                                                                             batch, ce)),
        "torch 2 threads": with_torch_threads(torch, 2, lambda: torch_epoch(model, Xt, yt, r,
                                                                              batch, ce)),
        "sklearn": lambda: sk.partial_fit(X, labels),
    }, repeats=5)
    params = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    alone, alone_threads, alone_how = epoch_matmuls(X, sizes, batch)
    mkl, mkl_how = torch_matmuls(torch, X, sizes, batch)
    floor, rate = gemm_floor(784, 128, batch, params, n, alone_threads)
    data_bytes = X.nbytes + labels.nbytes
    timed_why = why[0]
    tracemalloc.start()
    chainrule_epoch()
    _, extra = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    show("W2 synthetic 60000x784 float32, 784-128-10 relu/softmax, batch 128, one epoch "
         "(best of 5):", t, "s")
    print(f"   GEMM floor     {floor:10.3f} s  (6 x {params} params x {n} samples at {rate})")
    print(f"   matmuls alone  {alone:10.3f} s  (NumPy's BLAS, the epoch's products without "
          f"anything else: {alone_how}; the floor's thread count; not a bar)")
    print(f"   the same through PyTorch's BLAS {mkl:.3f} s  ({mkl_how}); 2x PyTorch's epoch "
          f"allows {torch_best(t)[0] / 2:.3f} s for the whole epoch, products included")
    print(f"   chainrule's threads (last timed call): {timed_why}")
    print(f"   peak memory {(data_bytes + extra) / 2**20:.0f} MiB (data {data_bytes / 2**20:.0f} "
          f"MiB + {extra / 2**20:.1f} MiB during train)")
    c = t["chainrule"]
    tb, _ = torch_best(t)
    memory = (data_bytes + extra) / (data_bytes + params * 4)
    return [
        ("W2 vs PyTorch at its best", tb / c, ">= 2x faster", tb / c >= 2.0),
        ("W2 vs scikit-learn", t["sklearn"] / c, "(shown)", True),
        ("W2 vs GEMM floor", c / floor, "<= 1.15x the floor", c / floor <= 1.15),
        ("W2 NumPy's products alone / (PyTorch / 2)", alone / (tb / 2), "(shown)", True),
        ("W2 peak memory / (data + params)", memory, "< 2x", memory < 2),
    ]


def sweep(torch: Any) -> list[Row]:
    n, r, batch = 10_000, 0.01, 128
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, 784), dtype=np.float32)
    labels = rng.integers(0, 10, n)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(labels)
    ce = torch.nn.CrossEntropyLoss()
    rows: list[Row] = []
    print(f"Sweep 784-H-10 relu/softmax, float32, batch 128, {n} samples, one epoch (best of 5): "
          f"[{load()}]")
    for hidden in (32, 64, 128, 256, 512):
        sizes = [784, hidden, 10]
        net = cr.mlp(sizes, hidden="relu", output="softmax", cost="categorical_cross_entropy",
                     seed=0)
        model = torch_setup(sizes, torch.nn.ReLU, torch.float32)
        why: list[str] = [""]

        def chainrule_epoch(net: Any = net, why: list[str] = why) -> None:
            why[0] = cr.train(net, X, labels, epochs=1, batch_size=batch, learning_rate=r,
                              seed=0, dtype="float32", progress=False).threads_reason

        t = best_interleaved({
            "chainrule": chainrule_epoch,
            "torch 1 thread": with_torch_threads(
                torch, 1, lambda model=model: torch_epoch(model, Xt, yt, r, batch, ce)),
            "torch 2 threads": with_torch_threads(
                torch, 2, lambda model=model: torch_epoch(model, Xt, yt, r, batch, ce)),
        }, repeats=5)
        tb, which = torch_best(t)
        ratio = tb / t["chainrule"]
        print(f"   H={hidden:4}  chainrule {t['chainrule'] * 1e3:8.1f} ms   PyTorch "
              f"{tb * 1e3:8.1f} ms ({which})   {ratio:.2f}x   (CPU time: chainrule "
              f"{CPU['chainrule'] * 1e3:.1f} ms, PyTorch at 1 thread "
              f"{CPU['torch 1 thread'] * 1e3:.1f} ms)")
        print(f"             chainrule's threads (last call): {why[0]}")
        rows.append((f"Sweep H={hidden} vs PyTorch at its best", ratio, ">= 1x (parity)",
                     ratio >= 1.0))
    print(f"   [{load()}]")
    return rows


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


def w3(torch: Any) -> list[Row]:
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
    t = best_interleaved({
        "chainrule": lambda: cr.train(net, X, Y, epochs=1, batch_size=1, learning_rate=r,
                                      seed=0, progress=False),
        "python lists": lambda: python_lists_epoch(xs, ys, weights, r),
        "torch 1 thread": with_torch_threads(torch, 1, lambda: torch_epoch(model, Xt, Yt, r, 1,
                                                                             mse)),
        "torch 2 threads": with_torch_threads(torch, 2, lambda: torch_epoch(model, Xt, Yt, r, 1,
                                                                              mse)),
        "sklearn": lambda: sk.partial_fit(X[:slow], Y[:slow].astype(int)),
    }, repeats=5)
    steps = {"chainrule": n, "python lists": n, "sklearn": slow, "torch 1 thread": slow,
             "torch 2 threads": slow}
    per = {name: t[name] / steps[name] for name in t}
    for name in CPU:
        CPU[name] /= steps[name]
    show("W3 2-2-1 sigmoid, single-sample steps inside an epoch (best of 5), per step:", per,
         "us")
    tb, _ = torch_best(per)
    rows: list[Row] = [("W3 vs PyTorch at its best (per step)", tb / per["chainrule"],
                        ">= 50x faster", tb / per["chainrule"] >= 50)]
    # one whole train() call of one step, against that step inside an epoch
    x1, y1 = X[:1], Y[:1]
    best = math.inf
    for _ in range(2000):
        start = time.perf_counter()
        cr.train(net, x1, y1, epochs=1, batch_size=1, learning_rate=r, progress=False)
        best = min(best, time.perf_counter() - start)
    overhead = best - per["chainrule"]
    print(f"One-step cr.train() call: {best * 1e6:.1f} us (best of 2000), the step itself "
          f"{per['chainrule'] * 1e6:.2f} us: overhead {overhead * 1e6:.1f} us  [{load()}]")
    rows.append(("One-step train() overhead (us)", overhead * 1e6, "< 20 us", overhead < 20e-6))
    return rows


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
    started = time.perf_counter()
    print(f"{platform.processor() or platform.machine()}, {THREADS} cores, Python "
          f"{platform.python_version()}, NumPy {np.__version__}, torch {torch.__version__}; "
          f"PyTorch timed at 1 and 2 threads, its better time counts  [{load()}]")
    chosen = [a.upper() for a in sys.argv[1:]] or ["W1", "W3", "SWEEP", "W2"]
    workloads = {"W1": w1, "W3": w3, "SWEEP": sweep, "W2": w2}
    rows = [row for name, run in workloads.items() if name in chosen for row in run(torch)]
    print(f"\n{'bar':40} {'measured':>9}  {'needed':20} result   [{load()}]")
    ok = True
    for name, value, needed, met in rows:
        ok &= met
        print(f"{name:40} {value:9.2f}  {needed:20} {'met' if met else 'MISSED'}")
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
