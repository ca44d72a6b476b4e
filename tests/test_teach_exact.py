"""--exact: rational arithmetic for identity/ReLU/leaky-ReLU networks with squared errors."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach.exact import decimal, exact_steps, unsupported
from chainrule.teach.quantities import Graph

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
            graph = Graph(net)  # the Trace's numbers of each step, by the graph's names
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


# -- an independent oracle: the step in fractions.Fraction, from the network dict alone --------

EXACT_ACTIVATIONS = {"identity", "relu", "leaky_relu", "linear"}


def _f(x: Any) -> Fraction:
    return Fraction(repr(float(x["value"] if isinstance(x, dict) else x)))


def _trainable(x: Any) -> bool:
    return not isinstance(x, dict) or bool(x.get("trainable", True))


def fraction_oracle(data: dict[str, Any], steps: int) -> list[dict[str, Fraction]]:
    """Every named quantity of every step, computed here with Fractions and the handout's
    formulas (no chainrule code): the answers-file names of the contract."""
    units = {n: (u if isinstance(u, dict) else {"activation": u}) for n, u in data["units"].items()}
    edges = [tuple(p.strip() for p in k.split("->")) for k in data["weights"]]
    w = {e: _f(v) for e, v in zip(edges, data["weights"].values(), strict=True)}
    w_train = {e: _trainable(v) for e, v in zip(edges, data["weights"].values(), strict=True)}
    b = {u: _f(v) for u, v in data.get("biases", {}).items()}
    b_train = {u: _trainable(v) for u, v in data.get("biases", {}).items()}
    r = _f(data["learning_rate"])
    inputs = [n for n, u in units.items() if u["activation"] == "input"]
    order: list[str] = list(inputs)
    while len(order) < len(units):
        for n in units:
            if n not in order and all(src in order for src, dst in edges if dst == n):
                order.append(n)
    outputs = [n for n in order if not any(src == n for src, _ in edges)]
    cost, k_out = data["cost"], len(outputs)
    samples = data["samples"]
    many = len(samples) > 1
    out = []
    for _ in range(steps):
        values: dict[str, Fraction] = {}
        sum_gw = dict.fromkeys(edges, Fraction(0))
        sum_gb = dict.fromkeys(b, Fraction(0))
        total_cost = Fraction(0)
        for s, sample in enumerate(samples):
            pre = "" if s == 0 else f"sample.{s + 1}."
            a = {n: _f(sample["inputs"][n]) for n in inputs}
            z: dict[str, Fraction] = {}
            slope: dict[str, Fraction] = {}
            for n in order:
                if n in inputs:
                    continue
                z[n] = sum((a[src] * w[(src, dst)] for src, dst in edges if dst == n),
                           Fraction(0)) + b.get(n, Fraction(0))
                act = units[n]["activation"]
                p = _f(units[n].get("slope", 0.01))
                if act in ("identity", "linear"):
                    a[n], slope[n] = z[n], Fraction(1)
                elif act == "relu":
                    a[n], slope[n] = (z[n], Fraction(1)) if z[n] > 0 else (Fraction(0),
                                                                           Fraction(0))
                else:
                    a[n], slope[n] = (z[n], Fraction(1)) if z[n] > 0 else (p * z[n], p)
                values[pre + f"z.{n}"], values[pre + f"a.{n}"] = z[n], a[n]
                values[pre + f"da_dz.{n}"] = slope[n]
            y = {n: _f(sample["targets"][n]) for n in outputs}
            scale = {"squared_error": (1, 2), "half_squared_error": (Fraction(1, 2), 1),
                     "mean_squared_error": (Fraction(1, k_out), Fraction(2, k_out))}[cost]
            c = sum((scale[0] * (a[n] - y[n]) ** 2 for n in outputs), Fraction(0))
            dC_da = {n: scale[1] * (a[n] - y[n]) for n in outputs}
            dC_dz: dict[str, Fraction] = {}
            for n in reversed(order):
                if n in inputs:
                    continue
                if n not in outputs:
                    dC_da[n] = sum((w[(src, dst)] * dC_dz[dst] for src, dst in edges
                                    if src == n), Fraction(0))
                dC_dz[n] = slope[n] * dC_da[n]
                values[pre + f"dC_da.{n}"], values[pre + f"dC_dz.{n}"] = dC_da[n], dC_dz[n]
            total_cost += c
            for src, dst in edges:
                g = a[src] * dC_dz[dst]
                sum_gw[(src, dst)] += g
                if many:
                    values[f"sample.{s + 1}.dC_dw.{src} -> {dst}"] = g
            for u in b:
                sum_gb[u] += dC_dz[u]
                if many:
                    values[f"sample.{s + 1}.dC_db.{u}"] = dC_dz[u]
            if many:
                values[f"sample.{s + 1}.C"] = c
        m = len(samples)
        values["C"] = total_cost / m
        new_w, new_b = dict(w), dict(b)
        for e in edges:
            values[f"dC_dw.{e[0]} -> {e[1]}"] = sum_gw[e] / m
            new_w[e] = w[e] - r * sum_gw[e] / m if w_train[e] else w[e]
        for u in b:
            values[f"dC_db.{u}"] = sum_gb[u] / m
            new_b[u] = b[u] - r * sum_gb[u] / m if b_train[u] else b[u]
        for e in edges:
            values[f"new_w.{e[0]} -> {e[1]}"] = new_w[e]
        for u in b:
            values[f"new_b.{u}"] = new_b[u]
        out.append(values)
        w, b = new_w, new_b
    return out


def printed_value(text: str) -> Fraction:
    """A printed exact value: a decimal in full, or p/q; never cut."""
    assert "..." not in text and "e" not in text.lower(), text
    if "/" in text:
        p, q = text.split("/")
        assert Fraction(int(p), int(q)).denominator == int(q)  # in lowest terms
        return Fraction(int(p), int(q))
    return Fraction(text)


def printed_tables(out: str) -> list[dict[str, Fraction]]:
    """The text output of ``solve --exact`` read back: one {name: value} per step."""
    steps: list[dict[str, Fraction]] = []
    for line in out.splitlines()[1:]:
        if line.startswith("Step "):
            steps.append({})
        elif line.startswith("  "):
            name, value = line.strip().rsplit(None, 1)
            steps[-1][name.strip()] = printed_value(value)
    return steps


def exact_networks() -> list[dict[str, Any]]:
    found = []
    for seed in range(600):
        data = random_network_dict(seed, cost=("squared_error", "half_squared_error",
                                               "mean_squared_error")[seed % 3])
        acts = {u if isinstance(u, str) else u["activation"] for u in data["units"].values()}
        if acts - {"input"} <= EXACT_ACTIVATIONS:
            found.append(data)
    return found


def test_every_printed_exact_number_is_the_independent_fraction_engines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    networks = exact_networks()
    assert len(networks) >= 20
    assert any(len(d["samples"]) == 3 for d in networks)  # a batch of 3: values p/q
    fractions_seen = 0
    for i, data in enumerate(networks[:30]):
        path = tmp_path / f"n{i}.json"
        path.write_text(json.dumps(data))
        assert main(["solve", str(path), "--exact", "--steps", "2"]) == 0
        printed = printed_tables(capsys.readouterr().out)
        want = fraction_oracle(data, 2)
        assert len(printed) == 2
        for got, expected in zip(printed, want, strict=True):
            assert got == expected, (i, {k: (got.get(k), v) for k, v in expected.items()
                                         if got.get(k) != v})
            fractions_seen += sum(v.denominator % 3 == 0 for v in got.values())
        assert main(["solve", str(path), "--exact", "--steps", "2", "--format", "json"]) == 0
        data_out = json.loads(capsys.readouterr().out)
        for step, expected in zip(data_out["steps"], want, strict=True):
            assert {k: printed_value(v) for k, v in step["values"].items()} == expected
    assert fractions_seen > 0
    for name in ("exercise-1", "exercise-2", "chain-1"):
        assert main(["solve", name, "--exact", "--steps", "3"]) == 0
        printed = printed_tables(capsys.readouterr().out)
        net = cr.load(name)
        assert printed == fraction_oracle(net.to_dict(), 3), name


def test_exact_refuses_within_seconds_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    import time

    start = time.perf_counter()
    assert main(["solve", "exercise-2", "--exact", "--steps", "10"]) == 2
    err = capsys.readouterr().err
    assert time.perf_counter() - start < 2.0
    assert err.count("\n") == 1 and "at most 6 step(s)" in err
    assert main(["solve", "exercise-2", "--exact", "--steps", "7"]) == 2  # 48,087 digits: 3 s
    assert "or raise the limit with --max-digits 48087" in capsys.readouterr().err
    assert main(["solve", "exercise-2", "--exact", "--steps", "90000"]) == 2
    err = capsys.readouterr().err
    assert "at most 6 step(s)" in err and "without --exact" in err and "--max-digits" not in err
    # the limit is raised only so far: 10 steps (1.3 million digits) would take half an hour
    assert main(["solve", "exercise-2", "--exact", "--steps", "10", "--max-digits",
                 "100000000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--max-digits must be a whole number from 1 to 200,000" in err
    assert time.perf_counter() - start < 4.0
    # one layer: the digits grow by a few dozen per step, not threefold
    single = {"units": {"x": "input", "y": "identity"}, "weights": {"x -> y": 0.5},
              "samples": [{"inputs": {"x": 1.5}, "targets": {"y": 2}}], "learning_rate": 0.1}
    (tmp_path / "single.json").write_text(json.dumps(single))
    assert main(["solve", str(tmp_path / "single.json"), "--exact", "--steps", "90000"]) == 2
    assert "at most" in capsys.readouterr().err
    # the limit raised: it answers, exactly
    assert main(["solve", "exercise-2", "--exact", "--steps", "3", "--max-digits", "600"]) == 0
    assert len(printed_tables(capsys.readouterr().out)) == 3
    assert main(["solve", "exercise-2", "--exact", "--steps", "3", "--max-digits", "100"]) == 2
    assert "--max-digits" in capsys.readouterr().err
