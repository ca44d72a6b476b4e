"""The plots: the landscape's numbers are the engine's (curve through the Trace's cost, tangent
with the Trace's gradient, descent on the curve), files are written whole, bad options fail."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.pictures import plot
from tests.strategies import random_network_dict


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_curve_passes_through_the_traces_cost_with_its_gradient_as_tangent() -> None:
    fig = plot.landscape("exercise-1", ["j -> k"], 20)
    data: plot.Landscape = fig.chainrule_data
    trace = cr.solve("exercise-1", 20)
    w0 = trace.step(1).before()["weights"]["j -> k"]
    at = np.flatnonzero(data.grid[0] == w0)
    assert len(at) == 1
    assert data.cost[at[0]] == trace.step(1).cost == data.current_cost
    assert data.gradient == (trace.step(1).gradients()["weights"]["j -> k"],)
    # the tangent drawn has that slope and touches the curve there
    ax = fig.axes[0]
    tangent = next(line for line in ax.lines if line.get_label().startswith("tangent"))
    (x0, x1), (y0, y1) = tangent.get_xdata(), tangent.get_ydata()
    assert (y1 - y0) / (x1 - x0) == pytest.approx(data.gradient[0], rel=1e-12)
    assert y0 + (w0 - x0) * data.gradient[0] == pytest.approx(data.current_cost, rel=1e-12)
    # oracle: the curve's own central difference at w0 agrees with the engine's gradient
    i = at[0]
    h = data.grid[0][i + 1] - data.grid[0][i]
    w = data.grid[0]
    slope = (data.cost[i + 1] - data.cost[i - 1]) / (w[i + 1] - w[i - 1])
    # (uneven neighbours: the error is at most max|C''| * h / 2, and C'' = 0.5 here)
    assert slope == pytest.approx(data.gradient[0], abs=0.25 * h + 1e-9)
    # the descent is the engine's: every step's weights and costs, on the curve
    weights = [s.before()["weights"]["j -> k"] for s in trace] + [
        trace.steps[-1].after()["weights"]["j -> k"]]
    assert list(data.path[:, 0]) == weights
    assert list(data.path_cost[:-1]) == trace.costs
    assert data.minimum_cost == pytest.approx(0.0, abs=1e-4)  # C = (0.5 w - 1)^2, lowest at w = 2
    assert data.minimum[0] == pytest.approx(2.0, abs=0.02)
    assert ax.get_xlabel() == "$w_{jk}^{(L)}$" and ax.get_ylabel() == "$C$"


def test_descent_moves_only_the_plotted_weight_and_stays_on_the_curve() -> None:
    data = plot.landscape_data("aima-21", ["u3 -> u5"], 5)
    net = cr.load("aima-21")
    for w, c in zip(data.path[:, 0], data.path_cost, strict=True):
        changed = {k: p.value for k, p in net.weights.items()} | {("u3", "u5"): float(w)}
        assert cr.solve(net.with_parameters(changed), 1).step(1).cost == c
    assert data.gradient[0] == cr.solve(net).step(1).gradients()["weights"]["u3 -> u5"]


def test_batch_means_all_samples_and_otherwise_one_sample() -> None:
    net = cr.load(random_network_dict(5, max_samples=3, kinks=False, cost="squared_error"))
    assert len(net.samples) >= 2  # this seed's network has a batch
    key = next(k for k, p in net.weights.items() if p.trainable)
    name = f"{key[0]} -> {key[1]}"
    step = cr.solve(net).step(1)
    batch = plot.landscape_data(net, [name], 2, batch=True, resolution=11)
    assert batch.current_cost == step.cost and batch.samples == len(net.samples)
    assert batch.gradient == (step.gradients()["weights"][name],)
    one = plot.landscape_data(net, [name], 2, sample=2, resolution=11)
    assert one.current_cost == step.samples[1].cost and one.samples == 1
    assert one.gradient == (step.samples[1].gradients()["weights"][name],)


@pytest.mark.parametrize("surface", [False, True])
def test_two_weights_give_a_grid_through_the_current_point(surface: bool) -> None:
    fig = plot.landscape("exercise-2", ["i -> j", "j -> k"], 10, surface=surface, resolution=21)
    data: plot.Landscape = fig.chainrule_data
    trace = cr.solve("exercise-2")
    before = trace.step(1).before()["weights"]
    col = np.flatnonzero(data.grid[0] == before["i -> j"])[0]
    row = np.flatnonzero(data.grid[1] == before["j -> k"])[0]
    assert data.cost.shape == (len(data.grid[1]), len(data.grid[0]))
    assert data.cost[row, col] == trace.step(1).cost
    g = trace.step(1).gradients()["weights"]
    assert data.gradient == (g["i -> j"], g["j -> k"])
    assert len(data.path) == 11
    assert data.path_cost[-1] < data.path_cost[0]
    ax = fig.axes[0]
    assert ax.get_xlabel() == "$w_{ij}^{(L-1)}$" and ax.get_ylabel() == "$w_{jk}^{(L)}$"


def test_ranges_are_used_and_checked() -> None:
    data = plot.landscape_data("exercise-1", ["j -> k"], 3, ranges=[(-1.0, 3.0)], resolution=5)
    assert data.grid[0][0] == -1.0 and data.grid[0][-1] == 3.0
    with pytest.raises(cr.UsageError, match="empty"):
        plot.landscape_data("exercise-1", ["j -> k"], ranges=[(1.0, 1.0)])


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (["j -> q"], 'no weight "j -> q"'),
        (["i -> j", "j -> k", "i -> j"], "one or two weights"),
        (["j -> k", "j->k"], "given twice"),
    ],
)
def test_bad_weights(weights: list[str], message: str) -> None:
    with pytest.raises(cr.UsageError, match=message):
        plot.landscape_data("exercise-2", weights)


def frozen_network() -> dict[str, Any]:
    return {"units": {"i": "input", "j": "relu", "k": "relu"},
            "weights": {"i -> j": {"value": 0.86, "trainable": False}, "j -> k": 0.66},
            "samples": [{"inputs": {"i": 0.7}, "targets": {"k": 1.0}}]}


def test_a_frozen_weight_is_refused() -> None:
    with pytest.raises(cr.UsageError, match='"i -> j" is frozen'):
        plot.landscape_data(frozen_network(), ["i -> j"])


def test_cost_per_step_is_the_traces() -> None:
    fig = plot.cost("exercise-2", 30)
    trace = cr.solve("exercise-2", 30)
    assert fig.chainrule_data.costs == tuple(trace.costs)
    line = fig.axes[0].lines[0]
    assert list(line.get_ydata()) == trace.costs
    assert list(line.get_xdata()) == list(range(1, 31))
    assert fig.axes[0].get_yscale() == "log"  # falls by more than 100 times
    assert plot.cost("exercise-2", 3).axes[0].get_yscale() == "linear"


def test_missing_matplotlib_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    # matplotlib comes with the plain install: a broken install is mended by reinstalling
    with pytest.raises(cr.UsageError, match=r"need matplotlib: pip install --upgrade chainrule"):
        plot.cost("exercise-1", 2)


def test_save_figure_writes_whole_files(tmp_path: Path) -> None:
    plot.save_figure(plot.cost("exercise-1", 5), tmp_path / "cost.png")
    assert (tmp_path / "cost.png").read_bytes().startswith(b"\x89PNG")
    plot.save_figure(plot.cost("exercise-1", 5), tmp_path / "cost.svg")
    ET.parse(tmp_path / "cost.svg")
    with pytest.raises(cr.UsageError, match="unknown picture type"):
        plot.save_figure(plot.cost("exercise-1", 5), tmp_path / "cost.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cost.png", "cost.svg"]


# -- the command line ---------------------------------------------------------------------------


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_draw_writes_svg_png_and_stdout(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    svg = tmp_path / "net.svg"
    assert run(["draw", "exercise-3", "--output", str(svg), "--values", "forward"], capsys)[0] == 0
    ET.fromstring(svg.read_text(encoding="utf-8"))
    png = tmp_path / "net.png"
    code, _, err = run(["draw", "exercise-2", "-o", str(png), "--values", "backward", "--step",
                        "3"], capsys)
    assert (code, err) == (0, "")
    assert png.read_bytes().startswith(b"\x89PNG")
    code, out, _ = run(["draw", "aima-21"], capsys)
    assert code == 0 and out.startswith("<svg") and "u5" in out


def test_cli_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    land = tmp_path / "land.png"
    code, _, err = run(["plot", "landscape", "exercise-1", "--weight", "j -> k", "--steps", "5",
                        "--range", "-1", "3", "--output", str(land)], capsys)
    assert (code, err) == (0, "")
    assert land.stat().st_size > 5000
    surface = tmp_path / "surface.png"
    code, _, err = run(["plot", "landscape", "exercise-2", "-w", "i -> j", "-w", "j -> k",
                        "--surface", "--batch", "--resolution", "15", "-o", str(surface)], capsys)
    assert (code, err) == (0, "")
    assert surface.stat().st_size > 5000
    cost = tmp_path / "cost.png"
    assert run(["plot", "cost", "exercise-2", "--steps", "10", "-o", str(cost)], capsys)[0] == 0
    assert cost.stat().st_size > 5000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plot", "landscape", "exercise-2", "-w", "j -> q", "-o", "x.png"], 'no weight "j -> q"'),
        (["plot", "landscape", "FROZEN", "-w", "i -> j", "-o", "x.png"], "is frozen"),
        (["plot", "landscape", "exercise-1", "-w", "j -> k", "--range", "2", "1", "-o", "x.png"],
         "is empty"),
        (["plot", "landscape", "exercise-1", "-w", "j -> k", "--surface", "-o", "x.png"],
         "--surface needs two"),
        (["plot", "landscape", "exercise-1", "-w", "j -> k", "-o", "x.bmp"],
         "unknown picture type"),
        (["plot", "cost", "exercise-1", "--steps", "0", "-o", "x.png"], "--steps"),
        (["draw", "exercise-1", "-o", "x.txt"], "unknown picture type"),
        (["draw", "exercise-1", "--step", "0"], "--step"),
        (["draw", "exercise-1", "--values", "forward", "--sample", "2"], "sample must be"),
        (["draw", "exercise-1", "--values", "sideways"], "--values"),
        (["draw", "no-such-net", "-o", "x.svg"], "no-such-net"),
    ],
)
def test_cli_bad_options_exit_2_with_one_line(args: list[str], message: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "frozen.toml").write_text(cr.load(frozen_network()).to_toml(), encoding="utf-8")
    args = ["frozen.toml" if a == "FROZEN" else a for a in args]
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frozen.toml"]


def test_cli_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["draw", "--help"], ["plot", "--help"], ["plot", "landscape", "--help"],
                 ["plot", "cost", "--help"]):
        code, out, _ = run(args, capsys)
        assert code == 0 and "Examples:" in out and "chainrule " in out


def test_one_weight_networks_need_no_weight_and_the_minimum_is_exact() -> None:
    from chainrule.pictures.plot import landscape_data

    # chain-1: C = (w - 1)^2, so the lowest point is exactly w = 1 (not the nearest grid point)
    data = landscape_data("chain-1")
    assert data.weights == ("j -> k",)
    assert data.minimum[0] == pytest.approx(1.0, abs=1e-9)
    assert data.valley is None
    # exercise-1: C = (0.5 w - 1)^2, lowest at w = 2
    assert landscape_data("exercise-1").minimum[0] == pytest.approx(2.0, abs=1e-9)


def test_a_valley_is_called_a_valley() -> None:
    from chainrule.pictures.plot import landscape_data

    # exercise-2: C = 0 wherever 0.7 · w_ij · w_jk = 1, a curve, not a point
    data = landscape_data("exercise-2")
    assert data.weights == ("i -> j", "j -> k") and data.valley is not None
    product = 0.7 * data.valley[:, 0] * data.valley[:, 1]
    assert np.allclose(product, 1.0, atol=0.02)
    # a bowl with one lowest point is not a valley
    net = {"units": {"x": "input", "y": "identity"}, "weights": {"x -> y": 0.2},
           "biases": {"y": 0.1}, "samples": [{"inputs": {"x": 1.0}, "targets": {"y": 1.0}},
                                            {"inputs": {"x": -1.0}, "targets": {"y": 0.0}}]}
    assert landscape_data(net, ["x -> y"], batch=True).valley is None


def test_landscape_without_a_weight_on_a_bigger_network_names_its_weights() -> None:
    from chainrule.pictures.plot import landscape_data

    with pytest.raises(cr.UsageError, match="6 trainable weights"):
        landscape_data("aima-21")
