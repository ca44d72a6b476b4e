"""One presentation layer for every shell: the table of output formats, the options of a worked
solution, errors that name parameters (the CLI respells them as its flags), the display hooks."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.core.errors import spell_parameters
from chainrule.core.network import Network
from chainrule.core.trace import SampleTrace, Step, Trace, WeightFactors
from chainrule.explain.diff import Derivative, differentiate
from chainrule.explain.solution import explain
from chainrule.render import FORMATS, SolutionOptions, render_derivative, render_solution
from chainrule.render.formats import format_for_path, output_format
from chainrule.render.notebook import factors_equation


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# -- the table of formats ---------------------------------------------------------------------


def test_every_format_has_one_entry_with_its_own_suffix() -> None:
    assert list(FORMATS) == ["text", "markdown", "latex", "html", "json"]
    suffixes = [f.suffix for f in FORMATS.values()]
    assert len(set(suffixes)) == len(suffixes)
    for f in FORMATS.values():
        assert format_for_path(f"out/solution{f.suffix.upper()}") is f
    assert format_for_path("picture.png") is None
    with pytest.raises(cr.UsageError, match="valid formats are text, markdown, latex, html, json"):
        output_format("pdf")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_network_in_gives_the_whole_output_as_a_string(fmt: str) -> None:
    """What the web page calls: a Network and the options in, the output the CLI writes out."""
    net = cr.load("exercise-2")
    out = render_solution(net, SolutionOptions(steps=2, format=fmt))
    assert out == render_solution(cr.solve(net, 2), format=fmt, steps=2)
    if fmt == "json":
        assert json.loads(out) == cr.solve(net, 2).to_json()
    else:
        assert "Exercise 2" in out and "0.7256" in out
    assert ("<svg" in out) == (fmt == "html")


def test_the_cli_writes_what_the_library_renders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("markdown", "latex", "html", "json"):
        path = tmp_path / f"solution{FORMATS[fmt].suffix}"
        # the format follows the file name's ending when --format is left out
        assert run(["solve", "aima-21", "--steps", "2", "-o", str(path)], capsys)[0] == 0
        expected = render_solution(cr.load("aima-21"), SolutionOptions(steps=2, format=fmt))
        assert path.read_text(encoding="utf-8") == expected


def test_diff_and_examples_write_their_output_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = tmp_path / "steps.md"
    assert run(["diff", "(a*w - y)^2", "--wrt", "w", "-o", str(steps)], capsys) == (0, "", "")
    expected = render_derivative(differentiate("(a*w - y)^2", "w"), "markdown")
    assert steps.read_text(encoding="utf-8") == expected
    net = tmp_path / "net.toml"
    assert run(["examples", "show", "exercise-3", "--output", str(net)], capsys) == (0, "", "")
    assert net.read_text(encoding="utf-8") == cr.example_text("exercise-3")


# -- the options of a worked solution -----------------------------------------------------------


def test_options_are_checked_once_and_name_the_parameter() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"steps": 0}, "`steps` must be a whole number >= 1"),
        ({"decimals": 16}, "`decimals` must be a whole number from 0 to 15"),
        ({"notation": "greek"}, "`notation` 'greek' is not a notation; valid notations are"),
        ({"format": "pdf"}, "`format` 'pdf' is not a format"),
        ({"learning_rate": float("nan")}, "`learning_rate` must be a finite number > 0"),
        ({"weights": ","}, "`weights` names no weight"),
        ({"steps": 2, "step": 3}, "`step` 3 is past the last step (`steps` 2)"),
        ({"colour": "red"}, "unknown option 'colour'; the options are steps, step,"),
    ]
    for bad, needle in cases:
        with pytest.raises(cr.UsageError) as caught:
            SolutionOptions.from_mapping(bad)
        assert needle in str(caught.value)


def test_step_alone_runs_as_many_steps_as_it_needs(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 9: `chainrule solve exercise-1 --step 2` runs to step 2 instead of failing."""
    options = SolutionOptions(step=2, format="markdown")
    assert options.steps_to_run == 2
    assert "Step 2 of 2" in render_solution(cr.load("exercise-1"), options)
    code, out, _ = run(["solve", "exercise-1", "--step", "2"], capsys)
    assert code == 0 and "Step 2 of 2" in out


def test_weights_are_kept_as_names() -> None:
    assert SolutionOptions(weights="i -> j, j -> k").weights == ("i -> j", "j -> k")
    assert SolutionOptions(weights=["j -> k"]).weights == ("j -> k",)  # type: ignore[arg-type]
    assert SolutionOptions().replace(decimals=2).decimals == 2
    with pytest.raises(cr.UsageError, match="unknown option 'digits'"):
        SolutionOptions().replace(digits=2)


