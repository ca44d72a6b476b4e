"""``chainrule train``: train a network on a data set with the vectorized trainer.

It only parses: the recipe (defaults from the data, the split, target encoding, saving by the
file's ending) is :mod:`chainrule.train.recipe`, the progress display
:mod:`chainrule.train.progress`. Errors are the library's (UsageError, NetworkError,
DivergedError), which ``cli.main`` turns into one line and exit code 2.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from chainrule.core.errors import DivergedError, UsageError

if TYPE_CHECKING:  # the trainer, NumPy and matplotlib load when the command runs
    from chainrule.train.progress import Progress

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
GENERATED = ("xor", "circles", "moons", "spiral")


def _parse_layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.replace(" ", "").split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a list of whole numbers like 64,32,10",
                                 param_hint="'--layers'") from None
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise click.BadParameter(
            f"{text!r}: give at least two sizes >= 1, inputs first and outputs last "
            "(e.g. 64,32,10)", param_hint="'--layers'")
    return sizes


@click.command("train", context_settings=CONTEXT)
@click.argument("network", required=False)
@click.option("--data", "data_source", required=True, metavar="NAME|FILE.csv",
              help="A built-in data set (xor, circles, moons, spiral, iris, digits) or a CSV "
                   "file with a header row.")
@click.option("--target", metavar="COLUMN",
              help="CSV: the target column (default: the last). A column of names is classes.")
@click.option("--layers", metavar="N,N,...",
              help="Units per layer, inputs first, outputs last (e.g. 64,32,10). "
                   "Default: features,16,outputs.")
@click.option("--hidden", default="relu", show_default=True,
              help="Activation of the hidden units.")
@click.option("--output-activation", "output_activation", metavar="ACTIVATION",
              help="Activation of the output units (default: softmax for classes, identity "
                   "for numbers).")
@click.option("--cost",
              help="The cost (default: categorical_cross_entropy for softmax, "
                   "binary_cross_entropy for one sigmoid output, else squared_error).")
@click.option("--epochs", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("-r", "--learning-rate", type=float,
              help="r in w_new = w_old - r dC/dw (default: the network's, 0.1 for --layers).")
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam"]), default="sgd",
              show_default=True, help="sgd is exactly w_new = w_old - r dC/dw.")
@click.option("--test-fraction", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.2,
              show_default=True, help="Samples held out to test on (0: none).")
@click.option("--standardize", is_flag=True,
              help="Shift and scale every feature to mean 0, deviation 1 (training split's).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seeds the data generators, the split, the initial weights and the "
                   "shuffling.")
@click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64",
              show_default=True)
@click.option("-o", "--output", "--save", "output", type=click.Path(dir_okay=False),
              metavar="FILE",
              help="Write the trained network: .toml or .json (a network file), .npz (large). "
                   "--save is the same.")
@click.option("--plot", type=click.Path(dir_okay=False), metavar="FILE",
              help="Draw the learning curves: .png, .svg or .pdf.")
@click.option("--max-parameters", type=click.IntRange(min=1),
              help="Allow --layers with more weights and biases than the limit (10 million).")
@click.option("--threads", type=click.IntRange(min=1), metavar="N",
              help="BLAS threads for the matrix products (default: the trainer chooses per "
                   "problem, never slower than one thread; the numbers do not depend on it).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", is_flag=True,
              help="Also say how training ran: the engine and the threads chosen, and why.")
def train_command(network: str | None, data_source: str, target: str | None,
                  layers: str | None, hidden: str, output_activation: str | None,
                  cost: str | None, epochs: int, batch_size: int, learning_rate: float | None,
                  optimizer: str, test_fraction: float, standardize: bool, seed: int,
                  dtype: str, output: str | None, plot: str | None, quiet: bool,
                  max_parameters: int | None = None, threads: int | None = None,
                  verbose: bool = False) -> None:
    """Train a network on data: mini-batch gradient descent, with a progress bar.

    NETWORK is a network file (any acyclic network, skip connections included) whose input
    units take the data's features in order and whose output units give the target; or leave
    it out and give --layers for a layered network with random initial weights.

    \b
    Examples:
      chainrule train --data digits --layers 64,32,10 --epochs 20 --learning-rate 0.05
      chainrule train --data iris --layers 4,8,3 --standardize --output iris.toml
      chainrule train --data moons --layers 2,16,1 --output-activation sigmoid --plot cost.png
      chainrule train my-net.toml --data points.csv --target label --epochs 100
      chainrule train --data big.csv --layers 784,128,10 --dtype float32 -o model.npz
      chainrule train --data digits --layers 64,32,10 --verbose --threads 1
    """
    from chainrule.core import mathtable
    from chainrule.core.optional import optional_import
    from chainrule.io.netfile import load
    from chainrule.pictures.curves import plot_history
    from chainrule.pictures.matplotlib_backend import NEEDED_FOR, check_picture_path
    from chainrule.train.data import load_data
    from chainrule.train.loop import TrainingDivergedError, evaluate, train
    from chainrule.train.recipe import check_model_path, prepare

    if math.isnan(test_fraction):
        raise click.BadParameter("nan is not a number from 0 to 1 (0: no test split)",
                                 param_hint="'--test-fraction'")
    if learning_rate is not None and not (math.isfinite(learning_rate) and learning_rate > 0):
        raise click.BadParameter(f"{learning_rate!r} is not a finite number > 0",
                                 param_hint="'--learning-rate'")
    if output is not None:
        if output in mathtable.ACTIVATIONS:
            raise click.BadParameter(
                f"{output!r} is an activation, and --output names the file written; the output "
                f"activation is --output-activation {output}", param_hint="'-o' / '--output'")
        _check_path(check_model_path, output, "'-o' / '--output'")
    if plot is not None:
        _check_path(check_picture_path, plot, "'--plot'")
        optional_import("matplotlib", NEEDED_FOR)
    if network is not None and (layers or output_activation or cost):
        raise click.UsageError(
            "give either a NETWORK file or --layers/--output-activation/--cost, not both")
    from chainrule.io.atomic import check_outputs

    check_outputs({"--output": output, "--plot": plot}, {"NETWORK": network, "--data": data_source})
    sizes = _parse_layers(layers) if layers else None
    data = load_data(data_source, target, **({"seed": seed} if data_source in GENERATED else {}))
    setup = prepare(data, load(network) if network is not None else None, sizes=sizes,
                    hidden=hidden, output=output_activation, cost=cost,
                    test_fraction=test_fraction, standardize=standardize, seed=seed,
                    max_parameters=max_parameters)
    try:
        result = train(setup.network, setup.train.X, setup.Y_train, epochs=epochs,
                       batch_size=batch_size, learning_rate=learning_rate, optimizer=optimizer,
                       seed=seed, dtype=dtype, progress=_progress(quiet),
                       validation=setup.validation, threads=threads)
    except TrainingDivergedError as error:
        if output:
            setup.save(error.result.network, output)
            raise DivergedError(f"{error}; saved the last finite weights to {output}",
                                step=error.epoch) from None
        raise
    trained, history = result.network, result.history
    if verbose:
        click.echo(f"engine: {result.engine}; threads: {result.threads_reason}")
    click.echo(_summary("train", evaluate(trained, setup.train.X, setup.Y_train, dtype=dtype),
                        len(setup.Y_train)))
    if setup.validation is not None:
        X_test, Y_test = setup.validation
        click.echo(_summary("test", evaluate(trained, X_test, Y_test, dtype=dtype), len(Y_test)))
    if output:
        setup.save(trained, output)
        click.echo(f"saved {output}")
    if plot and history:
        plot_history(history, plot, title=setup.title())
        click.echo(f"plotted {plot}")
    if result.stopped == "interrupted":
        click.echo(f"chainrule: interrupted after {len(history)} epoch(s)"
                   + (f"; saved what was trained to {output}" if output else ""), err=True)
        raise click.exceptions.Exit(130)


def _check_path(check: Callable[[str], object], path: str, hint: str) -> None:
    try:
        check(path)
    except UsageError as error:
        raise click.BadParameter(str(error), param_hint=hint) from None


def _progress(quiet: bool) -> bool | Progress:
    """A bar on a terminal (one line per epoch stays); one line per epoch on standard error
    when it is a file or a pipe; nothing with --quiet."""
    from chainrule.train.progress import EpochLines

    if quiet:
        return False
    if sys.stderr.isatty():
        return True
    return EpochLines(lambda line: click.echo(line, err=True))


def _summary(name: str, scores: dict[str, float], n: int) -> str:
    text = f"{name + ':':6} cost {scores['cost']:.6g}"
    if "accuracy" in scores:
        text += f", accuracy {scores['accuracy']:.1%}"
    return text + f" ({n} samples)"
