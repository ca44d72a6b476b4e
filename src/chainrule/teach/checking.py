"""``chainrule check``: mark a student's answers against the Trace and name each mistake.

Each answer is compared with the engine's number (the Trace); a wrong one is compared with the
number the student's own earlier answers give (follow-on marking), and a wrong one that does not
follow is replayed against the catalogue of mistakes (:mod:`chainrule.teach.mistakes`). All of
it replays one step graph, built once per network (:class:`Checker`): a step is the same graph
at that step's weights, follow-on is a replay with the student's numbers given, a mistake a
replay with one rule swapped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chainrule.core.engine import solve
from chainrule.core.network import Network
from chainrule.core.options import DECIMALS, STEP
from chainrule.core.trace import Step, Trace
from chainrule.explain.document import Block, Equation, Math, Paragraph
from chainrule.explain.notation import Notation, Numbers
from chainrule.teach.answers import Answers, Written, parse
from chainrule.teach.lines import Lines
from chainrule.teach.marking import GUESS_CAP, Tolerance, mark, score_of, unworked
from chainrule.teach.mistakes import Diagnoser, Diagnosis, update_base
from chainrule.teach.quantities import (
    LEAF_KINDS,
    Graph,
    Parameters,
    by_hand,
    parameters_of,
    replay,
)


@dataclass(frozen=True)
class QuantityResult:
    """The marking of one answer."""

    name: str
    """The quantity's name in the answers file: ``dC_da.k``."""
    symbol: str
    """Its symbol in the worked solution's notation: ``dC/da_k`` (the handout's, by default)."""
    status: str
    """``right``, ``wrong``, ``follows``, ``rounding`` or ``unanswered``."""
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
    symbol_math: Math | None = None
    """``symbol`` as Math (text and LaTeX), for the formats that typeset math."""

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
        """Some answer was given, and every given answer is right (``check`` exits 0)."""
        given = [t for t in self.tests if t.status != "unanswered"]
        return bool(given) and all(t.status == "right" for t in given)

    @property
    def answered(self) -> tuple[QuantityResult, ...]:
        return tuple(t for t in self.tests if t.status != "unanswered")

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


@dataclass(frozen=True)
class StepAt:
    """One step of the checked network: the one graph's replay at its weights."""

    lines: Lines
    """The worked solution's lines of the step (the feedback's derivations)."""
    parameters: Parameters
    """The weights and biases the step starts from: the graph's leaves in every replay."""
    expected: list[float]
    """The right value of every node (the Trace's numbers)."""
    right: tuple[list[float], list[float]]
    """The graph's replay at the step's weights (the right numbers, as the graph gets them)."""


