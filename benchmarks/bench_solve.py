"""Benchmark: `chainrule solve` of a 2-2-2 sigmoid network for 10,000 steps, JSON output.

The bar (issue 2): the whole command, with every step in the JSON output, finishes in under
10 s on a 2-core machine. Prints the command's wall time (median of 3 runs, as a subprocess,
including Python's start-up and writing the JSON), and the time of its parts in-process: the
scalar engine alone, and turning the Trace into JSON text.

Run: ``python benchmarks/bench_solve.py`` (or ``make bench``). Exits 1 if the bar is missed.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import chainrule as cr

STEPS = 10_000
REPEATS = 3
BAR_SECONDS = 10.0

# The 2-2-2 sigmoid network of Matt Mazur's "A Step by Step Backpropagation Example".
NETWORK = """\
title = "2-2-2 sigmoid network (benchmark)"
learning_rate = 0.5
cost = "half_squared_error"

[units]
i1 = "input"
i2 = "input"
h1 = "sigmoid"
h2 = "sigmoid"
o1 = "sigmoid"
o2 = "sigmoid"

[weights]
"i1 -> h1" = 0.15
"i2 -> h1" = 0.20
"i1 -> h2" = 0.25
"i2 -> h2" = 0.30
"h1 -> o1" = 0.40
"h2 -> o1" = 0.45
"h1 -> o2" = 0.50
"h2 -> o2" = 0.55

[biases]
h1 = 0.35
h2 = 0.35
o1 = 0.60
o2 = 0.60

[[samples]]
inputs = { i1 = 0.05, i2 = 0.10 }
targets = { o1 = 0.01, o2 = 0.99 }
"""


def median_time(run: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        net_path = Path(folder) / "net-2-2-2.toml"
        net_path.write_text(NETWORK, encoding="utf-8")
        out_path = Path(folder) / "solution.json"
        command = [sys.executable, "-m", "chainrule", "solve", str(net_path),
                   "--steps", str(STEPS), "--format", "json"]

        def run_command() -> None:
            with out_path.open("w", encoding="utf-8") as out:
                subprocess.run(command, stdout=out, check=True)

        command_s = median_time(run_command)
        data = json.loads(out_path.read_text(encoding="utf-8"))
        assert len(data["steps"]) == STEPS, "every step must be in the output"
        size_mb = out_path.stat().st_size / 1e6
        startup_s = median_time(
            lambda: subprocess.run([sys.executable, "-m", "chainrule", "--version"],
                                   stdout=subprocess.DEVNULL, check=True)
        )

    net = cr.loads(NETWORK)
    engine_s = median_time(lambda: cr.solve(net, steps=STEPS))
    trace = cr.solve(net, steps=STEPS)
    to_json_s = median_time(lambda: json.dumps(trace.to_json(), allow_nan=False))

    print(f"chainrule solve, 2-2-2 sigmoid network, {STEPS:,} steps, --format json "
          f"({size_mb:.1f} MB of JSON)")
    print(f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {platform.system()}")
    print(f"  the command (subprocess, median of {REPEATS}): {command_s:6.2f} s")
    print(f"    Python start-up and imports:            {startup_s:6.2f} s")
    print(f"    the scalar engine alone:                {engine_s:6.2f} s "
          f"({engine_s / STEPS * 1e6:.0f} us per step)")
    print(f"    the Trace to JSON text:                 {to_json_s:6.2f} s")
    ratio = command_s / BAR_SECONDS
    verdict = "met" if command_s < BAR_SECONDS else "MISSED"
    print(f"  bar: {BAR_SECONDS:.0f} s; the command takes {ratio:.0%} of it ({verdict})")
    return 0 if command_s < BAR_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
