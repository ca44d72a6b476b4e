"""`chainrule generate` and `chainrule grade`: the folders of the contract, reproducible and
private variants, grading a folder or a CSV, missing submissions, nothing overwritten."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach.answers import dumps
from chainrule.teach.generation import read_roster
from chainrule.teach.quantities import Graph
from chainrule.teach.variants import variant_code, variant_seed


def right_sheet(network: Path, decimals: int = 4, change: dict[str, float] | None = None
                ) -> str:
    net = cr.load(network)
    step = cr.solve(net).step(1)
    graph = Graph(net)
    expected = graph.expected(step)
    values = {n.name: f"{expected[n.index]:.{decimals}f}" for n in graph.nodes
              if n.name and n.kind != "input"}
    for name, factor in (change or {}).items():
        values[name] = f"{float(values[name]) * factor:.{decimals}f}"
    return dumps(values)


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("student,name\nalice,Alice\nbob,Bob\ncarol,Carol\n")
    return path


def generate(tmp_path: Path, roster: Path, name: str = "sheets", *extra: str) -> Path:
    out = tmp_path / name
    code = main(["generate", "exercise-2", "--students", str(roster), "--seed", "s3cret",
                 "-o", str(out), *extra])
    assert code == 0
    return out


def test_generate_writes_the_contract_folders(tmp_path: Path, roster: Path) -> None:
    out = generate(tmp_path, roster)
    assert sorted(p.name for p in out.iterdir()) == ["instructor", "sheets"]
    rows = list(csv.DictReader((out / "instructor" / "variants.csv").read_text().splitlines()))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]
    for row in rows:
        folder = out / "sheets" / row["student"]
        assert row["folder"] == f"sheets/{row['student']}"
        assert sorted(p.name for p in folder.iterdir()) == [
            "answers.toml", "network.toml", "sheet.html", "sheet.md", "sheet.tex"]
        net = cr.load(folder / "network.toml")  # solvable by chainrule solve
        assert [u.name for u in net.units] == ["i", "j", "k"]
        assert row["variant"] in (folder / "sheet.md").read_text()
        assert row["variant"] == variant_code("s3cret", "Backpropagation", row["student"])
        assert tomllib.loads((folder / "answers.toml").read_text())["step"] == 1
        key = out / row["key_md"]
        assert key == out / "instructor" / "keys" / f"{row['student']}.md"
        assert "Step 1" in key.read_text()
        assert (out / "instructor" / "class-key.html").read_text().startswith("<!DOCTYPE html>")
    assert "class key" in (out / "instructor" / "class-key.md").read_text()
    assert not (out / "instructor" / "secret.txt").exists()  # the secret was given
    # different students, different numbers
    nets = [cr.load(out / r["folder"] / "network.toml") for r in rows]
    assert len({tuple(p.value for p in n.weights.values()) for n in nets}) == 3


def test_no_file_under_sheets_reveals_an_answer(tmp_path: Path, roster: Path) -> None:
    out = generate(tmp_path, roster)
    for row in csv.DictReader((out / "instructor" / "variants.csv").read_text().splitlines()):
        net = cr.load(out / row["folder"] / "network.toml")
        step = cr.solve(net).step(1)
        graph = Graph(net)
        expected = graph.expected(step)
        given = {p.value for p in net.weights.values()} | {
            v for s in net.samples for v in (*s.inputs.values(), *s.targets.values())}
        answers = {f"{expected[n.index]:.4f}" for n in graph.nodes
                   if n.name and n.kind != "input" and expected[n.index] not in given
                   and abs(expected[n.index]) not in (0.0, 1.0)}
        assert len(answers) > 8
        for file in (out / row["folder"]).iterdir():
            text = file.read_text()
            shown = {a for a in answers if a in text or a.rstrip("0") in text.split()}
            assert not shown, (file.name, shown)
            assert "chainrule check" not in text  # the self-check hint is opt-in


def test_the_self_check_hint_is_opt_in(tmp_path: Path, roster: Path) -> None:
    out = generate(tmp_path, roster, "p", "--self-check")
    assert "chainrule check network.toml answers.toml" in (
        out / "sheets" / "alice" / "sheet.md").read_text()


def test_generate_is_reproducible_byte_for_byte(tmp_path: Path, roster: Path) -> None:
    a, b = generate(tmp_path, roster, "a"), generate(tmp_path, roster, "b")
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) == 3 * 5 + 3 + 3
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_without_a_secret_one_is_drawn_and_kept(tmp_path: Path, roster: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAINRULE_SECRET", raising=False)
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["generate", "exercise-2", "--students", str(roster), "-o", str(a)]) == 0
    err = capsys.readouterr().err
    secret_file = a / "instructor" / "secret.txt"
    assert str(secret_file) in err and "drew a random" in err
    secret = secret_file.read_text().strip()
    assert len(secret) >= 32 and secret != "0"
    assert secret_file.stat().st_mode & 0o077 == 0
    assert secret not in "".join(p.read_text() for p in (a / "sheets").rglob("*.*"))
    # given back from the file (out of shell history), the same sheets, with no warning
    assert main(["generate", "exercise-2", "--students", str(roster), "--secret-file",
                 str(secret_file), "-o", str(b)]) == 0
    assert "warning" not in capsys.readouterr().err
    for f in (a / "sheets").rglob("*"):
        if f.is_file():
            assert f.read_bytes() == (b / f.relative_to(a)).read_bytes()
    # and from the environment
    monkeypatch.setenv("CHAINRULE_SECRET", secret)
    assert main(["generate", "exercise-2", "--students", str(roster), "-o",
                 str(tmp_path / "c")]) == 0
    assert not (tmp_path / "c" / "instructor" / "secret.txt").exists()
    assert (tmp_path / "c" / "instructor" / "variants.csv").read_bytes() == (
        a / "instructor" / "variants.csv").read_bytes()


def test_a_short_secret_gets_a_warning(tmp_path: Path, roster: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    generate(tmp_path, roster)
    assert "warning: --seed: the secret is short" in capsys.readouterr().err
    assert main(["generate", "exercise-2", "--count", "1", "--seed", "x",
                 "--secret-file", str(roster), "-o", str(tmp_path / "z")]) == 2


def test_the_variant_code_comes_from_a_stretched_keyed_hash() -> None:
    import hashlib
    import hmac

    key = hashlib.pbkdf2_hmac("sha256", b"s3cret", b"chainrule variants", 100_000)
    mac = hmac.new(key, b"chainrule\0variant\0A\0alice", hashlib.sha256).digest()
    assert variant_seed("s3cret", "A", "alice") == int.from_bytes(mac[:8], "big")
    # a guess of the secret costs the stretching: the plain hash of old does not give the code
    plain = hashlib.sha256(b"chainrule variant\0s3cret\0A\0alice").digest()
    assert variant_seed("s3cret", "A", "alice") != int.from_bytes(plain[:8], "big")


def test_variants_are_private_to_the_secret() -> None:
    assert variant_seed("s3cret", "A", "alice") != variant_seed("other", "A", "alice")
    assert variant_seed("s3cret", "A", "alice") != variant_seed("s3cret", "B", "alice")
    assert variant_code("s3cret", "A", "alice") != variant_code("s3cret", "A", "bob")


def test_nothing_is_overwritten_without_force(tmp_path: Path, roster: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = generate(tmp_path, roster)
    before = (out / "instructor" / "variants.csv").read_bytes()
    code = main(["generate", "exercise-2", "--count", "2", "-o", str(out)])
    assert code == 2 and "not empty" in capsys.readouterr().err
    assert (out / "instructor" / "variants.csv").read_bytes() == before
    assert main(["generate", "exercise-2", "--count", "2", "-o", str(out), "--force"]) == 0


def test_generate_from_layers_and_count(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert main(["generate", "--layers", "2,2,1", "--activation", "sigmoid", "--biases",
                 "--learning-rate", "1", "--count", "3", "-o", str(out)]) == 0
    net = cr.load(out / "sheets" / "v01" / "network.toml")
    assert len(net.weights) == 6 and len(net.biases) == 3
    assert net.unit["j1"].activation == "sigmoid"


def test_a_roster_with_a_bad_id(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("student\nalice\nbad/../id\n")
    with pytest.raises(cr.UsageError, match="line 3"):
        read_roster(path)


def test_grade_a_folder_of_submissions(tmp_path: Path, roster: Path) -> None:
    sheets = generate(tmp_path, roster)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.toml").write_text(right_sheet(sheets / "sheets" / "alice" / "network.toml"))
    (subs / "bob.toml").write_text(right_sheet(sheets / "sheets" / "bob" / "network.toml",
                                               change={"dC_da.k": 0.5}))
    out = tmp_path / "grades"
    assert main(["grade", str(sheets), str(subs), "-o", str(out)]) == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").read_text().splitlines())}
    assert rows["alice"]["score"] == rows["alice"]["max_score"] == "15"
    assert rows["bob"]["score"] == "14" and rows["bob"]["dC_da.k"] == "0"
    assert rows["carol"]["score"] == ""  # missing: reported, not zero
    bob = json.loads((out / "bob.json").read_text())
    assert bob["score"] == 14 and any(t["tags"] == ["dropped-two"] for t in bob["tests"])
    assert (out / "bob.html").read_text().startswith("<!DOCTYPE html>")
    report = (out / "report.md").read_text()
    assert "dropped-two" in report
    assert "33% of the class (1 of the 3 students on the roster)" in report
    assert "carol" in report and "no submission" in report
    assert (out / "report.html").is_file()
    # nothing overwritten without --force
    assert main(["grade", str(sheets), str(subs), "-o", str(out)]) == 2


def test_grade_a_csv_with_weights_and_a_bad_submission(tmp_path: Path, roster: Path) -> None:
    sheets = generate(tmp_path, roster)
    lines = ["student_id,variant,quantity,answer"]
    alice = tomllib.loads(right_sheet(sheets / "sheets" / "alice" / "network.toml"))
    for w, value in alice["new_w"].items():
        lines.append(f"alice,,new_w.{w},{value}")
    lines.append("bob,,a.q,1")  # not a quantity: bob's submission is unreadable
    (tmp_path / "answers.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "grading.toml").write_text('[weights]\n"new_w.*" = 5\n"da_dz.*" = 0\n')
    out = tmp_path / "g"
    assert main(["grade", str(sheets), str(tmp_path / "answers.csv"), "-o", str(out),
                 "--config", str(tmp_path / "grading.toml")]) == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").read_text().splitlines())}
    assert rows["alice"]["score"] == "10" and rows["alice"]["max_score"] == "21"
    assert "da_dz.k" not in rows["alice"]
    assert rows["bob"]["score"] == ""
    assert "unreadable" in (out / "report.md").read_text()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_generate_pdf_sheets_reproducibly(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["generate", "exercise-2", "--count", "1", "--pdf", "-o",
                     str(tmp_path / name), "--seed", "a long enough secret for tests"]) == 0
    first = (tmp_path / "a" / "sheets" / "v01" / "sheet.pdf").read_bytes()
    again = (tmp_path / "b" / "sheets" / "v01" / "sheet.pdf").read_bytes()
    assert first.startswith(b"%PDF") and first == again
    assert pdf_pages(first) == 1  # one printed page, with the network drawn
    assert "\\begin{picture}" in (tmp_path / "a" / "sheets" / "v01" / "sheet.tex").read_text()


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF (pdfinfo reads pdflatex's compressed object streams too)."""
    import re
    import subprocess
    import tempfile

    if shutil.which("pdfinfo") is None:
        pytest.skip("needs pdfinfo (poppler-utils) to count pages")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, timeout=30,
                              check=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert found, info
    return int(found.group(1))


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_a_larger_sheet_still_prints_on_one_page(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert main(["generate", "--layers", "2,2,2", "--biases", "--samples", "2", "--count", "1",
                 "--pdf", "-o", str(out), "--seed", "a long enough secret for tests"]) == 0
    assert pdf_pages((out / "sheets" / "v01" / "sheet.pdf").read_bytes()) == 1


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs chromium")
def test_the_html_sheet_and_the_class_key_print_whole(tmp_path: Path) -> None:
    """Printed by Chromium: the sheet on one page, with the diagram; every column of the class
    key on the page (none cut off)."""
    import subprocess

    out = tmp_path / "s"
    assert main(["generate", "--layers", "2,2,2", "--biases", "--samples", "2", "--count", "3",
                 "-o", str(out), "--seed", "a long enough secret for tests"]) == 0
    sheet = out / "sheets" / "v01" / "sheet.html"
    assert "<svg" in sheet.read_text()
    for page, pages in ((sheet, {1}), (out / "instructor" / "class-key.html", {1, 2})):
        pdf = tmp_path / f"{page.stem}.pdf"
        # a profile of its own (nothing shared with another Chromium on the machine), and
        # Chromium's own words if it printed nothing (not a bare FileNotFoundError)
        done = subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                               f"--user-data-dir={tmp_path / 'profile'}", "--no-first-run",
                               f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()],
                              capture_output=True, text=True, timeout=120, check=False)
        assert pdf.exists(), (page.name, done.returncode, done.stderr[-2000:])
        assert pdf_pages(pdf.read_bytes()) in pages, page.name
    key = (out / "instructor" / "class-key.md").read_text()
    assert key.count("| student | variant |") == 4  # 13 gradients, 12 updates: 8 a table


