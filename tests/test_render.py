"""Worked solutions as Markdown, LaTeX, HTML and text: golden files, numbers, math, pdflatex.

Golden files live in tests/golden/. After a deliberate change to the output, regenerate them
with ``CHAINRULE_REGENERATE=1 .venv/bin/python -m pytest tests/test_render.py`` and read the
diff before committing it.
"""

from __future__ import annotations

import html.parser
import os
import re
import shutil
import subprocess
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.core.trace import Trace
from chainrule.explain import closed_forms as symbolic
from chainrule.explain.document import Document, Equation, Math, Paragraph, Table
from chainrule.explain.notation import AIMA, Numbers
from chainrule.explain.solution import explain
from chainrule.render import html as html_render
from chainrule.render import latex as latex_render
from chainrule.render import markdown as markdown_render
from chainrule.render import solution
from chainrule.render import text as text_render

from .strategies import random_network_dict

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = bool(os.environ.get("CHAINRULE_REGENERATE"))
EXAMPLES = {"exercise-1": 1, "exercise-2": 1, "exercise-3": 1, "aima-21": 3}
RENDERERS = {
    "md": markdown_render.render,
    "tex": latex_render.render,
    "html": html_render.render,  # without the diagram: it belongs to another module's tests
    "txt": text_render.render,
}


def flat(text: str) -> str:
    """Text with every run of white space one space (the terminal breaks long lines)."""
    return " ".join(text.split())


@cache
def trace_of(name: str) -> Trace:
    return cr.solve(name, EXAMPLES.get(name, 1))


@cache
def document_of(name: str, notation: str = "handout") -> Document:
    return explain(trace_of(name), notation=notation)


@pytest.mark.parametrize("ext", RENDERERS)
@pytest.mark.parametrize("name", EXAMPLES)
def test_golden_files(name: str, ext: str) -> None:
    rendered = RENDERERS[ext](document_of(name))
    path = GOLDEN / f"{name}.{ext}"
    if REGENERATE or not path.exists():
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
        if not REGENERATE:
            pytest.fail(f"{path.name} did not exist; written now, check it and rerun")
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{path.name} changed; if on purpose, regenerate with CHAINRULE_REGENERATE=1"
    )


# -- the numbers are the Trace's -------------------------------------------------------------


def trace_numbers(trace: Trace, decimals: int) -> set[str]:
    """Every number of the Trace, formatted as the documents format it."""
    values: list[float] = [trace.network.learning_rate]
    for step in trace.steps:
        values += [step.cost, *step.weight_gradients, *step.bias_gradients]
        values += [*step.weights_before, *step.biases_before]
        values += [*step.weights_after, *step.biases_after]
        for s in step.samples:
            values += [s.cost, *s.weight_gradients, *s.bias_gradients, *s.a, *s.z]
            values += [*s.dC_da, *s.dC_dz, *(x for x in s.da_dz if x is not None)]
            values += [*s.inputs.values(), *s.targets.values()]
    num = Numbers(decimals)
    out = set()
    for v in values:
        text = num(v)
        out |= {text, text.lstrip("-"), num(-v)}
    return out


DECIMAL = re.compile(r"\d+\.\d+(?:\.\d+)*(?:e-?\d+)?")


def numbers_in(text: str) -> list[str]:
    """Decimal numbers in rendered text (labels like 1.3.2 are left out: they have two dots)."""
    return [m for m in DECIMAL.findall(text) if m.count(".") == 1]


def without_closed_forms(doc: Document) -> Document:
    """The document minus its titles, description and sympy section (their numbers are not the
    Trace's: section numbers, a closed form's coefficients, the figure number in a title)."""
    sections = tuple(
        replace(s, title="Section", heading=()) for s in doc.sections if "dependency" not in s.title
    )
    return replace(doc, title="Solution", description="", intro=(), sections=sections)


