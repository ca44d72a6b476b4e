"""A worked solution is written as it is made: the pieces make the same text as the whole
(every format), a large solution is never held whole in memory, and a file is written through
a temporary file renamed at the end, so an error while the pieces are made leaves no file."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.core.errors import UsageError
from chainrule.explain.document import DocumentStream, LazySection
from chainrule.explain.solution import explain, explain_stream
from chainrule.io.atomic import write_atomic_pieces
from chainrule.io.netfile import save
from chainrule.render.formats import DOCUMENT_FORMATS, document_pieces, render_document
from chainrule.render.output import render_solution, solution_pieces


def dense(sizes: tuple[int, ...], seed: int = 0) -> cr.Network:
    rng = random.Random(seed)
    names = [[f"x{i}" for i in range(sizes[0])]]
    names += [[f"h{i}" for i in range(n)] for n in sizes[1:-1]]
    names.append([f"o{i}" for i in range(sizes[-1])])
    units = dict.fromkeys(names[0], "input") | dict.fromkeys(names[1], "relu")
    units |= dict.fromkeys(names[-1], "sigmoid")
    weights = {f"{a} -> {b}": round(rng.gauss(0.0, 0.5), 4)
               for left, right in zip(names, names[1:], strict=False) for a in left for b in right}
    sample = {"inputs": {n: round(rng.uniform(0, 1), 3) for n in names[0]},
              "targets": {n: float(i == 0) for i, n in enumerate(names[-1])}}
    return cr.Network.from_dict({"units": units, "weights": weights, "samples": [sample]})


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS)
@pytest.mark.parametrize("name", ["exercise-2", "aima-21"])
def test_pieces_make_the_whole_document(fmt: str, name: str) -> None:
    trace = cr.solve(cr.load(name), 3)
    whole = render_document(explain(trace, step=2), fmt)
    pieces = list(document_pieces(explain_stream(trace, step=2), fmt))
    assert len(pieces) > 10
    assert "".join(pieces) == whole
    assert "".join(solution_pieces(trace, format=fmt)) == render_solution(trace, format=fmt)


def test_sections_are_made_as_they_are_read() -> None:
    trace = cr.solve(dense((6, 5, 3)))
    stream = explain_stream(trace)
    assert isinstance(stream, DocumentStream)
    lazy = [s for s in stream.sections if isinstance(s, LazySection)]
    # the gradients and the updates: generators, made only when read
    assert [s.title.split(" ", 1)[1][:13] for s in lazy] == [
        "Feed-forward", "The cost", "Back-propagat", "The gradients", "The update, w"]
    assert all(isinstance(s.blocks, Iterator) for s in lazy)


def _peak(make: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        make()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_solution_is_never_held_whole() -> None:
    trace = cr.solve(dense((24, 16, 4)))  # 448 weights: about 0.5 MB of Markdown
    size = sum(len(p) for p in solution_pieces(trace, format="markdown"))
    assert size > 400_000
    streamed = _peak(lambda: sum(len(p) for p in solution_pieces(trace, format="markdown")))
    whole = _peak(lambda: render_solution(trace, format="markdown"))
    assert streamed < 0.6 * whole, (streamed, whole, size)


def test_an_error_while_the_pieces_are_made_leaves_no_file(tmp_path: Path) -> None:
    def pieces() -> Iterator[str]:
        yield "# half a solution\n"
        raise UsageError("stopped")

    out = tmp_path / "out.md"
    with pytest.raises(UsageError):
        write_atomic_pieces(out, pieces())
    assert os.listdir(tmp_path) == []
    out.write_text("kept\n")
    with pytest.raises(UsageError):
        write_atomic_pieces(out, pieces())
    assert out.read_text() == "kept\n"
    assert os.listdir(tmp_path) == ["out.md"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html", "json"])
def test_the_file_and_standard_output_get_the_same_solution(fmt: str, tmp_path: Path) -> None:
    suffix = {"text": "txt", "markdown": "md", "latex": "tex", "html": "html", "json": "json"}
    out = tmp_path / f"s.{suffix[fmt]}"
    assert main(["solve", "aima-21", "--steps", "2", "-o", str(out)]) == 0
    piped = io.StringIO()
    with redirect_stdout(piped):
        assert main(["solve", "aima-21", "--steps", "2", "--format", fmt]) == 0
    assert out.read_text() == piped.getvalue()


@pytest.mark.slow
def test_784_128_10_as_markdown_stays_under_300_mb(tmp_path: Path) -> None:
    # issue 19's bar: the worked solution of a 784-128-10 network (101,770 weights, 100 MB of
    # Markdown) is written in under 300 MB (it took 858 MB when it was made whole)
    big = tmp_path / "net.npz"
    save(dense((784, 128, 10)), big)
    out = tmp_path / "net.md"
    # the peak is read from /proc (VmHWM, this process's own memory): getrusage's ru_maxrss
    # would carry over the peak of the pytest process that started it (Linux keeps it across exec)
    probe = ("import re\n"
             "from chainrule.cli.main import main\n"
             f"code = main(['solve', {str(big)!r}, '--max-weights', '200000', '-o', "
             f"{str(out)!r}])\n"
             "status = open('/proc/self/status').read()\n"
             "print(code, re.search(r'VmHWM:\\s*(\\d+)', status).group(1))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    code, peak_kib = done.stdout.split()
    assert code == "0"
    assert out.stat().st_size > 90_000_000
    assert int(peak_kib) / 1024 < 300, peak_kib
