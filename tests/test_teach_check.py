"""`chainrule check` and `answers-template`: the answers file, the tolerance, follow-on marking,
the JSON shape and exit codes of the contract, and bad answers files."""

from __future__ import annotations

import json
import math
import random
import tomllib
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach import AnswersError, check, template
from chainrule.teach.answers import Written, dumps
from chainrule.teach.quantities import Graph, parameters_of, replay

from .strategies import random_network_dict


def right_values(net: cr.Network, step: int = 1) -> dict[str, float]:
    """Every quantity's right value by its answers-file name (read from the Trace)."""
    trace = cr.solve(net, steps=step)
    s = trace.step(step)
    graph = Graph(net)
    expected = graph.expected(s)
    return {n.name: expected[n.index] for n in graph.nodes if n.name and n.kind != "input"}


def rounded(values: dict[str, float], decimals: int) -> dict[str, str]:
    return {k: f"{v:.{decimals}f}" for k, v in values.items()}


def test_the_replay_gives_the_engines_numbers_on_random_networks() -> None:
    for seed in range(150):
        net = cr.load(random_network_dict(seed))
        trace = cr.solve(net, steps=2)
        graph = Graph(net)  # one graph, replayed at each step's weights
        for step in trace:
            computed, _ = replay(graph, parameters=parameters_of(step))
            for node, e, c in zip(graph.nodes, graph.expected(step), computed, strict=True):
                assert math.isclose(e, c, rel_tol=1e-12, abs_tol=1e-12), (seed, node.name)


def test_the_template_names_every_quantity_and_parses() -> None:
    net = cr.load("exercise-2")
    text = template(net)
    data = tomllib.loads(text)
    assert data["step"] == 1 and data["C"] == ""
    assert set(data["a"]) == {"j", "k"} and set(data["dC_dw"]) == {"i -> j", "j -> k"}
    assert "# dC/dw_ij = a_i · dC/dz_j" in text
    assert data["decimals"] == 4
    result = check(net, data)  # a blank file: 0 of the full mark, every quantity unanswered
    assert result.score == 0 and result.max_score == 15 and not result.all_right
    assert {t.status for t in result.tests} == {"unanswered"}


def test_a_batch_template_has_per_sample_tables() -> None:
    net = cr.load(random_network_dict(3, max_samples=3))
    while len(net.samples) < 2:
        net = cr.load(random_network_dict(random.randrange(10**6)))
    data = tomllib.loads(template(net))
    assert "sample" in data and "2" in data["sample"] and "C" in data["sample"]["1"]


@pytest.mark.parametrize("name", ["exercise-1", "exercise-2", "exercise-3", "aima-21"])
def test_the_right_answers_are_all_right(name: str) -> None:
    net = cr.load(name)
    values = right_values(net)
    result = check(net, _nest(values))
    assert result.all_right and result.score == result.max_score == len(values)
    assert not [t for t in result.tests if t.status == "unanswered"]


def _nest(flat: dict[str, float] | dict[str, str], step: int = 1) -> dict[str, object]:
    return tomllib.loads(dumps(flat, step=step))


def test_rounding_to_the_decimals_asked_is_never_wrong() -> None:
    rng = random.Random(5)
    for seed in range(120):
        net = cr.load(random_network_dict(seed))
        values = {k: v for k, v in right_values(net).items() if math.isfinite(v)}
        decimals = rng.randint(0, 6)
        result = check(net, _nest(rounded(values, decimals)), rtol=0.0, decimals=decimals)
        bad = [(t.name, t.given_text, t.expected) for t in result.tests if t.status != "right"]
        assert not bad, (seed, decimals, bad)


def test_fewer_decimals_than_asked_never_widen_the_tolerance() -> None:
    net = cr.load("exercise-2")  # a_k = 0.39732, the sheet asks for 4 decimals
    def status(text: str, **kw: float) -> str:
        answers = {"a": {"k": text}}
        return check(net, answers, **kw).answered[0].status  # type: ignore[arg-type]

    assert status("0.3973") == "right"
    assert status("0.3990") == "right"           # within 1% of 0.39732
    assert status("0.3990", rtol=0.0) == "wrong"  # 4 decimals, off by 1.8e-3
    assert status("0.40", rtol=0.0) == "rounding"  # the right value to 2 decimals: part credit
    assert status("0.4", rtol=0.0) == "wrong"     # one significant digit is not enough
    assert status("0.4", rtol=0.0, decimals=1) == "right"  # a sheet that asks for 1 decimal
    assert status("0.45") == "wrong"
    assert Written.parse("-1.2050").decimals == 4 and Written.parse("3e-2").decimals == 2


