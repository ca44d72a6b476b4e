"""Benchmark: the full worked solution of a 64-32-10 network (2,400 weights, one sample) as
Markdown. The target is under 2 s on the team's machine. Run: .venv/bin/python
benchmarks/bench_render.py"""

from __future__ import annotations

import random
import sys
import time

import chainrule as cr
from chainrule.explain.solution import explain
from chainrule.render.markdown import render

TARGET_S = 2.0


def network(sizes: tuple[int, ...] = (64, 32, 10), seed: int = 0) -> cr.Network:
    rng = random.Random(seed)
    names = [[f"x{i}" for i in range(sizes[0])]]
    names += [[f"h{layer}_{i}" for i in range(n)] for layer, n in enumerate(sizes[1:-1], 1)]
    names.append([f"o{i}" for i in range(sizes[-1])])
    units = dict.fromkeys(names[0], "input")
    units |= {n: "relu" for layer in names[1:-1] for n in layer}
    units |= dict.fromkeys(names[-1], "sigmoid")
    weights = {
        f"{a} -> {b}": rng.gauss(0.0, 0.3)
        for left, right in zip(names, names[1:], strict=False)
        for a in left
        for b in right
    }
    sample = {
        "inputs": {n: rng.uniform(0.0, 1.0) for n in names[0]},
        "targets": {n: float(i == 3) for i, n in enumerate(names[-1])},
    }
    return cr.Network.from_dict({"units": units, "weights": weights, "samples": [sample]})


def main() -> int:
    net = network()
    start = time.perf_counter()
    trace = cr.solve(net)
    solve_s = time.perf_counter() - start
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        text = render(explain(trace))
        best = min(best, time.perf_counter() - start)
    print(
        f"64-32-10 network ({len(net.weights)} weights, one sample): worked solution as Markdown "
        f"({len(text) / 1e6:.1f} MB, {text.count(chr(10))} lines) in {best:.2f} s "
        f"(best of 3; target < {TARGET_S:.0f} s)"
    )
    print(f"the scalar engine's step before it: {solve_s:.3f} s")
    return 0 if best < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
