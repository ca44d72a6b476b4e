"""The teaching commands: ``answers-template``, ``check``, ``generate``, ``grade``.

A thin shell over :mod:`chainrule.teach`: parse the options, call the library, write the output.
Library errors (AnswersError, NetworkError, UsageError) become one line and exit code 2 in
``cli.main``; ``check`` exits 3 when some answers are wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from chainrule.core.options import DECIMALS, STEP
from chainrule.io.atomic import check_outputs, write_atomic
from chainrule.render.formats import FORMAT, RESULTS_FORMATS, format_for_output

if TYPE_CHECKING:
    from collections.abc import Callable

    from chainrule.core.network import Network
    from chainrule.teach.assignment import Assignment, Generated
    from chainrule.teach.grading import GradingConfig
    from chainrule.teach.lms import Export, Grade
    from chainrule.teach.shape_ranges import ShapeRange


def load(network: str) -> Network:
    """The network file or example (the engine loads when a command runs, not at start-up)."""
    from chainrule.io.netfile import load as load_network

    return load_network(network)

AUTOGRADERS = tuple(RESULTS_FORMATS)
"""check's formats beyond the one table's: autograders' results JSON (.json files)."""
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _write(text: str, output: str | None) -> None:
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


@click.command("answers-template", context_settings=CONTEXT)
@click.argument("network")
@click.option("--step", "--steps", "step", type=int, default=STEP.default,
              show_default=True, help="The step the answers are for (a file holds one step), "
              f"{STEP.valid}.")
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

    STEP.check(step)  # the one bound and message of `step`, as solve's
    check_outputs({"--output": output}, {"NETWORK": network})
    _write(template(load(network), step=step), output)


@click.command("check", context_settings=CONTEXT)
@click.argument("network")
@click.argument("answers", metavar="ANSWERS")
@click.option("-f", "--format", "fmt",
              type=click.Choice([*FORMAT.choices, *AUTOGRADERS]),
              help="Output format (default: by the --output file's ending, else text): "
                   "gradescope and prairielearn write those autograders' results JSON.")
@click.option("--reveal", type=click.Choice(["after_due_date", "after_published", "visible",
                                             "hidden"]),
              default="after_due_date", show_default=True,
              help="With --format gradescope or prairielearn: when students see the right "
                   "values (PrairieLearn: only visible shows them).")
@click.option("--rtol", type=click.FloatRange(min=0.0), default=0.01, show_default=True,
              help="Relative tolerance: right when |yours - right| <= max(rtol |right|, "
                   "0.51 x 10^-d), d the decimals the sheet asks for.")
@click.option("--decimals", type=int,
              help="The decimals the sheet asks for (default: the answers file's `decimals`, "
                   f"else 4; with --format gradescope or prairielearn, 4: a submitted file is "
                   f"not trusted to set its own tolerance), {DECIMALS.valid}. Fewer decimals "
                   "written never widen the tolerance.")
@click.option("--notation", type=click.Choice(["handout", "aima"]), default="handout",
              show_default=True,
              help="Symbols of the derivations, as in `chainrule solve --notation`.")
@click.option("--step", type=int,
              help="The step the sheet asks for: the answers are marked at it whatever the "
                   "file's `step` says (default: the file's `step`; with --format gradescope "
                   "or prairielearn, 1: a submitted file does not choose its step).")
@click.option("--exercise", metavar="NAME",
              help="Mark the table [NAME] of an assignment's answers file (one table per "
                   "exercise), against that exercise's NETWORK.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the marking to this file instead of standard output.")
