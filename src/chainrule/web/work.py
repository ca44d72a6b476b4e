"""What each request of the web API computes: plain functions from JSON-shaped values to results,
calling the library the CLI calls (no FastAPI here, so they are easy to test and to time).

Every network arrives as the file's structure (a dict) and goes through the same loader as a
network file (:func:`chainrule.load`); every number, picture and piece of math comes from the
library. Nothing here reads or writes a file.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from chainrule.core.engine import solve
from chainrule.core.errors import NetworkError, UsageError
from chainrule.core.network import Network
from chainrule.core.schema import dumps_toml
from chainrule.core.trace import Trace
from chainrule.io.netfile import example_text, examples, loads
from chainrule.web import limits

SOURCE = "network"
"""How error messages name a network sent in a request (a file's messages name the file)."""


_SUSPECT = re.compile(rb"[0-9.][eE][+-]?0*[1-9][0-9]{2}|[0-9]{100}")
"""A number written with an exponent of 100 or more, or with 100 digits in a row (0.000...01):
one beyond 10^±100, which JSON's parser may read as 0 or infinity (checked in full then). The
page's own numbers (17 significant digits) never match, so its requests are parsed once."""


def check_numbers(body: bytes) -> None:
    """Refuse a request whose JSON body writes a number that would not read as written:
    ``1e-999999999999999999`` reads as 0.0 and ``1e999`` as infinity. A network's with the
    one-line message of a network file (:func:`chainrule.io.reading.check_network_numbers`),
    naming the key; any other beyond 10^±100 in size as a grading config's. Bodies that
    cannot be read as JSON are left to the route (which says why)."""
    if not _SUSPECT.search(body):
        return  # the usual body: no number near a double's limits (no second parse)
    from chainrule.io.reading import Literal, check_network_numbers, out_of_range

    try:
        data = json.loads(body, parse_float=Literal)
    except (ValueError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    net = data.pop("network", None)
    if isinstance(net, dict):
        try:
            check_network_numbers(net)
        except NetworkError as error:
            raise error.located(SOURCE) from None
    bad = out_of_range(data, nonfinite=False)
    if bad:
        raise UsageError(f"{bad[0]}: {bad[1]}")


def network(data: Mapping[str, Any]) -> Network:
    """The request's network, validated as a network file is, and within this server's limits."""
    # Network.from_dict is what load() does with a dict; a string is never taken as a path here
    net = Network.from_dict(data)
    limits.check_network(net)
    return net


def _load(data: Mapping[str, Any]) -> Network:
    try:
        return network(data)
    except NetworkError as error:
        raise error.located(SOURCE) from None


def solution(data: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """``chainrule solve`` with these options (:class:`~chainrule.render.options.SolutionOptions`
    by name, ``format`` included): exactly what it prints, ``json`` on one line as when its
    standard output is not a terminal."""
    from chainrule.render.options import SolutionOptions
    from chainrule.render.output import render_solution, solution_trace

    chosen = SolutionOptions.from_mapping({k: v for k, v in options.items() if v is not None})
    limits.check_steps(chosen.steps_to_run)
    net = _load(data)
    limits.check_work(net, chosen.steps_to_run, shown=True)
    return render_solution(solution_trace(net, chosen), chosen)


def examples_list() -> list[dict[str, str]]:
    return [{"name": name, "title": title} for name, title in examples().items()]


def example(name: str) -> dict[str, Any]:
    """A built-in example: its network (the file's structure) and its TOML text."""
    text = example_text(name)
    return {"name": name, "network": loads(text, name=name).to_dict(), "toml": text}


def parse(text: str, fmt: str, name: str) -> dict[str, Any]:
    """A network file's text (``fmt`` toml or json), validated: its structure, as a dict.

    Errors name ``name`` and the line, as ``chainrule solve FILE`` names them.
    """
    if fmt not in ("toml", "json"):
        raise UsageError(f"format: unknown network file format {fmt!r}; valid formats are "
                         "toml, json")
    net = loads(text, name=name, fmt=fmt)
    try:
        limits.check_network(net)
    except NetworkError as error:
        raise error.located(name) from None
    return net.to_dict()


def toml(data: Mapping[str, Any]) -> str:
    """The network as a TOML network file."""
    return dumps_toml(_load(data))


def diagram(data: Mapping[str, Any], values: str | None, step: int = 1, sample: int = 1,
            decimals: int = 3) -> str:
    """The network drawn as ``chainrule draw`` draws it (an SVG string)."""
    from chainrule.pictures.diagram import svg

    net = _load(data)
    if values is None:
        return svg(net, decimals=decimals)
    limits.check_steps(step)
    limits.check_work(net, step)
    return svg(solve(net, step), values, step, sample=sample, decimals=decimals)  # type: ignore[arg-type]


def advance(data: Mapping[str, Any], steps: int, view: str, sample: int = 1,
            decimals: int = 3, taken: int = 0) -> dict[str, Any]:
    """The page's one call: run ``steps`` steps (0 for none), then show the next step.

    ``taken`` is how many steps the page took before (the diagram numbers the step it shows
    ``taken + steps + 1``).

    Returns the network after the steps (the file's structure), each step's cost, the next
    step's numbers (one step of ``solve --format json``), its cost, and the diagram with the
    ``view``'s values (``weights``, ``forward`` or ``backward``).
    """
    from chainrule.pictures.diagram import svg

    if view not in VIEWS:
        raise UsageError(f"view: unknown view {view!r}; valid views are {', '.join(VIEWS)}")
    net = _load(data)
    costs: list[float] = []
    limits.check_work(net, steps + 1)
    if steps:
        limits.check_steps(steps)
        run = solve(net, steps)
        costs = run.costs
        net = run.final
    following = solve(net, 1)
    values = None if view == "weights" else view
    picture = svg(following, values, sample=sample, decimals=decimals,  # type: ignore[arg-type]
                  steps_before=taken + steps, steady=True)
    step = following.to_json()["steps"][0]
    return {
        "network": net.to_dict(),
        "layers": [list(layer) for layer in net.layers],
        "costs": costs,
        "cost": following.step(1).cost,
        "step": step,
        "diagram": picture,
    }


VIEWS = ("weights", "forward", "backward")


def advance_json(data: Mapping[str, Any], steps: int, view: str, sample: int = 1,
                 decimals: int = 3, taken: int = 0) -> str:
    """:func:`advance`'s answer as JSON text, written where the work is done (the server's
    event loop only sends it on)."""
    return json.dumps(advance(data, steps, view, sample, decimals, taken), ensure_ascii=False,
                      allow_nan=False, separators=(",", ":"))


def derivation(data: Mapping[str, Any], *, unit: str | None = None, weight: str | None = None,
               bias: str | None = None, step: int = 1, decimals: int = 4,
               notation: str = "handout", taken: int = 0) -> dict[str, Any]:
    """The worked solution's lines about one unit, weight or bias (see
    :func:`chainrule.explain.derivation.derivation`): as math (MathML in HTML), as text, and
    line by line, with the Trace's full-precision numbers for the quantity.

    ``taken``: steps the page took before this network, so the lines are numbered as the page
    counts (the 31st step's back-propagation is 31.3)."""
    from chainrule.explain.derivation import derivation as derive
    from chainrule.explain.derivation import equations, quantity
    from chainrule.render.html import fragment
    from chainrule.render.text import render as text

    limits.check_steps(step)
    net = _load(data)
    limits.check_work(net, step)
    trace = _continued(solve(net, step), taken)
    q = quantity(trace, unit=unit, weight=weight, bias=bias)
    doc = derive(trace, unit=unit, weight=weight, bias=bias, step=step, decimals=decimals,
                 notation=notation)
    lines = [
        {
            "label": eq.label,
            "lhs": eq.lhs.text,
            "forms": [f.text for f in eq.forms],
            "latex": " = ".join([eq.lhs.latex, *(f.latex for f in eq.forms)]),
            "note": "".join(p if isinstance(p, str) else p.text for p in eq.note),
        }
        for eq in equations(doc)
    ]
    return {
        "kind": q.kind,
        "name": q.name,
        "title": doc.title,
        "values": _values(trace, q.kind, q.name, step),
        "lines": lines,
        "html": fragment(doc),
        "text": text(doc),
    }


def _continued(trace: Trace, taken: int) -> Trace:
    """The same steps, numbered after ``taken`` earlier ones."""
    if not taken:
        return trace
    steps = [dataclasses.replace(s, number=s.number + taken) for s in trace.steps]
    return Trace(trace.network, steps)


def _values(trace: Trace, kind: str, name: str, step: int) -> dict[str, Any]:
    """The quantity's numbers at full precision, as ``solve --format json`` writes them."""
    s = trace.to_json()["steps"][step - 1]
    if kind == "unit":
        return {"units": [sample["units"][name] for sample in s["samples"]]}
    table = "weights" if kind == "weight" else "biases"
    return {
        "before": s["before"][table][name],
        "gradient": s["gradients"][table][name],
        "after": s["after"][table][name],
    }


def landscape(data: Mapping[str, Any], weights: Sequence[str], steps: int = 20,
              batch: bool = False) -> str:
    """The loss landscape over one or two weights (``chainrule plot landscape``), as SVG."""
    from chainrule.pictures.matplotlib_backend import figure_bytes
    from chainrule.pictures.plot import landscape as plot

    net = _load(data)
    limits.check_landscape(net, len(weights), steps, batch)
    with _PYPLOT:  # pyplot's figure list is global: one figure at a time
        figure = plot(net, list(weights), steps, batch=batch, decimals=4)  # the page's numbers
        return figure_bytes(figure, "svg").decode("utf-8")


_PYPLOT = threading.Lock()


def answers_template(data: Mapping[str, Any], taken: int = 0) -> str:
    """The answers file to fill in for the network's next step (``chainrule answers-template``),
    numbered as the page counts steps (``taken`` steps before this network)."""
    from chainrule.teach.answers import template

    return template(_load(data), step=taken + 1)


def check(data: Mapping[str, Any], text: str, name: str = "answers",
          taken: int = 0, notation: str = "handout") -> dict[str, Any]:
    """A student's answers file (TOML or JSON text) marked as ``chainrule check`` marks it: the
    ``check --format json`` object, and the feedback as HTML (MathML), its derivations in
    ``notation`` (``check --notation``). ``taken``: the steps the page took before this
    network (the sheet's ``step`` counts them)."""
    from chainrule.render.html import fragment
    from chainrule.teach.answers import parse, read
    from chainrule.teach.checking import check as mark
    from chainrule.teach.feedback import document

    net = _load(data)
    given = read(text, name=name)
    if taken:  # the sheet numbers steps as the page does: step taken + 1 is this network's 1st
        step = given.get("step", 1)
        if isinstance(step, int) and not isinstance(step, bool):
            if step <= taken:
                raise UsageError(
                    f"{name}: step = {step}: this sheet is for step {step}, and the page is at "
                    f"step {taken + 1} now; press Blank sheet for a sheet of step {taken + 1}")
            given = {**given, "step": step - taken}
    result = mark(net, parse(given, net, source=name, text=text), notation=notation)
    if result.step > 1:
        limits.check_work(net, result.step)
    answer = result.to_json()
    html = fragment(document(result))
    if taken:
        answer["step"] = result.step + taken
        html = html.replace(f"<h2>Step {result.step}: ", f"<h2>Step {result.step + taken}: ", 1)
    return {**answer, "all_right": result.all_right, "html": html}
