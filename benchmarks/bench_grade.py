"""Benchmark: `chainrule grade` for a class of 300 students, 34 quantities each (a 2-2-1 ReLU
network with biases), 40% of them with a planted mistake to diagnose. The target is well under
10 s for reading, checking and writing every file. Run: .venv/bin/python
benchmarks/bench_grade.py"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import chainrule as cr
from chainrule.teach.answers import dumps
from chainrule.teach.generation import generate
from chainrule.teach.grading import grade, write
from chainrule.teach.mistakes import planted, sites
from chainrule.teach.quantities import Graph
from chainrule.teach.variants import layered_shape

TARGET_S = 10.0
STUDENTS = 300


def main() -> int:
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        made = generate(layered_shape([2, 2, 1], biases=True), root / "sheets",
                        count=STUDENTS, seed="bench")
        generated = time.perf_counter() - start
        subs = root / "subs"
        subs.mkdir()
        quantities = 0
        for v in made:
            step = cr.solve(v.network).step(1)
            graph = Graph(v.network)
            values = graph.expected(step)
            if rng.random() < 0.4:
                site = rng.choice(sites(graph))
                values = planted(graph, site)
            answers = {n.name: f"{values[n.index]:.4f}" for n in graph.nodes
                       if n.name and n.kind != "input"}
            quantities = len(answers)
            (subs / f"{v.student}.toml").write_text(dumps(answers))
        start = time.perf_counter()
        grades = grade(root / "sheets", subs)
        checked = time.perf_counter() - start
        write(grades, root / "grades")
        total = time.perf_counter() - start
    mistakes = sum(bool(t.tags) for g in grades.graded if g.result for t in g.result.tests)
    print(f"generate: {STUDENTS} variants (sheets, keys, templates) in {generated:.2f} s")
    print(f"grade: {len(grades.graded)} students x {quantities} quantities checked in "
          f"{checked:.2f} s, with every file written in {total:.2f} s "
          f"({mistakes} mistakes named); target {TARGET_S:.0f} s")
    return 0 if total < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