def check_command(network: str, answers: str, fmt: str | None, reveal: str, rtol: float,
                  decimals: int | None, notation: str, step: int | None,
                  exercise: str | None, output: str | None) -> int:
    """Mark the numbers in ANSWERS for NETWORK; name the mistake behind each wrong one.

    ANSWERS is an answers file (TOML or JSON; `chainrule answers-template` writes
    one), or - for standard input. Each number is right, wrong, right given your
    own earlier numbers (follows: carried forward, full credit), rounded to fewer
    decimals than asked (rounding: part credit) or unanswered. Exit code 0 when
    every answer given is right, 3 when some are wrong or none is given, 2 for a
    bad answers file.

    With --format gradescope (Gradescope's results.json) or prairielearn (its
    external-grader results) it exits 0 whenever it wrote valid results, an
    unreadable answers file included (score 0 and the reason; PrairieLearn:
    gradable false); the right values are held back as --reveal says.

    \b
    Examples:
      chainrule answers-template exercise-2 > answers.toml
      chainrule check exercise-2 answers.toml
      chainrule check exercise-2 answers.toml --format json
      chainrule check my-net.toml answers.toml --rtol 0 --decimals 4
      chainrule check exercise-2 answers.toml --format html -o feedback.html
      chainrule check network.toml answers.toml --format gradescope -o res.json
      chainrule check aima-21 answers.toml --notation aima
      chainrule check chain/network.toml answers.toml --exercise chain
      chainrule check sheets/s1/network.toml s1.toml --step 1
    """
    from chainrule.teach.answers import read_file
    from chainrule.teach.checking import check
    from chainrule.teach.feedback import render

    check_outputs({"--output": output}, {"NETWORK": network, "ANSWERS": answers})
    if step is not None:
        STEP.check(step)  # the one bound and message of `step`, as solve's
    if fmt in AUTOGRADERS:
        if output:
            format_for_output(output, "json")
    elif output:
        fmt = format_for_output(output, fmt).name
    fmt = fmt or "text"
    net = load(network)
    if fmt in AUTOGRADERS:
        from chainrule.teach.results_formats import SHEET_STEP, autograder_results

        data = autograder_results(net, answers, fmt, rtol=rtol, decimals=decimals,
                                  reveal=reveal, exercise=exercise, notation=notation,
                                  step=SHEET_STEP if step is None else step)
        _write(json.dumps(data, indent=2, allow_nan=False) + "\n", output)
        return 0
    parsed = read_file(answers, net, exercise=exercise)
    result = check(net, parsed, rtol=rtol, decimals=decimals, notation=notation, step=step)
    _write(render(result, fmt), output)
    return 0 if result.all_right else 3


@click.command("generate", context_settings=CONTEXT)
@click.argument("shape", required=False)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="The folder to write (new or empty, unless --force).")
@click.option("--students", "roster", type=click.Path(dir_okay=False),
              help="A CSV roster: one variant per student (column student, or the first; an "
                   "LMS gradebook export works too).")
@click.option("--id-column", metavar="COLUMN",
              help="The roster's column of student ids (default: student, student_id, id, "
                   "username or email; a Canvas export's ID).")
@click.option("--count", type=click.IntRange(1, 10_000), help="Or: this many variants v01, v02...")
@click.option("--seed", metavar="SECRET",
              help="The secret: with the assignment and the student id it fixes each variant. "
                   "Keep it secret and the variants stay private. Default: "
                   "$CHAINRULE_SECRET, else a random one, kept in DIR/instructor/secret.txt.")
@click.option("--secret-file", type=click.Path(dir_okay=False),
              help="Read the secret from this file (keeps it out of shell history).")
@click.option("--self-check", is_flag=True,
              help="Tell students on the sheet to check their answers with chainrule check "
                   "(practice sheets; leave it out for graded work).")
@click.option("--assignment", default="Backpropagation", show_default=True,
              help="The assignment's name (part of the hash, and the sheets' title).")
@click.option("--layers", metavar="N,N,...",
              help="Instead of SHAPE: units per layer, inputs first (e.g. 2,2,1); a range "
                   "LOW-HIGH (2,1-3,1) draws each student's number of units.")
@click.option("--activation", default="relu", show_default=True,
              help="With --layers: the hidden units' activation, or a choice of them "
                   "(relu,sigmoid: each student's drawn).")
@click.option("--output-activation",
              help="With --layers: the output units' (default: the same), or a choice.")
