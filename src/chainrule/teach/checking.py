"""``chainrule check``: mark a student's answers against the Trace and name each mistake.

Each answer is compared with the engine's number (the Trace); a wrong one is compared with the
number the student's own earlier answers give (follow-on marking), and a wrong one that does not
follow is replayed against the catalogue of mistakes (:mod:`chainrule.teach.mistakes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chainrule.core.engine import solve
from chainrule.core.network import Network
from chainrule.core.options import DECIMALS
from chainrule.core.trace import Step, Trace
from chainrule.explain.document import Block, Equation, Paragraph
from chainrule.explain.notation import Notation, Numbers
from chainrule.teach.answers import Answers, Written, parse
from chainrule.teach.lines import Lines
from chainrule.teach.marking import Tolerance, mark, score_of
from chainrule.teach.mistakes import Diagnoser, Diagnosis
from chainrule.teach.quantities import Graph, graph_of_step, replay


@dataclass(frozen=True)
class QuantityResult:
    """The marking of one answer."""

    name: str
    """The quantity's name in the answers file: ``dC_da.k``."""
    symbol: str
    """Its symbol in the worked solution's notation: ``dC/da_k`` (the handout's, by default)."""
    status: str
    """``right``, ``wrong``, ``follows`` or ``rounding``."""
    score: float
    max_score: float
    expected: float | None
    given: float | None
    given_text: str
    follow_on: float | None
    """What the student's own earlier answers give for it."""
    mistakes: tuple[Diagnosis, ...] = ()
    output: str = ""
    derivation: str = ""
    """The right derivation, with the right numbers."""
    wrong_inputs: tuple[str, ...] = ()
    """Symbols of the student's wrong earlier answers this one was computed from."""
    explanation: tuple[str, ...] = ()
    """``output`` as separate sentences: the verdict, each mistake, the right derivation."""
    blocks: tuple[Block, ...] = ()
    """``explanation`` as a document's blocks, each derivation an Equation (typeset by the
    renderers as in the worked solution)."""

    @property
    def tags(self) -> list[str]:
        return [d.mistake for d in self.mistakes]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": _number(self.score),
            "max_score": _number(self.max_score),
            "status": self.status,
            "expected": self.expected,
            "given": self.given,
            "output": self.output,
            "tags": self.tags,
            "symbol": self.symbol,
            "follow_on": self.follow_on,
            "derivation": self.derivation,
            "mistakes": [
                {"id": d.mistake, "title": d.title, "detail": d.detail, "value": d.value,
                 "right_way": d.right_way}
                for d in self.mistakes
            ],
        }


