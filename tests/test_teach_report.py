"""``grade``'s report teaches: the first wrong step of each student and their histogram,
mistakes as a share of the roster, % right per quantity that does not count carried-forward
answers against the quantity, causes not recognised per quantity, and copying flagged."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import chainrule as cr
from chainrule.render.markdown import render as markdown
from chainrule.teach.answers import dumps
from chainrule.teach.generation import generate, read_variants
from chainrule.teach.grading import ClassGrades, grade, report
from chainrule.teach.mistakes import planted, sites
from chainrule.teach.quantities import Graph

STUDENTS = [f"s{i}" for i in range(8)]


def _key(network_file: Path) -> tuple[object, list[float]]:
    net = cr.load(str(network_file))
    step = cr.solve(net).step(1)
    graph = Graph(net)
    return graph, graph.expected(step)


@cache
def graded(root: str) -> ClassGrades:
    """s0, s1: right; s2, s3: dropped the 2; s4: copied s5's key; s5: zeros; s6: blank;
    s7: nothing handed in."""
    base = Path(root)
    generate(cr.load("exercise-2"), base / "gen", students=STUDENTS,
             seed="a-long-secret-for-the-report-tests")
    roster = read_variants(base / "gen")
    keys = {s: _key(f) for s, (_, f) in roster.items()}
    subs = base / "subs"
    subs.mkdir()
    for student in STUDENTS[:7]:
        graph, expected = keys[student]
        if student in ("s2", "s3"):
            site = next(x for x in sites(graph) if x.mistake == "dropped-two")  # type: ignore[arg-type]
            values = planted(graph, site)  # type: ignore[arg-type]
        elif student == "s4":
            values = keys["s5"][1]
        elif student == "s5":
            values = [0.0] * len(expected)
        else:
            values = expected
        text = "" if student == "s6" else dumps({
            n.name: f"{values[n.index]:.4f}" for n in graph.nodes  # type: ignore[attr-defined]
            if n.name and n.kind != "input"})
        (subs / f"{student}.toml").write_text(text)
    return grade(base / "gen", subs)


def test_the_report_teaches(tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    grades = graded(str(tmp_path_factory.mktemp("class")))
    by = {g.student: g for g in grades.students}
    assert by["s0"].score == by["s0"].max_score == 15
    assert by["s2"].score == 14  # one slip, everything after it carried forward
    assert by["s4"].score <= 0.2 * 15 and by["s5"].score <= 0.2 * 15
    assert by["s6"].score == 0 and by["s6"].result is not None  # blank: 0 of the full mark
    assert by["s4"].copied is not None and by["s4"].copied[0] == "s5"
    assert all(g.copied is None for g in grades.students if g.student != "s4")
    text = markdown(report(grades))
    # mistakes as a share of the roster (8 students), not of the 7 graded
    assert "25% of the class (2 of the 8 students on the roster) made the mistake " \
           "dropped-two" in text
    assert "| s2 | dC\\_da.k |" in text and "| s0 | none |" in text
    assert "## First wrong steps" in text and "## Possible copying" in text
    assert "| s4 | " in text.split("## Possible copying")[1]
    # % right per quantity leaves the carried-forward answers out: the two students who dropped
    # the 2 carried it into dC/dz_k, which is right for every student who did not copy or guess
    row = next(line for line in text.splitlines() if line.startswith("| dC\\_dz.k |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    answered, right, carried = int(cells[1]), int(cells[2]), int(cells[3])
    assert carried == 2 and cells[-1] == f"{100 * right / (answered - carried):.0f}%"
    # C comes in its place, after the forward pass
    assert grades.quantities.index("C") == grades.quantities.index("a.k") + 1


MINE = {"a": {"j": 0.602, "k": 0.3973}, "dC_da": {"k": -0.6027}, "dC_dz": {"k": -0.6027},
        "dC_dw": {"j -> k": -0.3628, "i -> j": "0.56"}}


def test_checks_html_typesets_the_symbols_and_marks_wrong_answers() -> None:
    from chainrule.teach import check
    from chainrule.teach.feedback import render

    page = render(check(cr.load("exercise-2"), MINE), "html")
    table = page.split("<table", 1)[1].split("</table>", 1)[0]
    assert table.count("<math") >= 15  # every symbol as math, not dC/da_k text
    rows = [r for r in table.split("<tr") if "WRONG" in r]
    assert len(rows) == 2 and all(r.startswith(' class="wrong"') for r in rows)
    assert table.count('class="wrong"') == 2
    # the first wrong step's section comes first, its heading typeset too
    notes = page.split("What went wrong", 1)[1]
    assert notes.index("dC_da.k") < notes.index("dC_dz.k") < notes.index("dC_dw.j -&gt; k")
    assert "<h3><math" in notes


def test_checks_table_is_one_table_at_80_columns(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from chainrule.teach import check
    from chainrule.teach.feedback import render

    monkeypatch.setenv("COLUMNS", "80")
    text = render(check(cr.load("exercise-2"), MINE), "text")
    table = text.split("quantity", 1)[1].split("What went wrong", 1)[0]
    assert all(len(line) <= 80 for line in text.splitlines())
    assert table.count("┃") == 4  # one header row: one table, five columns
    names = [line.split("│")[0].strip() for line in table.splitlines() if "│" in line]
    assert names[:6] == ["z.j", "a.j", "z.k", "a.k", "C", "dC_da.k"]  # C in its place
    carried = text.split("(dC_dz.k): you wrote -0.6027", 1)[1].split("\n\n", 1)[0]
    assert "Carried forward: full credit" in carried and "Wrong" not in carried


def test_the_json_agrees_with_grades_csv(tmp_path: Path) -> None:
    """Each test's points in <student>.json are grades.csv's cell (the config's weights and
    credit), and they add up to the score and the full mark."""
    import csv
    import json

    from chainrule.teach.grading import GradingConfig, write

    base = tmp_path / "class"
    base.mkdir()
    graded(str(base))  # writes the class; grade it again with a config
    config = GradingConfig.from_dict({"credit": {"rounding": 0.0, "follows": 0.5},
                                      "weights": {"new_w.*": 2, "da_dz.*": 0}})
    grades = grade(base / "gen", base / "subs", config=config)
    write(grades, tmp_path / "out")
    text = (tmp_path / "out" / "grades.csv").read_text()
    rows = {r["student"]: r for r in csv.DictReader(text.splitlines())}
    for student in ("s0", "s2", "s4", "s6"):
        data = json.loads((tmp_path / "out" / f"{student}.json").read_text())
        row = rows[student]
        assert float(row["score"]) == data["score"] and float(row["max_score"]) == 15
        assert sum(t["max_score"] for t in data["tests"]) == data["max_score"] == 15
        assert sum(t["score"] for t in data["tests"]) == data["score"]
        for t in data["tests"]:
            cell = row[t["name"]]
            assert (float(cell) if cell else 0) == t["score"], (student, t["name"])
    assert "da_dz.k" not in rows["s0"]


def test_grade_caps_gaming_sheets_at_a_fifth_of_the_weighted_points(tmp_path: Path) -> None:
    """In ``grade`` the 20% is of the points its config gives: with the slopes (right as 1 on
    every variant) worth 5 points each, a sheet of ones, of whole numbers or copied from a
    classmate's key still earns at most a fifth of the points, and the right key all of them."""
    from chainrule.teach.grading import GradingConfig

    students = ["s0", "s1", "s2", "s3"]
    generate(cr.load("exercise-3"), tmp_path / "gen", students=students,
             seed="a-long-secret-for-the-gaming-tests")
    roster = read_variants(tmp_path / "gen")
    keys = {s: _key(f) for s, (_, f) in roster.items()}
    subs = tmp_path / "subs"
    subs.mkdir()
    for student in students:
        graph, expected = keys[student]
        text = {"s0": lambda i: f"{expected[i]:.4f}",  # noqa: B023
                "s1": lambda i: "1",
                "s2": lambda i: f"{expected[i]:.0f}",  # noqa: B023
                "s3": lambda i: f"{keys['s0'][1][i]:.4f}"}[student]
        (subs / f"{student}.toml").write_text(dumps({
            n.name: text(n.index) for n in graph.nodes  # type: ignore[attr-defined]
            if n.name and n.kind != "input"}))
    config = GradingConfig.from_dict({"weights": {"da_dz.*": 5}})
    by = {g.student: g for g in grade(tmp_path / "gen", subs, config=config).students}
    assert by["s0"].score == by["s0"].max_score > 0
    for student in ("s1", "s2", "s3"):
        assert by[student].score <= 0.2 * by[student].max_score, (student, by[student].score)
