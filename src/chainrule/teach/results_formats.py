"""A check result in the shapes autograders read: Gradescope's ``results.json`` and
PrairieLearn's external-grader results.

Both are formats of the same :class:`~chainrule.teach.checking.CheckResult` that ``check
--format json`` writes; nothing is marked again here. What a student sees at once says right or
wrong and names the mistake; what gives the right values away (the right number, the worked
derivation) is held back until ``reveal`` allows: on Gradescope it is one more test with that
visibility (``after_due_date`` by default), on PrairieLearn (which has no such setting) it is
left out unless ``reveal="visible"``.

- Gradescope: https://gradescope-autograders.readthedocs.io/en/latest/specs/
- PrairieLearn: https://prairielearn.readthedocs.io/en/latest/externalGrading/ (Grading results)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from chainrule.core.errors import UsageError
from chainrule.core.network import Network
from chainrule.render.formats import RESULTS_FORMATS
from chainrule.teach.checking import CheckResult, QuantityResult
from chainrule.teach.feedback import counts
from chainrule.teach.quantities import Graph

SHEET_STEP = 1
"""The step a generated sheet asks for: an autograder marks against it, whatever a submitted
answers file's ``step`` says."""

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
"""Gradescope's visibility values (a test's and the whole result's)."""
OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")
"""Gradescope's output_format values; chainrule writes ``text``."""
FORMATS = tuple(RESULTS_FORMATS)
"""The autograders' results formats: the one format table's (``render.formats``)."""
PASSED = ("right", "follows")
REVEALING_TEST = "Right values and derivations"


def asked(network: Network, graph: Graph | None = None) -> list[str]:
    """The names of every quantity a student is asked for (the answers template's), in the
    order they are computed. ``graph``: the network's step graph, when the caller has it."""
    graph = Graph(network) if graph is None else graph
    return [n.name for n in graph.nodes if n.name and n.kind != "input"]


def with_unanswered(
    result: CheckResult, network: Network, names: Sequence[str] | None = None,
    graph: Graph | None = None,
) -> CheckResult:
    """``result`` with a test of status ``unanswered`` (score 0 of 1) for each asked quantity
    (``names``, default every quantity) it has no test for, so that a blank answers file scores
    0 of the full mark.

    A result that already lists its unanswered quantities (``check`` lists every one) keeps
    those of ``names`` only. ``graph``: the checker's step graph (``Checker.graph``), reused
    rather than built again (one graph per check).
    """
    graph = Graph(network) if graph is None else graph
    every = asked(network, graph)
    if names is not None:
        unknown = [n for n in names if n not in every]
        if unknown:
            raise UsageError(f"`asked`: {unknown[0]!r} is not a quantity of this network; "
                             f"valid names look like {', '.join(every[:3])}")
    if any(t.status == "unanswered" for t in result.tests):
        if names is None:
            return result
        keep = set(names)
        return replace(result, tests=tuple(
            t for t in result.tests if t.status != "unanswered" or t.name in keep))
    given = {t.name for t in result.tests}
    missing = [name for name in (every if names is None else names) if name not in given]
    if not missing:
        return result
    expected = _expected(network, result.step, graph)
    from chainrule.teach.lines import symbol

    extra = tuple(
        QuantityResult(
            name=name,
            symbol=symbol(graph, graph.by_name[name]),
            status="unanswered",
            score=0.0,
            max_score=1.0,
            expected=expected.get(name),
            given=None,
            given_text="",
            follow_on=None,
            output="Not answered.",
            explanation=("Not answered.",),
        )
        for name in missing
    )
    order = {name: i for i, name in enumerate(every)}
    tests = sorted((*result.tests, *extra), key=lambda t: order.get(t.name, len(order)))
    return replace(result, tests=tuple(tests))


def expected_values(network: Network, step: int = 1,
                    graph: Graph | None = None) -> dict[str, float]:
    """Every quantity's right value at full precision, by its answers-file name (``graph``: the
    network's step graph, when the caller has it)."""
    return _expected(network, step, graph)


def _expected(network: Network, step: int, graph: Graph | None = None) -> dict[str, float]:
    from chainrule.core.engine import solve

    s = solve(network, step).step(step)
    graph = Graph(network) if graph is None else graph
    values = graph.expected(s)
    return {n.name: values[n.index] for n in graph.nodes if n.name}


def _n(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 6)


def _finite(x: float | None) -> float | None:
    return round(x, 12) if x is not None and math.isfinite(x) else None


