"""`chainrule train`: a few fast runs end to end, and every bad option as one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli.main import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_train_iris_saves_toml_and_npz_that_load_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml, npz, png = tmp_path / "iris.toml", tmp_path / "iris.npz", tmp_path / "cost.png"
    code, out, err = run(["train", "--data", "iris", "--layers", "4,8,3", "--standardize",
                          "--epochs", "30", "--save", str(toml), "--plot", str(png)], capsys)
    assert code == 0, err
    assert "train: cost" in out and "test:  cost" in out and "accuracy" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    net = cr.load(str(toml))
    assert net.inputs == ("x1", "x2", "x3", "x4") and len(net.outputs) == 3
    assert net.cost == "categorical_cross_entropy"
    cr.solve(net)  # the saved sample (the first training row) makes it a complete exercise
    assert run(["train", "--data", "iris", "--layers", "4,8,3", "--epochs", "2", "-q",
                "--save", str(npz)], capsys)[0] == 0
    assert len(cr.load(npz).weights) == 4 * 8 + 8 * 3


def test_train_xor_with_a_sigmoid_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["train", "--data", "xor", "--layers", "2,8,1", "--hidden", "tanh",
                          "--output-activation", "sigmoid", "--epochs", "60",
                          "--learning-rate", "0.5"], capsys)
    assert code == 0, err
    accuracy = float(out.split("accuracy ")[1].split("%")[0])
    assert accuracy > 80


def test_train_a_network_file_on_a_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 2))
    rows = "\n".join(f"{a},{b},{a + 2 * b}" for a, b in X)
    (tmp_path / "points.csv").write_text("p,q,target\n" + rows + "\n", encoding="utf-8")
    net = tmp_path / "net.toml"
    net.write_text(
        'cost = "half_squared_error"\n[units]\ni = "input"\nj = "input"\nh = "identity"\n'
        'k = "identity"\n[weights]\n"i -> h" = 0.1\n"j -> h" = 0.2\n"h -> k" = 0.5\n'
        '"i -> k" = 0.3\n[[samples]]\ninputs = { i = 1.0, j = 0.0 }\ntargets = { k = 1.0 }\n',
        encoding="utf-8")
    code, out, err = run(["train", str(net), "--data", str(tmp_path / "points.csv"),
                          "--epochs", "40", "--batch-size", "8", "--test-fraction", "0"], capsys)
    assert code == 0, err
    assert float(out.split("cost ")[1].split()[0].rstrip(",")) < 0.01


@pytest.mark.parametrize("argv, needle", [
    (["--data", "nope"], "unknown data set 'nope'"),
    (["--data", "iris", "--layers", "3,8,3"], "starts with 3 inputs"),
    (["--data", "iris", "--layers", "4,x,3"], "--layers"),
    (["--data", "iris", "--layers", "4,8,2"], "3 classes"),
    (["--data", "iris", "--learning-rate", "nan"], "--learning-rate"),
    (["--data", "iris", "--epochs", "0"], "--epochs"),
    (["--data", "iris", "--optimizer", "rmsprop"], "--optimizer"),
    (["--data", "iris", "--save", "model.txt"], "--output"),
    (["--data", "iris", "-o", "model.txt"], ".toml, .json, .npz"),
    (["--data", "iris", "--output", "sigmoid"], "--output-activation sigmoid"),
    (["--data", "iris", "--plot", "cost.gif"], "--plot"),
    (["--data", "iris", "--hidden", "softmax"], "hidden must be one of"),
    (["--data", "iris", "--target", "x"], "--target is for CSV files"),
    (["exercise-2", "--data", "iris"], "1 input unit(s) but iris has 4"),
    (["exercise-2", "--data", "iris", "--layers", "4,3"], "either a NETWORK"),
])
def test_bad_options_are_one_line_and_exit_2(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["train", *argv], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("chainrule") and "Traceback" not in err
    assert needle in err


def test_divergence_saves_the_last_finite_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "\n".join(f"{x},{3 * x}" for x in range(-50, 50))
    (tmp_path / "line.csv").write_text("x,y\n" + rows + "\n", encoding="utf-8")
    saved = tmp_path / "diverged.toml"
    code, _, err = run(["train", "--data", str(tmp_path / "line.csv"), "--layers", "1,4,1",
                        "--hidden", "identity", "--learning-rate", "0.5", "--epochs", "30",
                        "--save", str(saved)], capsys)
    assert code == 2
    assert "epoch" in err and "smaller" in err and "Traceback" not in err
    cr.load(str(saved))


def test_ctrl_c_saves_what_was_trained(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from chainrule.train import progress

    original = progress.Reporter.epoch_done

    def interrupt_after_two(self: progress.Reporter, entry: dict[str, object]) -> None:
        original(self, entry)
        if entry["epoch"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(progress.Reporter, "epoch_done", interrupt_after_two)
    saved = tmp_path / "partial.toml"
    code, out, err = run(["train", "--data", "iris", "--layers", "4,5,3", "--epochs", "50",
                          "--save", str(saved)], capsys)
    assert code == 130
    # standard error is not a terminal here: one line per epoch, then the interruption
    assert err.splitlines() == [
        *(line for line in err.splitlines() if line.startswith("epoch ")),
        f"chainrule: interrupted after 2 epoch(s); saved what was trained to {saved}",
    ]
    assert [line.split()[1] for line in err.splitlines()[:2]] == ["1/50", "2/50"]
    assert "train: cost" in out and len(cr.load(str(saved)).weights) == 4 * 5 + 5 * 3


def test_every_file_option_is_output_and_save_stays_an_alias(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 9: `-o/--output FILE` names the file written in train too; the output activation
    is --output-activation."""
    for option in ("-o", "--output", "--save"):
        path = tmp_path / f"model{option.strip('-')}.toml"
        code, out, err = run(["train", "--data", "xor", "--layers", "2,4,1", "--epochs", "2",
                              "--output-activation", "sigmoid", "-q", option, str(path)], capsys)
        assert code == 0, err
        assert f"saved {path}" in out
        net = cr.load(str(path))
        assert net.unit[net.outputs[0]].activation == "sigmoid"
        assert net.cost == "binary_cross_entropy"


