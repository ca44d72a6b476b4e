"""``chainrule train``: train a network on a data set with the vectorized trainer.

Registered on the main group in :mod:`chainrule.cli`; errors are the library's (UsageError,
NetworkError, DivergedError), which ``cli.main`` turns into one line and exit code 2.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
import numpy as np

from chainrule.core.errors import DivergedError, UsageError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
MODEL_TYPES = (".toml", ".json", ".npz")
PLOT_TYPES = (".png", ".svg", ".pdf")


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


def _check_suffix(path: str | None, types: tuple[str, ...], option: str) -> None:
    if path is None:
        return
    suffix = Path(path).suffix.lower()
    if suffix not in types:
        raise click.BadParameter(f"{path}: use a file name ending in {', '.join(types)}",
                                 param_hint=f"'{option}'")
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise click.BadParameter(f"{path}: the folder {str(folder)!r} does not exist",
                                 param_hint=f"'{option}'")


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
@click.option("--output", "output_activation",
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
@click.option("--save", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the trained network: .toml or .json (a network file), .npz (large).")
@click.option("--plot", type=click.Path(dir_okay=False), metavar="FILE",
              help="Draw the learning curves: .png, .svg or .pdf.")
@click.option("--max-parameters", type=click.IntRange(min=1),
              help="Allow --layers with more weights and biases than the limit (10 million).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def train_command(network: str | None, data_source: str, target: str | None,
                  layers: str | None, hidden: str, output_activation: str | None,
                  cost: str | None, epochs: int, batch_size: int, learning_rate: float | None,
                  optimizer: str, test_fraction: float, standardize: bool, seed: int,
                  dtype: str, save: str | None, plot: str | None, quiet: bool,
                  max_parameters: int | None = None) -> None:
    """Train a network on data: mini-batch gradient descent, with a progress bar.

    NETWORK is a network file (any acyclic network, skip connections included) whose input
    units take the data's features in order and whose output units give the target; or leave
    it out and give --layers for a layered network with random initial weights.

    \b
    Examples:
      chainrule train --data digits --layers 64,32,10 --epochs 20 --learning-rate 0.05
      chainrule train --data iris --layers 4,8,3 --standardize --save iris.toml
      chainrule train --data moons --layers 2,16,1 --output sigmoid --plot cost.png
      chainrule train my-net.toml --data points.csv --target label --epochs 100
      chainrule train --data big.csv --layers 784,128,10 --dtype float32 --save model.npz
    """
    from chainrule.io.netfile import load
    from chainrule.train import data as datasets
    from chainrule.train.loop import TrainingDivergedError, evaluate, train
    from chainrule.train.mlp import check_parameters, mlp

    if math.isnan(test_fraction):
        raise click.BadParameter("nan is not a number from 0 to 1 (0: no test split)",
                                 param_hint="'--test-fraction'")
    if learning_rate is not None and not (math.isfinite(learning_rate) and learning_rate > 0):
        raise click.BadParameter(f"{learning_rate!r} is not a finite number > 0",
                                 param_hint="'--learning-rate'")
    _check_suffix(save, MODEL_TYPES, "--save")
    _check_suffix(plot, PLOT_TYPES, "--plot")
    if plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UsageError("--plot needs matplotlib: pip install 'chainrule[plot]'") from None
    if network is not None and (layers or output_activation or cost):
        raise click.UsageError("give either a NETWORK file or --layers/--output/--cost, not both")
    if layers:
        check_parameters(_parse_layers(layers), True, max_parameters)
    options: dict[str, Any] = {"seed": seed} if data_source in ("xor", "circles", "moons",
                                                                 "spiral") else {}
    data = datasets.load_data(data_source, target, **options)

    if network is not None:
        net = load(network)
        if len(net.inputs) != data.n_features:
            raise UsageError(
                f"{network} has {len(net.inputs)} input unit(s) but {data.name} has "
                f"{data.n_features} feature(s) ({', '.join(data.feature_names[:8])}"
                f"{', ...' if data.n_features > 8 else ''})")
    else:
        sizes = _parse_layers(layers) if layers else None
        classify = data.classes is not None
        if output_activation is None:
            output_activation = "softmax" if classify and (
                sizes is None or sizes[-1] > 1) else "sigmoid" if classify else "identity"
        if cost is None:
            cost = ("categorical_cross_entropy" if output_activation == "softmax"
                    else "binary_cross_entropy" if output_activation == "sigmoid" and classify
                    else "squared_error")
        if sizes is None:
            outputs = 1 if classify and output_activation != "softmax" and len(
                data.classes or ()) == 2 else data.n_outputs
            sizes = [data.n_features, 16, outputs]
        if sizes[0] != data.n_features:
            raise click.BadParameter(
                f"{layers!r} starts with {sizes[0]} inputs, but {data.name} has "
                f"{data.n_features} features", param_hint="'--layers'")
        net = mlp(sizes, hidden=hidden, output=output_activation, cost=cost, seed=seed,
                  max_parameters=max_parameters)

    Y = _targets(data, net, network or "--layers")
    train_set, test_set, Y_train, Y_test = data, None, Y, None
    if test_fraction > 0:
        n = data.n_samples
        n_test = max(1, round(n * test_fraction))
        if n_test >= n:
            raise UsageError(f"{data.name} has {n} sample(s), too few to hold out a test split; "
                             "train on all of them with --test-fraction 0, or add samples")
        order = np.random.default_rng(seed).permutation(n)
        test_rows, train_rows = order[:n_test], order[n_test:]
        from dataclasses import replace

        train_set = replace(data, X=data.X[train_rows], y=data.y[train_rows])
        test_set = replace(data, X=data.X[test_rows], y=data.y[test_rows])
        Y_train, Y_test = Y[train_rows], Y[test_rows]
    if standardize:
        reference = train_set
        train_set = train_set.standardized(reference)
        test_set = test_set.standardized(reference) if test_set is not None else None

    validation = (test_set.X, Y_test) if test_set is not None else None
    try:
        result = train(net, train_set.X, Y_train, epochs=epochs, batch_size=batch_size,
                       learning_rate=learning_rate, optimizer=optimizer, seed=seed, dtype=dtype,
                       progress=not quiet, validation=validation)
    except TrainingDivergedError as error:
        if save:
            _save(save, error.result.network, train_set, Y_train, data_source, standardize)
            raise DivergedError(f"{error}; saved the last finite weights to {save}",
                                step=error.epoch) from None
        raise
    trained = result.network
    history = result.history
    click.echo(_summary("train", evaluate(trained, train_set.X, Y_train, dtype=dtype),
                        len(Y_train)))
    if test_set is not None and Y_test is not None:
        click.echo(_summary("test", evaluate(trained, test_set.X, Y_test, dtype=dtype),
                            len(Y_test)))
    if save:
        _save(save, trained, train_set, Y_train, data_source, standardize)
        click.echo(f"saved {save}")
    if plot and history:
        from chainrule.pictures.curves import plot_history

        plot_history(history, plot, title=f"{data.name}: {net!r}"[:80])
        click.echo(f"plotted {plot}")
    if result.stopped == "interrupted":
        click.echo(f"chainrule: interrupted after {len(history)} epoch(s)"
                   + (f"; saved what was trained to {save}" if save else ""), err=True)
        raise click.exceptions.Exit(130)


def _targets(data: Any, net: Any, what: str) -> Any:
    """The target array the trainer takes: class labels, one-hot rows, a 0/1 column, or
    values."""
    n_out = len(net.outputs)
    labels_ok = net.unit[net.outputs[0]].activation == "softmax" or (
        net.cost == "categorical_cross_entropy")
    if data.classes is not None:
        k = len(data.classes)
        if n_out == k and n_out > 1:
            return data.y if labels_ok else data.one_hot()
        if n_out == 1 and k == 2:
            return data.y.astype(np.float64).reshape(-1, 1)
        raise UsageError(
            f"{what} has {n_out} output unit(s) but {data.name} has {k} classes "
            f"({', '.join(data.classes[:8])}{', ...' if k > 8 else ''}); give {k} outputs"
            + (" (or 1 sigmoid output)" if k == 2 else ""))
    if data.y.shape[1] != n_out:
        raise UsageError(f"{what} has {n_out} output unit(s) but {data.name} has "
                         f"{data.y.shape[1]} target column(s)")
    return data.y


def _summary(name: str, scores: dict[str, float], n: int) -> str:
    text = f"{name + ':':6} cost {scores['cost']:.6g}"
    if "accuracy" in scores:
        text += f", accuracy {scores['accuracy']:.1%}"
    return text + f" ({n} samples)"


def _save(path: str, net: Any, train_set: Any, Y: Any, source: str, standardized: bool) -> None:
    from dataclasses import replace

    from chainrule.core.network import Sample
    from chainrule.core.schema import dumps_toml
    from chainrule.io.atomic import write_atomic

    x0 = train_set.X[0].tolist()
    y_row = np.asarray(Y[0])
    if y_row.ndim == 0 and len(net.outputs) > 1:  # a class label
        y0 = [1.0 if i == int(y_row) else 0.0 for i in range(len(net.outputs))]
    else:
        y0 = np.atleast_1d(y_row).astype(float).tolist()
    sample = Sample(dict(zip(net.inputs, x0, strict=True)), dict(zip(net.outputs, y0, strict=True)))
    net = replace(net, samples=(sample,))
    suffix = Path(path).suffix.lower()
    if suffix == ".npz":
        from chainrule.io.npzfile import save_npz

        save_npz(net, path)
    elif suffix == ".json":
        import json

        write_atomic(path, json.dumps(net.to_dict(), indent=2) + "\n")
    else:
        note = " (features standardized with the training split's mean and deviation)" \
            if standardized else ""
        write_atomic(path, dumps_toml(net, comment=f"trained by chainrule train on {source}"
                                                   f"{note}; the sample is its first row"))