def test_rounding_needs_two_significant_digits() -> None:
    from chainrule.teach.marking import Tolerance, is_rounding, significant_digits

    assert [significant_digits(x, d) for x, d in [(0.71, 2), (0.07, 2), (12, 0), (1, 0),
                                                  (0.0, 3), (-1.2, 1)]] == [2, 1, 2, 1, 0, 2]
    tol = Tolerance(0.0, 4)
    assert is_rounding(0.71, 0.7137, 2, tol) and not is_rounding(1, 0.7137, 0, tol)
    assert not is_rounding(0.72, 0.7137, 2, tol)  # not the right value rounded
    assert not is_rounding(0.7137, 0.7137, 4, tol)  # as many decimals as asked: right or wrong
    # an update: 0.92 for 0.9157 from 0.9 shows the update 0.02, one significant digit
    assert not is_rounding(0.92, 0.9157, 2, tol, base=0.9)
    assert is_rounding(0.916, 0.9157, 3, tol, base=0.9)


def test_follow_on_marking_costs_one_mark_for_one_slip() -> None:
    net = cr.load("exercise-2")
    # a slip in dC/da_k (the 2 dropped), everything after it computed correctly from it
    answers = {"a": {"j": 0.602, "k": 0.3973}, "dC_da": {"k": -0.6027}, "dC_dz": {"k": -0.6027},
               "dC_dw": {"j -> k": -0.3628}, "new_w": {"j -> k": 0.6963}}
    result = check(net, answers)
    by = {t.name: t for t in result.tests}
    assert by["dC_da.k"].status == "wrong" and by["dC_da.k"].tags == ["dropped-two"]
    assert [by[n].status for n in ("dC_dz.k", "dC_dw.j -> k", "new_w.j -> k")] == ["follows"] * 3
    assert by["dC_dw.j -> k"].output.startswith("Carried forward: full credit")
    assert "right given your dC/da_k" in by["dC_dw.j -> k"].output
    assert "Wrong" not in by["dC_dw.j -> k"].output
    assert result.score == 5 and result.max_score == 15 and not result.all_right


def test_a_wrong_answer_with_no_known_cause_says_so() -> None:
    result = check(cr.load("exercise-2"), {"a": {"k": 0.91}})
    t = result.answered[0]
    assert t.status == "wrong" and t.tags == []
    assert "cause not recognised" in t.output and "a_k = max(0, z_k)" in t.output