class Checker:
    """Checks answers for one network (build once, check many students: ``grade`` does).

    The network's step graph is built once; each step asked for is a replay of it at that
    step's weights and biases (taken from the engine's Trace, the fast path)."""

    def __init__(self, network: Network, tolerance: Tolerance | None = None,
                 notation: str | Notation = "handout",
                 worth: Callable[[str, str], float] | None = None,
                 graph: Graph | None = None) -> None:
        self.network = network
        self.tolerance = tolerance or Tolerance()
        self.worth = worth or (lambda _name, status: score_of(status))
        """The marks an answer of this name and status earns (``grade``: its weights and
        credit), for the cap on a sheet of guesses."""
        self.notation = notation
        self.graph = Graph(network) if graph is None else graph
        """The network's step graph (``graph``: one the caller built for it, else built here)."""
        self.diagnoser = Diagnoser(self.graph, notation)
        self._steps: dict[int, StepAt] = {}
        self._trace: Trace | None = None

    def _step(self, number: int) -> StepAt:
        if number not in self._steps:
            if self._trace is None or len(self._trace) < number:
                self._trace = solve(self.network, number)
            step: Step = self._trace.step(number)
            parameters = parameters_of(step)
            self._steps[number] = StepAt(
                Lines(self._trace, step, self.graph, self.notation), parameters,
                self.graph.expected(step), replay(self.graph, parameters=parameters))
        return self._steps[number]

    def check(self, answers: Answers | Mapping[str, Any]) -> CheckResult:
        if not isinstance(answers, Answers):
            answers = parse(answers, self.network, graph=self.graph)
        at = self._step(answers.step)
        graph, diagnoser, worked, expected = self.graph, self.diagnoser, at.lines, at.expected
        parameters = at.parameters
        tol = self.tolerance
        by_node: dict[int, Written] = {}
        for name, written in answers.values.items():
            by_node[graph.by_name[name].index] = written
        # the sheet's own numbers (the inputs) are never replaced by what a student writes
        given = {i: w.value for i, w in by_node.items() if graph.nodes[i].kind not in LEAF_KINDS}
        base = replay(graph, given, hand=True, parameters=parameters)
        follow = base[0]
        # their wrong numbers, and the exact values of their right ones (a student who kept
        # more decimals than they wrote)
        exact_right = {
            i: expected[i] if tol.matches(v, expected[i], base=update_base(graph, i, expected))
            else v
            for i, v in given.items()
        }
        follow_exact = (replay(graph, exact_right, hand=True, parameters=parameters)[0]
                        if exact_right != given else follow)
        statuses: dict[int, str] = {}
        marked: list[tuple[int, str, list[Diagnosis], list[int], bool]] = []
        guesses: set[int] = set()  # wrong whole numbers where the right value is not whole
        from_guesses: set[int] = set()  # what the student's numbers give from guesses only
        for i in sorted(by_node):
            w = by_node[i]
            t = expected[i]
            upstream = graph.ancestors(i)
            wrong_inputs = [g for g, st in statuses.items() if st != "right" and g in upstream]
            old = update_base(graph, i, expected)
            # follow-on needs a wrong earlier answer that was worked out, not guessed: whole
            # numbers make the work trivial (times 1, plus 0, times 0)
            roots = [g for g in wrong_inputs if statuses[g] != "follows" and g not in from_guesses]
            guessed = bool(roots) and all(g in guesses for g in roots)
            degenerate = bool(wrong_inputs) and (guessed or _degenerate(
                graph, i, w.value, by_node, expected, follow[i], tol, statuses))
            status = mark(w.value, t, follow[i], w.decimals, tol, not wrong_inputs, base=old,
                          degenerate=degenerate, follow_on_exact=follow_exact[i],
                          slack=0.0 if tol.matches(w.value, t, base=old) else _rounding_slack(
                              graph, i, follow[i], by_node, tol.decimals, base[1]))
            found: list[Diagnosis] = []
            if status in ("wrong", "rounding"):
                found = diagnoser.diagnose(i, w.value, w.decimals, given, base, tol, at.right,
                                           parameters)
                if status == "rounding" and any(d.mistake != "rounded-too-early" for d in found):
                    status = "wrong"
            statuses[i] = status
            marked.append((i, status, found, wrong_inputs, degenerate and status == "wrong"))
            if status == "wrong" and guessed:
                from_guesses.add(i)
            elif status == "wrong" and _guess(w, old, t) and all(
                    d.mistake == "rounded-too-early" for d in found):
                guesses.add(i)
        withheld = _no_follow_on(graph, marked, guesses | from_guesses)
        cut = self._unworked(graph, marked, by_node, expected, answers, {
            i for i, w in by_node.items()  # the right value, rounded to the decimals written
            if abs(w.value - expected[i]) <= 0.51 * 10.0 ** -w.decimals
        }) if withheld else set()
        rows: list[tuple[int, QuantityResult]] = []
        for i, status, found, wrong_inputs, trivial in marked:
            node = graph.nodes[i]
            w = by_node[i]
            t, f = expected[i], follow[i]
            if withheld and status == "follows" or i in cut:
                status = "wrong"
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
            note = (f"{_UNWORKED} ({withheld}); {_CAPPED}" if i in cut
                    else f"{_WITHHELD} ({withheld})." if withheld and statuses[i] == "follows"
                    else _FROM_GUESSES if trivial and i in from_guesses
                    else _TRIVIAL if trivial else None)
            blocks = _explanation(status, t, w.decimals, found, inputs, shown, tol.decimals, note)
            sentences: list[str] = []
            for b in blocks:  # plain text: a derivation joins the sentence introducing it
                if isinstance(b, str):
                    sentences.append(b)
                else:
                    sentences[-1] += " " + worked.text(node, b)
            lines = tuple(sentences)
            rows.append((i, QuantityResult(
                name=node.name or "",
                symbol=worked.symbol(node),
                symbol_math=worked.symbol_math(node),
                status=status,
                score=score_of(status),
                max_score=1.0,
                expected=t,
                given=w.value,
                given_text=w.text,
                # a value the student's numbers cannot give (ln 0 of an a written as 0) is none
                follow_on=f if math.isfinite(f) else None,
                mistakes=tuple(found),
                output=" ".join(lines),
                derivation=right,
                wrong_inputs=inputs,
                explanation=lines,
                blocks=tuple(
                    b if isinstance(b, Equation) else Paragraph((b,)) for b in blocks
                ),
            )))
        for i in asked(graph):
            if i not in by_node:
                node = graph.nodes[i]
                rows.append((i, QuantityResult(
                    name=node.name or "", symbol=worked.symbol(node),
                    symbol_math=worked.symbol_math(node), status="unanswered",
                    score=0.0, max_score=1.0, expected=expected[i], given=None, given_text="",
                    follow_on=None, output="unanswered", explanation=("unanswered",))))
        tests = [r for _, r in sorted(rows, key=lambda row: order(graph, row[0]))]
        for name, formula in answers.formulas.items():
            tests.append(self._formula(parameters, name, formula, answers.source))
        title = self.network.title or "the network"
        return CheckResult(title, answers.step, tuple(tests))

    def _unworked(self, graph: Graph,
                  marked: list[tuple[int, str, list[Diagnosis], list[int], bool]],
                  by_node: Mapping[int, Written], expected: list[float],
                  answers: Answers, close: set[int]) -> set[int]:
        """The answers a sheet of guesses loses the marks of (:func:`marking.unworked`)."""
        statuses = {i: "wrong" if status == "follows" else status for i, status, *_ in marked}
        names = {i: graph.nodes[i].name or "" for i in statuses}
        return set(unworked(
            sorted(statuses, key=lambda i: order(graph, i)), statuses,
            {i: self.worth(names[i], status) for i, status in statuses.items()},
            {i: _answered_deps(graph, i, by_node) for i in statuses},
            {i for i in statuses if _whole(expected[i] - update_base(graph, i, expected))},
            sum(self.worth(graph.nodes[i].name or "", "right")
                for i in set(statuses) | set(asked(graph)))
            + sum(self.worth(name, "right") for name in answers.formulas),
            close,
        ))

    def _formula(self, parameters: Parameters, name: str, formula: str, source: str
                 ) -> QuantityResult:
        from chainrule.teach.formulas import check_formula

        net = self.network
        here = net.with_parameters(dict(zip(net.weights, parameters[0], strict=True)),
                                   dict(zip(net.biases, parameters[1], strict=True)))
        marked = check_formula(here, name, formula, self.tolerance, source)
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


