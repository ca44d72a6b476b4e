"""Run every benchmark script, benchmarks/bench_*.py, in turn; exit 1 if any of them fails.

Run: ``python benchmarks/run_all.py`` (or ``make bench``). Each script prints its own figures
and exits non-zero when it misses its bar. The date, the machine and the load average before
and after each script are printed too: on a shared machine the figures mean little without it.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def main() -> int:
    folder = Path(__file__).resolve().parent
    scripts = sorted(folder.glob("bench_*.py"))
    failed = []
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {cores} cores "
          f"({platform.processor() or platform.machine()}, {platform.system()}), Python "
          f"{platform.python_version()}; {load()}", flush=True)
    for script in scripts:
        print(f"== {script.name}  [{load()}]", flush=True)
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], check=False).returncode
        print(f"== {script.name}: exit {code} after {time.perf_counter() - start:.1f} s  "
              f"[{load()}]\n", flush=True)
        if code:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    print(f"all {len(scripts)} benchmark(s) passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
