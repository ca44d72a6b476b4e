"""Exercise sheets and keys as Documents, in the handout's wording, for every renderer."""

from __future__ import annotations

from collections.abc import Sequence

from chainrule.core.network import Network, weight_name
from chainrule.core.trace import Trace
from chainrule.explain.document import Document, Paragraph, Section, Table
from chainrule.explain.notation import HANDOUT, Numbers
from chainrule.explain.solution import Explainer

TASKS = (
    "1. Calculate the feed forward: z and a = g(z) for every unit, layer by layer.",
    "2. Calculate the cost C.",
    "3. Differentiate, output first: dC/da, da/dz and dC/dz for every unit, each hidden unit "
    "reusing the later layer's dC/dz (back-propagation).",
    "4. Calculate the gradient dC/dw of every weight (and dC/db of every bias) by the chain rule.",
    "5. Calculate the next weights: w_new = w_old - r · dC/dw.",
)


def sheet(
    trace: Trace,
    *,
    assignment: str,
    student: str,
    code: str,
    answer_decimals: int = 4,
    self_check: bool = False,
) -> Document:
    """The exercise sheet of one variant: the network's numbers and the tasks; with
    ``self_check``, how to check the answers with ``chainrule check`` (for practice)."""
    net = trace.network
    ex = Explainer(trace, 4, HANDOUT, dependency=False)
    given = ex.network_section()
    intro = (
        f"Student: {student}. Variant code: {code}.\n\n"
        "Calculate the feed forward for this network, then differentiate, and calculate the "
        "next weights. Use the numbers of your own variant below."
    )
    tasks = [Paragraph((t,)) for t in TASKS]
    hand_in = (
        "and check them with: chainrule check network.toml answers.toml" if self_check
        else "and hand that file in"
    )
    tasks.append(Paragraph((
        f"Round your answers to {answer_decimals} decimals. Write them in answers.toml (every "
        f"quantity is listed there, commented) {hand_in}.",
    )))
    return Document(
        f"{assignment}: {net.title or 'backpropagation'}",
        (
            Section("The network", given.blocks),
            Section("Tasks", tuple(tasks)),
        ),
        intro,
    )


KEY_COLUMNS = 8
"""Answer columns per table of the class key, so that a printed page holds every column."""


def class_key(
    rows: Sequence[tuple[str, str, Trace]], *, assignment: str, decimals: int = 4
) -> Document:
    """Every variant's final answers (the cost, each gradient and new weight), in tables of at
    most :data:`KEY_COLUMNS` answers each, so that it prints; variants of different shapes
    (drawn from shape ranges) in a table per shape."""
    shapes: dict[tuple[object, ...], list[tuple[str, str, Trace]]] = {}
    for row in rows:
        net = row[2].network
        shapes.setdefault((tuple(net.weights), tuple(net.biases),
                           tuple(u.activation for u in net.units)), []).append(row)
    if len(shapes) > 1:
        grouped: list[Section] = []
        for members in shapes.values():
            net = members[0][2].network
            shape = "the " + "-".join(str(len(layer)) for layer in net.layers) + " shape"
            doc = class_key(members, assignment=assignment, decimals=decimals)
            grouped += [Section(f"{s.title}: {net.title or shape}", s.blocks, s.level)
                        for s in doc.sections]
        return Document(f"{assignment}: class key", tuple(grouped),
                        "Every variant's final answers, rounded to "
                        f"{decimals} decimals, a table per shape; each worked solution is in "
                        "keys/<student>.md.")
    num = Numbers(decimals)
    first = rows[0][2].network
    keys = list(first.weights)
    biases = list(first.biases)
    columns: list[tuple[str, str, str]] = [("C", "C", "")]
    columns += [(f"dC/dw {weight_name(k)}", "weights", weight_name(k)) for k in keys]
    columns += [(f"dC/db {b}", "biases", b) for b in biases]
    updates = [(f"new w {weight_name(k)}", "new weights", weight_name(k)) for k in keys]
    updates += [(f"new b {b}", "new biases", b) for b in biases]
    values = []
    for _, _, trace in rows:
        step = trace.step(1)
        g, after = step.gradients(), step.after()
        values.append({"C": {"": step.cost}, "weights": g["weights"], "biases": g["biases"],
                       "new weights": after["weights"], "new biases": after["biases"]})
    sections = []
    for title, group in (("The cost and the gradients", columns),
                         ("The weights and biases after the step", updates)):
        chunks = [group[i:i + KEY_COLUMNS] for i in range(0, len(group), KEY_COLUMNS)]
        tables = tuple(
            Table(("student", "variant", *(c[0] for c in chunk)), tuple(
                (student, code, *(num(v[kind][name]) for _, kind, name in chunk))
                for (student, code, _), v in zip(rows, values, strict=True)
            ))
            for chunk in chunks
        )
        sections.append(Section(title, tables))
    return Document(f"{assignment}: class key", tuple(sections),
                    "Every variant's final answers, rounded to "
                    f"{decimals} decimals; each worked solution is in keys/<student>.md.")


