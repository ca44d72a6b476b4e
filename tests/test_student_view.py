"""What a student reads: the small defects of issue 9 (items 5, 6, 7, 10, 13, 20), each checked."""

from __future__ import annotations

import chainrule as cr
from chainrule.explain.document import Table
from chainrule.explain.solution import explain
from chainrule.render import solution
from chainrule.render.latex import escape


def flat(text: str) -> str:
    return " ".join(text.split())


def tables(name: str) -> dict[str, Table]:
    doc = explain(cr.solve(name))
    return {b.caption: b for s in doc.sections for b in s.blocks if isinstance(b, Table)}


def test_the_weights_table_has_no_unlabelled_column() -> None:
    weights = tables("exercise-2")["Weights"]
    assert weights.header == ("weight", "from -> to", "value")
    net = cr.load("exercise-2").to_dict()
    net["weights"]["i -> j"] = {"value": 0.86, "trainable": False}
    doc = explain(cr.solve(net))
    frozen = next(b for s in doc.sections for b in s.blocks
                  if isinstance(b, Table) and b.caption == "Weights")
    assert frozen.header[-1] == "updated" and frozen.rows[0][-1] == "no (frozen)"


def test_captions_are_short_and_columns_are_named_by_their_unit() -> None:
    found = tables("exercise-3")
    assert all(len(caption) <= 20 for caption in found)
    samples = found["Samples"]
    names = [h.text if not isinstance(h, str) else h for h in samples.header]
    assert names == ["sample", "a_i", "a_i2", "y_k"]


def test_latex_typesets_the_description_and_keeps_dashes_and_quotes() -> None:
    tex = solution("latex", cr.solve("exercise-2"))
    intro = tex.split(r"\section*")[0]
    assert r"$w_{ij}^{(L-1)}$" in intro and "ijˆ" not in intro and r"\^{}" not in intro
    assert escape('--notation "Hella"') == "-{}-notation ``Hella''"


def test_no_glitches_in_the_numbers() -> None:
    net = cr.load("exercise-2").to_dict()
    net["weights"]["i -> j"] = -0.2
    text = flat(solution("text", cr.solve(net)))
    assert "max(0, -0.14)" in text and "(-0.14))" not in text
    zero = {"units": {"x": "input", "y": "sigmoid"}, "weights": {"x -> y": 0.5},
            "samples": [{"inputs": {"x": 0.0}, "targets": {"y": 1.0}}]}
    assert "e^0" in flat(solution("text", cr.solve(zero))) and "e^(-0)" not in flat(
        solution("text", cr.solve(zero)))
    cce = {"units": {"x": "input", "a": "softmax", "b": "softmax"},
           "weights": {"x -> a": 0.5, "x -> b": -0.5}, "cost": "categorical_cross_entropy",
           "samples": [{"inputs": {"x": 1.0}, "targets": {"a": 1.0, "b": 0.0}}]}
    assert " + -" not in flat(solution("text", cr.solve(cce)))


def test_the_handouts_weight_name_is_said_wherever_the_weight_is_listed() -> None:
    text = flat(solution("text", cr.solve("exercise-3")))
    assert text.count("the handout's w_jj") >= 2  # the gradient and the update
    assert "w_{jj}" in flat(solution("markdown", cr.solve("exercise-3")).split("**Weights**")[1])
    description = cr.load("exercise-3").description or ""
    assert "w_(i2,j)^(L-1)" in description and "w_i2j" not in description


def test_z_is_said_to_be_the_handouts_g_and_a_batch_line_is_a_mean() -> None:
    text = flat(solution("text", cr.solve("exercise-2")))
    assert "(the handout's g_k)" in text
    batch = cr.load("exercise-3").to_dict()
    batch["samples"].append({"inputs": {"i": 0.2, "i2": 0.9}, "targets": {"k": 0.5}})
    lines = flat(solution("text", cr.solve(batch)))
    # the mean is of the samples' gradients, never one sample's product
    assert "dC/dw_jk^(L) = 1/2 (dC_1/dw_jk^(L) + dC_2/dw_jk^(L))" in lines
    assert "dC_1/dw_jk^(L) = a_j · g'(z_k) · dC/da_k" in lines


def test_exercise_1_says_its_closed_form_is_for_its_own_numbers() -> None:
    text = flat(solution("text", cr.solve("exercise-1")))
    assert "(a_j = 0.5, y_k = 1)" in text and "it is 2w - 2" in text
