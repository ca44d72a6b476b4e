"""The teaching commands: ``answers-template``, ``check``, ``generate``, ``grade``.

A thin shell over :mod:`chainrule.teach`: parse the options, call the library, write the output.
Library errors (AnswersError, NetworkError, UsageError) become one line and exit code 2 in
``cli.main``; ``check`` exits 3 when some answers are wrong.
"""

from __future__ import annotations

import click

from chainrule.io.atomic import write_atomic
from chainrule.io.netfile import load

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _write(text: str, output: str | None) -> None:
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


@click.command("answers-template", context_settings=CONTEXT)
@click.argument("network")
@click.option("--step", "--steps", "step", type=click.IntRange(min=1), default=1,
              show_default=True, help="The step the answers are for (a file holds one step).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the template to this file instead of standard output.")
def answers_template_command(network: str, step: int, output: str | None) -> None:
    """Write the answers file to fill in for NETWORK: every quantity, commented.

    NETWORK is a network file or a built-in example. Fill in any of the numbers
    (leave the others empty), then mark them with `chainrule check`.

    \b
    Examples:
      chainrule answers-template exercise-2 > answers.toml
      chainrule answers-template my-net.toml --step 2 -o step2.toml
    """
    from chainrule.teach.answers import template

    _write(template(load(network), step=step), output)


@click.command("check", context_settings=CONTEXT)
@click.argument("network")
@click.argument("answers", metavar="ANSWERS")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "markdown", "html", "json"]),
              default="text", show_default=True, help="Output format.")
@click.option("--rtol", type=click.FloatRange(min=0.0), default=0.01, show_default=True,
              help="Relative tolerance: right when |yours - right| <= max(rtol |right|, "
                   "0.51 x 10^-d), d the decimals you wrote.")
@click.option("--decimals", type=click.IntRange(0, 15),
              help="Mark every number as if written to this many decimals.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the marking to this file instead of standard output.")
def check_command(network: str, answers: str, fmt: str, rtol: float, decimals: int | None,
                  output: str | None) -> int:
    """Mark the numbers in ANSWERS for NETWORK; name the mistake behind each wrong one.

    ANSWERS is an answers file (TOML or JSON; `chainrule answers-template` writes
    one), or - for standard input. Each number is right, wrong, right given your
    own earlier numbers (follows), or a near miss (check your rounding). Exit code
    0 when all are right, 3 when some are wrong, 2 for a bad answers file.

    \b
    Examples:
      chainrule answers-template exercise-2 > answers.toml
      chainrule check exercise-2 answers.toml
      chainrule check exercise-2 answers.toml --format json
      chainrule check my-net.toml answers.toml --rtol 0 --decimals 4
      chainrule check exercise-2 answers.toml --format html -o feedback.html
    """
    from chainrule.teach.answers import read_file
    from chainrule.teach.checking import check
    from chainrule.teach.feedback import render

    net = load(network)
    parsed = read_file(answers, net)
    result = check(net, parsed, rtol=rtol, decimals=decimals)
    _write(render(result, fmt), output)
    return 0 if result.all_right else 3
