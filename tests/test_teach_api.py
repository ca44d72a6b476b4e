"""The stable teaching API (docs/api.md) and the PrairieLearn question example in docs/, run
through generate() and grade() with PrairieLearn's data dict shapes."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import chainrule as cr
from chainrule.teach.variants import Rules, problems

from .test_teach_formats import validate_gradescope, validate_prairielearn

ROOT = Path(__file__).resolve().parent.parent
QUESTION = ROOT / "docs" / "prairielearn" / "chainruleBackprop"


def test_importing_chainrule_loads_no_teaching_module() -> None:
    code = ("import sys, chainrule as cr; cr.check_answers; cr.draw_variant; "
            "print(sorted(m for m in sys.modules if m.startswith('chainrule.teach')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_draw_variant_is_reproducible_private_and_a_good_exercise() -> None:
    a = cr.draw_variant("exercise-2", 7, "ada")
    assert cr.dumps_toml(a) == cr.dumps_toml(cr.draw_variant("exercise-2", 7, "ada"))
    assert cr.dumps_toml(a) != cr.dumps_toml(cr.draw_variant("exercise-2", 7, "alan"))
    assert cr.dumps_toml(a) != cr.dumps_toml(cr.draw_variant("exercise-2", "8", "ada"))
    assert problems(a, Rules()) is None
    assert set(a.weights) == set(cr.load("exercise-2").weights)
    three = cr.draw_variant("exercise-2", 7, "ada", decimals=3)
    assert any(round(p.value, 2) != p.value for p in three.weights.values())
    with pytest.raises(cr.UsageError, match="decimals"):
        cr.draw_variant("exercise-2", 7, decimals=9)
    with pytest.raises(cr.UsageError, match="seed"):
        cr.draw_variant("exercise-2", 1.5)  # type: ignore[arg-type]


def test_check_answers_marks_as_check_does(tmp_path: Path) -> None:
    net = cr.load("exercise-2")
    key = cr.right_answers(net, decimals=4)
    assert cr.answer_names(net) == list(key)
    answers: dict[str, Any] = {"C": f"{key['C']:.4f}", "dC_da": {"k": "-0.6027"}}
    result = cr.check_answers(net, answers)
    statuses = {t.name: t.status for t in result.tests}
    assert statuses["C"] == "right" and statuses["dC_da.k"] == "wrong"
    assert statuses["a.j"] == "unanswered" and result.max_score == len(key)
    assert result.score == 1
    # from a file, and only what is asked
    path = tmp_path / "answers.toml"
    path.write_text('C = "0.3632"\n[dC_da]\nk = "-0.6027"\n', encoding="utf-8")
    asked = cr.check_answers(net, path, asked=["C", "dC_da.k", "a.j"])
    assert [(t.name, t.status) for t in asked.tests] == [
        ("a.j", "unanswered"), ("C", "right"), ("dC_da.k", "wrong")]
    with pytest.raises(cr.UsageError, match="not a quantity"):
        cr.check_answers(net, {}, asked=["a.q"])


def test_render_feedback_in_every_format() -> None:
    result = cr.check_answers("exercise-2", {"dC_da": {"k": "-0.6027"}}, asked=["dC_da.k"])
    assert "dropped" in cr.render_feedback(result)
    assert "<html" in cr.render_feedback(result, "html").lower()
    assert json.loads(cr.render_feedback(result, "json"))["max_score"] == 1
    validate_gradescope(json.loads(cr.render_feedback(result, "gradescope")))
    validate_prairielearn(json.loads(cr.render_feedback(result, "prairielearn")))
    with pytest.raises(cr.UsageError, match="format"):
        cr.render_feedback(result, "pdf")


def test_feedback_formats_are_the_format_table_s() -> None:
    """One format table: every worked-solution format (latex too) and the autograders'
    results, each of which render_feedback writes; a new table entry needs no other list."""
    from chainrule.api import FEEDBACK_FORMATS
    from chainrule.render.formats import FORMATS, RESULTS_FORMATS

    assert FEEDBACK_FORMATS == (*FORMATS, *RESULTS_FORMATS)
    result = cr.check_answers("exercise-2", {"dC_da": {"k": "-0.6027"}}, asked=["dC_da.k"])
    for fmt in FEEDBACK_FORMATS:
        assert cr.render_feedback(result, fmt).strip(), fmt
    assert "\\begin{document}" in cr.render_feedback(result, "latex")


def load_server() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pl_server", QUESTION / "server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pl_generate(server: ModuleType, seed: int) -> dict[str, Any]:
    # the keys PrairieLearn passes to generate()
    data: dict[str, Any] = {"params": {}, "correct_answers": {}, "variant_seed": seed,
                            "options": {}}
    server.generate(data)
    json.dumps(data)  # params and correct_answers must be JSON
    return data


def pl_grade(server: ModuleType, generated: dict[str, Any], raw: dict[str, str]) -> dict[str, Any]:
    # the keys PrairieLearn passes to grade(); submitted_answers holds the parsed numbers
    submitted: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for k, v in raw.items():
        try:
            submitted[k] = float(v)
        except ValueError:
            errors[k] = "Invalid format"
    data = {"params": generated["params"], "correct_answers": generated["correct_answers"],
            "submitted_answers": submitted, "raw_submitted_answers": raw,
            "format_errors": errors, "partial_scores": {}, "score": 0, "feedback": {},
            "variant_seed": generated["variant_seed"], "options": {}}
    server.grade(data)
    json.dumps(data)
    assert 0 <= data["score"] <= 1
    for part in data["partial_scores"].values():
        assert set(part) >= {"score", "weight"} and 0 <= part["score"] <= 1
    return data


def test_the_prairielearn_example_question() -> None:
    info = json.loads((QUESTION / "info.json").read_text(encoding="utf-8"))
    assert info["type"] == "v3" and info["uuid"] and info["title"] and info["topic"]
    html = (QUESTION / "question.html").read_text(encoding="utf-8")
    assert 'answers-name="{{key}}"' in html and "{{#params.quantities}}" in html
    for field in re.findall(r"\{\{params\.(\w+)\}\}", html):
        assert field in pl_generate(load_server(), 1)["params"], field
    # the element's own tolerance is check's for the decimals asked: max(rtol |x|, 0.51e-d)
    atol = float(re.search(r'atol="([0-9.e-]+)"', html)[1])  # type: ignore[index]
    assert atol == pytest.approx(0.51 * 10.0 ** -load_server().DECIMALS)

    server = load_server()
    one, two = pl_generate(server, 11), pl_generate(server, 12)
    assert one["params"]["network"] != two["params"]["network"]
    assert one == pl_generate(server, 11)
    # the shape varies from variant to variant too
    assert len({len(cr.loads(pl_generate(server, s)["params"]["network"]).units)
                for s in range(1, 9)}) > 1
    keys = [q["key"] for q in one["params"]["quantities"]]
    assert keys == list(one["correct_answers"]) and all(re.fullmatch(r"\w+", k) for k in keys)

    right = {k: f"{v:.4f}" for k, v in one["correct_answers"].items()}
    graded = pl_grade(server, one, right)
    assert graded["score"] == 1

    net = cr.loads(one["params"]["network"])
    k = net.outputs[0]
    dropped = dict(right)  # the 2 of 2(a - y) dropped: dC/da_k is half the right value
    dropped[f"dC_da_{k}"] = f"{one['correct_answers'][f'dC_da_{k}'] / 2:.4f}"
    graded = pl_grade(server, one, dropped)
    assert graded["score"] == pytest.approx(1 - 1 / len(keys))
    part = graded["partial_scores"][f"dC_da_{k}"]
    assert part["score"] == 0 and "dropped-two" in part["feedback"]
    # nothing shown at once gives the right value away (a student would resubmit it)
    shown = json.dumps([graded["feedback"], graded["partial_scores"]])
    assert right[f"dC_da_{k}"] not in shown

    blank = pl_grade(server, one, {})
    assert blank["score"] == 0
    assert all(p["score"] == 0 for p in blank["partial_scores"].values())


def test_draw_exercise_varies_the_shape_within_the_range() -> None:
    shapes = {"layers": [[1, 2], [1, 3], 1], "hidden": ["relu", "sigmoid"], "biases": True}
    drawn = {s: cr.draw_exercise(shapes, "s3cret", s) for s in ("a", "b", "c", "d", "e", "f")}
    assert cr.dumps_toml(drawn["a"]) == cr.dumps_toml(cr.draw_exercise(shapes, "s3cret", "a"))
    seen_sizes, seen_hidden = set(), set()
    for net in drawn.values():
        assert problems(net, Rules()) is None  # a good exercise, as generate's are
        inputs = [u for u in net.units if u.activation == "input"]
        hidden = [u for u in net.units if u.activation != "input" and u.name not in net.outputs]
        assert 1 <= len(inputs) <= 2 and 1 <= len(hidden) <= 3 and len(net.outputs) == 1
        assert {u.activation for u in hidden} <= {"relu", "sigmoid"} and net.biases
        seen_sizes.add((len(inputs), len(hidden)))
        seen_hidden |= {u.activation for u in hidden}
        # what is drawn can be marked
        key = cr.right_answers(net, decimals=4)
        assert cr.check_answers(net, {"C": f"{key['C']:.4f}"}).score == 1
    assert len(seen_sizes) > 1 and seen_hidden == {"relu", "sigmoid"}


@pytest.mark.parametrize(("spec", "says"), [
    ({"layers": [2]}, "layers: give 2 to 5"),
    ({"layers": [2, [3, 1], 1]}, "layer 2 = [3, 1]"),
    ({"layers": [2, 9, 1]}, "from 1 to 4"),
    ({"layers": [2, 1], "hidden": ["relu", "swish"]}, "hidden: give an activation"),
    ({"layers": [2, 1], "depth": 3}, "'depth' is not a shape setting"),
    ({"layers": [2, 1], "samples": 0}, "samples: give 1 to 4"),
])
def test_a_bad_shape_range_is_one_line(spec: dict[str, Any], says: str) -> None:
    with pytest.raises(cr.UsageError, match=re.escape(says)):
        cr.draw_exercise(spec, 1)


def test_the_key_rounds_half_up_as_every_key_does() -> None:
    """One rounding rule: 0.2415 to 3 decimals is 0.242 by hand and in every key (Python's
    round gives 0.241: the float is a hair under the decimal)."""
    net = cr.load({"units": {"i": "input", "j": "identity"}, "weights": {"i -> j": 0.2415},
                   "samples": [{"inputs": {"i": 1.0}, "targets": {"j": 1.0}}]})
    assert round(0.2415, 3) == 0.241
    assert cr.right_answers(net, decimals=3)["z.j"] == 0.242
    with pytest.raises(cr.UsageError, match="`decimals` must be a whole number from 0 to 15"):
        cr.right_answers(net, decimals=16)


def test_check_answers_speaks_the_notation_asked_for() -> None:
    wrong = {"dC_dz": {"k": "-2"}, "dC_dw": {"j -> k": "0.5"}}
    aima = cr.check_answers("exercise-2", wrong, notation="aima")
    handout = cr.check_answers("exercise-2", wrong)
    assert any("Delta_k" in t.derivation for t in aima.tests)
    assert not any("Delta" in t.derivation for t in handout.tests)
    with pytest.raises(cr.UsageError, match="notation"):
        cr.check_answers("exercise-2", wrong, notation="latin")


@pytest.mark.parametrize("module", ["chainrule.api", "chainrule.teach.checking",
                                    "chainrule.core.stepgraph", "chainrule.core.options"])
def test_docstring_examples_run(module: str) -> None:
    """The examples in the docstrings (what `help()` shows a course's programmer) run."""
    import doctest
    import importlib

    failed, attempted = doctest.testmod(importlib.import_module(module))
    assert failed == 0 and attempted > 0, module


def test_a_prairielearn_question_gives_a_gaming_answer_at_most_20_percent() -> None:
    """Zeros, ones, whole numbers (the right values rounded to 0 decimals) or another
    variant's key typed into the PrairieLearn question earn at most 20%; no variant has a
    right value a whole number guesses within the tolerance (1 for C = 1.0074 was right)."""
    server = load_server()
    for seed in range(1, 25):
        mine, other = pl_generate(server, seed), pl_generate(server, seed + 1000)
        right, keys = mine["correct_answers"], [q["key"] for q in mine["params"]["quantities"]]
        for what, raw in (("zeros", dict.fromkeys(keys, "0")), ("ones", dict.fromkeys(keys, "1")),
                          ("whole", {k: f"{right[k]:.0f}" for k in keys}),
                          ("other", {k: f"{v:.4f}" for k, v in other["correct_answers"].items()
                                     if k in right})):
            assert pl_grade(server, mine, raw)["score"] <= 0.2, (seed, what)
        assert pl_grade(server, mine, {k: f"{right[k]:.4f}" for k in keys})["score"] == 1


def test_a_variant_with_a_value_near_a_whole_number_is_not_a_good_exercise() -> None:
    near = cr.loads('[units]\ni = "input"\nj = "relu"\nk = "identity"\n[weights]\n'
                    '"i -> j" = 0.44\n"j -> k" = 0.64\n[[samples]]\ninputs = { i = 0.2 }\n'
                    'targets = { k = 1.06 }\n')
    assert cr.right_answers(near, decimals=4)["C"] == 1.0074  # 1 is within 1%
    assert problems(near, Rules()) == ("dC_da.k is within the tolerance of the whole number "
                                       "-2")  # -2.0074: the first in the order of the work
