"""Benchmark: how chainrule's costs grow with the network's size (issue 10: costs stay linear).

Each case runs in its own process, as a user would run it, with a time cap: a case over the cap
prints ``> CAP s``. The figures go in benchmarks/README.md.

- wide: N inputs into one unit, loaded from JSON and solved, the solution written as JSON.
- chain: a chain of N units, one step, as text / Markdown / JSON.
- layered: one step of a 64-32-10 and a 784-128-10 network as JSON / Markdown / text.
- draw: the diagram (SVG) of a chain of N units.

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_scale.py [--quick] [--cap SECONDS]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def wide(n: int) -> dict[str, Any]:
    units: dict[str, Any] = {f"x{i}": "input" for i in range(n)}
    units["k"] = "sigmoid"
    return {
        "units": units,
        "weights": {f"x{i} -> k": 0.001 for i in range(n)},
        "samples": [{"inputs": {f"x{i}": 0.5 for i in range(n)}, "targets": {"k": 1.0}}],
    }


def chain(n: int) -> dict[str, Any]:
    units: dict[str, Any] = {"u0": "input"}
    units |= {f"u{i}": "tanh" for i in range(1, n)}
    return {
        "units": units,
        "weights": {f"u{i} -> u{i + 1}": 0.9 for i in range(n - 1)},
        "samples": [{"inputs": {"u0": 0.5}, "targets": {f"u{n - 1}": 0.1}}],
    }


def layered(sizes: tuple[int, ...], seed: int = 0) -> dict[str, Any]:
    rng = random.Random(seed)
    names = [[f"x{i}" for i in range(sizes[0])]]
    names += [[f"h{layer}_{i}" for i in range(n)] for layer, n in enumerate(sizes[1:-1], 1)]
    names.append([f"o{i}" for i in range(sizes[-1])])
    units: dict[str, Any] = dict.fromkeys(names[0], "input")
    units |= {n: "relu" for layer in names[1:-1] for n in layer}
    units |= dict.fromkeys(names[-1], "sigmoid")
    weights = {
        f"{a} -> {b}": rng.gauss(0.0, 0.1)
        for left, right in zip(names, names[1:], strict=False)
        for a in left
        for b in right
    }
    sample = {
        "inputs": {n: rng.uniform(0.0, 1.0) for n in names[0]},
        "targets": {n: float(i == 3) for i, n in enumerate(names[-1])},
    }
    return {"units": units, "weights": weights, "samples": [sample]}


SUFFIX = {"json": ".json", "markdown": ".md", "text": ".txt", "latex": ".tex", "html": ".html"}
"""Each format's file ending (an output file whose ending names another format is refused)."""


def timed(argv: list[str], cap: float) -> str:
    """Seconds the command took (and exit code when not 0), or '> cap'."""
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "chainrule", *argv], capture_output=True,
                              timeout=cap, check=False, env={**os.environ, "COLUMNS": "100"})
    except subprocess.TimeoutExpired:
        return f"> {cap:.0f} s"
    took = time.perf_counter() - start
    code = "" if done.returncode == 0 else f" (exit {done.returncode}: " + (
        done.stderr.decode(errors="replace").strip()[:90] + ")")
    return f"{took:6.2f} s{code}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the smaller sizes")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds per case")
    args = parser.parse_args()
    cap = args.cap
    folder = Path(tempfile.mkdtemp(prefix="chainrule-bench-"))

    def save(name: str, data: dict[str, Any]) -> str:
        path = folder / name
        path.write_text(json.dumps(data))
        return str(path)

    rows: list[tuple[str, str]] = []
    for n in (10_000,) if args.quick else (10_000, 40_000):
        path = save(f"wide{n}.json", wide(n))
        rows.append((f"wide, {n:,} inputs into one unit: solve --format json",
                     timed(["solve", path, "--format", "json", "-o", str(folder / "o.json")],
                           cap)))
    for n in (1_000, 4_000) if args.quick else (1_000, 4_000, 10_000):
        path = save(f"chain{n}.json", chain(n))
        for fmt in ("json", "markdown", "text"):
            rows.append((f"chain of {n:,} units: solve --format {fmt}",
                         timed(["solve", path, "--format", fmt, "-o",
                                str(folder / ("o" + SUFFIX[fmt]))], cap)))
    for sizes in ((64, 32, 10),) if args.quick else ((64, 32, 10), (784, 128, 10)):
        name = "-".join(map(str, sizes))
        path = save(f"net{name}.json", layered(sizes))
        for fmt in ("json", "markdown", "text"):
            rows.append((f"{name}, one step: solve --format {fmt}",
                         timed(["solve", path, "--format", fmt, "-o",
                                str(folder / ("o" + SUFFIX[fmt]))], cap)))
    for n in (1_000,) if args.quick else (1_000, 10_000):
        path = save(f"chain{n}.json", chain(n))
        rows.append((f"chain of {n:,} units: draw (SVG)",
                     timed(["draw", path, "-o", str(folder / "o.svg")], cap)))
    width = max(len(r[0]) for r in rows)
    for what, took in rows:
        print(f"{what.ljust(width)}  {took}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