@click.option("--biases", is_flag=True, help="With --layers: every unit gets a bias.")
@click.option("--samples", type=click.IntRange(1, 100), default=1, show_default=True,
              help="With --layers: samples in the batch.")
@click.option("-r", "--learning-rate", type=click.FloatRange(min=0.0, min_open=True),
              help="With --layers: the learning rate (default 0.1).")
@click.option("--decimals", type=click.IntRange(1, 15), default=4, show_default=True,
              help="The decimals the sheets ask the answers to: written on each sheet and its "
                   "answers.toml; grade reads them from there (they set the tolerance).")
@click.option("--given-decimals", type=click.IntRange(1, 6), default=2, show_default=True,
              help="Decimals of every given number (weights, inputs, targets).")
@click.option("--allow-dead", is_flag=True, help="Allow a ReLU to be dead (z < 0).")
@click.option("--exact", is_flag=True,
              help="Also write key-exact.md: every answer as an exact decimal (identity, "
                   "ReLU, leaky ReLU; squared errors).")
@click.option("--pdf", is_flag=True, help="Also compile sheet.pdf (needs pdflatex).")
@click.option("--force", is_flag=True, help="Overwrite files in a folder that is not empty.")
def generate_command(shape: str | None, output: str, roster: str | None,
                     id_column: str | None, count: int | None, seed: str | None,
                     secret_file: str | None, self_check: bool, assignment: str,
                     layers: str | None, activation: str,
                     output_activation: str | None, biases: bool, samples: int,
                     learning_rate: float | None, decimals: int, given_decimals: int,
                     allow_dead: bool, exact: bool, pdf: bool, force: bool) -> None:
    """Write a private exercise sheet, answers template and key for every student.

    SHAPE is a built-in example or a network file whose structure is kept (its numbers
    are redrawn), or an assignment file of several exercises (TOML with [[exercise]]
    tables: each one's network or shape ranges, points and decimals, the due date;
    see docs/teaching.md), or use --layers: ranges such as 2,1-3,1 and a choice of
    activations such as relu,sigmoid draw each student's shape too. Students get
    DIR/sheets/<id>/ (the sheet, the
    network, the answers template: nothing that reveals an answer); the instructor
    keeps DIR/instructor/ (variants.csv, the class key, each worked key). Each
    variant's numbers come from a keyed hash of the --assignment and the student id
    under the secret, so the same secret writes the same files, byte for byte.
    Without a secret a random one is drawn and kept in DIR/instructor/secret.txt.
    Every variant is a good exercise: no dead ReLU (unless --allow-dead), no
    saturated sigmoid, a != y, and every catalogued mistake gives a number clearly
    apart from the right one.

    \b
    Examples:
      chainrule generate exercise-2 --students roster.csv -o week3/
      chainrule generate exercise-2 --students r.csv --secret-file s.txt -o w3/
      chainrule generate --layers 2,2,1 --activation relu --count 30 -o sheets/
      chainrule generate --layers 2,1-3,1 --activation relu,sigmoid --count 30 -o s/
      chainrule generate week7.toml --students roster.csv -o week7/
      chainrule generate exercise-2 --students canvas.csv --id-column ID -o w3/
      chainrule generate exercise-2 --count 30 --pdf --exact -o sheets/
      chainrule generate exercise-2 --count 30 --decimals 3 -o sheets/
      chainrule generate exercise-1 --count 5 --self-check -o practice/
    """
    from chainrule.teach import assignment as assignments
    from chainrule.teach.generation import check_not_inside, generate, read_roster
    from chainrule.teach.secret import (
        SECRET_VARIABLE,
        check_secret,
        read_secret_file,
        secret_from_environment,
        weakness,
    )
    from chainrule.teach.variants import Rules, layered_shape

    if (shape is None) == (layers is None):
        raise click.UsageError("give a SHAPE (a built-in, a network file or an assignment "
                               "file) or --layers, not both")
    if (roster is None) == (count is None):
        raise click.UsageError("give --students ROSTER.csv or --count N")
    task: Assignment | None = None
    net: Network | ShapeRange | None = None
    if shape is not None and assignments.looks_like_assignment(shape):
        context = click.get_current_context()
        for name, flag in (("assignment", "--assignment"), ("decimals", "--decimals"),
                           ("given_decimals", "--given-decimals"),
                           ("allow_dead", "--allow-dead"), ("exact", "--exact")):
            if context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError(f"{flag} does not go with an assignment file ({shape}): "
                                       "its title, decimals and allow_dead are in the file"
                                       + (", and --exact keys are for one exercise"
                                          if flag == "--exact" else ""))
        task = assignments.read(shape)
    elif layers is not None:
        net = _layers(layers, activation, output_activation, biases, samples,
                      learning_rate, layered_shape)
    else:
        net = load(shape or "")
    from chainrule.teach.shape_ranges import ShapeRange as Ranges
    from chainrule.teach.shape_ranges import check_hand_sized

    if net is not None and not isinstance(net, Ranges):  # a network: bounded before any work
        check_hand_sized(net, shape or f"--layers {layers}")
    if seed is not None and secret_file is not None:
        raise click.UsageError("give the secret by --seed or by --secret-file, not both")
    if id_column is not None and roster is None:
        raise click.UsageError("--id-column names a column of the --students roster")
    check_not_inside(Path(output), {"SHAPE": shape, "--students": roster,
                                    "--secret-file": secret_file})
    if secret_file is not None:
        secret: str | None = read_secret_file(secret_file)
        where = secret_file
    elif seed is not None:
        secret, where = check_secret(seed, "--seed"), "--seed"
    else:
        secret, where = secret_from_environment(), SECRET_VARIABLE
    if secret is not None and (warning := weakness(secret)):
        click.echo(f"chainrule generate: warning: {where}: {warning}", err=True)
    students = read_roster(roster, id_column) if roster else None
    if task is not None:
        made: list[Any] = list(assignments.generate(
            task, output, students=students, count=count, seed=secret, force=force, pdf=pdf,
            self_check=self_check))
    else:
        assert net is not None
        made = list(generate(net, output, students=students, count=count, seed=secret,
                             assignment=assignment,
                             rules=Rules(decimals=given_decimals, allow_dead=allow_dead),
                             answer_decimals=decimals,
                             force=force, exact=exact, pdf=pdf, self_check=self_check))
    if secret is None:
        click.echo(f"chainrule generate: no secret given: drew a random one and kept it in "
                   f"{Path(output) / 'instructor' / 'secret.txt'}; keep that file private, and "
                   "give it back with --secret-file to write the same sheets again", err=True)
    _warn_missing_choices(task, net, made)
    if task is not None:
        click.echo(f"{len(made)} student(s) x {len(task.exercises)} exercises in {output}: "
                   "sheets/<id>/ for the students (sheet.md, sheet.html, sheet.tex, "
                   f"answers.toml, {task.exercises[0].name}/network.toml, ...); instructor/ for "
                   "you (assignment.json, variants.csv, class-key.md, keys/)", err=True)
        return
    click.echo(f"{len(made)} variant(s) in {output}: sheets/<id>/ for the students (sheet.md, "
               "sheet.html, sheet.tex, answers.toml, network.toml); instructor/ for you "
               "(variants.csv, class-key.md, keys/)", err=True)


