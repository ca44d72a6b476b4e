"""The big repetitive sections of a worked solution (the feed-forward sums, each weight's
gradient and update line) are runs of equations made from templates filled per weight
(explain.document.Run), read by the renderers without an Equation per line. Each way of
reading a run (plain text only, text and LaTeX, Equations) gives the same lines, so every
format is the same whether a solution is streamed (the runs read directly) or made whole (the
runs as Equations)."""

from __future__ import annotations

import random

import pytest

import chainrule as cr
from chainrule.explain.document import Equation, LazySection, Run
from chainrule.explain.notation import Numbers
from chainrule.explain.solution import explain, explain_stream
from chainrule.render.formats import DOCUMENT_FORMATS, document_pieces, render_document
from tests.strategies import random_network_dict


def _networks() -> list[cr.Network]:
    nets = [cr.load(name) for name in ("exercise-2", "exercise-3", "aima-21", "chain-1")]
    # one sample each (the one-sample gradients are a run), frozen weights, skip connections
    nets += [cr.Network.from_dict(random_network_dict(seed, max_samples=1, max_width=4))
             for seed in range(12)]
    return nets


NETWORKS = _networks()


def _runs(trace: cr.Trace, notation: str) -> list[Run]:
    stream = explain_stream(trace, notation=notation)
    return [b for s in stream.sections if isinstance(s, LazySection) for b in s.blocks
            if isinstance(b, Run)]


@pytest.mark.parametrize("net", NETWORKS, ids=lambda n: n.title or "network")
@pytest.mark.parametrize("notation", ["handout", "aima"])
def test_every_way_of_reading_a_run_gives_the_same_lines(net: cr.Network, notation: str) -> None:
    trace = cr.solve(net, steps=2, learning_rate=0.3)
    runs = _runs(trace, notation)
    # each sample's feed-forward lines, the gradients (one sample) and the updates
    assert len(runs) == len(net.samples) + (2 if len(net.samples) == 1 else 1)
    typeset = [row for run in runs for row in run.rows(True)]
    plain = [row for run in _runs(trace, notation) for row in run.rows(False)]
    equations = [eq for run in _runs(trace, notation) for eq in run.equations()]
    assert [(r[0], r[1], r[3], r[5]) for r in plain] == [(r[0], r[1], r[3], r[5]) for r in typeset]
    assert all(r[2] == "" and r[4] == [] for r in plain)  # nothing made in LaTeX
    assert [(e.label, e.lhs.text, e.lhs.latex, [f.text for f in e.forms],
             [f.latex for f in e.forms], e.note) for e in equations] == [
        (r[0], r[1], r[2], r[3], r[4], r[5]) for r in typeset]
    # a whole Document holds Equations only
    doc = explain(trace, notation=notation)
    assert not any(isinstance(b, Run) for s in doc.sections for b in s.blocks)
    assert sum(isinstance(b, Equation) for s in doc.sections for b in s.blocks) >= len(equations)


@pytest.mark.parametrize("net", NETWORKS[::3], ids=lambda n: n.title or "network")
@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS)
@pytest.mark.parametrize("notation", ["handout", "aima"])
def test_a_streamed_solution_is_the_whole_one(net: cr.Network, fmt: str, notation: str) -> None:
    trace = cr.solve(net, steps=1)
    whole = render_document(explain(trace, notation=notation), fmt)
    assert "".join(document_pieces(explain_stream(trace, notation=notation), fmt)) == whole


@pytest.mark.parametrize("bulk", [1, 1 << 30])  # NumPy's pass, and the per-number one
def test_numbers_formatted_in_one_pass_are_written_as_one_by_one(
    bulk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy  # noqa: F401  (the one pass uses NumPy when it is loaded)

    monkeypatch.setattr(Numbers, "BULK", bulk)
    rng = random.Random(7)
    values = [round(rng.uniform(-5, 5), rng.randint(0, 6)) for _ in range(3000)]  # ties
    values += [rng.gauss(0, 1) * 10.0 ** rng.randint(-9, 16) for _ in range(3000)]
    values += [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 5e-324, 0.00005, -0.00015,
               2.5, 1e15, -1e15, 1e300]
    for decimals in (0, 1, 4, 9, 15):
        assert Numbers(decimals).texts(values) == [Numbers(decimals)(x) for x in values]


@pytest.mark.parametrize("notation", ["handout", "aima"])
def test_weight_symbols_made_in_one_pass_are_those_of_one_weight(notation: str) -> None:
    from chainrule.explain.notation import notation_named

    n = notation_named(notation)
    names = ["j", "k", "x0", "h1_0", "In_1", "o", "a_b_c"]
    keys = [(s, d) for s in names for d in names]
    layers = [("L", "L-1", None, "")[i % 4] for i in range(len(keys))]
    assert n.weights(keys, layers) == [
        (n.w(s, d), n.w(s, d, layer)) for (s, d), layer in zip(keys, layers, strict=True)]


@pytest.mark.parametrize("net", NETWORKS[::2], ids=lambda n: n.title or "network")
@pytest.mark.parametrize("notation", ["handout", "aima"])
def test_text_made_without_latex_is_the_same_text(net: cr.Network, notation: str) -> None:
    from chainrule.render import text

    trace = cr.solve(net, steps=2)
    whole = text.render(explain(trace, notation=notation))
    for width in (50, 80):
        stream = explain_stream(trace, notation=notation, latex=False)
        assert "".join(text.chunks(stream, width=width)) == text.render(
            explain(trace, notation=notation), width=width)
    assert "".join(text.chunks(explain_stream(trace, notation=notation, latex=False))) == whole
    keys = list(net.weights)
    from chainrule.explain.notation import notation_named

    symbols = notation_named(notation)
    layers = ["L"] * len(keys)
    assert [(p.text, w.text) for p, w in symbols.weights(keys, layers, latex=False)] == [
        (p.text, w.text) for p, w in symbols.weights(keys, layers)]