def test_the_plot_title_names_the_network_and_the_epochs_are_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9: no truncated Python repr in the title; epochs on the x axis are whole."""
    from chainrule.pictures import curves

    seen: dict[str, object] = {}
    save = curves.save_figure

    def keep(fig: object, path: object, **kw: object) -> None:
        ax = fig.axes[0]  # type: ignore[attr-defined]
        seen["title"] = fig._suptitle.get_text()  # type: ignore[attr-defined]
        seen["ticks"] = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        save(fig, path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(curves, "save_figure", keep)
    png = tmp_path / "curves.png"
    code, _, err = run(["train", "--data", "iris", "--layers", "4,8,3", "--epochs", "3", "-q",
                        "--plot", str(png)], capsys)
    assert code == 0, err
    assert seen["title"] == "iris: 4-8-3 network, relu hidden, softmax output"
    ticks = seen["ticks"]
    assert isinstance(ticks, list) and ticks and all(float(t).is_integer() for t in ticks)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_the_bar_fits_80_columns_moves_within_an_epoch_and_leaves_a_line_per_epoch() -> None:
    """Issue 9: at 80 columns the bar must not truncate ("1438/14…"), must move before an epoch
    ends, and leave one line per epoch."""
    import io
    import re

    from rich.console import Console

    from chainrule.train.progress import TerminalBar

    screen = io.StringIO()
    bar = TerminalBar(Console(file=screen, width=80, force_terminal=True, color_system=None))
    bar.start(20, 1438)
    for epoch in (1, 2):
        for done in (32, 704, 1438):
            bar.batch(done, 0.2851, 0.917)
        bar.epoch({"epoch": epoch, "cost": 0.28513, "accuracy": 0.917, "test_cost": 0.39541,
                   "test_accuracy": 0.886, "seconds": 0.12, "samples_per_second": 11983.3})
    bar.stop()
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", screen.getvalue().replace("\r", "\n"))
    frames = [line for line in plain.splitlines() if line.strip()]
    assert frames and all(len(line) <= 80 for line in frames)
    assert not any("\u2026" in line for line in frames)
    assert any(" 704/1438" in line for line in frames)  # moved within the epoch
    assert any("1438/1438" in line for line in frames)
    kept = [line for line in frames if "ms" in line]
    assert sorted(set(kept)) == [
        "epoch  1/20  cost 0.2851  accuracy 91.7%  test 0.3954, 88.6%  120 ms",
        "epoch  2/20  cost 0.2851  accuracy 91.7%  test 0.3954, 88.6%  120 ms",
    ]


def test_train_takes_any_progress_and_the_library_prints_nothing_else(
    capsys: pytest.CaptureFixture[str]
) -> None:
    import numpy as np

    from chainrule.train.progress import EpochLines, Progress

    calls: list[str] = []

    class Recorder:
        def start(self, epochs: int, samples: int) -> None:
            calls.append(f"start {epochs} {samples}")

        def batch(self, done: int, cost: float, accuracy: float | None) -> None:
            calls.append("batch")

        def epoch(self, entry: dict[str, object]) -> None:
            calls.append(f"epoch {entry['epoch']}")

        def stop(self) -> None:
            calls.append("stop")

    assert isinstance(Recorder(), Progress)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 50)
    Y = np.array([[0.0], [1.0], [1.0], [0.0]] * 50)
    net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", cost="binary_cross_entropy", seed=0)
    cr.train(net, X, Y, epochs=2, batch_size=4, progress=Recorder(), engine="array")
    assert calls[0] == "start 2 200" and calls[-1] == "stop"
    assert [c for c in calls if c.startswith("epoch")] == ["epoch 1", "epoch 2"]
    assert "batch" in calls
    lines: list[str] = []
    cr.train(net, X, Y, epochs=2, progress=EpochLines(lines.append))
    assert [line.split()[:2] for line in lines] == [["epoch", "1/2"], ["epoch", "2/2"]]
    for progress in (True, False, lambda entry: None):
        cr.train(net, X, Y, epochs=1, progress=progress)
    assert capsys.readouterr() == ("", "")  # standard error is not a terminal here