@pytest.mark.parametrize("ext", ["md", "tex", "txt", "html"])
@pytest.mark.parametrize("name", [*EXAMPLES, "chain-1"])
def test_every_rendered_number_is_a_trace_number(name: str, ext: str) -> None:
    decimals = 5
    trace = trace_of(name)
    doc = without_closed_forms(explain(trace, decimals=decimals))
    rendered = RENDERERS[ext](doc)
    if ext == "html":
        rendered = re.sub(r"<[^>]+>", " ", rendered.split("</style>", 1)[1])
    if ext == "tex":
        rendered = rendered.split("\\begin{document}", 1)[1]
    allowed = trace_numbers(trace, decimals)
    found = numbers_in(rendered)
    assert found, "no numbers found: the check would be empty"
    strangers = sorted(set(found) - allowed)
    assert not strangers, f"numbers not in the Trace: {strangers}"


def test_a_renderer_that_recomputed_would_be_caught() -> None:
    trace = trace_of("exercise-2")
    allowed = trace_numbers(trace, 5)
    assert "0.602" in allowed
    assert "0.60201" not in allowed  # e.g. a rounding of its own
    assert numbers_in("(1.3.2) z = 0.602 · 1.5") == ["0.602", "1.5"]


# -- the math ------------------------------------------------------------------------------------


def math_pieces(doc: Document) -> list[str]:
    out: list[str] = []

    def prose(parts: tuple[str | Math, ...]) -> None:
        out.extend(p.latex for p in parts if isinstance(p, Math))

    for s in doc.sections:
        prose(s.heading)
        for b in s.blocks:
            if isinstance(b, Equation):
                out += [b.lhs.latex, *(f.latex for f in b.forms)]
                out.append(" = ".join([b.lhs.latex, *(f.latex for f in b.forms)]))
                prose(b.note)
            elif isinstance(b, Paragraph):
                prose(b.parts)
            elif isinstance(b, Table):
                out += [c.latex for row in (b.header, *b.rows) for c in row if isinstance(c, Math)]
    return out


@pytest.mark.parametrize("notation", ["handout", "aima"])
@pytest.mark.parametrize("name", EXAMPLES)
def test_every_latex_fragment_converts_to_mathml(name: str, notation: str) -> None:
    from latex2mathml.converter import convert

    pieces = math_pieces(document_of(name, notation))
    assert len(pieces) > 20
    for latex in set(pieces):
        mathml = convert(latex)
        assert mathml.startswith("<math") and "merror" not in mathml, latex


