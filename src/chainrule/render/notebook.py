"""Jupyter displays: what a Network, a Trace, a Step, a SampleTrace or a WeightFactors shows.

The classes' display hooks (``_repr_html_``, ``_repr_markdown_``, ``_repr_latex_``, one line
each) call :func:`display` through :func:`chainrule.core.display.shown`, which imports this
module only when asked, so ``import chainrule`` stays light. A Trace shows its worked solution
(with the options of :class:`~chainrule.render.options.SolutionOptions`); a Network its units,
weights, samples and diagram; a Step and a SampleTrace their numbers as tables; a WeightFactors
its one weight's chain rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule.core.display import register
from chainrule.core.network import Network
from chainrule.core.trace import SampleTrace, Step, Trace, WeightFactors
from chainrule.explain.diff import Derivative
from chainrule.explain.diff import document as derivative_document
from chainrule.explain.document import Document, Equation, Math, Section, Table
from chainrule.explain.notation import HANDOUT, Numbers
from chainrule.explain.solution import Explainer, chain_equation
from chainrule.render import html, markdown, text
from chainrule.render.common import equation_lines
from chainrule.render.options import SolutionOptions
from chainrule.render.output import diagram_svg, solution_document

DECIMALS = 4
MAX_EXPLAINED_WEIGHTS = 24
"""A Trace of a bigger network explains only this many weights in a notebook (all are in
the JSON and in ``chainrule.render.solution``)."""



def _trace_document(trace: Trace) -> Document:
    from chainrule.core.errors import UsageError
    from chainrule.explain.document import Paragraph, Section

    weights = None
    if len(trace.network.weights) > MAX_EXPLAINED_WEIGHTS:
        first = list(trace.network.weights)[:MAX_EXPLAINED_WEIGHTS]
        weights = tuple(f"{a} -> {b}" for a, b in first)
    try:
        return solution_document(trace, SolutionOptions(decimals=DECIMALS, weights=weights))
    except UsageError as error:  # too big to read: say so, as the display
        title = trace.network.title or "Worked solution"
        return Document(title, (Section("Too large to show", (Paragraph((str(error),)),)),))


def _html(doc: Document, subject: Network | Trace | None = None) -> str:
    return html.fragment(doc, diagram_svg(subject) if subject is not None else None)


def _markdown(doc: Document) -> str:
    return markdown.render(doc)


def _latex(equations: list[Equation]) -> str:
    """Equations as one ``$$ aligned $$`` block: what Jupyter's text/latex can show."""
    lines = []
    for eq in equations:
        eq_lines = equation_lines(eq)
        if "&" not in eq_lines[0]:
            eq_lines[0] += " &"
        lines += eq_lines
    return "$$\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}$$"


# -- Trace -------------------------------------------------------------------------------------


def trace_html(trace: Trace) -> str:
    return _html(_trace_document(trace), trace)


def trace_markdown(trace: Trace) -> str:
    return _markdown(_trace_document(trace))


def trace_latex(trace: Trace) -> str:
    """The gradients and the update of the first step (the full solution is HTML/Markdown)."""
    doc = _trace_document(trace)
    keep = [s for s in doc.sections if " gradients" in s.title or " update" in s.title]
    return _latex([b for s in keep for b in s.blocks if isinstance(b, Equation)])


# -- Network -----------------------------------------------------------------------------------


def _network_document(network: Network) -> Document:
    section = Explainer(Trace(network, []), DECIMALS, HANDOUT).network_section()
    return Document(network.title or "Network", (section,), network.description or "")


def network_html(network: Network) -> str:
    return _html(_network_document(network), network)


def network_markdown(network: Network) -> str:
    return _markdown(_network_document(network))


# -- Step and SampleTrace ----------------------------------------------------------------------


def _step_document(step: Step) -> Document:
    num = Numbers(DECIMALS)
    lay = step.layout
    rows: list[tuple[str | Math, ...]] = []
    for name, old, grad, new in zip(
        [*lay.weight_names, *(f"bias {u}" for u in lay.bias_units)],
        [*step.weights_before, *step.biases_before],
        [*step.weight_gradients, *step.bias_gradients],
        [*step.weights_after, *step.biases_after],
        strict=True,
    ):
        rows.append((name, num.math(old), num.math(grad), num.math(new)))
    many = len(step.samples) > 1
    cost = Equation(
        Math("C", "C"),
        (num.math(step.cost),),
        (f"the mean over {len(step.samples)} samples" if many else "before the update",),
    )
    table = Table(("parameter", "old", "dC/d(parameter)", "new"), tuple(rows), "The update")
    return Document(f"Step {step.number}", (Section("Cost and update", (cost, table), 2),))


