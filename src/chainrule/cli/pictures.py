"""The picture commands: ``chainrule draw`` and ``chainrule plot landscape|cost``.

Registered on the main group in :mod:`chainrule.cli`; errors are the library's (UsageError,
NetworkError), which ``cli.main`` turns into one line and exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from chainrule.core.errors import UsageError
from chainrule.core.options import DECIMALS

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
DIAGRAM_TYPES = (".svg", ".png", ".pdf")
PLOT_TYPES = (".png", ".svg", ".pdf")


def _check_output(path: str, types: tuple[str, ...], network: str) -> None:
    from chainrule.io.atomic import check_outputs

    suffix = Path(path).suffix.lower()
    if suffix not in types:
        raise UsageError(f"{path}: unknown picture type {suffix or '(none)'!r}; use a file name "
                         f"ending in {', '.join(types)}")
    check_outputs({"--output": path}, {"NETWORK": network})


@click.command("draw", context_settings=CONTEXT)
@click.argument("network")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the picture here: .svg, .png or .pdf (by the name's ending). "
                   "Without it, the SVG goes to standard output.")
@click.option("--values", type=click.Choice(["forward", "backward"]),
              help="forward: z, a and y under each unit; backward: dC/dz under each unit and "
                   "dC/dw on each edge.")
@click.option("--step", type=click.IntRange(min=1), default=1, show_default=True,
              help="Show the weights before step K's update and step K's passes.")
@click.option("--sample", type=click.IntRange(min=1), default=1, show_default=True,
              help="The sample whose values are shown under the units.")
@click.option("-d", "--decimals", type=int, default=3, show_default=True,
              help=f"Decimals of the numbers shown, {DECIMALS.valid}.")
@click.option("-r", "--learning-rate", type=float,
              help="Use this learning rate r for the steps before --step.")
@click.option("--max-units", type=click.IntRange(min=1), default=40, show_default=True,
              help="Above this many units, draw one box per layer.")
@click.option("--max-steps", type=click.IntRange(min=1),
              help="Allow more steps than the limit (100,000, fewer for large networks).")
def draw_command(network: str, output: str | None, values: str | None, step: int, sample: int,
                 decimals: int, learning_rate: float | None, max_units: int,
                 max_steps: int | None) -> None:
    """Draw NETWORK: units as circles in layers, inputs left, output L right, weights on edges.

    Edges are coloured by sign (blue positive, vermillion negative) and as wide as the weight is
    large (backward: as its gradient); frozen weights are dashed. Networks with more than
    --max-units units are drawn one box per layer.

    \b
    Examples:
      chainrule draw exercise-3 --output net.svg
      chainrule draw exercise-3 --values forward --output forward.png
      chainrule draw aima-21 --values backward --output backward.svg
      chainrule draw exercise-2 --values backward --step 5 --output step5.svg
      chainrule draw my-net.toml > my-net.svg
    """
    from chainrule.core.engine import check_steps, solve
    from chainrule.io.atomic import write_atomic
    from chainrule.io.netfile import load
    from chainrule.pictures import diagram

    if output is not None:
        _check_output(output, DIAGRAM_TYPES, network)
    net = load(network)
    check_steps(net, step, max_steps, what="step")
    source = solve(net, step, learning_rate=learning_rate, max_steps=max_steps) if (
        values is not None or step > 1 or learning_rate is not None) else net
    kind = cast("diagram.Values", values)
    if output is None or Path(output).suffix.lower() == ".svg":
        text = diagram.svg(source, kind, step, sample=sample, decimals=decimals,
                           max_units=max_units)
        if output is None:
            click.echo(text, nl=False)
        else:
            write_atomic(output, text)
    else:
        diagram.save(source, output, kind, step, sample=sample, decimals=decimals,
                     max_units=max_units)


@click.group("plot", context_settings=CONTEXT)
def plot_command() -> None:
    """Plot the cost: the loss landscape over one or two weights, or the cost per step.

    \b
    Examples:
      chainrule plot landscape exercise-1 --weight "j -> k" --output land.png
      chainrule plot landscape exercise-2 --weight "i -> j" --weight "j -> k" --output contour.png
      chainrule plot cost exercise-2 --steps 50 --output cost.png
    """


@plot_command.command("landscape", context_settings=CONTEXT)
@click.argument("network")
@click.option("-w", "--weight", "weights", multiple=True, metavar='"A -> B"',
              help="A weight to vary (give one for a curve, two for contours or a surface); "
              "without it, the network's weights when it has one or two.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="Write the plot here: .png, .svg or .pdf.")
@click.option("-n", "--steps", type=click.IntRange(min=1), default=20, show_default=True,
              help="Gradient-descent steps drawn on the landscape.")
@click.option("--surface", is_flag=True, help="With two weights: a 3D surface, not contours.")
@click.option("--batch", is_flag=True,
              help="C is the mean over all samples (what `chainrule solve` reports); "
                   "without it, the cost of one sample (--sample, default the first).")
@click.option("--sample", type=click.IntRange(min=1), default=1, show_default=True,
              help="The sample whose cost is plotted (without --batch).")
@click.option("--range", "ranges", type=(float, float), multiple=True, metavar="LO HI",
              help="The weight values to plot over (once for both weights, or once per weight). "
                   "Default: around the descent, widened to show the minimum.")
@click.option("--resolution", type=click.IntRange(min=3, max=1001),
              help="Grid points per weight (default 201 for one weight, 61 for two).")
@click.option("-r", "--learning-rate", type=float, help="Use this learning rate r.")
@click.option("--max-steps", type=click.IntRange(min=1),
              help="Allow more steps than the limit (100,000, fewer for large networks).")
def landscape_command(network: str, weights: tuple[str, ...], output: str, steps: int,
                      surface: bool, batch: bool, sample: int,
                      ranges: tuple[tuple[float, float], ...], resolution: int | None,
                      learning_rate: float | None, max_steps: int | None) -> None:
    """Plot C over one or two weights of NETWORK, all other parameters held fixed.

    With one --weight: the curve C(w), the current point, its tangent (slope: the gradient
    dC/dw the engine computed), each gradient-descent step, and the lowest point. With two:
    contours (or --surface) of C with the descent path. The descent moves only the plotted
    weights, so its points lie on the curve or surface drawn.

    \b
    Examples:
      chainrule plot landscape exercise-1 --weight "j -> k" --steps 20 --output land.png
      chainrule plot landscape exercise-2 -w "i -> j" -w "j -> k" --surface --output surface.png
      chainrule plot landscape aima-21 -w "u3 -> u5" --range -4 8 --output aima.png
    """
    from chainrule.pictures import plot

    _check_output(output, PLOT_TYPES, network)
    if len(weights) > 2:
        raise UsageError(f"give one or two --weight options, got {len(weights)}")
    if surface and len(weights) != 2:
        raise UsageError("--surface needs two --weight options (a surface over two weights)")
    fig = plot.landscape(network, list(weights), steps, batch=batch, sample=sample,
                         surface=surface, ranges=list(ranges) or None, resolution=resolution,
                         learning_rate=learning_rate, max_steps=max_steps)
    plot.save_figure(fig, output)


@plot_command.command("cost", context_settings=CONTEXT)
@click.argument("network")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="Write the plot here: .png, .svg or .pdf.")
@click.option("-n", "--steps", type=click.IntRange(min=1), default=50, show_default=True,
              help="Gradient-descent steps to run.")
@click.option("-r", "--learning-rate", type=float, help="Use this learning rate r.")
@click.option("--log/--linear", "log", default=None,
              help="The C axis; by default logarithmic when C falls by more than 100 times.")
@click.option("--max-steps", type=click.IntRange(min=1),
              help="Allow more steps than the limit (100,000, fewer for large networks).")
def cost_command(network: str, output: str, steps: int, learning_rate: float | None,
                 log: bool | None, max_steps: int | None) -> None:
    """Plot the cost C of NETWORK at each gradient-descent step (the batch mean with several
    samples), measured in each step's forward pass, before its update.

    \b
    Examples:
      chainrule plot cost exercise-2 --steps 50 --output cost.png
      chainrule plot cost aima-21 --steps 200 --learning-rate 2 --linear --output cost.svg
    """
    from chainrule.pictures import plot

    _check_output(output, PLOT_TYPES, network)
    plot.save_figure(plot.cost(network, steps, learning_rate=learning_rate, log=log,
                               max_steps=max_steps), output)
