"""Network files: TOML and JSON round trips, --save-updated continues where it stopped, and every
example file loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import chainrule as cr
from chainrule.cli.main import main
from chainrule.io.atomic import write_atomic

from .strategies import networks

ROOT = Path(__file__).resolve().parent.parent
BUILT_INS = sorted(cr.examples())


def same_network(a: cr.Network, b: cr.Network) -> None:
    assert a.to_dict() == b.to_dict()
    assert a.order == b.order and a.layers == b.layers and a.outputs == b.outputs


@settings(max_examples=60, deadline=None)
@given(networks())
def test_toml_round_trip(data: dict[str, Any]) -> None:
    net = cr.load(data)
    again = cr.loads(net.to_toml())
    same_network(net, again)
    assert cr.loads(again.to_toml()).to_toml() == net.to_toml()


@settings(max_examples=60, deadline=None)
@given(networks())
def test_json_round_trip(data: dict[str, Any]) -> None:
    net = cr.load(data)
    text = json.dumps(net.to_dict(), allow_nan=False)
    same_network(net, cr.loads(text, fmt="json"))
    # the dict the file gave and the dict the Network gives describe the same network
    same_network(net, cr.load(net.to_dict()))


@pytest.mark.parametrize("name", BUILT_INS)
def test_built_ins_round_trip(name: str, tmp_path: Path) -> None:
    net = cr.load(name)
    assert net.title and net.description
    same_network(net, cr.loads(net.to_toml()))
    same_network(net, cr.loads(cr.example_text(name)))
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(net.to_dict(), indent=2), encoding="utf-8")
    same_network(net, cr.load(path))
    toml_path = tmp_path / f"{name}.toml"
    toml_path.write_text(net.to_toml(), encoding="utf-8")
    same_network(net, cr.load(str(toml_path)))
    # the same numbers, whichever way the network came in
    assert cr.solve(path).to_json() == cr.solve(name).to_json()


def test_round_trip_keeps_frozen_parameters_long_forms_and_odd_text() -> None:
    data = {
        "title": 'Quotes " and \\ backslashes',
        "description": 'Line one\nline "two" with a \\ and """ triple quotes"',
        "learning_rate": 0.25,
        "cost": "half_squared_error",
        "units": {"In_1": "input", "h1": {"activation": "leaky_relu", "slope": 0.2},
                  "Out": "linear"},
        "weights": {"In_1->h1": {"value": 0.5, "trainable": False}, "h1 ->Out": -1e-17,
                    "In_1 -> Out": 0.1 + 0.2},
        "biases": {"Out": {"value": 0.35, "trainable": False}, "h1": 3},
        "samples": [{"inputs": {"In_1": 1}, "targets": {"Out": -2.5}}],
    }
    net = cr.load(data)
    again = cr.loads(net.to_toml())
    same_network(net, again)
    d = again.to_dict()
    assert d["units"] == {"In_1": "input", "h1": {"activation": "leaky_relu", "slope": 0.2},
                          "Out": "identity"}
    assert d["weights"] == {"In_1 -> h1": {"value": 0.5, "trainable": False},
                            "h1 -> Out": -1e-17, "In_1 -> Out": 0.30000000000000004}
    assert d["biases"] == {"Out": {"value": 0.35, "trainable": False}, "h1": 3.0}
    assert again.title == data["title"] and again.description == data["description"]


def test_default_learning_rate_and_cost() -> None:
    net = cr.load({"units": {"i": "input", "k": "relu"}, "weights": {"i -> k": 0.5},
                   "samples": [{"inputs": {"i": 1}, "targets": {"k": 1}}]})
    assert net.learning_rate == 0.1 and net.cost == "squared_error"
    assert net.title is None and net.biases == {}
    same_network(net, cr.loads(net.to_toml()))


@pytest.mark.parametrize(("n", "m"), [(1, 1), (3, 4), (25, 17)])
@pytest.mark.parametrize("name", ["exercise-3", "aima-21"])
def test_save_updated_continues_where_it_stopped(
    name: str, n: int, m: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "after-n.toml"
    assert main(["solve", name, "--steps", str(n), "--format", "json",
                 "--save-updated", str(first)]) == 0
    capsys.readouterr()
    saved = cr.load(first)
    assert first.read_text(encoding="utf-8").startswith("#")
    both = cr.solve(name, steps=n + m)
    assert saved.to_dict()["weights"] == cr.solve(name, steps=n).final.to_dict()["weights"]
    continued = cr.solve(saved, steps=m)
    # the same network, but titled and described as the updated one (its old "Given:" is gone)
    ignore = ("title", "description")
    assert {k: v for k, v in continued.final.to_dict().items() if k not in ignore} == {
        k: v for k, v in both.final.to_dict().items() if k not in ignore
    }
    assert f"after {n} step" in (saved.description or "")
    assert continued.costs == both.costs[n:]
    # the next step starts from exactly the saved weights
    assert continued.step(1).before() == both.step(n + 1).before()


def test_save_updated_keeps_frozen_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = cr.load("exercise-2").to_dict()
    data["weights"]["i -> j"] = {"value": 0.86, "trainable": False}
    src = tmp_path / "frozen.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.toml"
    assert main(["solve", str(src), "--steps", "5", "--save-updated", str(out)]) == 0
    capsys.readouterr()
    weights = cr.load(out).to_dict()["weights"]
    assert weights["i -> j"] == {"value": 0.86, "trainable": False}
    assert weights["j -> k"] != 0.66


def example_files() -> list[Path]:
    found = sorted((ROOT / "src" / "chainrule" / "examples").glob("*.toml"))
    for folder in (ROOT / "examples", ROOT / "docs"):
        found += sorted(folder.glob("**/*.toml")) + sorted(
            p for p in folder.glob("**/*.json") if _looks_like_network(p)
        )
    return found


def _looks_like_network(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return False
    return isinstance(data, dict) and "units" in data and "weights" in data


@pytest.mark.parametrize("path", example_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_example_files_load_and_solve(path: Path) -> None:
    net = cr.load(path)
    trace = cr.solve(net)
    assert len(trace) == 1
    json.dumps(trace.to_json(), allow_nan=False)


def test_every_built_in_is_listed_and_shown() -> None:
    listing = cr.examples()
    assert {"exercise-1", "exercise-2", "exercise-3", "chain-1", "aima-21"} <= set(listing)
    for name, title in listing.items():
        assert title == cr.load(name).title
        assert cr.loads(cr.example_text(name)).to_dict() == cr.load(name).to_dict()


def test_a_file_of_a_built_in_name_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A built-in name is a built-in unless a file of that name exists in the folder."""
    monkeypatch.chdir(tmp_path)
    assert cr.load("exercise-1").title == "Exercise 1: simple chain network"
    (tmp_path / "exercise-1").write_text(cr.load("chain-1").to_toml(), encoding="utf-8")
    assert cr.load("exercise-1").title == cr.load("chain-1").title


def test_write_atomic(tmp_path: Path) -> None:
    target = tmp_path / "x.toml"
    write_atomic(target, "one\n")
    write_atomic(target, "two\n")
    assert target.read_text(encoding="utf-8") == "two\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.toml"]
    with pytest.raises(cr.UsageError):
        write_atomic(tmp_path, "x")
    with pytest.raises(cr.UsageError):
        write_atomic(tmp_path / "missing" / "x.toml", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["x.toml"]