def _sample_document(sample: SampleTrace) -> Document:
    num = Numbers(DECIMALS)
    rows: list[tuple[str | Math, ...]] = []
    for u in sample.units.values():

        def cell(x: float | None) -> str | Math:
            return "" if x is None else num.math(x)

        rows.append(
            (
                u.name,
                u.layer,
                u.activation,
                cell(u.z),
                cell(u.a),
                cell(u.da_dz),
                cell(u.dC_da),
                cell(u.dC_dz),
            )
        )
    header = ("unit", "layer", "g", "z", "a", "da/dz", "dC/da", "dC/dz")
    units = Table(header, tuple(rows), "Every unit's numbers for this sample")
    grads = Table(
        ("parameter", "dC/d(parameter)"),
        tuple(
            (name, num.math(g))
            for name, g in zip(
                [*sample.layout.weight_names, *(f"bias {u}" for u in sample.layout.bias_units)],
                [*sample.weight_gradients, *sample.bias_gradients],
                strict=True,
            )
        ),
        "Gradients for this sample",
    )
    cost = Equation(Math("C", "C"), (num.math(sample.cost),))
    return Document("Sample", (Section("Forward and backward", (units, cost, grads), 2),))


def step_html(step: Step) -> str:
    return _html(_step_document(step))


def step_markdown(step: Step) -> str:
    return _markdown(_step_document(step))


def sample_html(sample: SampleTrace) -> str:
    return _html(_sample_document(sample))


def sample_markdown(sample: SampleTrace) -> str:
    return _markdown(_sample_document(sample))


# -- WeightFactors -----------------------------------------------------------------------------


def factors_equation(f: WeightFactors) -> Equation:
    """``dC/dw_AB = dz_B/dw_AB · da_B/dz_B · dC/da_B = a_A · g'(z_B) · dC/da_B = numbers``."""
    return chain_equation(f, DECIMALS, HANDOUT)


def factors_html(f: WeightFactors) -> str:
    return (
        f'<div class="chainrule"><style>{html.scoped_css(".chainrule")}</style>'
        f"<h3>The chain rule for {f.key[0]} -&gt; {f.key[1]}</h3>"
        f"{html.equation(factors_equation(f))}</div>"
    )


def factors_markdown(f: WeightFactors) -> str:
    return markdown.equation(factors_equation(f)) + "\n"


def factors_latex(f: WeightFactors) -> str:
    return _latex([factors_equation(f)])


def factors_text(f: WeightFactors) -> str:
    eq = factors_equation(f)
    return " = ".join([eq.lhs.text, *(m.text for m in eq.forms)])


def derivative_markdown(derivative: Derivative) -> str:
    """A ``chainrule diff`` result as Markdown (its Jupyter display)."""
    return _markdown(derivative_document(derivative))


def derivative_text(derivative: Derivative) -> str:
    """A ``chainrule diff`` result as plain text (its ``str``)."""
    return text.render(derivative_document(derivative))


# -- the one entry the data classes' display hooks call ------------------------------------------

_DISPLAYS: dict[tuple[type, str], Callable[[Any], str]] = {
    (Network, "html"): network_html,
    (Network, "markdown"): network_markdown,
    (Trace, "html"): trace_html,
    (Trace, "markdown"): trace_markdown,
    (Trace, "latex"): trace_latex,
    (Step, "html"): step_html,
    (Step, "markdown"): step_markdown,
    (SampleTrace, "html"): sample_html,
    (SampleTrace, "markdown"): sample_markdown,
    (WeightFactors, "html"): factors_html,
    (WeightFactors, "markdown"): factors_markdown,
    (WeightFactors, "latex"): factors_latex,
    (WeightFactors, "text"): factors_text,
    (Derivative, "markdown"): derivative_markdown,
    (Derivative, "text"): derivative_text,
}


def display(subject: object, kind: str) -> str:
    """``subject`` shown as ``kind`` (html, markdown, latex or text): what its ``_repr_html_``
    (and the other display hooks) return."""
    for cls in type(subject).__mro__:
        shown = _DISPLAYS.get((cls, kind))
        if shown is not None:
            return shown(subject)
    raise TypeError(f"no {kind} display for {type(subject).__name__}")


register(display)  # the core's display hooks call this from now on (core.display)
