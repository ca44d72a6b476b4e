"""Run every benchmark script, benchmarks/bench_*.py, in turn; exit 1 if any of them fails.

Run: ``python benchmarks/run_all.py`` (or ``make bench``). Each script prints its own figures
and exits non-zero when it misses its bar.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    folder = Path(__file__).resolve().parent
    scripts = sorted(folder.glob("bench_*.py"))
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], check=False).returncode
        print(f"== {script.name}: exit {code} after {time.perf_counter() - start:.1f} s\n",
              flush=True)
        if code:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    print(f"all {len(scripts)} benchmark(s) passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
