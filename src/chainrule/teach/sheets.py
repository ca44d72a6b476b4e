"""Exercise sheets and keys as Documents, in the handout's wording, for every renderer."""

from __future__ import annotations

from collections.abc import Sequence

from chainrule.core.network import weight_name
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


def class_key(
    rows: Sequence[tuple[str, str, Trace]], *, assignment: str, decimals: int = 4
) -> Document:
    """Every variant's final answers on one page: the cost, each gradient and new weight."""
    num = Numbers(decimals)
    first = rows[0][2].network
    keys = list(first.weights)
    biases = list(first.biases)
    header = (
        "student", "variant", "C",
        *(f"dC/dw {weight_name(k)}" for k in keys), *(f"dC/db {b}" for b in biases),
        *(f"new w {weight_name(k)}" for k in keys), *(f"new b {b}" for b in biases),
    )
    body = []
    for student, code, trace in rows:
        step = trace.step(1)
        g, after = step.gradients(), step.after()
        body.append((
            student, code, num(step.cost),
            *(num(g["weights"][weight_name(k)]) for k in keys),
            *(num(g["biases"][b]) for b in biases),
            *(num(after["weights"][weight_name(k)]) for k in keys),
            *(num(after["biases"][b]) for b in biases),
        ))
    return Document(
        f"{assignment}: class key",
        (Section("Final answers of every variant", (Table(header, tuple(body)),)),),
    )
