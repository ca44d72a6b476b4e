"""The ``chainrule`` command: a thin shell over the library.

It parses arguments, calls the library, renders, and turns the library's exceptions into one
line on stderr: exit 0 on success, 2 for bad input or usage, 1 for an internal error (a bug).
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from chainrule import __version__
from chainrule.core.errors import ChainruleError, DivergedError, UsageError, spell_parameters
from chainrule.core.options import DECIMALS, NOTATION
from chainrule.io.atomic import check_outputs, write_atomic, write_atomic_pieces
from chainrule.render.formats import FORMAT, format_for_output

# Everything a command needs beyond click is imported inside it, so that `chainrule --help`
# and each command load only what they use (NumPy, the engine, the renderers, sympy for the
# few closed forms that need it); tests/test_layers.py checks what `import chainrule.cli` loads.
if TYPE_CHECKING:
    from rich.console import Console

    from chainrule.core.network import Network
    from chainrule.core.trace import Trace
    from chainrule.render.options import SolutionOptions

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
FLAGS = {"sizes": "--layers", "output": "--output-activation"}
"""The library parameters whose flag is not ``--`` and the name with dashes (errors name
parameters in backticks; the CLI shows them as its flags)."""


class _Commands(click.Group):
    """The command group, each command's module loaded when that command runs (or when the
    help lists them all): `chainrule solve` does not load the web server's, the teaching
    commands' or the trainer's modules."""

    LAZY = {
        "draw": "chainrule.cli.pictures:draw_command",
        "plot": "chainrule.cli.pictures:plot_command",
        "train": "chainrule.cli.train:train_command",
        "answers-template": "chainrule.cli.teach:answers_template_command",
        "check": "chainrule.cli.teach:check_command",
        "generate": "chainrule.cli.teach:generate_command",
        "grade": "chainrule.cli.teach:grade_command",
        "serve": "chainrule.cli.serve:serve_command",
        "autograder": "chainrule.cli.autograder:autograder_group",
        "quiz": "chainrule.cli.autograder:quiz_group",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.LAZY:
            import importlib

            module, _, name = self.LAZY[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=_Commands, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="chainrule")
def cli() -> None:
    """Backpropagation the way it is taught, with every number shown.

    \b
    Examples:
      chainrule examples                    list the built-in networks
      chainrule solve exercise-2            the handout's Exercise 2, worked
      chainrule solve my-net.toml --steps 100 --format json
      chainrule examples show exercise-2 > my-net.toml   a file to start from
      chainrule solve exercise-3 --format markdown > ex3.md
      chainrule diff "(a*w - y)^2" --wrt w  where the 2 in 2(a - y) comes from
      chainrule draw exercise-3 --values backward --output net.svg
      chainrule plot landscape exercise-1 --weight "j -> k" --output land.png
      chainrule train --data digits --layers 64,32,10 --epochs 20
      chainrule answers-template exercise-2 > answers.toml   then fill it in
      chainrule check exercise-2 answers.toml   mark it, name each mistake
      chainrule generate exercise-2 --count 30 -o week3/   sheets/ + instructor/
      chainrule grade week3/ submissions/ -o grades/
      chainrule serve --open               the web page: step, click a weight for its math
    """


class _SolveCommand(click.Command):
    """``solve``, whose ``--rounded`` takes its decimals as users type them (``--rounded 4``)
    while a bare ``--rounded`` (before the network's name, say) never swallows the next word."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, rounded_args(args))


def rounded_args(args: Sequence[str]) -> list[str]:
    """``--rounded 4`` -> ``--rounded=4``; a bare ``--rounded`` -> ``--rounded=`` (the
    decimals of ``--decimals``). Nothing after ``--`` is touched."""
    out: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            out += [arg, *rest]
            break
        if arg == "--rounded":
            value = rest.pop(0) if rest and rest[0].isdigit() else ""
            arg = f"--rounded={value}"
        out.append(arg)
    return out


def _rounded(value: str | None, decimals: int) -> int | None:
    """``--rounded``'s decimals: None (not rounded), those of --decimals, or its own (which
    must agree with an explicit --decimals)."""
    if value is None:
        return None
    if value == "":
        return decimals
    if not value.isdigit():
        raise UsageError(f"`rounded` takes a number of decimals, e.g. --rounded 4; got {value!r}")
    number = DECIMALS.check(int(value), "rounded")
    ctx = click.get_current_context()
    given = ctx.get_parameter_source("decimals") not in (None, ParameterSource.DEFAULT)
    if given and number != decimals:
        raise UsageError(
            f"`rounded` {number} and `decimals` {decimals} disagree; give the decimals once "
            f"(--rounded {number} alone rounds and shows {number} decimals)"
        )
    return number


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused: a worked solution makes millions of small objects and
    no cycles (refcounting frees them), and the collector would walk every live one again and
    again (a quarter of the time of a 100,000-weight solution)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cli.command(cls=_SolveCommand, context_settings=CONTEXT)
@click.argument("network")
@click.option(
    "-n",
    "--steps",
    type=int,
    help="Gradient-descent steps to run, 1 or more (default: 1, or as many as --step needs).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMAT.choices),
    help="Output format (default: by the --output file's ending, else text).",
)
@click.option(
    "-d",
    "--decimals",
    type=int,
    default=DECIMALS.default,
    show_default=True,
    help=f"Decimals shown in text output, {DECIMALS.valid} (JSON is always full precision).",
)
@click.option(
    "--rounded",
    metavar="[D]",
    is_flag=False,
    flag_value="",
    default=None,
    help="Work every line from the printed numbers, rounded to D decimals (default: "
    "--decimals), as by hand (for answer keys; JSON then holds the rounded numbers).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the solution to this file instead of standard output; its ending (.txt, .md, "
    ".tex, .html, .json) chooses the format.",
)
@click.option(
    "--save-updated",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the network with the weights after the last step to this TOML file.",
)
@click.option(
    "-r",
    "--learning-rate",
    type=float,
    help="Use this learning rate r instead of the network's own.",
)
@click.option(
    "--step",
    "explain_step",
    type=int,
    help="The step explained in full (default 1); the others are summarised.",
)
@click.option("--weights", help='Explain only these weights, e.g. "i -> j, j -> k".')
@click.option(
    "--max-weights",
    type=click.IntRange(min=1),
    help="Write the worked solution of a network with more weights than the limit (20,000).",
)
@click.option(
    "--max-steps",
    type=click.IntRange(min=1),
    help="Allow more steps than the limit (100,000, fewer for large networks: every number of "
    "every step is kept).",
)
@click.option(
    "--notation",
    type=click.Choice(NOTATION.choices),
    default=NOTATION.default,
    show_default=True,
    help="Symbols: the handout's (a, z, w_jk^(L), dC/dz) or AIMA ch. 21's (in_j, g', Delta_j).",
)
@click.option(
    "--exact",
    is_flag=True,
    help="Every quantity exactly: a decimal in full, or p/q where it does not end (rational "
    "arithmetic; identity, ReLU and leaky ReLU units with squared errors), as text or json.",
)
@click.option(
    "--max-digits",
    type=click.IntRange(min=1),
    help="With --exact: allow exact numbers longer than the limit (20,000 digits, at most "
    "200,000; the digits grow about threefold per step).",
)
@_no_cycle_collection()
def solve(
    network: str,
    steps: int | None,
    fmt: str | None,
    decimals: int,
    rounded: str | None,
    output: str | None,
    save_updated: str | None,
    learning_rate: float | None,
    explain_step: int | None,
    weights: str | None,
    max_steps: int | None = None,
    max_weights: int | None = None,
    notation: str = "handout",
    exact: bool = False,
    max_digits: int | None = None,
) -> None:
    """Work NETWORK through STEPS steps of backpropagation and show every number.

    NETWORK is a .toml or .json network file, or a built-in example name
    (see `chainrule examples`).

    \b
    Examples:
      chainrule solve exercise-2
      chainrule solve exercise-1 --steps 20 --decimals 6
      chainrule solve exercise-2 --rounded 4   as worked by hand, to 4 decimals
      chainrule solve my-net.toml --format json --output solution.json
      chainrule solve my-net.toml --steps 1000 --save-updated my-net-1000.toml
      chainrule solve exercise-3 --format markdown > ex3.md
      chainrule solve aima-21 --notation aima --format html -o aima.html
      chainrule solve exercise-2 --exact   exact decimals: 0.915687632
    """
    check_outputs({"--output": output, "--save-updated": save_updated}, {"NETWORK": network})
    from chainrule.core.engine import check_steps
    from chainrule.core.trace import Trace
    from chainrule.explain.solution import check_readable
    from chainrule.io.netfile import load
    from chainrule.render.options import SolutionOptions
    from chainrule.render.output import solution_pieces, solution_trace

    fmt = format_for_output(output, fmt).name if output else fmt or FORMAT.default or "text"
    hand = _rounded(rounded, decimals)
    if hand is not None:
        decimals = hand
    options = SolutionOptions(
        steps=steps,
        step=explain_step,
        decimals=decimals,
        notation=notation,
        weights=weights,
        format=fmt,
        learning_rate=learning_rate,
        max_weights=max_weights,
        rounded=hand is not None,
    )
    net = load(network)
    check_steps(net, options.steps_to_run, max_steps)
    if exact:
        from chainrule.teach.exact import render as render_exact

        if options.learning_rate is not None:
            net = net.with_parameters(learning_rate=options.learning_rate)
        _emit(render_exact(net, options.steps_to_run, fmt, max_digits=max_digits), output)
        return
    if fmt != "json":
        check_readable(net, max_weights)
    try:
        trace = solution_trace(net, options, max_steps=max_steps)
    except DivergedError as error:
        if save_updated and isinstance(error.trace, Trace):
            _save(save_updated, error.trace, network)
        raise DivergedError(f"{network}: {error}", step=error.step, trace=error.trace) from None
    if fmt == "text" and output is None:
        _print_text_solution(trace, options)
    else:
        indent = 2 if output is None and sys.stdout.isatty() else None
        _emit_pieces(solution_pieces(trace, options, indent=indent), output)
    if save_updated:
        _save(save_updated, trace, network)


def _save(path: str, trace: Trace, source: str) -> None:
    """The network after the last step, in the format the file name says (.toml, .json, .npz)."""
    from chainrule.io.netfile import save

    comment = f"{source} after {len(trace)} step(s) of chainrule solve (weights and biases updated)"
    save(updated_network(trace, source), path, comment=comment)


def updated_network(trace: Trace, source: str) -> Network:
    """The network after the trace's last step, titled and described as such (the starting
    network's description gave its starting values, which are no longer the file's)."""
    from dataclasses import replace

    steps = len(trace)
    after = f"after {steps} step{'s' if steps != 1 else ''} of gradient descent"
    title = f"{trace.network.title or source} ({after})"
    description = (
        f"{source} {after} with chainrule solve: the weights and biases below are the updated "
        f"ones. The starting network and its description: {source}."
    )
    return replace(trace.final, title=title, description=description)


class _StdoutClosed(Exception):
    """The reader of standard output went away (e.g. `| head`)."""


def _print_text_solution(trace: Trace, options: SolutionOptions) -> None:
    from chainrule.render.output import solution_stream
    from chainrule.render.text import chunks, print_document

    document = solution_stream(trace, options, latex=False)  # text reads no LaTeX
    if not sys.stdout.isatty():
        # piped: plain text at $COLUMNS (or 80), as a Console would write it, without rich
        for block in _blocks(chunks(document, width=_piped_width()), 8 * BLOCK):
            sys.stdout.write(block)
        return
    print_document(document, text_console())


def _piped_width() -> int:
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) >= 40 else 80