# -- errors name parameters; the CLI names its flags --------------------------------------------


def test_the_library_names_parameters_and_the_cli_its_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    linear = {
        "units": {"i": "input", "h": "identity", "k": "identity"},
        "weights": {"i -> h": 0.5, "h -> k": 0.5},
        "samples": [{"inputs": {"i": 1.0}, "targets": {"k": 1.0}}],
    }
    with pytest.raises(cr.DivergedError) as caught:
        cr.solve(linear, 100, learning_rate=50)
    message = str(caught.value)
    assert "(e.g. `learning_rate=5`)" in message and "--" not in message
    path = tmp_path / "linear.json"
    path.write_text(json.dumps(linear), encoding="utf-8")
    code, _, err = run(["solve", str(path), "--steps", "100", "--learning-rate", "50"], capsys)
    assert code == 2 and "(e.g. --learning-rate 5)" in err and "`" not in err

    with pytest.raises(cr.UsageError, match="choose one with `wrt`"):
        differentiate("a*w")
    code, _, err = run(["diff", "a*w"], capsys)
    assert code == 2 and "choose one with --wrt" in err


def test_spell_parameters() -> None:
    assert spell_parameters("`batch_size` must be >= 1") == "--batch-size must be >= 1"
    assert spell_parameters("`sizes` must be", {"sizes": "--layers"}) == "--layers must be"
    assert spell_parameters("keep `this=x y`, not this") == "keep --this x y, not this"
    assert spell_parameters("no parameter here: a `b` c", {}) == "no parameter here: a --b c"


# -- the display hooks --------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Network, Trace, Step, SampleTrace, WeightFactors, Derivative])
def test_display_hooks_are_one_line_each(cls: type) -> None:
    hooks = [n for n in ("_repr_html_", "_repr_markdown_", "_repr_latex_") if n in vars(cls)]
    assert hooks
    for name in hooks:
        body = inspect.getsource(getattr(cls, name)).strip().splitlines()[1:]
        assert len(body) == 1 and "shown(self, " in body[0], body


def test_the_chain_of_factors_is_the_solutions_own() -> None:
    """The notebook's equation for one weight is the worked solution's gradient line."""
    trace = cr.solve("exercise-2")
    factors = trace.step(1).samples[0].factors(("i", "j"))
    eq = factors_equation(factors)
    doc = explain(trace)
    lines = [b for s in doc.sections if "gradients" in s.title for b in s.blocks]
    ours = next(b for b in lines if getattr(b, "lhs", None) and "i" in b.lhs.text  # type: ignore[union-attr]
                and "j" in b.lhs.text and b.lhs.text.startswith("dC/dw_ij"))  # type: ignore[union-attr]
    assert [f.text for f in eq.forms] == [f.text for f in ours.forms]  # type: ignore[union-attr]
    assert trace._repr_html_().startswith("<div")
    assert "dC/dw_ij" in str(factors)


def test_every_shell_reads_the_one_definition_of_each_option() -> None:
    """The CLI's flags, SolutionOptions and the web's schema take their bounds and choices from
    core.options, explain.notation.NOTATION and render.formats.FORMAT."""
    pytest.importorskip("fastapi")
    import click

    from chainrule.cli.main import cli
    from chainrule.core.options import DECIMALS, NOTATION
    from chainrule.render.formats import FORMAT
    from chainrule.web.app import SolveRequest

    schema = SolveRequest.model_json_schema()["properties"]
    assert (schema["decimals"]["minimum"], schema["decimals"]["maximum"]) == (
        DECIMALS.low, DECIMALS.high)
    assert tuple(schema["notation"]["enum"]) == NOTATION.choices
    solve = cli.commands["solve"]
    params = {p.name: p for p in solve.params}
    notation, fmt = params["notation"].type, params["fmt"].type
    assert isinstance(notation, click.Choice) and tuple(notation.choices) == NOTATION.choices
    assert isinstance(fmt, click.Choice) and tuple(fmt.choices) == FORMAT.choices
    assert DECIMALS.valid in (params["decimals"].help or "")
    for bad in (-1, 16, True, 2.0):
        with pytest.raises(cr.UsageError, match="`decimals` must be a whole number from 0 to 15"):
            SolutionOptions(decimals=bad)  # type: ignore[arg-type]
    with pytest.raises(cr.UsageError, match="`rounded` must be a whole number from 0 to 15"):
        cr.solve("exercise-2", rounded=16)
