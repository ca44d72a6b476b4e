"""--exact: rational arithmetic for identity/ReLU/leaky-ReLU networks with squared errors."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach.exact import decimal, exact_steps, unsupported
from chainrule.teach.quantities import graph_of_step

from .strategies import random_network_dict


def test_the_handouts_exercise_2_is_exact() -> None:
    values = exact_steps(cr.load("exercise-2"))[0]
    assert values["new_w.i -> j"] == Fraction("0.915687632")
    assert values["dC_dw.j -> k"] == Fraction("-0.72562672")
    assert values["C"] == Fraction("0.3632231824")
    assert decimal(values["new_w.i -> j"]) == "0.915687632"


def test_exact_values_are_the_engines_on_random_networks() -> None:
    tried = 0
    for seed in range(400):
        net = cr.load(random_network_dict(seed, cost="squared_error"))
        if unsupported(net):
            continue
        tried += 1
        trace = cr.solve(net, steps=2)
        for step, exact in zip(trace, exact_steps(net, 2), strict=True):
            graph = graph_of_step(net, step)
            expected = graph.expected(step)
            for node in graph.nodes:
                if node.name and node.kind != "input":
                    e = expected[node.index]
                    assert math.isclose(float(exact[node.name]), e, rel_tol=1e-9,
                                        abs_tol=1e-12), (seed, node.name)
    assert tried >= 20


def test_where_it_cannot_it_says_why() -> None:
    with pytest.raises(cr.UsageError, match="u3 is sigmoid"):
        exact_steps(cr.load("aima-21"))
    assert decimal(Fraction(1, 3)) == "1/3" and decimal(Fraction(-7, 30)) == "-7/30"
    assert decimal(Fraction(-1, 8)) == "-0.125" and decimal(Fraction(25, 2)) == "12.5"
    assert decimal(Fraction(0)) == "0" and decimal(Fraction(-300)) == "-300"


def test_solve_exact(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "exercise-2", "--exact"]) == 0
    out = capsys.readouterr().out
    assert "new_w.i -> j  0.915687632" in out
    assert main(["solve", "exercise-1", "--exact", "--steps", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["exact"] is True and len(data["steps"]) == 2
    assert main(["solve", "aima-21", "--exact"]) == 2
    assert "sigmoid" in capsys.readouterr().err


def test_generate_exact_keys(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert main(["generate", "exercise-2", "--count", "2", "--exact", "-o", str(out)]) == 0
    key = (out / "instructor" / "keys" / "v01-exact.md").read_text()
    values = exact_steps(cr.load(out / "sheets" / "v01" / "network.toml"))[0]
    assert decimal(values["new_w.i -> j"]) in key
    assert main(["generate", "aima-21", "--count", "1", "--exact", "-o",
                 str(tmp_path / "t")]) == 2