def text_console() -> Console:
    """A Console for standard output: the terminal's width and colours on a terminal; piped,
    plain text at $COLUMNS columns, or 80."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise _StdoutClosed

    console: Any = _Console(highlight=False, emoji=False)
    if not console.is_terminal:
        console = _Console(highlight=False, emoji=False, width=_piped_width(), no_color=True)
    return console  # type: ignore[no-any-return]


@cli.group(invoke_without_command=True, context_settings=CONTEXT)
@click.pass_context
def examples_command(ctx: click.Context) -> None:
    """List the built-in example networks (`examples show NAME` prints one).

    \b
    Examples:
      chainrule examples
      chainrule examples show exercise-3
      chainrule examples show aima-21 > my-net.toml
    """
    if ctx.invoked_subcommand is None:
        from chainrule.io.netfile import examples

        listing = examples()
        width = max(map(len, listing))
        for name, title in listing.items():
            click.echo(f"{name.ljust(width)}  {title}")


@examples_command.command("show", context_settings=CONTEXT)
@click.argument("name")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the network file here instead of standard output.",
)
def examples_show(name: str, output: str | None) -> None:
    """Print the network file of the built-in example NAME.

    \b
    Examples:
      chainrule examples show exercise-2
      chainrule examples show aima-21 > my-net.toml
      chainrule examples show exercise-3 -o my-net.toml
    """
    from chainrule.io.netfile import example_text

    _emit(example_text(name), output)


cli.add_command(examples_command, "examples")


@cli.command("diff", context_settings={**CONTEXT, "ignore_unknown_options": True})
@click.argument("expression")
@click.option("--wrt", help="The variable to differentiate by (needed when there are several).")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMAT.choices),
    help="Output format (default: by the --output file's ending, else text).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the steps to this file instead of standard output; its ending (.txt, .md, "
    ".tex, .html, .json) chooses the format.",
)
def diff_command(expression: str, wrt: str | None, fmt: str | None, output: str | None) -> None:
    """Differentiate EXPRESSION step by step, naming each rule as the handout does.

    EXPRESSION uses Python syntax with ^ for powers and the functions exp, log (ln),
    sqrt, sigmoid, tanh, relu (or max(0, u)), sin, cos and abs. It is never run as
    code. An expression may start with a minus ("-x^2"); put -- before one that looks
    like an option of diff: chainrule diff --wrt x -- "-f*x".

    \b
    Examples:
      chainrule diff "(a*w - y)^2" --wrt w
      chainrule diff "sigmoid(w*x)" --wrt w --format markdown
      chainrule diff "x^3 - 2*x" --format json
      chainrule diff "(a*w - y)^2" --wrt w -o steps.md
      chainrule diff "max(0, w*x)" --wrt w --format latex -o relu.tex
    """
    from chainrule.explain.diff import differentiate
    from chainrule.render.output import render_derivative

    check_outputs({"--output": output})
    fmt = format_for_output(output, fmt).name if output else fmt or FORMAT.default or "text"
    derivative = differentiate(expression, wrt)
    indent = 2 if output is None and sys.stdout.isatty() else None
    _emit(render_derivative(derivative, fmt, indent=indent), output)


def _emit(text: str, output: str | None) -> None:
    """Write ``text`` to the file ``output`` (all at once), or to standard output."""
    if output is not None:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


BLOCK = 1 << 20
"""Output is written in blocks of about this many characters (a MB)."""


def _blocks(pieces: Iterable[str], size: int = BLOCK) -> Iterator[str]:
    """The pieces joined into blocks of at least ``size`` characters (the last one shorter):
    few writes, and never the whole output in memory."""
    held: list[str] = []
    count = 0
    for piece in pieces:
        held.append(piece)
        count += len(piece)
        if count >= size:
            yield "".join(held)
            held, count = [], 0
    if held:
        yield "".join(held)


def _emit_pieces(pieces: Iterable[str], output: str | None) -> None:
    """Write the text the pieces make to the file ``output`` (through a temporary file renamed
    at the end: see :func:`write_atomic_pieces`) or to standard output, a block at a time as
    the pieces are made. Standard output gets its first write only when the first 8 MB are
    made (a solution of that size or less is written at once, as :func:`_emit` does)."""
    if output is not None:
        write_atomic_pieces(output, _blocks(pieces))
        return
    for block in _blocks(pieces, 8 * BLOCK):
        click.echo(block, nl=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 internal error, 2 bad input)."""
    _tolerate_narrow_encodings()
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="chainrule",
            standalone_mode=False,
        )
        if isinstance(code, int):
            return code
    except SystemExit as done:
        # click exits 1 when the reader of standard output went away (`| head`): not an error
        if type(sys.stdout).__name__ == "_PacifyFlushWrapper":
            return 0
        return done.code if isinstance(done.code, int) else 1
    except _StdoutClosed:
        return 0
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        click.echo("chainrule: interrupted", err=True)
        return 130
    except click.UsageError as error:
        where = (
            f"chainrule {error.ctx.command_path.split(' ', 1)[1]}"
            if error.ctx and " " in error.ctx.command_path
            else "chainrule"
        )
        click.echo(f"{where}: {error.format_message()} (see `{where} --help`)", err=True)
        return 2
    except (ChainruleError, click.ClickException) as error:
        message = (
            error.format_message()
            if isinstance(error, click.ClickException)
            else spell_parameters(str(error), FLAGS)
        )
        click.echo(f"chainrule: {_one_line(message)}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("chainrule: interrupted", err=True)
        return 130
    except OSError as error:  # the file system said no: a folder not writable, a name too long
        if isinstance(error, BrokenPipeError):  # the reader went away (`| head`): not an error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
        click.echo(f"chainrule: {_os_error(error)}", err=True)
        return 2
    except Exception as error:  # a bug: say so in one line, unless debugging
        if os.environ.get("CHAINRULE_DEBUG"):
            raise
        click.echo(
            f"chainrule: internal error ({type(error).__name__}: {_one_line(str(error))}); "
            "this is a bug, please report it (set CHAINRULE_DEBUG=1 for the traceback)",
            err=True,
        )
        return 1
    return 0


def _os_error(error: OSError) -> str:
    """``PATH: what the system said`` (a name too long is shown shortened)."""
    name = error.filename if error.filename is not None else ""
    shown = str(name)
    if len(shown) > 80:
        shown = shown[:60] + "..." + shown[-12:]
    reason = error.strerror or str(error)
    hint = ""
    if isinstance(error, PermissionError):
        hint = "; write to a folder you may write to (or check the file's permissions)"
    elif error.errno == errno.ENAMETOOLONG:
        length = len(os.fsencode(os.path.basename(str(name))))
        hint = f"; a file name may have at most 255 bytes (this one has {length})"
    where = f"{shown}: " if shown else ""
    return _one_line(f"{where}{reason}{hint}")


def _tolerate_narrow_encodings() -> None:
    """On a terminal or pipe that cannot show every character (PYTHONIOENCODING=ascii, a C
    locale), write a replacement character instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and encoding not in ("utf8", "utf_8"):
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


def _one_line(message: str) -> str:
    return " ".join(message.split())


def entry_point() -> None:
    sys.exit(main())