def test_html_converts_a_formula_as_its_shape_to_the_same_mathml() -> None:
    """html.mathml converts a formula's shape once (its numbers as stand-ins) and puts the
    numbers back: the same MathML as converting the formula itself, for every formula of the
    built-in examples' solutions in both notations and of random networks with every cost,
    and for formulas where the converter reads a digit on its own (then it converts the
    formula as it is)."""
    pieces = {p for name in EXAMPLES for notation in ("handout", "aima")
              for p in math_pieces(document_of(name, notation))}
    for seed in range(6):
        trace = cr.solve(cr.load(random_network_dict(7000 + seed)), steps=2)
        pieces |= set(math_pieces(explain(trace)))
    pieces |= {"x^2 = 0.25", "a^{2} = 4", "\\frac12 + 0.5", "\\text{step 2} = 3.5", ".5 + 1.25",
               "w_1 = -0.125", "2em - 1", "10 = 10.0", " + ".join(str(i) for i in range(70)),
               "(-0.6) - 0.1 \\cdot 0.12 = -0.612", "g'(z_{\\mathrm{h1}}) = 1"}
    assert len(pieces) > 300
    html_render.mathml.cache_clear()
    html_render._converted_shape.cache_clear()
    for i, latex in enumerate(sorted(pieces)):
        for display in ("inline", "block")[i % 2:]:
            # the formula converted as it is (the signs marked as mathml marks them)
            expected = html_render._converted(html_render._SIGN.sub(r"\1{-\2}", latex), display)
            assert html_render.mathml(latex, display) == expected, latex
    # the shapes did the work: most formulas were their shape's numbers put back
    shapes = html_render._converted_shape.cache_info()
    assert shapes.hits > 2 * shapes.misses, shapes


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("name", ["exercise-1", "exercise-2", "exercise-3", "aima-21", "chain-1"])
def test_the_latex_document_compiles_with_pdflatex(name: str, tmp_path: Path) -> None:
    doc = explain(trace_of(name), notation="aima" if name == "aima-21" else "handout")
    (tmp_path / "solution.tex").write_text(latex_render.render(doc), encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "solution.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert (tmp_path / "solution.pdf").stat().st_size > 1000
    # nothing sticks out into the margin
    log = (tmp_path / "solution.log").read_text(encoding="latin-1")
    assert "Overfull" not in log, log[log.index("Overfull") :][:300]


def test_latex_escapes_text() -> None:
    assert latex_render.escape("a_b & 50% #1 {x} <y> ~") == (
        r"a\_b \& 50\% \#1 \{x\} \textless{}y\textgreater{} \~{}"
    )


# -- HTML --------------------------------------------------------------------------------------


class _Checker(html.parser.HTMLParser):
    VOID = {"meta", "br", "hr", "img", "link", "input", "mspace", "mprescripts", "none"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("href", "src") and v]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()


@pytest.mark.parametrize("name", EXAMPLES)
def test_html_parses_and_is_self_contained(name: str) -> None:
    page = solution("html", trace_of(name))
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == [], f"unclosed: {checker.stack}"
    assert checker.tags.count("math") > 20
    assert "script" not in checker.tags
    assert not [u for u in checker.urls if not u.startswith("#")]
    # namespace names (xmlns="http://www.w3.org/...") are names, not links: nothing is fetched
    fetchable = re.sub(r'xmlns(:\w+)?="[^"]*"', "", page)
    assert "http://" not in fetchable and "https://" not in fetchable
    assert "url(" not in fetchable and "@import" not in fetchable


def test_html_embeds_the_diagram_when_there_is_one() -> None:
    from chainrule.render.output import diagram_svg

    svg = diagram_svg(trace_of("exercise-2"))
    page = solution("html", trace_of("exercise-2"))
    assert svg.startswith("<svg") and "dC/dw" in svg.replace("\u2202", "d")
    head, _, drawing = svg.partition(">")
    assert drawing in page and 'width="' in head
    # drawn larger than its natural size, so that its text is readable
    width = float(re.search(r'width="([0-9.]+)"', head)[1])  # type: ignore[index]
    assert f'width="{width * 1.4:g}"' in page


# -- Markdown, notation, options ------------------------------------------------------------------


def test_markdown_has_headings_display_math_and_tables() -> None:
    md = solution("markdown", trace_of("exercise-2"))
    assert md.startswith("# Exercise 2")
    assert "\n## The network\n" in md and "\n### 1.1 Feed-forward\n" in md
    assert md.count("$$\n") >= 20
    assert "| $w_{ij}^{(L-1)}$ | $0.86$ | $-0.5569$ | $0.9157$ |" in md
    assert "\\tag{1.3.4}" in md
    assert "reuses $\\frac{\\partial C}{\\partial z_{k}}$ from the later layer: (1.3.3)" in md


def test_aima_notation() -> None:
    md = solution("markdown", trace_of("aima-21"), {"notation": "aima"})
    assert r"\mathit{in}_{\mathrm{u5}}" in md
    assert r"g'(\mathit{in}_{\mathrm{u5}})" in md
    assert r"\Delta_{\mathrm{u5}} = " in md and r"-\Delta" not in md
    assert r"w_{\mathrm{u3},\mathrm{u5}}" in md and "^{(L)}" not in md
    text = flat(solution("text", trace_of("aima-21"), {"notation": "aima"}))
    # AIMA 4th edition, chapter 21: Delta_j = dLoss/din_j, dLoss/dw_(i,j) = Delta_j a_i
    assert (
        "(1.3.3) Delta_u5 = dLoss/din_u5 = g'(in_u5) · dLoss/da_u5 = 0.2489 · (-0.935) = -0.2328"
    ) in text
    assert "dLoss/dw_(u3,u5) = Delta_u5 · a_u3 = (-0.2328) · 0.5498 = -0.128" in text
    assert "alpha = 0.5" in text and "1.2 The loss" in text
    assert " cost" not in text.split("The network", 1)[1] and " z " not in text
    assert "in_j = sum of w_(i,j) · a_i" in text


def test_a_relu_that_is_off_is_called_out() -> None:
    net = cr.load("exercise-2").to_dict()
    net["weights"]["i -> j"] = -0.2
    text = flat(solution("text", cr.solve(net)))
    assert "z_j = -0.14 <= 0, so da_j/dz_j = 0: no gradient flows to the weights into j" in text
    assert "z_j <= 0: the ReLU is off, so this gradient is 0" in text


def test_step_and_weights_options() -> None:
    text = solution("markdown", cr.solve("exercise-2", 3), {"step": 2, "weights": "j -> k"})
    assert "## Step 2 of 3" in text and "## All steps" in text
    assert r"\frac{\partial C}{\partial w_{jk}^{(L)}} &=" in text
    assert r"\text{new } w_{ij}^{(L-1)}" not in text


def test_text_key_numbers_unchanged() -> None:
    text = flat(solution("text", trace_of("exercise-2")))
    for line in [
        "z_j = a_i · w_ij = 0.7 · 0.86 = 0.602",
        "(1.3.4) dC/da_j = w_jk · dC/dz_k = 0.66 · (-1.2054) = -0.7955",
        "new w_ij^(L-1) = w_ij^(L-1) - r · dC/dw_ij^(L-1) = 0.86 - 0.1 · (-0.5569) = 0.9157",
    ]:
        assert line in text


# -- inserting the dependency on the weight (sympy) ---------------------------------------


@pytest.mark.parametrize(
    "name, line",
    [
        ("chain-1", "dC/dw_jk^(L) = 2·w_jk - 2 = -0.68"),
        ("exercise-1", "dC/dw_jk^(L) = 0.5·w_jk - 1 = -0.76"),
        ("exercise-2", "dC/dw_ij^(L-1) = 0.98·w_ij·w_jk^2 - 1.4·w_jk = -0.5569"),
    ],
)
def test_closed_form_gradients(name: str, line: str) -> None:
    text = flat(solution("text", trace_of(name)))
    assert line in text
    assert "DIFFERS" not in text


@pytest.mark.parametrize("name", ["exercise-3", "aima-21", "chain-1"])
def test_closed_forms_equal_the_engine(name: str) -> None:
    trace = trace_of(name)
    step = trace.step(1)
    keys = list(trace.network.weights)
    deps = symbolic.weight_dependency(
        trace.network, step, keys, {k: (f"w{i}", f"w_{i}") for i, k in enumerate(keys)}
    )
    for dep in deps:
        engine = step.weight_gradients[step.layout.weight_index[dep.key]]
        assert dep.value == pytest.approx(engine, rel=1e-9, abs=1e-12)


def test_closed_forms_with_a_batch_and_an_off_relu() -> None:
    net = cr.load("exercise-3").to_dict()
    net["samples"].append({"inputs": {"i": -1.0, "i2": -0.5}, "targets": {"k": 0.5}})
    trace = cr.solve(net)
    text = flat(solution("text", trace))
    assert "Inserting the dependency" in text and "DIFFERS" not in text


def test_big_networks_say_why_they_have_no_closed_forms() -> None:
    trace = cr.solve(_wide())
    md = solution("markdown", trace)
    # the section keeps its number (1.5) so that the update is 1.6 in every solution
    assert "### 1.5 Inserting the dependency" in md and "### 1.6 The update" in md
    assert "Left out" in md and "at the current weights" not in md


def test_long_closed_forms_are_left_out_with_a_reason() -> None:
    text = flat(solution("text", trace_of("aima-21")))
    assert "exp(" not in text
    assert "Left out: dC/dw_(x1,u3)^(L-1), dC/dw_(x1,u4)^(L-1), dC/dw_(u3,u5)^(L)" in text
    chain = flat(solution("text", trace_of("chain-1")))
    assert "dC/dw_jk^(L) = 2·w_jk - 2 = -0.68" in chain


def _wide() -> dict[str, object]:
    return {
        "units": {
            "x1": "input",
            "x2": "input",
            "x3": "input",
            "h1": "relu",
            "h2": "relu",
            "o": "identity",
        },
        "weights": {f"x{i} -> h{j}": 0.1 * i + 0.05 * j for i in (1, 2, 3) for j in (1, 2)}
        | {"h1 -> o": 0.3, "h2 -> o": -0.2},
        "samples": [{"inputs": {"x1": 1.0, "x2": 0.5, "x3": -0.5}, "targets": {"o": 1.0}}],
    }


# -- Jupyter displays ------------------------------------------------------------------------------


def test_jupyter_displays() -> None:
    trace = cr.solve("exercise-2")
    assert "Exercise 2" in repr(trace)
    assert trace._repr_html_().startswith('<div class="chainrule">')
    assert trace._repr_markdown_().startswith("# Exercise 2")
    assert trace._repr_latex_().startswith("$$\\begin{aligned}")
    assert "<table" in trace.network._repr_html_()
    assert "| $w_{ij}^{(L-1)}$ | i -> j | $0.86$ |" in trace.network._repr_markdown_()
    step = trace.step(1)
    assert "Step(1, 1 sample(s)" in repr(step)
    assert "0.9157" in step._repr_html_() and "| i -> j |" in step._repr_markdown_()
    sample = step.samples[0]
    assert "-0.7955" in sample._repr_markdown_() and "<table" in sample._repr_html_()
    factors = sample.factors(("i", "j"))
    assert str(factors) == (
        "dC/dw_ij = dz_j/dw_ij · da_j/dz_j · dC/da_j = a_i · g'(z_j) · dC/da_j"
        " = 0.7 · 1 · (-0.7955) = -0.5569"
    )
    assert "<math" in factors._repr_html_()
    assert factors._repr_latex_().startswith("$$")
    assert "$$" in factors._repr_markdown_()


def test_unknown_notation_is_a_usage_error() -> None:
    with pytest.raises(cr.UsageError, match="valid notations are handout, aima"):
        explain(trace_of("exercise-1"), notation="3b1b")
    assert AIMA.name == "aima"


def test_cli_formats(tmp_path: Path) -> None:
    from chainrule.cli.main import main

    out = tmp_path / "ex3.md"
    assert main(["solve", "exercise-3", "--format", "markdown", "-o", str(out)]) == 0
    assert out.read_text().startswith("# Exercise 3")
    assert (
        main(
            [
                "solve",
                "aima-21",
                "--notation",
                "aima",
                "--format",
                "latex",
                "-o",
                str(tmp_path / "a.tex"),
            ]
        )
        == 0
    )
    assert "\\begin{document}" in (tmp_path / "a.tex").read_text()
    assert main(["solve", "exercise-1", "--format", "html", "-o", str(tmp_path / "a.html")]) == 0
    assert (tmp_path / "a.html").read_text().startswith("<!DOCTYPE html>")


def test_a_latex_equation_never_breaks_across_pages() -> None:
    """Inside one equation (its continuation lines, its note below) the rows end ``\\\\*``, so
    a page breaks only between equations; each continuation starts ``&=``, under the first."""
    text = latex_render.render(explain(trace_of("aima-21"), notation="aima"))
    rows = text.split("\\begin{align*}\n")[1:]
    continued = 0
    for body in rows:
        lines = body.split("\\end{align*}")[0].split("\n")
        for before, line in zip(lines, lines[1:], strict=False):
            if line.startswith(("&=", "\\intertext")):
                continued += 1
                assert before.endswith("\\\\*"), (before, line)
            elif line:
                assert before.endswith((" \\\\", "}}}")), (before, line)
                assert "&=" in line or "&" not in line
    assert continued > 10