KEY_PRINT_CSS = """
table.data td, table.data th { white-space: nowrap; }
@media print {
  :root { font-size: 9pt; }
  table.data th, table.data td { padding: .05rem .45rem; }
  h2 { margin-top: 1rem; }
  @page { margin: 12mm 10mm; }
}
"""


def class_key_html(doc: Document) -> str:
    """The class key as an HTML page that prints (no column cut off)."""
    from chainrule.render.html import render as html

    return html(doc).replace("</style>", KEY_PRINT_CSS + "</style>", 1)


SHEET_PRINT_CSS = """
@media print {
  :root { font-size: 9.5pt; line-height: 1.3; }
  h1 { font-size: 1.35rem; margin: 0 0 .3rem; }
  h2 { margin-top: .8rem; font-size: 1.1rem; }
  p { margin: .3rem 0; }
  .diagram { margin: .2rem 0; }
  .diagram svg { max-height: 50mm; width: auto; }
  table.data { margin: .1rem 0 .4rem; }
  table.data th, table.data td { padding: .05rem .6rem; }
  .caption { margin: .3rem 0 .1rem; }
  .eq { margin: .2rem 0 .3rem; }
  body > section:first-of-type { column-count: 2; column-gap: 2rem; }
  body > section:first-of-type > h2, body > section:first-of-type > .diagram,
  body > section:first-of-type > p:first-of-type { column-span: all; }
  body > section:first-of-type > * { break-inside: avoid; }
  @page { margin: 12mm 14mm; }
}
"""
"""Printed, a sheet fits one A4 or Letter page: the diagram and the spacing made smaller."""


def sheet_html(doc: Document, network: Network) -> str:
    """The sheet as an HTML page with the network drawn, one printed page."""
    from chainrule.render.html import render as html
    from chainrule.render.output import diagram_svg

    return html(doc, diagram_svg(network)).replace("</style>", SHEET_PRINT_CSS + "</style>", 1)