def _warn_missing_choices(task: Assignment | None, net: Network | ShapeRange | None,
                          made: list[Any]) -> None:
    """A warning for each activation a shape range offers that no student got."""
    from chainrule.teach.shape_ranges import ShapeRange, missing_choices

    ranges: list[tuple[str, ShapeRange, list[Network]]] = []
    if isinstance(net, ShapeRange):
        ranges.append(("--activation", net, [v.network for v in made]))
    for e in task.exercises if task is not None else ():
        if e.shape is not None:
            ranges.append((f"exercise {e.name}", ShapeRange.parse(e.shape),
                           [v.networks[e.name] for v in made]))
    for where, spec, drawn in ranges:
        missing = missing_choices(spec, drawn)
        if missing and len(drawn) >= 4:
            click.echo(f"chainrule generate: warning: {where}: no student got "
                       f"{' or '.join(missing)}: its variants' mistakes fell within rounding "
                       f"of the right numbers at learning rate {spec.learning_rate:g}; a "
                       "larger learning rate (-r 0.5 to 1) makes them further apart", err=True)


def _layers(layers: str, activation: str, output_activation: str | None, biases: bool,
            samples: int, learning_rate: float | None, layered_shape: Callable[..., Network]
            ) -> Network | ShapeRange:
    """``--layers 2,2,1`` as a network; with a range (``2,1-3,1``) or a choice of activations
    (``--activation relu,sigmoid``), a shape range: each student's shape drawn from it."""
    from chainrule.teach.shape_ranges import ShapeRange

    parts = layers.replace(" ", "").split(",")
    sizes: list[int | list[int]] = []
    for part in parts:
        low, dash, high = part.partition("-")
        if not (low.isdigit() and (not dash or high.isdigit())):
            raise click.BadParameter(f"{layers!r} is not a list of whole numbers like 2,2,1 "
                                     "(or with ranges of units, 2,1-3,1)",
                                     param_hint="'--layers'")
        from chainrule.teach.shape_ranges import MAX_QUANTITIES

        if any(len(n) > 4 or int(n) > MAX_QUANTITIES for n in (low, high) if n):
            # bounded before a network is built: a layer this wide is no hand-worked exercise
            raise click.BadParameter(f"{layers!r}: a layer of {part} units; an exercise worked "
                                     f"by hand asks for at most {MAX_QUANTITIES} numbers",
                                     param_hint="'--layers'")
        sizes.append([int(low), int(high)] if dash else int(low))
    hidden = [a.strip() for a in activation.split(",") if a.strip()]
    output = [a.strip() for a in (output_activation or activation).split(",") if a.strip()]
    widest = [n if isinstance(n, int) else n[1] for n in sizes]
    weights = sum(a * b for a, b in zip(widest, widest[1:], strict=False))
    if 2 * weights > MAX_QUANTITIES:  # each weight's gradient and update: before any work
        raise click.BadParameter(f"{layers!r}: {weights} weights, each with a gradient and an "
                                 "update to work out; an exercise worked by hand asks for at "
                                 f"most {MAX_QUANTITIES} numbers", param_hint="'--layers'")
    if all(isinstance(n, int) for n in sizes) and len(hidden) == 1 and len(output) == 1:
        return layered_shape([int(n) for n in sizes if isinstance(n, int)],
                             activation=hidden[0], output_activation=output[0], biases=biases,
                             samples=samples, learning_rate=learning_rate or 0.1)
    from chainrule.core import mathtable
    from chainrule.teach.shape_ranges import MAX_LAYERS, MAX_UNITS

    valid = [a for a in mathtable.ACTIVATIONS if a != "input"]
    for flag, names in (("--activation", hidden), ("--output-activation", output)):
        bad = [a for a in names if a not in valid]
        if bad or not names:
            raise click.BadParameter(f"{(bad or [''])[0]!r} is not an activation; give one or "
                                     f"a list of {', '.join(valid)}", param_hint=f"'{flag}'")
    if not 2 <= len(sizes) <= MAX_LAYERS or any(
            not 1 <= (n if isinstance(n, int) else n[0]) <= (n if isinstance(n, int) else n[1])
            <= MAX_UNITS for n in sizes):
        raise click.BadParameter(
            f"{layers!r}: a shape drawn per student has 2 to {MAX_LAYERS} layers of 1 to "
            f"{MAX_UNITS} units, each a number or a range LOW-HIGH with LOW <= HIGH "
            "(e.g. 2,1-3,1)", param_hint="'--layers'")
    if samples > 4:
        raise click.BadParameter(f"{samples}: a shape drawn per student has 1 to 4 samples",
                                 param_hint="'--samples'")
    if learning_rate is not None and learning_rate > 10:
        raise click.BadParameter(f"{learning_rate:g}: give a learning rate above 0, at most 10",
                                 param_hint="'--learning-rate'")
    spec = {"layers": sizes, "hidden": hidden, "output": output, "biases": biases,
            "samples": samples, "learning_rate": learning_rate or 0.1}
    drawn = ShapeRange.parse(spec, "--layers/--activation")
    if output_activation is None:  # the output units: the same as each student's hidden
        from dataclasses import replace

        drawn = replace(drawn, output=())
    return drawn


