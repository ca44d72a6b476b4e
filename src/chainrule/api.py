"""The public functions that take a network in any form a user has it: a Network, a built-in
example's name, a path to a ``.toml``/``.json`` file, or a dict shaped like the file. Paths become
Networks here; the layers below take Networks only.

The teaching functions (:func:`draw_variant`, :func:`check_answers`, :func:`render_feedback`,
:func:`answer_names`, :func:`right_answers`) are the stable library API for courses
(docs/api.md); they import :mod:`chainrule.teach` only when called, so ``import chainrule``
stays light."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chainrule.core import engine
from chainrule.core.errors import UsageError
from chainrule.core.network import Network
from chainrule.core.trace import Trace
from chainrule.io.netfile import NetworkLike, load
from chainrule.render import formats as _formats

if TYPE_CHECKING:
    from chainrule.teach.checking import CheckResult


def solve(
    network: NetworkLike,
    steps: int = 1,
    *,
    learning_rate: float | None = None,
    max_steps: int | None = None,
    rounded: int | None = None,
    notation: str = "handout",
) -> Trace:
    """Run ``steps`` steps of gradient descent and record every number in a Trace.

    Parameters
    ----------
    network : a Network, or anything :func:`chainrule.load` accepts (a built-in name, a path,
        a dict shaped like the network file).
    steps : number of steps, >= 1. Each step runs every sample forward and backward, then
        updates every trainable parameter once with the batch-mean gradient.
    learning_rate : r, overriding the network's own.
    max_steps : the most steps allowed, checked before any work (every number of every step is
        kept). Default: 100,000, or fewer for a large network so the Trace stays under 10
        million numbers.
    rounded : None (full precision), or a number of decimals: the steps worked as a student
        does by hand (for answer keys), every printed number rounded half up to that many
        decimals and each line computed from the rounded numbers before it.
        ``solve("exercise-2", rounded=4)`` gives ``0.66 · (-1.2054) = -0.7956``.
    notation : with ``rounded``, the notation whose worked solution the numbers reproduce
        line by line (``"handout"`` or ``"aima"``: AIMA works a gradient as Delta_k · a_j from
        the printed Delta_k, the handout as a_j · g'(z_k) · dC/da_k from the printed factors).

    Returns
    -------
    Trace

    Raises
    ------
    DivergedError
        if the cost or a parameter becomes infinite or NaN; its ``trace`` holds the steps
        completed before, so the last finite weights are kept.
    UsageError
        for a bad argument, or ``steps`` over the limit.

    Examples
    --------
    >>> trace = solve("exercise-1")
    >>> round(trace.step(1).after()["weights"]["j -> k"], 6)
    0.556
    """
    return engine.solve(
        load(network), steps, learning_rate=learning_rate, max_steps=max_steps, rounded=rounded,
        notation=notation,
    )


# -- teaching: the stable library API (docs/api.md) ------------------------------------------


def draw_variant(
    shape: NetworkLike,
    seed: int | str,
    student: str = "",
    *,
    assignment: str = "Backpropagation",
    decimals: int = 2,
    allow_dead: bool = False,
) -> Network:
    """A student's own variant of ``shape``: its structure, fresh numbers.

    The numbers come from a hash of ``seed``, ``assignment`` and ``student``, so the same three
    always give the same variant (``chainrule generate`` draws its sheets this way), and the
    variant is a good exercise: no dead ReLU (unless ``allow_dead``), no saturated sigmoid,
    a != y, and every recognised mistake gives a number clearly apart from the right one.

    Parameters
    ----------
    shape : a Network, or anything :func:`chainrule.load` accepts; its numbers are redrawn.
    seed : the secret seed (PrairieLearn's ``data["variant_seed"]`` works as it is).
    student : the student's id ('' for one shared variant per seed).
    assignment : the assignment's name, part of the hash.
    decimals : decimals of every drawn number, 1 to 6.
    allow_dead : allow a ReLU with z < 0.

    Returns
    -------
    Network

    Raises
    ------
    UsageError
        when no good variant of ``shape`` turns up (try ``allow_dead`` or other activations).

    Examples
    --------
    >>> from chainrule import dumps_toml
    >>> ada = dumps_toml(draw_variant("exercise-2", seed=7, student="ada"))
    >>> ada == dumps_toml(draw_variant("exercise-2", seed=7, student="ada"))
    True
    >>> ada == dumps_toml(draw_variant("exercise-2", seed=7, student="alan"))
    False
    """
    from chainrule.teach.variants import Rules, draw, variant_seed

    _whole(decimals, "decimals", 1, 6)
    if not isinstance(seed, (int, str)) or isinstance(seed, bool):
        raise UsageError(f"`seed` must be a whole number or a string, got {seed!r}"[:120])
    if not isinstance(student, str):
        raise UsageError(f"`student` must be a string, got {student!r}"[:120])
    rules = Rules(decimals=decimals, allow_dead=allow_dead)
    return draw(load(shape), variant_seed(str(seed), assignment, student), rules)


def draw_exercise(
    shape_range: Mapping[str, Any],
    seed: int | str,
    student: str = "",
    *,
    assignment: str = "Backpropagation",
    decimals: int = 2,
    allow_dead: bool = False,
) -> Network:
    """A student's own exercise whose shape varies too: the units per layer and the
    activations picked from ``shape_range``, then the numbers, as :func:`draw_variant` draws
    them (a good exercise, the same for the same seed, assignment and student).

    Parameters
    ----------
    shape_range : ``{"layers": [2, [1, 3], 1], "hidden": ["relu", "sigmoid"], "output":
        "identity"}``: units per layer, inputs first (a number, or a ``[low, high]`` range; up
        to 5 layers of 4 units), the hidden units' activation (one name or a list to pick
        from), the outputs'; optionally ``biases`` (False), ``samples`` (1), ``cost``
        ("squared_error"), ``learning_rate`` (0.1).
    seed, student, assignment, decimals, allow_dead : as for :func:`draw_variant`.

    Returns
    -------
    Network

    Raises
    ------
    UsageError
        for a range that is not valid (naming the key), or one that gives no good exercise.

    Examples
    --------
    >>> shapes = {"layers": [2, [1, 3], 1], "hidden": ["relu", "sigmoid"]}
    >>> sizes = {len(draw_exercise(shapes, 7, s).units) for s in ("ada", "bo", "cy", "di")}
    >>> sizes <= {4, 5, 6} and len(sizes) > 1
    True
    """
    from chainrule.teach.shape_ranges import ShapeRange
    from chainrule.teach.shape_ranges import draw_exercise as draw
    from chainrule.teach.variants import variant_seed

    _whole(decimals, "decimals", 1, 6)
    if not isinstance(seed, (int, str)) or isinstance(seed, bool):
        raise UsageError(f"`seed` must be a whole number or a string, got {seed!r}"[:120])
    spec = ShapeRange.parse(shape_range, "`shape_range`")
    return draw(spec, variant_seed(str(seed), assignment, str(student)), decimals=decimals,
                allow_dead=allow_dead)


def answer_names(network: NetworkLike) -> list[str]:
    """The name of every quantity a student can be asked for, in the order they are worked:
    the answers file's names.

    >>> answer_names("exercise-1")
    ['z.k', 'a.k', 'dC_da.k', 'da_dz.k', 'dC_dz.k', 'C', 'dC_dw.j -> k', 'new_w.j -> k']
    """
    from chainrule.teach.results_formats import asked

    return asked(load(network))


def right_answers(
    network: NetworkLike, *, decimals: int | None = None, step: int = 1
) -> dict[str, float]:
    """The answer key: every quantity's right value by its answers-file name, rounded to
    ``decimals`` (None: full precision) half up, as a student rounds and as every key and
    worked solution of chainrule does (0.62075 -> 0.6208).

    >>> right_answers("exercise-2", decimals=4)["dC_dw.j -> k"]
    -0.7256
    """
    from chainrule.core.options import DECIMALS
    from chainrule.core.stepgraph import hand_rounding
    from chainrule.teach.quantities import Graph
    from chainrule.teach.results_formats import asked, expected_values

    net = load(network)
    _whole(step, "step", 1, 10_000)
    if decimals is not None:
        decimals = DECIMALS.check(decimals)
    graph = Graph(net)
    values = expected_values(net, step, graph)
    names = asked(net, graph)
    if decimals is None:
        return {n: values[n] for n in names}
    rounded = hand_rounding(decimals)
    return {n: rounded(values[n]) for n in names}


def check_answers(
    network: NetworkLike,
    answers: Mapping[str, Any] | str | os.PathLike[str],
    *,
    asked: Sequence[str] | None = None,
    rtol: float | None = None,
    decimals: int | None = None,
    notation: str = "handout",
    step: int | None = None,
) -> CheckResult:
    """Mark a student's answers for ``network`` as ``chainrule check`` does.

    Parameters
    ----------
    network : a Network, or anything :func:`chainrule.load` accepts.
    answers : a dict shaped like the answers file (``{"C": "0.3632", "a": {"j": 0.602},
        "dC_dw": {"i -> j": "-0.5569"}}``; numbers as strings keep the decimals the student
        wrote, which set the tolerance), or the path of an answers file (TOML or JSON).
    asked : the names of the quantities asked for (:func:`answer_names`); each one not
        answered is a test of status ``unanswered`` scoring 0 of 1. Default: every quantity.
    rtol : relative tolerance (default 0.01).
    decimals : the decimals the sheet asks for, which set the tolerance
        ``max(rtol |right|, 0.51 x 10^-decimals)`` (default: the answers' own ``decimals``
        key, else 4); writing fewer decimals never widens it.
    notation : the symbols of the feedback's derivations, ``"handout"`` or ``"aima"``
        (``check --notation``).
    step : the step the question asks for (``check --step``): the answers are marked at it
        whatever their own ``step`` key says, and ``result.extra["notes"]`` says so when it
        differed. Give it when marking a submission (an autograder, a PrairieLearn question:
        ``step=1``): a ``step = 10000``, where a converged network's gradients are 0, would
        otherwise make a sheet of zeros right. Default: the answers' own ``step`` (else 1).

    Returns
    -------
    CheckResult
        ``score``, ``max_score``, ``all_right`` and ``tests``: one QuantityResult per quantity,
        with ``name``, ``symbol``, ``status`` (``right``, ``wrong``, ``follows``,
        ``rounding``, ``unanswered``), ``score``, ``max_score``, ``expected``, ``given``,
        ``tags`` (the recognised mistakes' ids) and ``output`` (the explanation).
        ``to_json()`` is the ``chainrule check --format json`` object.

    Raises
    ------
    AnswersError
        for a name the network has no quantity of, or a value that is not a number.

    Examples
    --------
    >>> result = check_answers("exercise-2", {"a": {"j": "0.602"}, "dC_da": {"k": "-0.6027"}},
    ...                        asked=["a.j", "dC_da.k", "C"])
    >>> [(t.name, t.status, t.tags) for t in result.tests]
    [('a.j', 'right', []), ('C', 'unanswered', []), ('dC_da.k', 'wrong', ['dropped-two'])]
    >>> result.score, result.max_score
    (1.0, 3.0)
    """
    from chainrule.teach.answers import read_file
    from chainrule.teach.checking import check
    from chainrule.teach.quantities import Graph
    from chainrule.teach.results_formats import with_unanswered

    net = load(network)
    graph = Graph(net)  # one step graph for the whole check: read, marked, unanswered added
    parsed = read_file(os.fspath(answers), net, graph=graph) \
        if isinstance(answers, (str, os.PathLike)) else answers
    return with_unanswered(check(net, parsed, rtol=rtol, decimals=decimals, notation=notation,
                                 step=step, graph=graph), net, asked, graph=graph)


def _whole(value: object, name: str, lowest: int, highest: int) -> int:
    from chainrule.core.checks import count

    number = count(value, name, minimum=lowest)
    if number > highest:
        raise UsageError(f"`{name}` must be a whole number from {lowest} to {highest}, "
                         f"got {number}")
    return number


FEEDBACK_FORMATS = _formats.FEEDBACK_FORMATS
"""The formats :func:`render_feedback` writes: the one format table's
(:mod:`chainrule.render.formats`), then the autograders' results."""


def render_feedback(
    result: CheckResult,
    format: str = "text",  # noqa: A002 - the word every shell uses
    *,
    student: str | None = None,
    reveal: str = "after_due_date",
) -> str:
    """A marking as a student reads it, or as an autograder takes it.

    Parameters
    ----------
    result : a :func:`check_answers` result.
    format : one of :data:`FEEDBACK_FORMATS`: ``text``, ``markdown``, ``latex``, ``html`` (the
        feedback page), ``json`` (``check --format json``), ``gradescope`` (Gradescope's
        results.json) or ``prairielearn`` (its external-grader results).
    student : a name for the heading (text, markdown, html).
    reveal : gradescope and prairielearn only: when students see the right values
        (``after_due_date``, ``after_published``, ``visible`` or ``hidden``).

    Returns
    -------
    str

    Examples
    --------
    >>> result = check_answers("exercise-2", {"dC_da": {"k": "-0.6027"}}, asked=["dC_da.k"])
    >>> import json
    >>> json.loads(render_feedback(result, "gradescope"))["tests"][0]["status"]
    'failed'
    """
    import json

    from chainrule.teach.results_formats import FORMATS, results

    if format in FORMATS:
        return json.dumps(results(result, format, reveal=reveal), indent=2,
                          allow_nan=False) + "\n"
    if format not in FEEDBACK_FORMATS:
        raise UsageError(f"`format={format!r}`: give one of {', '.join(FEEDBACK_FORMATS)}")
    from chainrule.teach.feedback import render

    return render(result, format, student=student)
