"""Benchmark: the command line answers at once (issue 19).

Bars: ``chainrule solve exercise-2`` under 0.3 s wall in every format, ``chainrule --help``
under 0.2 s, each the whole process (Python's start-up, the imports, the work, the output),
best of N runs interleaved with a bare ``python -c "import numpy"`` and ``python -c pass`` as
the machine's own yardsticks (a loaded machine slows every one of them alike). The load
average is printed beside the figures.

Run: ``python benchmarks/bench_cli.py [--repeats N]``. Exits 1 if a bar is missed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
FORMATS = ("text", "markdown", "latex", "html", "json")
BARS = {"--help": 0.2, "solve": 0.3}


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"


def environment() -> dict[str, str]:
    """The commands' environment: this checkout's sources first, 80 columns, and bytecode
    written and read as an installed package has it (PYTHONDONTWRITEBYTECODE, set in some
    shells, would make every run compile every module again: ~50 ms that no user pays)."""
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "COLUMNS": "80"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(argv: list[str]) -> float:
    env = environment()
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - start


def main() -> int:
    repeats = 7
    if "--repeats" in sys.argv:
        repeats = int(sys.argv[sys.argv.index("--repeats") + 1])
    cli = [sys.executable, "-m", "chainrule"]
    cases: dict[str, list[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
        "chainrule --help": [*cli, "--help"],
    }
    for fmt in FORMATS:
        cases[f"chainrule solve exercise-2 --format {fmt}"] = [*cli, "solve", "exercise-2",
                                                               "--format", fmt]
    best = {name: float("inf") for name in cases}
    for argv in cases.values():  # once untimed: the bytecode is written, the files are cached
        run(argv)
    print(f"before: {load_average()}")
    for _ in range(repeats):
        for name, argv in cases.items():
            best[name] = min(best[name], run(argv))
    print(f"after:  {load_average()}")
    print(f"best of {repeats}, interleaved, wall time of the whole process:")
    ok = True
    for name, seconds in best.items():
        bar = next((b for key, b in BARS.items() if key in name), None)
        verdict = ""
        if bar is not None:
            met = seconds < bar
            ok &= met
            verdict = f"  (bar < {bar} s: {'met' if met else 'MISSED'})"
        print(f"   {name:48} {seconds:6.3f} s{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