_WITHHELD = ("No follow-on credit on this sheet: too many of its answers are wrong for no "
             "recognised reason")


_UNWORKED = ("No credit, though your number is close enough: this sheet was not worked from its "
             "own numbers")
_CAPPED = (f"answers right without that work (whole numbers, copies, coincidences) earn at most "
           f"{GUESS_CAP:.0%} of the marks, and this one is past it.")


def _guess(written: Written, old: float, right: float) -> bool:
    """A whole number where the right value is not (of the update, for an updated parameter):
    1 for 0.7137, or a bare 0 (0.0000 may be a small number rounded)."""
    return (_whole(written.value - old) and not _whole(right - old)
            and (written.value != old or written.decimals == 0))


def _whole(x: float) -> bool:
    """A whole number (a slope of 1 is right on every variant, whatever the sheet says)."""
    return math.isfinite(x) and abs(x - round(x)) <= 1e-12


_FROM_GUESSES = ("It may be what your own earlier numbers give, but they start from whole numbers "
                 "where the right values are not (a guess, not a slip): no follow-on credit.")


_TRIVIAL = ("It may be what your own earlier numbers give, but they make it exactly 0 (or a "
            "copy of one of them) where the right value is not: no follow-on credit.")


def asked(graph: Graph) -> list[int]:
    """The quantities a sheet asks for, in the order they are computed (every one a student
    writes down; the inputs are given)."""
    return [n.index for n in graph.nodes if n.name and n.kind not in LEAF_KINDS]


def order(graph: Graph, i: int) -> float:
    """Where a quantity comes in the work: its place in the graph, but the step's cost right
    after the samples' costs it is the mean of (after the forward pass, not at the end)."""
    node = graph.nodes[i]
    if node.kind == "C" and node.deps:
        return max(node.deps) + 0.5
    return float(i)


