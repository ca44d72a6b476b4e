"""``chainrule quiz moodle``: a generated class as a Moodle XML quiz, for a course that runs
its quizzes in Moodle.

Each variant becomes one Embedded answers (Cloze) question: the network drawn (an SVG file
inside the question), its numbers, and one numerical answer per quantity, each with the sheet's
tolerance (``max(rtol |right|, 0.51 x 10^-decimals)``, as ``check`` marks). One question per
variant keeps a variant's numbers together; all of them go in one category, so a quiz question
"Random question from the category" gives each attempt one variant. Moodle cannot give a named
student their own variant; for that, use ``chainrule autograder gradescope`` or ``grade --lms``.

The format: https://docs.moodle.org/en/Moodle_XML_format (questions of type ``cloze``;
``{1:NUMERICAL:=value:tolerance}`` per answer).
"""

from __future__ import annotations

import base64
import html
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from chainrule.core.errors import UsageError
from chainrule.core.network import Network, weight_name
from chainrule.teach.marking import RTOL

DECIMALS = 4
"""The decimals the sheets ask for."""


def tolerance(right: float, decimals: int = DECIMALS, rtol: float = RTOL) -> float:
    """The absolute tolerance Moodle checks with: ``check``'s for an answer written to
    ``decimals`` decimals."""
    return float(f"{max(rtol * abs(right), 0.51 * 10.0 ** -decimals):.6g}")


def _text(s: str) -> str:
    """Text for the question's HTML: escaped, and no brace that Moodle's Cloze parser reads."""
    return html.escape(s).replace("{", "&#123;").replace("}", "&#125;")


def _given(net: Network) -> list[tuple[str, str]]:
    rows = [(f"w_{weight_name(k).replace(' -> ', '')}" if all(len(u) == 1 for u in k)
             else f"w({weight_name(k)})", f"{p.value:g}") for k, p in net.weights.items()]
    rows += [(f"b_{u}", f"{p.value:g}") for u, p in net.biases.items()]
    many = len(net.samples) > 1
    for n, sample in enumerate(net.samples, 1):
        tag = f" (sample {n})" if many else ""
        rows += [(f"x_{u}{tag}", f"{v:g}") for u, v in sample.inputs.items()]
        rows += [(f"y_{u}{tag}", f"{v:g}") for u, v in sample.targets.items()]
    rows.append(("r", f"{net.learning_rate:g}"))
    return rows


def question(net: Network, *, name: str, image: str, decimals: int = DECIMALS,
             rtol: float = RTOL) -> ET.Element:
    """One Cloze question: the network drawn, its numbers, an answer per quantity."""
    from chainrule.render.output import diagram_svg
    from chainrule.teach.lines import symbol
    from chainrule.teach.quantities import Graph
    from chainrule.teach.results_formats import asked, expected_values

    graph = Graph(net)  # one step graph for the whole question
    right = expected_values(net, graph=graph)
    given = "".join(f"<tr><td>{_text(k)}</td><td>{_text(v)}</td></tr>" for k, v in _given(net))
    answers = []
    names = asked(net, graph)
    for n in names:
        value = right[n]
        node = graph.by_name[n]
        label = symbol(graph, node)
        # an updated weight is marked on its update: the tolerance of (right - old)
        old = (net.weights[node.key].value if node.kind == "new_w" and node.key
               else net.biases[node.unit].value if node.kind == "new_b" and node.unit else 0.0)
        within = tolerance(value - old, decimals, rtol)
        cloze = f"{{1:NUMERICAL:={value:.10g}:{within:g}}}"
        answers.append(f"<tr><td>{_text(label)}</td><td>{cloze}</td></tr>")
    body = (
        f"<p>{_text(net.title or 'A small network')}: calculate the feed forward, the cost, "
        "the gradients by the chain rule and the next weights "
        f"(w_new = w_old - r dC/dw). Give each number to {decimals} decimals.</p>"
        f'<p><img src="@@PLUGINFILE@@/{image}" alt="{_text("The network, with its weights")}">'
        "</p><table><tr><th>given</th><th>value</th></tr>" + given + "</table>"
        "<table><tr><th>quantity</th><th>your answer</th></tr>" + "".join(answers) + "</table>"
    )
    q = ET.Element("question", type="cloze")
    ET.SubElement(ET.SubElement(q, "name"), "text").text = name
    text = ET.SubElement(q, "questiontext", format="html")
    ET.SubElement(text, "text").text = body
    svg = diagram_svg(net).encode("utf-8")
    ET.SubElement(text, "file", name=image, path="/", encoding="base64").text = \
        base64.b64encode(svg).decode("ascii")
    feedback = ET.SubElement(q, "generalfeedback", format="html")
    ET.SubElement(feedback, "text").text = (
        "<p>The right values:</p><table>" + "".join(
            f"<tr><td>{_text(symbol(graph, graph.by_name[n]))}</td>"
            f"<td>{right[n]:.{decimals}f}</td></tr>" for n in names) + "</table>")
    ET.SubElement(q, "penalty").text = "0.3333333"
    ET.SubElement(q, "hidden").text = "0"
    return q


