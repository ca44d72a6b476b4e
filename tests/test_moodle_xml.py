"""`chainrule quiz moodle`: a generated class as Moodle XML (a category, a Cloze question per
variant, a numerical answer per quantity with check's tolerance, the network drawn)."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach.generation import read_variants
from chainrule.teach.moodle_xml import tolerance

CLOZE = re.compile(r"\{1:NUMERICAL:=([^:}]+):([^}]+)\}")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quiz")
    text = cr.example_text("exercise-2")
    hostile = 'title = "Week {1:SHORTANSWER:=x} <script>alert(1)</script> ]]> & more"'
    text = re.sub(r"^title = .*$", hostile, text, count=1, flags=re.M)
    (root / "net.toml").write_text(text, encoding="utf-8")
    assert main(["generate", str(root / "net.toml"), "--count", "3", "--seed",
                 "a-long-enough-secret-for-tests", "-o", str(root / "gen")]) == 0
    return root


def test_the_quiz_is_moodle_xml_with_checks_tolerance(generated: Path) -> None:
    out = generated / "quiz.xml"
    assert main(["quiz", "moodle", str(generated / "gen"), "-o", str(out), "--category",
                 "Week 3"]) == 0
    root = ET.fromstring(out.read_bytes())
    assert root.tag == "quiz"
    category, *questions = list(root)
    assert category.get("type") == "category"
    assert category.findtext("category/text") == "$course$/top/Week 3"
    variants = read_variants(generated / "gen")
    assert len(questions) == len({code for code, _ in variants.values()}) == 3
    networks = {code: cr.load(path) for code, path in variants.values()}
    for q in questions:
        assert q.get("type") == "cloze"
        name = q.findtext("name/text") or ""
        code = name.rsplit(" ", 1)[-1]
        net = networks[code]
        text = q.find("questiontext")
        assert text is not None and text.get("format") == "html"
        body = text.findtext("text") or ""
        # the title is text: escaped, and no brace Moodle's Cloze parser would read
        assert "<script>" not in body and "SHORTANSWER" in body and "{1:SHORT" not in body
        answers = CLOZE.findall(body)
        right = cr.right_answers(net)
        assert len(answers) == len(right) == body.count("NUMERICAL")
        for (value, within), (quantity, expected) in zip(answers, right.items(), strict=True):
            assert float(value) == pytest.approx(expected, rel=1e-9, abs=1e-12)
            if quantity.startswith("new_w."):
                key = tuple(quantity.split(".", 1)[1].split(" -> "))
                old = net.weights[key].value  # type: ignore[index]
                assert float(within) == pytest.approx(tolerance(expected - old), rel=1e-5)
            else:
                assert float(within) == pytest.approx(
                    max(0.01 * abs(expected), 0.51e-4), rel=1e-5)
        image = text.find("file")
        assert image is not None and image.get("encoding") == "base64"
        assert f'src="@@PLUGINFILE@@/{image.get("name")}"' in body
        assert base64.b64decode(image.text or "").startswith(b"<svg")
        feedback = q.findtext("generalfeedback/text") or ""
        assert f"{right['C']:.4f}" in feedback


def test_the_default_category_is_the_folders_name(generated: Path) -> None:
    out = generated / "default.xml"
    assert main(["quiz", "moodle", str(generated / "gen"), "-o", str(out),
                 "--decimals", "3"]) == 0
    root = ET.fromstring(out.read_bytes())
    assert root[0].findtext("category/text") == "$course$/top/gen"
    body = root[1].findtext("questiontext/text") or ""
    assert "to 3 decimals" in body


def test_a_folder_that_is_not_generated_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["quiz", "moodle", str(tmp_path), "-o", str(tmp_path / "q.xml")])
    assert code == 2 and not (tmp_path / "q.xml").exists()
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
