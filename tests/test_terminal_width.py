"""The text solution fits the terminal: no line longer than the width, at 80 and 120 columns.

Long equations break at ``=`` with a hanging indent, notes that do not fit go on their own
line, descriptions and paragraphs wrap at words (see chainrule.render.text).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import chainrule as cr
from chainrule.explain.document import Equation, Math
from chainrule.explain.solution import explain
from chainrule.io.netfile import examples
from chainrule.render.text import equation_text, render

NAMES = sorted(examples())


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("notation", ["handout", "aima"])
@pytest.mark.parametrize("name", NAMES)
def test_every_example_fits_the_width(name: str, notation: str, width: int) -> None:
    text = render(explain(cr.solve(name, 3), notation=notation), width=width)
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, f"{len(long)} lines longer than {width}: {long[:3]}"


def test_a_long_equation_breaks_at_equals_with_a_hanging_indent() -> None:
    eq = Equation(
        Math("dC/dw_jk", ""),
        tuple(
            Math(t, "")
            for t in ["a_j · g'(z_k) · dC/da_k" * 2, "0.602 · 1 · (-1.2054)", "-0.7256"]
        ),
        ("dC/dz_k from (1.3.3)",),
    )
    lines = equation_text(eq, 60).plain.splitlines()
    assert all(len(line) <= 60 for line in lines)
    assert lines[0].startswith("  dC/dw_jk = a_j")
    # the continuation lines' = sits under the first one
    column = lines[0].index(" = ") + 1
    assert any(line.index("=") == column for line in lines[1:] if "=" in line)
    assert lines[-1].strip() == "[dC/dz_k from (1.3.3)]" or lines[-1].endswith("(1.3.3)]")


def test_a_short_equation_keeps_its_note_beside_it() -> None:
    eq = Equation(Math("z_j", ""), (Math("0.602", ""),), ("layer L-1",))
    assert equation_text(eq, 80).plain == "  z_j = 0.602    [layer L-1]"


def test_piped_output_is_80_columns() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", "solve", "aima-21", "--notation", "aima"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    assert max(map(len, lines)) >= 70  # the width is used, not a narrow default
    wide = subprocess.run(
        [sys.executable, "-m", "chainrule", "solve", "aima-21"],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "120"},
        check=True,
    )
    assert 80 < max(map(len, wide.stdout.splitlines())) <= 120
