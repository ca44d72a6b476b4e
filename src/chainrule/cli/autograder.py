"""``chainrule autograder gradescope``: write a Gradescope autograder for a generated class.

A thin shell over :mod:`chainrule.teach.autograder`."""

from __future__ import annotations

import click

from chainrule.io.atomic import write_atomic

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group("autograder", context_settings=CONTEXT)
def autograder_group() -> None:
    """Write an autograder that marks each student's answers against their own variant.

    \b
    Examples:
      chainrule autograder gradescope week3/ --output autograder.zip
    """


@autograder_group.command("gradescope", context_settings=CONTEXT)
@click.argument("generated", type=click.Path(file_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The zip to write (upload it as the assignment's autograder).")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="A CSV with the columns student and email and/or sid: how Gradescope "
                   "knows each student (default: ids that are emails match as emails, every "
                   "id as Gradescope's student id).")
@click.option("--reveal", type=click.Choice(["after_due_date", "after_published", "visible",
                                             "hidden"]),
              default="after_due_date", show_default=True,
              help="When students see the right values and derivations.")
@click.option("--rtol", type=click.FloatRange(min=0.0), help="Relative tolerance (default 0.01).")
@click.option("--decimals", type=click.IntRange(0, 15),
              help="Mark every number as if written to this many decimals.")
@click.option("--wheel", type=click.Path(dir_okay=False),
              help="A chainrule wheel to bundle (pip wheel --no-deps . makes one); default: "
                   "one made from the chainrule that runs this command.")
@click.option("--config", type=click.Path(dir_okay=False),
              help="A grading config (as grade's): [weights] points per quantity, [credit], "
                   "[deductions] per mistake (once), [late] per_day/max/grace_minutes.")
def gradescope_command(generated: str, output: str, roster: str | None, reveal: str,
                       rtol: float | None, decimals: int | None, wheel: str | None,
                       config: str | None) -> None:
    """Write a Gradescope autograder zip for the class GENERATED.

    GENERATED is the folder `chainrule generate` wrote. The zip holds setup.sh
    (installs Python 3.11+ when the image has none, and chainrule from the bundled
    wheel), run_autograder, and every student's variant (no answers). On Gradescope
    it finds the student's variant from their email or student id, marks the
    answers.toml they upload, and writes results/results.json: a score per quantity,
    the mistake's name at once, the right values after the due date (--reveal). A
    student not on the roster, or no answers file, gets a results file saying so.
    For an assignment of several exercises (generate ASSIGNMENT.toml) it marks every
    exercise of the one answers file, each in its points, with the late penalty by
    the assignment's due date.

    \b
    Examples:
      chainrule generate exercise-2 --students roster.csv -o week3/
      chainrule autograder gradescope week3/ --output autograder.zip
      chainrule autograder gradescope week3/ -o ag.zip --roster gradescope.csv
      chainrule autograder gradescope week3/ -o ag.zip --config rubric.toml
      chainrule generate week7.toml --students roster.csv -o week7/
      chainrule autograder gradescope week7/ -o week7.zip
    """
    from chainrule.io.atomic import check_outputs
    from chainrule.teach.autograder import build_gradescope

    check_outputs({"--output": output}, {"--roster": roster, "--config": config,
                                         "--wheel": wheel})
    _not_in_generated(output, generated)
    data = build_gradescope(generated, roster=roster, rtol=rtol, decimals=decimals,
                            reveal=reveal, wheel=wheel, config=config)
    write_atomic(output, data)
    click.echo(f"{output}: upload it as the autograder of a Gradescope programming assignment; "
               "students upload their answers.toml", err=True)


@click.group("quiz", context_settings=CONTEXT)
def quiz_group() -> None:
    """Write a generated class as a quiz for an LMS's own quiz engine.

    \b
    Examples:
      chainrule quiz moodle week3/ --output week3.xml
    """


@quiz_group.command("moodle", context_settings=CONTEXT)
@click.argument("generated", type=click.Path(file_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The Moodle XML file to write (.xml).")
@click.option("--category", help="The question bank category (default: GENERATED's name).")
@click.option("--decimals", type=click.IntRange(1, 10),
              help="The decimals asked for; with --rtol they set each answer's tolerance "
                   "(default 4; an assignment's: each exercise's own).")
@click.option("--rtol", type=click.FloatRange(min=0.0), default=0.01, show_default=True,
              help="Relative tolerance: max(rtol |right|, 0.51 x 10^-decimals).")
def moodle_quiz_command(generated: str, output: str, category: str | None,
                        decimals: int | None, rtol: float) -> None:
    """Write every variant of GENERATED as a Moodle XML quiz question.

    Each variant is one Embedded answers (Cloze) question: the network drawn, its
    numbers, and a numerical answer per quantity with check's tolerance. Import the
    file into the question bank (Question bank > Import > Moodle XML), then add a
    "Random question" from its category to a quiz: each attempt gets one variant.
    For an assignment of several exercises (generate ASSIGNMENT.toml), each exercise
    is a category of its own (CATEGORY/exercise): add a random question from each.

    \b
    Examples:
      chainrule generate exercise-2 --count 20 -o week3/
      chainrule quiz moodle week3/ --output week3.xml
      chainrule quiz moodle week3/ -o week3.xml --category "Week 3" --decimals 3
      chainrule generate week7.toml --count 20 -o week7/
      chainrule quiz moodle week7/ -o week7.xml
    """
    from chainrule.io.atomic import check_outputs
    from chainrule.teach.moodle_xml import quiz_of

    check_outputs({"--output": output})
    _not_in_generated(output, generated)
    text = quiz_of(generated, category=category, decimals=decimals, rtol=rtol)
    write_atomic(output, text)
    count = text.count('type="cloze"')
    click.echo(f"{output}: {count} question(s); import it into Moodle's "
               "question bank as Moodle XML", err=True)


def _not_in_generated(output: str, generated: str) -> None:
    """Refuse an output that would replace a file of GENERATED (a network, a key, the list of
    variants), which the command reads."""
    import os

    from chainrule.core.errors import UsageError

    real, base = os.path.realpath(output), os.path.realpath(generated)
    if os.path.exists(real) and os.path.commonpath([real, base]) == base:
        raise UsageError(f"--output {output} is a file of GENERATED {generated}, which this "
                         "command reads; write to another file")
