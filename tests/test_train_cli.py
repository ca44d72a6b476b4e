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
                          "--output", "sigmoid", "--epochs", "60", "--learning-rate", "0.5"],
                         capsys)
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
    (["--data", "iris", "--save", "model.txt"], "--save"),
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
    assert err == f"chainrule: interrupted after 2 epoch(s); saved what was trained to {saved}\n"
    assert "train: cost" in out and len(cr.load(str(saved)).weights) == 4 * 5 + 5 * 3