def quiz(variants: Sequence[tuple[str, Network]], *, category: str,
         decimals: int = DECIMALS, rtol: float = RTOL) -> str:
    """The Moodle XML of one category holding a Cloze question per ``(code, network)``."""
    return quizzes([(category, variants, decimals)], rtol=rtol)


def quizzes(categories: Sequence[tuple[str, Sequence[tuple[str, Network]], int]], *,
            rtol: float = RTOL) -> str:
    """The Moodle XML of several categories (an assignment's exercises), each ``(category,
    [(code, network)], decimals)``: a category, then a Cloze question per variant."""
    root = ET.Element("quiz")
    for category, variants, decimals in categories:
        if not variants:
            raise UsageError("no variants to write a quiz of")
        cat = ET.SubElement(root, "question", type="category")
        ET.SubElement(ET.SubElement(cat, "category"), "text").text = f"$course$/top/{category}"
        for code, net in variants:
            safe = "".join(c if c.isalnum() else "-" for c in code)
            root.append(question(net, name=f"{category}, variant {code}",
                                 image=f"network-{safe}.svg", decimals=decimals, rtol=rtol))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def quiz_of(generated: str | Path, *, category: str | None = None,
            decimals: int | None = None, rtol: float = RTOL) -> str:
    """The quiz of every variant of ``generate``'s folder (each variant once). For an
    assignment of several exercises, a category per exercise (``CATEGORY/exercise``), each
    question to the exercise's decimals unless ``decimals`` says otherwise."""
    from chainrule.io.netfile import load
    from chainrule.teach import assignment as assignments
    from chainrule.teach.generation import read_variants

    task = assignments.find(generated)
    if task is not None:
        top = (category or task.assignment.title).strip().replace("/", "-") or "chainrule"
        categories = []
        for e in task.assignment.exercises:
            by_code: dict[str, Network] = {}
            for code, files in sorted(task.students.values(), key=lambda s: s[0]):
                if code not in by_code:
                    by_code[code] = load(files[e.name])
            categories.append((f"{top}/{e.name}", sorted(by_code.items()),
                               e.decimals if decimals is None else decimals))
        return quizzes(categories, rtol=rtol)
    decimals = DECIMALS if decimals is None else decimals
    found = read_variants(generated)
    seen: dict[str, Network] = {}
    for _student, (code, network_file) in sorted(found.items(), key=lambda s: s[1][0]):
        if code not in seen:
            seen[code] = load(network_file)
    name = (category or Path(generated).resolve().name).strip().replace("/", "-")
    return quiz(sorted(seen.items()), category=name or "chainrule", decimals=decimals,
                rtol=rtol)