def _answered_deps(graph: Graph, i: int, by_node: Mapping[int, Written]) -> list[int]:
    """The answers a quantity is computed from: its inputs, looking through the numbers a
    student does not write down (one sample's gradient of a one-sample step)."""
    out: list[int] = []
    for j in graph.nodes[i].deps:
        if j in by_node:
            out.append(j)
        elif graph.nodes[j].name is None:
            out += _answered_deps(graph, j, by_node)
    return out


def _rounding_slack(graph: Graph, i: int, follow: float, by_node: Mapping[int, Written],
                    asked: int, used: list[float]) -> float:
    """How far the rounding of the student's own numbers a quantity is computed from can move
    it (each by half a unit of the decimals they wrote, never more than of the decimals asked),
    so that follow-on marking honours their rounding of small numbers and writing fewer
    decimals earns nothing: the rule's change for each answer it reads directly, moved by that
    much; for an answer read through numbers a student does not write down, |value| times its
    relative rounding."""
    if not math.isfinite(follow):
        return 0.0
    node = graph.nodes[i]
    slack = relative = 0.0
    values = list(used)
    for j in _answered_deps(graph, i, by_node):
        w = by_node[j]
        h = 0.5 * 10.0 ** (-max(w.decimals, asked))
        if j in node.deps:
            moved = 0.0
            for step in (h, -h):
                values[j] = used[j] + step
                try:
                    moved = max(moved, abs(float(by_hand(node)(values)) - follow))
                except (ArithmeticError, ValueError):
                    pass
            values[j] = used[j]
            slack += moved
        elif w.value:
            relative += h / abs(w.value)
    return slack + abs(follow) * min(relative, 1.0)


MEANS = ("C", "dC_dw", "dC_db")
"""A batch's means: the mean of equal samples is a copy of them, and rightly so (and the cost
is the cost function's, as an activation's value is the activation's)."""


def _degenerate(graph: Graph, i: int, value: float, by_node: Mapping[int, Written],
                expected: list[float], follow: float, tol: Tolerance,
                statuses: Mapping[int, str]) -> bool:
    """0 (no update, for an updated parameter) or a copy of an answer it is computed from, where
    the right value is not: the student's own numbers make the step trivial (times 1, plus 0,
    times 0) exactly, where the right numbers do not. Not degenerate: a small number their
    numbers give that rounds to 0; what an activation function gives (a dead ReLU's 0, a live
    one's a = z); a 0 carried forward from an earlier answer that itself follows."""
    node = graph.nodes[i]
    if follow != value or node.kind in ("a", "da_dz", *MEANS[:1]) or (
        graph.n_samples > 1 and node.kind in MEANS
    ):
        return False
    deps = _answered_deps(graph, i, by_node)
    if any(statuses.get(j) == "follows" for j in deps):
        return False
    old, right = update_base(graph, i, expected), expected[i]
    if value == old:
        return not tol.matches(old, right, base=old)
    # a copy of an answer it is computed from, none of whose right values is this one's (an
    # identity's dC/dz = dC/da is a copy that is right)
    copied = [expected[j] for j in deps if by_node[j].value == value]
    return bool(copied) and not any(tol.matches(c, right, base=old) for c in copied)


STEP_OF = {"C_sample": "C", "gw": "dC_dw", "gb": "dC_db"}
"""Kinds of node that are the same step of the work (a sample's gradient is a gradient)."""
UNEXPLAINED_STEPS = 3
"""Wrong answers with no recognised cause in this many different steps (z, a, dC/da, ...) mean
the numbers were not worked from this sheet: no follow-on credit."""


def _no_follow_on(graph: Graph,
                  marked: list[tuple[int, str, list[Diagnosis], list[int], bool]],
                  guessed: set[int]) -> str:
    """Why follow-on credit is withheld from this sheet ("" when it is not): a sheet of guesses,
    of zeros, of whole numbers, or copied from another variant's key is consistent with itself
    but wrong for no recognised reason in many steps of the work (``guessed``: whole numbers
    where the right values are not, and what the student's numbers give from them only)."""
    unexplained = [i for i, status, found, _, trivial in marked if status == "wrong" and (
        not found and not trivial or i in guessed)]
    steps = {STEP_OF.get(graph.nodes[i].kind, graph.nodes[i].kind) for i in unexplained}
    if len(steps) < UNEXPLAINED_STEPS:
        return ""
    return (f"{len(unexplained)} answers wrong for no recognised reason, in {len(steps)} "
            "different steps of the work")