def verdict(test: QuantityResult) -> str:
    """What a student may see at once: right or wrong, the mistake's name, no right value."""
    if test.status == "right":
        return "Right."
    if test.status == "unanswered":
        return "Not answered."
    if test.status == "follows":
        inputs = ", ".join(test.wrong_inputs) or "earlier answers"
        return f"Wrong, but right given your {inputs}: full marks for this one."
    head = "Close: check your rounding." if test.status == "rounding" else "Wrong."
    names = [f"{d.title} ({d.mistake})" for d in test.mistakes]
    if len(names) == 1:
        head += f" It is what you get with {names[0]}."
    elif names:
        head += " It fits more than one mistake: " + "; ".join(names) + "."
    elif test.status == "wrong":
        head += " Cause not recognised."
    return head


def _revealing(test: QuantityResult) -> str:
    """The test's full explanation: the right value and the right derivation."""
    if test.status == "unanswered":
        if test.expected is None:
            return "Not answered."
        from chainrule.explain.notation import Numbers

        return f"Not answered; the right value is {Numbers(6)(test.expected)}."
    return test.output or "Right."


def _summary(result: CheckResult) -> str:
    return " ".join((f"{result.title}, step {result.step}: {_n(result.score)} of "
                     f"{_n(result.max_score)} marks ({counts(result)}).",
                     *result.extra.get("notes", ())))


def _check_reveal(reveal: str) -> None:
    if reveal not in VISIBILITIES:
        raise UsageError(f"`reveal={reveal!r}`: give one of {', '.join(VISIBILITIES)}")


def gradescope(result: CheckResult, *, reveal: str = "after_due_date") -> dict[str, Any]:
    """Gradescope's autograder ``results.json`` for one student's marking.

    Parameters
    ----------
    result : the marking (:func:`chainrule.check_answers`).
    reveal : when students see the right values and derivations: one of ``visible``,
        ``hidden``, ``after_due_date`` (default), ``after_published``. The verdicts (right,
        wrong, the mistake's name) and the score are visible at once.

    Returns
    -------
    dict with ``score``, ``output``, ``visibility``, ``stdout_visibility``, ``extra_data`` and
    ``tests``: one per quantity, ``{name, score, max_score, status: "passed"|"failed", output,
    output_format, tags, visibility, extra_data}``, ``extra_data`` holding chainrule's own
    ``status``, ``expected``, ``given``, ``symbol`` and ``mistakes`` (ids); then, when some
    answer is not right, a test of 0 points with the right values, of visibility ``reveal``.
    """
    _check_reveal(reveal)
    tests: list[dict[str, Any]] = []
    revealing: list[str] = []
    for t in result.tests:
        passed = t.status in PASSED and t.score >= t.max_score
        tests.append({
            "name": f"{t.name} ({t.symbol})" if t.symbol and t.symbol != t.name else t.name,
            "score": _n(t.score),
            "max_score": _n(t.max_score),
            "status": "passed" if passed else "failed",
            "output": verdict(t),
            "output_format": "text",
            "tags": list(t.tags),
            "visibility": "visible",
            "extra_data": {
                "status": t.status,
                "expected": _finite(t.expected),
                "given": _finite(t.given),
                "given_text": t.given_text,
                "symbol": t.symbol,
                "mistakes": list(t.tags),
            },
        })
        if t.status != "right":
            written = f"you wrote {t.given_text}" if t.given_text else "not answered"
            revealing.append(f"{t.symbol} ({t.name}), {written}: {_revealing(t)}")
    if revealing:
        tests.append({
            "name": REVEALING_TEST,
            "score": 0,
            "max_score": 0,
            "output": "\n\n".join(revealing),
            "output_format": "text",
            "tags": [],
            "visibility": reveal,
            "extra_data": {},
        })
    summary = _summary(result)
    if revealing and reveal != "visible":
        summary += {"after_due_date": " The right values are shown after the due date.",
                    "after_published": " The right values are shown when grades are published.",
                    "hidden": ""}[reveal]
    return {
        "score": _n(result.score),
        "output": summary,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"title": result.title, "step": result.step,
                       "max_score": _n(result.max_score)},
        "tests": tests,
    }


def gradescope_unreadable(reason: str, *, max_score: float = 0) -> dict[str, Any]:
    """A valid ``results.json`` for a submission that could not be marked: score 0, and the
    one-line reason as the visible output (Gradescope shows it; nothing "failed")."""
    return {
        "score": 0,
        "output": reason,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"problem": reason},
        "tests": [{
            "name": "Answers file",
            "score": 0,
            "max_score": _n(max_score),
            "status": "failed",
            "output": reason,
            "output_format": "text",
            "tags": [],
            "visibility": "visible",
            "extra_data": {"status": "unreadable"},
        }],
    }