def test_the_sheets_decimals_are_generates_and_grade_marks_with_them(
        tmp_path: Path, roster: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``generate --decimals D`` is the contract's sheet decimals: written on sheet.md, .html and
    .tex and in answers.toml, the class key worked to them, and ``grade``'s tolerance by
    default; ``--given-decimals`` sets the given numbers'."""
    sheets = generate(tmp_path, roster, "sheets", "--decimals", "2", "--given-decimals", "1")
    alice = sheets / "sheets" / "alice"
    for name in ("sheet.md", "sheet.html", "sheet.tex"):
        assert "Round your answers to 2 decimals" in (alice / name).read_text(), name
    assert tomllib.loads((alice / "answers.toml").read_text())["decimals"] == 2
    assert "rounded to 2 decimals" in (sheets / "instructor" / "class-key.md").read_text()
    net = cr.load(alice / "network.toml")
    given = [p.value for p in net.weights.values()] + [
        v for s in net.samples for v in (*s.inputs.values(), *s.targets.values())]
    assert all(round(v, 1) == v for v in given)
    # right to 2 decimals is right: the tolerance is the sheet's, 0.0051
    subs = tmp_path / "subs"
    subs.mkdir()
    for student in ("alice", "bob", "carol"):
        (subs / f"{student}.toml").write_text(
            right_sheet(sheets / "sheets" / student / "network.toml", decimals=2))
    out = tmp_path / "grades"
    assert main(["grade", str(sheets), str(subs), "-o", str(out)]) == 0
    rows = list(csv.DictReader((out / "grades.csv").read_text().splitlines()))
    assert all(r["score"] == r["max_score"] == "15" for r in rows), rows
    # the same answers against a sheet that asks for 4 are rounding, not right
    capsys.readouterr()
    four = generate(tmp_path, roster, "four")
    for student in ("alice", "bob", "carol"):
        (subs / f"{student}.toml").write_text(
            right_sheet(four / "sheets" / student / "network.toml", decimals=2))
    assert main(["grade", str(four), str(subs), "-o", str(tmp_path / "g4")]) == 0
    rows = list(csv.DictReader((tmp_path / "g4" / "grades.csv").read_text().splitlines()))
    assert all(float(r["score"]) < 15 for r in rows), rows
    # and with --decimals 2 grade is told the sheets' decimals
    assert main(["grade", str(four), str(subs), "-o", str(tmp_path / "g2"),
                 "--decimals", "2"]) == 0
    rows = list(csv.DictReader((tmp_path / "g2" / "grades.csv").read_text().splitlines()))
    assert all(r["score"] == "15" for r in rows), rows


@pytest.mark.parametrize("flags", [["--decimals", "0"], ["--decimals", "16"],
                                   ["--given-decimals", "7"]])
def test_generate_refuses_decimals_out_of_range(tmp_path: Path, roster: Path, flags: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", "exercise-2", "--students", str(roster), "--seed", "s3cret",
                 "-o", str(tmp_path / "out"), *flags])
    err = capsys.readouterr().err
    assert code == 2 and flags[0] in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [["aima-21"],
                                  ["--layers", "2,2,1", "--activation", "sigmoid"],
                                  ["--layers", "2,2,1", "--activation", "sigmoid", "--biases"],
                                  ["--layers", "2,2,1", "--activation", "sigmoid", "--samples",
                                   "2"]])
def test_sigmoid_networks_and_aima_21_have_good_variants(args: list[str], tmp_path: Path) -> None:
    """An update's mistakes are told apart on the update, as they are marked: w + r dC/dw
    against w - r dC/dw differ by 2 r dC/dw, which is small beside w but not beside the update
    (compared on w, no sigmoid network nor aima-21 had a good variant in 2000 draws)."""
    assert main(["generate", *args, "--count", "2", "--seed", "a-long-enough-secret-x", "-o",
                 str(tmp_path / "g")]) == 0
    assert len(list((tmp_path / "g" / "sheets").iterdir())) == 2