@click.command("grade", context_settings=CONTEXT)
@click.argument("sheets", type=click.Path(file_okay=False))
@click.argument("submissions", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="The folder to write (new or empty, unless --force).")
@click.option("--config", type=click.Path(dir_okay=False),
              help="A TOML file: rtol, [credit] per status, [weights] per quantity pattern, "
                   "[deductions] per mistake, [late].")
@click.option("--decimals", type=click.IntRange(0, 15),
              help="The decimals the sheets ask for, which set the tolerance (default: what "
                   "generate wrote on them, else 4).")
@click.option("--force", is_flag=True, help="Overwrite files in a folder that is not empty.")
@click.option("--lms", type=click.Choice(["canvas", "moodle"]),
              help="Also write canvas.csv or moodle.csv, ready for the LMS's grade import "
                   "(needs --roster).")
@click.option("--roster", "lms_roster", type=click.Path(dir_okay=False),
              help="With --lms: the LMS's own gradebook export (CSV), whose students are "
                   "matched; a student it lacks is reported and left out.")
@click.option("--points/--percent", "points", default=True, show_default=True,
              help="With --lms: the grade as points or as a percentage.")
@click.option("--assignment", default="Backpropagation", show_default=True,
              help="With --lms: the assignment's gradebook column (an existing column "
                   "'NAME (id)' of a Canvas export is used as it is).")