def sheet_latex(doc: Document, network: Network) -> str:
    """The sheet as a LaTeX file (pdflatex, texlive-latex-base only) with the network drawn
    in LaTeX's own picture mode, on one page."""
    from chainrule.render.latex import escape
    from chainrule.render.latex import render as latex

    text = latex(doc)
    text = text.replace(r"\documentclass[11pt,fleqn]{article}",
                        r"\documentclass[10pt,fleqn]{article}", 1)
    text = text.replace(r"\usepackage[margin=2cm]{geometry}",
                        r"\usepackage[margin=1.4cm]{geometry}", 1)
    text = text.replace(r"\setlength{\parskip}{0.5\baselineskip}",
                        "\\setlength{\\parskip}{0.25\\baselineskip}\n\\setlength{\\LTpre}{2pt}\n"
                        "\\setlength{\\LTpost}{2pt}\n\\setlength{\\abovedisplayskip}{4pt}\n"
                        "\\setlength{\\belowdisplayskip}{4pt}\n"
                        "\\makeatletter\\renewcommand\\section{\\@startsection{section}{1}{0pt}"
                        "{1.2ex}{0.6ex}{\\large\\bfseries}}\\makeatother", 1)
    text = text.replace(
        "\\begin{document}\n\\maketitle",
        "\\pagestyle{empty}\n\\begin{document}\n"
        f"{{\\centering\\Large\\bfseries {escape(doc.title)}\\par}}",
        1,
    )
    heading = r"\section*{The network}"
    return text.replace(heading, heading + "\n\n" + picture(network), 1)


def picture(network: Network, width: float = 150.0) -> str:
    """The network drawn in LaTeX's picture mode (no package needed): the units in columns by
    layer, each weight an edge with its value, the layers named as the handout names them."""
    from chainrule.render.latex import escape

    layers = network.layers
    columns = len(layers)
    gap_x = min(45.0, width / max(columns - 1, 1))
    gap_y = 16.0
    tallest = max(len(layer) for layer in layers)
    height = gap_y * (tallest - 1) + 22.0
    radius = 4.0
    where: dict[str, tuple[float, float]] = {}
    for c, layer in enumerate(layers):
        top = height - 10.0 - (tallest - len(layer)) * gap_y / 2
        for r, name in enumerate(layer):
            where[name] = (c * gap_x + radius + 2, top - r * gap_y)
    span = (columns - 1) * gap_x + 2 * radius + 4

    def num(x: float) -> str:
        return f"{x:.1f}"

    lines = [r"\begin{center}", r"\setlength{\unitlength}{1mm}",
             f"\\begin{{picture}}({num(span)},{num(height + 4)})"]
    for (a, b), p in network.weights.items():
        (x1, y1), (x2, y2) = where[a], where[b]
        dx, dy = x2 - x1, y2 - y1
        length = (dx * dx + dy * dy) ** 0.5
        ux, uy = dx / length, dy / length
        sx, sy, ex, ey = x1 + ux * radius, y1 + uy * radius, x2 - ux * radius, y2 - uy * radius
        lines.append(f"\\qbezier({num(sx)},{num(sy)})({num((sx + ex) / 2)},{num((sy + ey) / 2)})"
                     f"({num(ex)},{num(ey)})")
        # the value a third of the way along, beside the edge (on its left, seen from a)
        lx, ly = sx + (ex - sx) * 0.3 - uy * 2.2, sy + (ey - sy) * 0.3 + ux * 2.2
        lines.append(f"\\put({num(lx)},{num(ly)}){{\\makebox(0,0){{\\scriptsize "
                     f"${p.value:g}$}}}}")
    for c, layer in enumerate(layers):
        x = c * gap_x + radius + 2
        lines.append(f"\\put({num(x)},{num(height)}){{\\makebox(0,0){{\\small "
                     f"{escape(network.layer(layer[0]))}}}}}")
        for name in layer:
            ux, uy = where[name]
            unit = network.unit[name]
            lines.append(f"\\put({num(ux)},{num(uy)}){{\\circle{{{num(2 * radius)}}}}}")
            lines.append(f"\\put({num(ux)},{num(uy)}){{\\makebox(0,0){{${escape(name)}$}}}}")
            below = "input" if unit.is_input else unit.activation
            bias = network.biases.get(name)
            if bias is not None:
                below += f", b = {bias.value:g}"
            lines.append(f"\\put({num(ux)},{num(uy - radius - 2.5)}){{\\makebox(0,0){{"
                         f"\\scriptsize\\itshape {escape(below)}}}}}")
    lines += [r"\end{picture}", r"\end{center}"]
    return "\n".join(lines)