def prairielearn(result: CheckResult, *, reveal: str = "after_due_date") -> dict[str, Any]:
    """PrairieLearn's external-grader results for one student's marking.

    Parameters
    ----------
    result : the marking.
    reveal : PrairieLearn shows every result at once, so the right values and derivations are
        in each test's ``output`` only with ``reveal="visible"``; otherwise ``output`` is the
        verdict (as ``message`` is).

    Returns
    -------
    dict ``{gradable: true, score (0..1), message, output, format_errors: [], tests: [{name,
    description, points, max_points, message, output}]}``.
    """
    _check_reveal(reveal)
    tests = []
    for t in result.tests:
        tests.append({
            "name": t.name,
            "description": t.symbol,
            "points": _n(t.score),
            "max_points": _n(t.max_score),
            "message": verdict(t),
            "output": _revealing(t) if reveal == "visible" else verdict(t),
        })
    score = result.score / result.max_score if result.max_score > 0 else 0.0
    return {
        "gradable": True,
        "score": min(1.0, max(0.0, score)),
        "message": _summary(result),
        "output": "",
        "format_errors": [],
        "tests": tests,
    }


def prairielearn_unreadable(reason: str) -> dict[str, Any]:
    """PrairieLearn's results for an answer that cannot be read: ``gradable: false`` (no
    attempt used, no points lost) with the reason in ``format_errors``."""
    return {"gradable": False, "score": 0.0, "message": reason, "output": "",
            "format_errors": [reason], "tests": []}


def results(result: CheckResult, fmt: str, *, reveal: str = "after_due_date") -> dict[str, Any]:
    """``gradescope`` or ``prairielearn`` results of ``result``."""
    if fmt == "gradescope":
        return gradescope(result, reveal=reveal)
    if fmt == "prairielearn":
        return prairielearn(result, reveal=reveal)
    raise UsageError(f"unknown results format {fmt!r}; valid are {', '.join(FORMATS)}")


def unreadable(fmt: str, reason: str, *, max_score: float = 0) -> dict[str, Any]:
    """The results of ``fmt`` for an answers file that could not be read."""
    if fmt == "gradescope":
        return gradescope_unreadable(reason, max_score=max_score)
    if fmt == "prairielearn":
        return prairielearn_unreadable(reason)
    raise UsageError(f"unknown results format {fmt!r}; valid are {', '.join(FORMATS)}")



def autograder_results(
    network: Network,
    answers_path: str,
    fmt: str,
    *,
    rtol: float | None = None,
    decimals: int | None = None,
    reveal: str = "after_due_date",
    exercise: str | None = None,
    notation: str = "handout",
    step: int = SHEET_STEP,
) -> dict[str, Any]:
    """Read and mark the answers file at ``answers_path`` for ``network`` and give ``fmt``'s
    results; an answers file that cannot be read gives valid results saying why (score 0,
    PrairieLearn's ``gradable: false``), never an exception. ``exercise`` names the table of
    an assignment's answers file to mark; ``notation`` the feedback's symbols (as ``check
    --notation``); ``step`` the step the sheet asks for (see :func:`mark_file`)."""
    _check_reveal(reveal)
    result = mark_file(network, answers_path, rtol=rtol, decimals=decimals, exercise=exercise,
                       notation=notation, step=step)
    if isinstance(result, str):
        return unreadable(fmt, result, max_score=len(asked(network)))
    return results(result, fmt, reveal=reveal)


def mark_file(
    network: Network,
    answers_path: str,
    *,
    rtol: float | None = None,
    decimals: int | None = None,
    exercise: str | None = None,
    notation: str = "handout",
    step: int = SHEET_STEP,
    worth: Callable[[str, str], float] | None = None,
) -> CheckResult | str:
    """The marking of the answers file at ``answers_path`` (unanswered quantities included), or
    the one-line reason it cannot be read.

    ``decimals`` are the sheet's (default 4): an autograder never takes them from the answers
    file, whose ``decimals = 0`` would otherwise widen the tolerance to 0.51. Nor its step:
    the answers are marked at ``step``, the sheet's (default 1), whatever the file's ``step``
    says (at step 10,000 a converged network's gradients are 0, and a file of zeros would be
    right); the result's summary notes a file that claimed another."""
    from chainrule.core.errors import ChainruleError
    from chainrule.teach.answers import read_file
    from chainrule.teach.checking import check

    graph = Graph(network)  # one graph for the whole check
    try:
        parsed = read_file(answers_path, network, exercise=exercise, graph=graph)
    except ChainruleError as error:
        return str(error)
    except (OSError, UnicodeDecodeError) as error:
        return f"{answers_path}: cannot be read ({error})"
    from chainrule.teach.marking import DECIMALS

    asked = DECIMALS if decimals is None else decimals
    return with_unanswered(check(network, parsed, rtol=rtol, decimals=asked, notation=notation,
                                 step=step, graph=graph, worth=worth), network,
                           graph=graph)