def grade_command(sheets: str, submissions: str, output: str, config: str | None,
                  decimals: int | None, force: bool, lms: str | None, lms_roster: str | None,
                  points: bool, assignment: str) -> None:
    """Check every student's answers against their own variant; write the grades.

    SHEETS is the folder `chainrule generate` wrote. SUBMISSIONS is a folder of
    answers files named <student>.toml (or .json), or per-student folders as an
    LMS download makes them (other cases, copy suffixes such as " (1)" and hidden
    extensions such as .toml.txt are matched too), or one CSV with the columns
    student, quantity, answer (and optionally variant). Every file in it is graded
    or named in the report with the reason; links are never followed. Writes
    grades.csv (one column per quantity, for a gradebook), <student>.json and
    <student>.html feedback, and report.md and report.html: the score
    distribution and how often each mistake occurred. Missing or unreadable
    submissions are reported and get a feedback page. For an assignment of several
    exercises (generate ASSIGNMENT.toml), each student's one answers file is marked
    exercise by exercise and scored as the sum of the exercises' points, with a
    column per exercise (a submissions CSV's `submitted` column applies the late
    penalty by the assignment's due date).

    \b
    Examples:
      chainrule grade week3/ submissions/ -o grades/
      chainrule grade week3/ answers.csv -o grades/ --config grading.toml
      chainrule grade week3/ subs/ -o grades/ --lms canvas --roster export.csv
      chainrule grade week3/ subs/ -o g/ --lms moodle --roster m.csv --percent
      chainrule grade week3/ subs/ -o grades/ --decimals 3
      chainrule generate week7.toml --students roster.csv -o week7/
      chainrule grade week7/ subs/ -o grades7/
    """
    from chainrule.teach.generation import check_not_inside
    from chainrule.teach.grading import GradingConfig, grade, write

    check_not_inside(Path(output), {"GENERATED": sheets, "SUBMISSIONS": submissions,
                                    "--config": config})
    if (lms is None) != (lms_roster is None):
        raise click.UsageError("--lms and --roster go together: --lms canvas --roster "
                               "EXPORT.csv (the gradebook the LMS exported)")
    export = None
    if lms is not None and lms_roster is not None:
        from chainrule.teach.lms import read_export

        check_not_inside(Path(output), {"--roster": lms_roster})
        export = read_export(lms_roster, lms)
    settings = GradingConfig.read(config) if config else GradingConfig()
    from chainrule.teach import assignment as assignments

    task = assignments.find(sheets)
    if task is not None:
        _grade_assignment(task, submissions, output, settings, decimals, force, lms, export,
                          lms_roster, points, assignment)
        return
    grades = grade(sheets, submissions, config=settings, decimals=decimals)
    write(grades, output, force=force)
    for g in grades.problems:
        click.echo(f"chainrule grade: {g.student}: {g.problem}", err=True)
    for file, why in grades.ignored:
        click.echo(f"chainrule grade: {file}: not graded: {why}", err=True)
    for g in grades.students:
        for note in g.notes:
            click.echo(f"chainrule grade: {g.student}: {note}", err=True)
    click.echo(f"{len(grades.graded)} of {len(grades.students)} graded; {output}/grades.csv, "
               f"{output}/report.md", err=True)
    if export is not None and lms is not None:
        from chainrule.teach.lms import grades_of

        _write_lms(lms, export, grades_of(grades.students), output, lms_roster, points,
                   assignment)