def test_check_json_has_the_contract_shape(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "answers.toml"
    path.write_text('[a]\nj = 0.602\n[dC_da]\nk = -0.6027\n[dC_dz]\nk = -0.6027\n')
    code = main(["check", "exercise-2", str(path), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 3
    assert out["score"] == 2 and out["max_score"] == 15
    tests = [t for t in out["tests"] if t["status"] != "unanswered"]
    first = tests[1]
    assert first["name"] == "dC_da.k" and first["status"] == "wrong"
    assert first["tags"] == ["dropped-two"] and first["expected"] == pytest.approx(-1.20536)
    assert first["given"] == -0.6027 and first["score"] == 0 and first["max_score"] == 1
    assert tests[2]["status"] == "follows" and tests[2]["score"] == 1
    blank = next(t for t in out["tests"] if t["status"] == "unanswered")
    assert blank["score"] == 0 and blank["max_score"] == 1 and blank["given"] is None
    assert {"name", "score", "max_score", "status", "expected", "given", "output",
            "tags"} <= set(first)


def test_check_exit_codes_and_formats(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    net = cr.load("exercise-3")
    path = tmp_path / "a.json"
    path.write_text(json.dumps(_nest(rounded(right_values(net), 4))))
    for fmt in ("text", "markdown", "html", "json"):
        assert main(["check", "exercise-3", str(path), "-f", fmt]) == 0
    out = capsys.readouterr().out
    assert "<!DOCTYPE html>" in out and "| quantity |" in out and "Every answer is right" in out


def test_answers_template_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["answers-template", "exercise-1", "--step", "2", "-o",
                 str(tmp_path / "t.toml")]) == 0
    data = tomllib.loads((tmp_path / "t.toml").read_text())
    assert data["step"] == 2 and "new_w" in data
    # step 2 is marked against step 2's numbers
    values = right_values(cr.load("exercise-1"), step=2)
    assert check(cr.load("exercise-1"), _nest(rounded(values, 5), step=2)).all_right


BAD = {
    "unknown table": ("[q]\nj = 1\n", ["line 1", "q", "valid names are", "dC_dw"]),
    "unknown unit": ("[a]\nj = 0.6\nq = 1\n",
                     ["line 3", "[a] q", "valid names in [a] are i, j, k"]),
    "not a number": ('[a]\nj = "zero point six"\n', ["line 2", "[a] j", "not a number"]),
    "input has no z": ("[z]\ni = 0.7\n", ["[z] i", "has no z", "valid names in [z] are j, k"]),
    "unknown weight": ('[dC_dw]\n"i -> k" = 1\n', ["line 2", '"i -> k"', "weights are i -> j"]),
    "no biases": ("[new_b]\nk = 1\n", ["has no biases"]),
    "bad step": ("step = 0\n", ["step", "whole number"]),
    "bad TOML": ("[a\n", ["not valid TOML"]),
    "no sample 2": ("[sample.2.a]\nj = 1\n", ["no sample", "samples 1 to 1"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_answers_file_is_one_line_and_exit_2(case: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    text, wanted = BAD[case]
    path = tmp_path / "answers.toml"
    path.write_text(text)
    code = main(["check", "exercise-2", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("chainrule: ")
    assert str(path) in err
    for piece in wanted:
        assert piece in err, (piece, err)


def test_the_library_raises_answers_error() -> None:
    with pytest.raises(AnswersError, match="valid names in"):
        check(cr.load("exercise-2"), {"a": {"x": 1}})


def test_a_missing_answers_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "exercise-2", "nope.toml"]) == 2
    assert "no such answers file" in capsys.readouterr().err


def test_a_formula_answer_is_checked_by_sympy_and_at_random_points() -> None:
    net = cr.load("chain-1")  # the handout's dC/dw = 2w - 2
    def mark(formula: str) -> tuple[str, str]:
        t = check(net, {"dC_dw_formula": {"j -> k": formula}}).tests[-1]
        return t.status, t.output

    for right in ("2*w - 2", "2*(w_jk - 1)", "2*w^2/w - 2"):
        status, output = mark(right)
        assert status == "right" and "sympy finds it equal" in output, right
    status, output = mark("w - 1")
    assert status == "wrong" and "2*w_jk - 2" in output
    result = check(cr.load("exercise-2"),
                   {"dC_dw_formula": {"i -> j": "0.98*w_jk^2*w_ij - 1.4*w_jk"}})
    assert result.tests[-1].name == "dC_dw_formula.i -> j" and result.all_right


def test_a_formula_never_reaches_eval() -> None:
    for bad in ("__import__('os').system('true')", "w.subs(w, 1)", "(lambda: 1)()", "q + w"):
        with pytest.raises(AnswersError, match="dC_dw_formula"):
            check(cr.load("chain-1"), {"dC_dw_formula": {"j -> k": bad}})


def test_follows_is_not_credited_far_from_the_students_own_numbers() -> None:
    """A one-decimal answer 0.1 where the student's own numbers give 0.016 is not 'follows'
    (the sheet's 4 decimals give 1.5 tolerances = 7.7e-5); where they give 0.10003, it is;
    never for a degenerate value, and never after right answers only."""
    from chainrule.teach.marking import Tolerance, mark

    tol = Tolerance()
    assert mark(0.1, 0.3, 0.0161, 1, tol, inputs_right=False) == "wrong"
    assert mark(0.1, 0.3, 0.05, 1, tol, inputs_right=False) == "wrong"
    assert mark(0.1, 0.3, 0.10003, 1, tol, inputs_right=False) == "follows"
    assert mark(0.1, 0.3, 0.10003, 1, tol, inputs_right=False, degenerate=True) == "wrong"
    # a small deviation upstream taken as right does not excuse a large one downstream
    assert mark(0.0099, 0.0049, 0.0099, 4, tol, inputs_right=True) == "wrong"
    assert mark(0.0050, 0.00494, 0.0050, 4, tol, inputs_right=True) == "right"


# -- the derivations: the worked solution's own lines ---------------------------------------


def test_the_feedback_derivation_is_the_worked_solutions_line() -> None:
    net = cr.load("exercise-2")
    result = check(net, {"dC_da": {"j": -0.2}, "z": {"k": 0.7}})
    by_name = {t.name: t for t in result.tests}
    right = by_name["dC_da.j"].derivation
    # the numbers: w_jk = 0.66 times dC/dz_k = -1.2054 (the engine's, to 4 decimals)
    assert right == "dC/da_j = w_jk · dC/dz_k = 0.66 · (-1.2054) = -0.7955"
    from chainrule.render import SolutionOptions, render_solution

    solution = render_solution(cr.solve(net), SolutionOptions(format="text"))
    assert right in solution
    assert by_name["z.k"].derivation in solution


def test_a_follows_line_is_worked_from_the_students_own_numbers() -> None:
    net = cr.load("exercise-2")
    result = check(net, {"z": {"k": 0.7}, "dC_da": {"k": -0.6}})
    (follows,) = [t for t in result.tests if t.status == "follows"]
    # a_k = relu(0.7) = 0.7 from the student's z_k, so 2(a_k - y_k) = 2(0.7 - 1) = -0.6
    assert follows.output.endswith("dC/da_k = 2(a_k - y_k) = 2(0.7 - 1) = -0.6")


def test_check_speaks_the_notation_asked_for(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    net = cr.load("aima-21")
    values = right_values(net)
    wrong = {k: (v + 1 if k.startswith(("z.", "dC_dz.")) else v) for k, v in values.items()}
    result = check(net, _nest(wrong), notation="aima")
    symbols = {t.name: t.symbol for t in result.tests}
    assert all(symbols[k].startswith("in_") for k in symbols if k.startswith("z."))
    assert all(symbols[k].startswith("Delta_") for k in symbols if k.startswith("dC_dz."))
    assert not any("dC/dz" in t.output for t in result.tests)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(_nest(wrong)))
    assert main(["check", "aima-21", str(path), "--notation", "aima", "-f", "json"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert any("Delta_" in t["derivation"] for t in out["tests"])


def test_every_wrong_quantity_has_its_line_on_random_networks() -> None:
    for seed in range(4):
        net = cr.load(random_network_dict(seed))
        values = {k: v for k, v in right_values(net).items() if math.isfinite(v)}
        wrong = {k: v * 1.5 + 1 for k, v in values.items()}
        for t in check(net, _nest(wrong)).tests:
            if t.status == "wrong":
                symbol = t.symbol.removeprefix(t.symbol.split(") ")[0] + ") ")
                assert symbol in t.derivation, (seed, t.name, t.derivation)


def test_the_feedback_page_typesets_each_derivation_as_the_solution_does() -> None:
    from chainrule.render.html import render as html_of
    from chainrule.teach.feedback import document, render

    net = cr.load("exercise-2")
    result = check(net, {"dC_da": {"j": -0.2}})
    page = render(result, "html")
    from chainrule.explain.derivation import derivation, equations

    (line,) = [eq for eq in equations(derivation(cr.solve(net), unit="j"))
               if eq.lhs.text == "dC/da_j"]
    assert line in [b for s in document(result).sections for b in s.blocks]
    assert "0.7955" in page and html_of(document(result)) == page


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[cr.Network]:
    """The networks a step graph is built for while the test runs, in order."""
    networks: list[cr.Network] = []
    init = Graph.__init__

    def counted(self: Graph, network: cr.Network) -> None:
        networks.append(network)
        init(self, network)

    monkeypatch.setattr(Graph, "__init__", counted)
    return networks


def test_every_step_is_a_replay_of_one_graph(built: list[cr.Network]) -> None:
    """check builds the network's step graph once and replays it at each step's weights:
    the right key of steps 1 to 3 is all right, and a mistake planted at step 3 (the same graph
    replayed at step 3's weights with one rule swapped) is found and named there."""
    from chainrule.teach.checking import Checker
    from chainrule.teach.mistakes import planted, sites

    net = cr.load("exercise-2")
    trace = cr.solve(net, steps=3)
    keys = {n: right_values(net, step=n) for n in (1, 2, 3)}
    graph = Graph(net)
    site = next(s for s in sites(graph) if s.mistake == "sign-of-update")
    wrong = planted(graph, site, parameters_of(trace.step(3)))
    sheet = {n.name: wrong[n.index] for n in graph.nodes if n.name and n.kind != "input"}
    built.clear()  # count from here: the check alone
    checker = Checker(net)
    for n in (1, 2, 3):
        assert checker.check(_nest(rounded(keys[n], 5), step=n)).all_right, n
    result = checker.check(_nest(rounded(sheet, 5), step=3))
    first = result.first_wrong
    assert first is not None and first.name == graph.nodes[site.node].name
    assert first.tags == ["sign-of-update"], first.output
    assert len(built) == 1  # one graph for the whole check, every step a replay of it


@pytest.mark.parametrize("asked", [None, ["a.j", "dC_da.k", "C"]])
def test_check_answers_builds_one_graph(
    built: list[cr.Network], tmp_path: Path, asked: list[str] | None
) -> None:
    """chainrule.check_answers and the autograders' mark_file read, mark and list the
    unanswered quantities with one step graph (issue 15), and mark as before."""
    import xml.etree.ElementTree as ET

    from chainrule.teach.results_formats import mark_file

    net = cr.load("exercise-2")
    sheet = tmp_path / "answers.toml"
    sheet.write_text('[a]\nj = "0.602"\n[dC_da]\nk = "-0.6027"\n')
    result = cr.check_answers(net, sheet, asked=asked)
    assert len(built) == 1
    tests = {t.name: (t.status, t.tags) for t in result.tests}
    assert tests["a.j"] == ("right", []) and tests["dC_da.k"] == ("wrong", ["dropped-two"])
    assert result.max_score == (15 if asked is None else 3)
    built.clear()
    marked = mark_file(net, str(sheet))
    assert not isinstance(marked, str) and len(built) == 1
    assert marked.score == 1 and marked.max_score == 15
    # the right answers and a Moodle question: one graph each too
    built.clear()
    assert cr.right_answers(net, decimals=4)["dC_dw.j -> k"] == -0.7256
    assert len(built) == 1
    from chainrule.teach.moodle_xml import question

    built.clear()
    text = ET.tostring(question(net, name="q", image="q.svg"), encoding="unicode")
    assert len(built) == 1 and "-0.7256" in text


def test_a_mistake_is_told_in_the_notation_asked_for() -> None:
    """The mistake's detail uses the feedback's symbols: AIMA's Loss, Delta and alpha."""
    net = cr.load("exercise-2")
    sheet = {"dC_da": {"k": "-0.6027"}, "dC_dz": {"k": "-1.2054"},
             "new_w": {"j -> k": "0.5875"}}
    aima = {t.name: t for t in check(net, sheet, notation="aima").tests}
    handout = {t.name: t for t in check(net, sheet).tests}
    assert aima["dC_da.k"].mistakes[0].detail == "dLoss/da_k = (a_k - y_k) instead of 2(a_k - y_k)"
    assert handout["dC_da.k"].mistakes[0].detail == "dC/da_k = (a_k - y_k) instead of 2(a_k - y_k)"
    assert aima["new_w.j -> k"].tags == ["sign-of-update"]
    assert "alpha · dLoss/dw_(j,k)" in aima["new_w.j -> k"].output
    assert not any("dC/" in t.output for t in aima.values())


def test_an_a_written_as_0_gives_valid_json(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # softmax + cross entropy: a_k2 = 0.0000432 written as 0.0 is right (within 0.51e-4), and the
    # cost worked from it (-ln 0) is no number: check --format json still writes valid JSON
    net = tmp_path / "net.toml"
    net.write_text(
        'title = "softmax"\ncost = "categorical_cross_entropy"\nlearning_rate = 0.1\n'
        '[units]\nx1 = "input"\nx2 = "input"\nk1 = "softmax"\nk2 = "softmax"\n'
        '[weights]\n"x1 -> k1" = 5.0\n"x1 -> k2" = -5.0\n"x2 -> k1" = 0.3\n"x2 -> k2" = 0.2\n'
        '[[samples]]\ninputs = { x1 = 1.0, x2 = 0.5 }\ntargets = { k1 = 0.0, k2 = 1.0 }\n')
    answers = tmp_path / "a.toml"
    answers.write_text("step = 1\ndecimals = 4\nC = 99\n[a]\nk1 = 1\nk2 = 0.0\n")
    assert main(["check", str(net), str(answers), "--format", "json"]) == 3
    result = json.loads(capsys.readouterr().out)
    cost = next(t for t in result["tests"] if t["name"] == "C")
    assert cost["status"] == "wrong" and cost["follow_on"] is None