def _explanation(
    status: str,
    expected: float,
    decimals: int,
    mistakes: list[Diagnosis],
    wrong_inputs: tuple[str, ...],
    shown: Equation | None,
    asked_decimals: int = 4,
    note: str | None = None,
) -> list[str | Equation]:
    """The verdict, each recognised mistake with the right way, and the derivation: sentences,
    each derivation an Equation after the sentence that introduces it (ending in ``:``)."""
    if status == "right":
        return ["right"]
    exp = Numbers(max(4, decimals + 1))(expected)
    out: list[str | Equation] = []
    if status == "follows":
        out.append(
            f"Carried forward: full credit. It is right given your "
            f"{', '.join(wrong_inputs)} (the right value is {exp}):"
        )
    else:
        if note and note.startswith(_UNWORKED):
            out.append(note)
            return out
        out.append(
            f"Rounded to {decimals} decimal{'s' if decimals != 1 else ''}: part credit; the "
            f"sheet asks for {asked_decimals} (the right value is {exp})."
            if status == "rounding" and not mistakes
            else f"Wrong: the right value is {exp}."
        )
        if note:
            out.append(note)
        if len(mistakes) > 1:
            out.append("Your number fits more than one mistake:")
        for d in mistakes:
            out.append(
                f"It is what you get with {d.title} ({d.mistake}): {d.detail}. "
                f"The right way: {d.right_way}."
            )
        if not mistakes and status == "wrong" and not note:
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
    step: int | None = None,
    graph: Graph | None = None,
    worth: Callable[[str, str], float] | None = None,
) -> CheckResult:
    """Mark ``answers`` (an answers dict shaped like the file, or parsed Answers) for ``network``.

    Parameters
    ----------
    network : the Network the answers are for.
    answers : ``{"step": 1, "C": 0.3632, "a": {"j": 0.602}, "dC_dw": {"i -> j": -0.5569}}``;
        numbers may be floats, ints or numeric strings (as the student rounded them).
    rtol : relative tolerance (default 0.01).
    decimals : the decimals the sheet asks for, which set the tolerance
        ``max(rtol |right|, 0.51 x 10^-decimals)`` (default: the answers file's ``decimals``
        key, else 4). Writing fewer decimals never widens it.
    notation : the symbols of the feedback's derivations: ``"handout"`` (default) or ``"aima"``,
        as the worked solution takes them.
    step : the step the sheet asks for: the answers are marked against it whatever their own
        ``step`` says (a file claiming ``step = 10000``, where a converged network's gradients
        are 0, is still marked at this step), and the result's ``notes`` say so. Default: the
        answers' own ``step``.
    graph : the network's step graph (:class:`~chainrule.teach.quantities.Graph`) when the
        caller has built it (one graph per check); else it is built here.
    worth : the marks an answer of a name and status earns (a rubric's points times its
        credit), so that the 20% a sheet of guesses keeps is 20% of those marks; default 1 a
        quantity (:func:`chainrule.teach.marking.score_of`).

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
    >>> [(t.name, t.status, t.tags) for t in result.answered]
    [('a.j', 'right', []), ('dC_da.k', 'wrong', ['dropped-two'])]
    >>> result.score, result.max_score   # the quantities not answered count too
    (1.0, 15.0)
    """
    from chainrule.teach.marking import DECIMALS as ASKED
    from chainrule.teach.marking import RTOL

    checker = Checker(network, notation=notation, graph=graph,  # the step graph, built once
                      worth=worth)
    if not isinstance(answers, Answers):
        answers = parse(answers, network, graph=checker.graph)
    if decimals is not None:
        decimals = DECIMALS.check(decimals)
    else:
        decimals = ASKED if answers.decimals is None else answers.decimals
    checker.tolerance = Tolerance(RTOL if rtol is None else rtol, decimals)
    answers, note = at_step(answers, step)
    result = checker.check(answers)
    return replace(result, extra={**result.extra, "notes": (note,)}) if note else result


def at_step(answers: Answers, step: int | None) -> tuple[Answers, str]:
    """``answers`` to be marked at ``step`` (None: their own), and a note when they claimed
    another step."""
    if step is None:
        return answers, ""
    step = STEP.check(step)
    if answers.step == step:
        return answers, ""
    note = (f"The answers file says step = {answers.step}; the sheet asks for step {step}, "
            "against which it was marked.")
    return replace(answers, step=step), note