def _write_lms(lms: str, export: Export, grades: list[Grade], output: str,
               lms_roster: str | None, points: bool, assignment: str) -> None:
    """canvas.csv or moodle.csv into ``output``, and what was left out, on stderr."""
    from chainrule.io.atomic import write_under
    from chainrule.teach.lms import lms_file

    made = lms_file(lms, export, grades, assignment=assignment, percent=not points)
    write_under(output, made.name, made.text)
    for who in made.not_in_export:
        click.echo(f"chainrule grade: {who}: not in {lms_roster}; left out of {made.name}",
                   err=True)
    if made.no_grade:
        click.echo(f"chainrule grade: {len(made.no_grade)} student(s) of {lms_roster} have "
                   f"no grade and are left out of {made.name}", err=True)
    if made.scale is not None:
        click.echo(f"chainrule grade: the grades are written in points of the column "
                   f"{made.column!r}, which is worth {made.scale:g} points in {lms_roster} "
                   "(Canvas keeps an assignment's points: a score of s of m is s/m of them)",
                   err=True)
    click.echo(f"{output}/{made.name}: {len(made.written)} grade(s) for the column "
               f"{made.column!r}, ready to import into {lms.capitalize()}", err=True)


def _grade_assignment(task: Generated, submissions: str, output: str, settings: GradingConfig,
                      decimals: int | None, force: bool, lms: str | None,
                      export: Export | None, lms_roster: str | None, points: bool,
                      assignment: str) -> None:
    """``grade`` of a generated assignment (several exercises): one score per student."""
    from chainrule.teach import assignment as assignments

    grades = assignments.grade(task, submissions, config=settings, decimals=decimals)
    assignments.write(grades, output, force=force)
    for a in grades.students:
        if not a.graded:
            click.echo(f"chainrule grade: {a.student}: {a.problem}", err=True)
    for file, why in grades.ignored:
        click.echo(f"chainrule grade: {file}: not graded: {why}", err=True)
    for _, student, note in grades.matched:
        if note.startswith("more than one file"):
            click.echo(f"chainrule grade: {student}: {note}", err=True)
    graded = sum(1 for a in grades.students if a.graded)
    click.echo(f"{graded} of {len(grades.students)} graded ({len(task.assignment.exercises)} "
               f"exercises, {task.assignment.points:g} points); {output}/grades.csv, "
               f"{output}/report.md", err=True)
    if export is not None and lms is not None:
        context = click.get_current_context()
        if context.get_parameter_source("assignment") != click.core.ParameterSource.COMMANDLINE:
            assignment = task.assignment.title
        _write_lms(lms, export, assignments.lms_grades(grades), output, lms_roster, points,
                   assignment)
