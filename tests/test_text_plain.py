"""The text renderer's plain path (piped output and files) lays an equation out as its styled
path does: the same characters, line for line, for every equation of every built-in example
and of random networks, at several widths."""

from __future__ import annotations

import random

import pytest

import chainrule as cr
from chainrule.explain.document import Equation
from chainrule.explain.solution import explain
from chainrule.io.netfile import examples, load
from chainrule.render import text


def _random_network(seed: int) -> cr.Network:
    rng = random.Random(seed)
    sizes = [rng.randint(1, 12), rng.randint(1, 9), rng.randint(1, 4)]
    names = [[f"in_{i}" for i in range(sizes[0])], [f"hid{i}" for i in range(sizes[1])],
             [f"o{i}" for i in range(sizes[2])]]
    units = dict.fromkeys(names[0], "input") | dict.fromkeys(names[1], "tanh")
    units |= dict.fromkeys(names[2], "sigmoid")
    weights = {f"{a} -> {b}": rng.uniform(-3, 3) for left, right
               in zip(names, names[1:], strict=False)
               for a in left for b in right}
    samples = [{"inputs": {n: rng.uniform(-2, 2) for n in names[0]},
                "targets": {n: float(rng.random() < 0.5) for n in names[2]}}
               for _ in range(rng.randint(1, 3))]
    return cr.Network.from_dict({"units": units, "weights": weights, "samples": samples,
                                 "biases": {n: rng.uniform(-1, 1) for n in names[1]}})


NETWORKS = [*(load(name) for name in examples()), *(_random_network(s) for s in range(4))]


@pytest.mark.parametrize("net", NETWORKS)
@pytest.mark.parametrize("notation", ["handout", "aima"])
def test_plain_equations_are_the_styled_ones_without_style(net: cr.Network, notation: str) -> None:
    doc = explain(cr.solve(net, steps=2), notation=notation)
    equations = [b for s in doc.sections for b in s.blocks if isinstance(b, Equation)]
    assert equations
    for width in (30, 50, 80, 10_000):
        for eq in equations:
            styled = text._plain_text(text.equation_lines(eq, width))
            assert text.equation_plain(eq, width) == styled


def test_prose_is_wrapped_as_textwrap_wraps_it() -> None:
    # text wraps prose without loading textwrap (start-up): the same lines, for text without
    # tabs or line breaks, by textwrap's rules (long words broken, runs of spaces kept inside
    # a line, Unicode spaces inside words)
    import textwrap

    rng = random.Random(19)
    words = ["a", "bb", "word", "x" * 30, "y" * 90, " ", "  ", "\xa0", "\u3000", "网络", "a-b",
             "[note]", "(1.3.4);", "z_h1_5", "<="]
    for _ in range(400):
        prose = "".join(rng.choice(words) + rng.choice(["", " ", "  "])
                        for _ in range(rng.randint(0, 25)))
        width = rng.randint(1, 90)
        first = " " * rng.randint(0, width - 1)
        rest = rng.choice([first, first + " ", " " * rng.randint(0, width - 1)])
        assert text._wrap_words(prose, width, first, rest) == textwrap.wrap(
            prose, width=width, initial_indent=first, subsequent_indent=rest,
            break_on_hyphens=False), (prose, width, first, rest)


def test_prose_wider_indented_than_the_width_ends() -> None:
    # textwrap goes round forever when the indent leaves no room and only spaces are left
    # before a first line: the text renderer's wrapping ends (with no line for them)
    assert text._wrap_words("   ", 14, " " * 26, " " * 27) == []
    assert text._wrap_words("\xa0", 4, " " * 22, " " * 22) == []
    assert text._wrap_words("ab cd", 3, " " * 5, " " * 5) == [" " * 5 + c for c in "abcd"]
