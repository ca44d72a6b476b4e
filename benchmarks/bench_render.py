"""Benchmark: worked solutions (issues 3 and 19).

- The full worked solution of a 64-32-10 network (2,400 weights, one sample) as Markdown, in
  process: under 2 s (issue 3).
- Text no slower than Markdown: the same solution, and `chainrule solve` of that network and of
  exercise-2, each the whole command, text and Markdown interleaved, best of N (issue 19; the
  bar is judged on the commands' CPU time, their wall time printed beside it).
- The same 64-32-10 solution as HTML, the whole command (shown, no bar).
- 784-128-10 (101,770 weights), one step, as Markdown: the whole command
  (``chainrule solve net.npz --format markdown --max-weights 200000``), under 3 s and 300 MB
  peak memory (issue 19; its maximum resident set from the operating system).

The load average is printed beside the figures. Run: ``python benchmarks/bench_render.py
[--quick]`` (``--quick`` leaves out the 784-128-10 case). Exits 1 if a bar is missed.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import chainrule as cr
from chainrule.explain.solution import explain
from chainrule.render import markdown, text

TARGET_S = 2.0
BIG_S = 3.0
BIG_MB = 300.0
SRC = Path(__file__).resolve().parent.parent / "src"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f})"


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


def command(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one ``chainrule`` command (output discarded)."""
    seconds, peak, _ = measured(argv)
    return seconds, peak


def measured(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak resident MB and CPU seconds (user + system) of one ``chainrule``
    command (output discarded)."""
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "COLUMNS": "80"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode as an installed package has it
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "chainrule", *argv], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    # ru_maxrss of the children is the largest of them so far (KiB on Linux)
    return seconds, max(after.ru_maxrss, before.ru_maxrss) / 1024, cpu


def main() -> int:
    ok = True
    net = network()
    trace = cr.solve(net)
    best = {"markdown": float("inf"), "text": float("inf")}
    size = {}
    for _ in range(5):
        for name, renderer in (("markdown", markdown.render), ("text", text.render)):
            start = time.perf_counter()
            page = renderer(explain(trace))
            best[name] = min(best[name], time.perf_counter() - start)
            size[name] = len(page)
    print(f"64-32-10 ({len(net.weights)} weights, one sample), explain + render in process, "
          f"best of 5  [{load()}]")
    for name in best:
        print(f"   {name:9} {best[name]:.3f} s ({size[name] / 1e6:.1f} MB)")
    met = best["markdown"] < TARGET_S
    ok &= met
    print(f"   Markdown under {TARGET_S:.0f} s: {'met' if met else 'MISSED'}; text / Markdown "
          f"{best['text'] / best['markdown']:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "net64.json"
        path.write_text(json.dumps(net.to_dict()))
        wall: dict[tuple[str, str], float] = {}
        cpu: dict[tuple[str, str], float] = {}
        for _ in range(5):
            for target in (str(path), "exercise-2"):
                for fmt in ("markdown", "text"):
                    seconds, _, used = measured(["solve", target, "--format", fmt])
                    key = (target, fmt)
                    wall[key] = min(wall.get(key, float("inf")), seconds)
                    cpu[key] = min(cpu.get(key, float("inf")), used)
        print(f"the whole command, text and Markdown interleaved, best of 5 (wall; CPU)  "
              f"[{load()}]")
        for target, label in ((str(path), "64-32-10"), ("exercise-2", "exercise-2")):
            md, tx = wall[(target, "markdown")], wall[(target, "text")]
            md_cpu, tx_cpu = cpu[(target, "markdown")], cpu[(target, "text")]
            # CPU: the work the command does (its wall time on a loaded machine is mostly
            # waiting for a core), within timing noise
            met = tx_cpu <= md_cpu * 1.02
            ok &= met
            print(f"   chainrule solve {label:10} --format markdown {md:.3f} s, --format text "
                  f"{tx:.3f} s: text / Markdown {tx / md:.2f}; CPU {md_cpu:.3f} / "
                  f"{tx_cpu:.3f} s: {tx_cpu / md_cpu:.2f} "
                  f"(bar: no slower: {'met' if met else 'MISSED'})")
        html_cpu = min(measured(["solve", str(path), "--format", "html"])[2] for _ in range(3))
        print(f"   chainrule solve 64-32-10   --format html: CPU {html_cpu:.2f} s, best of 3 "
              f"(shown; 5.8 s before a formula's MathML was made once per shape)")
        if "--quick" not in sys.argv:
            from chainrule.io.netfile import save

            big = Path(folder) / "net784.npz"
            save(network((784, 128, 10)), big)
            argv = ["solve", str(big), "--format", "markdown", "--max-weights", "200000"]
            measured(argv)  # once untimed: the bytecode is written, the files are cached
            runs = [measured(argv) for _ in range(3)]
            seconds, peak, cpu = min(runs)
            met = seconds < BIG_S and peak < BIG_MB
            ok &= met
            print(f"784-128-10 (101,770 weights), one step, as Markdown, the whole command, "
                  f"best of 3: {seconds:.1f} s wall ({cpu:.1f} s CPU), peak "
                  f"{max(r[1] for r in runs):.0f} MB (bars < {BIG_S:.0f} s, < {BIG_MB:.0f} "
                  f"MB: {'met' if met else 'MISSED'})  [{load()}]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