@dataclass(frozen=True)
class CheckResult:
    """Every answer's marking, in the order the quantities are computed."""

    title: str
    step: int
    tests: tuple[QuantityResult, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def all_right(self) -> bool:
        return all(t.status == "right" for t in self.tests)

    @property
    def first_wrong(self) -> QuantityResult | None:
        return next((t for t in self.tests if t.status in ("wrong", "rounding")), None)

    def to_json(self) -> dict[str, Any]:
        """The ``chainrule check --format json`` object (Gradescope's shape, plus keys)."""
        return {
            "score": _number(self.score),
            "max_score": _number(self.max_score),
            "tests": [t.to_json() for t in self.tests],
            "title": self.title,
            "step": self.step,
        }


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


class Checker:
    """Checks answers for one network (build once, check many students: ``grade`` does)."""

    def __init__(self, network: Network, tolerance: Tolerance | None = None,
                 notation: str | Notation = "handout") -> None:
        self.network = network
        self.tolerance = tolerance or Tolerance()
        self.notation = notation
        self._steps: dict[int, tuple[Lines, Graph, list[float], Diagnoser]] = {}
        self._trace: Trace | None = None

    def _step(self, number: int) -> tuple[Lines, Graph, list[float], Diagnoser]:
        if number not in self._steps:
            if self._trace is None or len(self._trace) < number:
                self._trace = solve(self.network, number)
            step: Step = self._trace.step(number)
            graph = graph_of_step(self.network, step)
            lines = Lines(self._trace, step, graph, self.notation)
            self._steps[number] = (lines, graph, graph.expected(step), Diagnoser(graph))
        return self._steps[number]

    def check(self, answers: Answers | Mapping[str, Any]) -> CheckResult:
        answers = parse(answers, self.network) if not isinstance(answers, Answers) else answers
        worked, graph, expected, diagnoser = self._step(answers.step)
        tol = self.tolerance
        by_node: dict[int, Written] = {}
        for name, written in answers.values.items():
            by_node[graph.by_name[name].index] = written
        given = {i: w.value for i, w in by_node.items()}
        base = replay(graph, given)
        follow = base[0]
        statuses: dict[int, str] = {}
        tests: list[QuantityResult] = []
        for i in sorted(by_node):
            node = graph.nodes[i]
            w = by_node[i]
            t, f = expected[i], follow[i]
            upstream = graph.ancestors(i)
            wrong_inputs = [g for g, st in statuses.items() if st != "right" and g in upstream]
            status = mark(w.value, t, f, w.decimals, tol, not wrong_inputs)
            found: list[Diagnosis] = []
            if status in ("wrong", "rounding"):
                found = diagnoser.diagnose(i, w.value, w.decimals, given, base, tol)
                if status == "rounding" and any(d.mistake != "rounded-too-early" for d in found):
                    status = "wrong"
            statuses[i] = status
            inputs = tuple(worked.symbol(graph.nodes[g]) for g in wrong_inputs)
            shown: Equation | None = None
            right = ""
            if status == "follows":
                # the line worked from the student's own numbers, its result computed from them
                values = list(base[1])
                values[i] = f
                shown = worked.worked_from(node, values, max(4, w.decimals + 1))
            elif status != "right":
                shown = worked.right(node)
                right = worked.text(node, shown)
            blocks = _explanation(status, t, w.decimals, found, inputs, shown)
            sentences: list[str] = []
            for b in blocks:  # plain text: a derivation joins the sentence introducing it
                if isinstance(b, str):
                    sentences.append(b)
                else:
                    sentences[-1] += " " + worked.text(node, b)
            lines = tuple(sentences)
            tests.append(QuantityResult(
                name=node.name or "",
                symbol=worked.symbol(node),
                status=status,
                score=score_of(status),
                max_score=1.0,
                expected=t,
                given=w.value,
                given_text=w.text,
                follow_on=f,
                mistakes=tuple(found),
                output=" ".join(lines),
                derivation=right,
                wrong_inputs=inputs,
                explanation=lines,
                blocks=tuple(
                    b if isinstance(b, Equation) else Paragraph((b,)) for b in blocks
                ),
            ))
        for name, formula in answers.formulas.items():
            tests.append(self._formula(graph, name, formula, answers.source))
        title = self.network.title or "the network"
        return CheckResult(title, answers.step, tuple(tests))

    def _formula(self, graph: Graph, name: str, formula: str, source: str) -> QuantityResult:
        from chainrule.teach.formulas import check_formula

        marked = check_formula(self.network, graph, name, formula, self.tolerance, source)
        status = str(marked["status"])
        lines = tuple(marked["lines"])
        return QuantityResult(
            name=name,
            symbol=str(marked["symbol"]),
            status=status,
            score=score_of(status),
            max_score=1.0,
            expected=marked["expected"],
            given=marked["given"],
            given_text=formula,
            follow_on=None,
            output=" ".join(lines),
            explanation=lines,
        )


def _explanation(
    status: str,
    expected: float,
    decimals: int,
    mistakes: list[Diagnosis],
    wrong_inputs: tuple[str, ...],
    shown: Equation | None,
) -> list[str | Equation]:
    """The verdict, each recognised mistake with the right way, and the derivation: sentences,
    each derivation an Equation after the sentence that introduces it (ending in ``:``)."""
    if status == "right":
        return ["right"]
    exp = Numbers(max(4, decimals + 1))(expected)
    out: list[str | Equation] = []
    if status == "follows":
        out.append(
            f"Wrong (the right value is {exp}), but right given your "
            f"{', '.join(wrong_inputs)}:"
        )
    else:
        out.append(
            f"Close to {exp}: check your rounding." if status == "rounding" and not mistakes
            else f"Wrong: the right value is {exp}."
        )
        if len(mistakes) > 1:
            out.append("Your number fits more than one mistake:")
        for d in mistakes:
            out.append(
                f"It is what you get with {d.title} ({d.mistake}): {d.detail}. "
                f"The right way: {d.right_way}."
            )
        if not mistakes and status == "wrong":
            out.append("Wrong, cause not recognised.")
        if shown is not None:
            out.append("The right derivation:")
    if shown is not None:
        out.append(shown)
    return out


def check(
    network: Network,
    answers: Answers | Mapping[str, Any],
    *,
    rtol: float | None = None,
    decimals: int | None = None,
    notation: str | Notation = "handout",
) -> CheckResult:
    """Mark ``answers`` (an answers dict shaped like the file, or parsed Answers) for ``network``.

    Parameters
    ----------
    network : the Network the answers are for.
    answers : ``{"step": 1, "C": 0.3632, "a": {"j": 0.602}, "dC_dw": {"i -> j": -0.5569}}``;
        numbers may be floats, ints or numeric strings (their decimals set the tolerance).
    rtol : relative tolerance (default 0.01).
    decimals : mark every number as if written to this many decimals (default: as written).
    notation : the symbols of the feedback's derivations: ``"handout"`` (default) or ``"aima"``,
        as the worked solution takes them.

    Returns
    -------
    CheckResult, whose ``to_json()`` is the ``chainrule check --format json`` object.

    Raises
    ------
    AnswersError
        for a name the network has no quantity of, or a value that is not a number.

    Examples
    --------
    >>> from chainrule.io.netfile import load
    >>> result = check(load("exercise-2"), {"a": {"j": 0.602}, "dC_da": {"k": -0.6027}})
    >>> [(t.name, t.status, t.tags) for t in result.tests]
    [('a.j', 'right', []), ('dC_da.k', 'wrong', ['dropped-two'])]
    """
    from chainrule.teach.marking import RTOL

    if decimals is not None:
        decimals = DECIMALS.check(decimals)
    tolerance = Tolerance(RTOL if rtol is None else rtol, decimals)
    return Checker(network, tolerance, notation).check(answers)
