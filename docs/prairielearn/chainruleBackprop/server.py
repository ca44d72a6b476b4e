"""A PrairieLearn question marked by chainrule.

generate() draws this variant's network (its shape too) from PrairieLearn's variant seed and
lists the quantities to ask for; grade() marks what the student typed with chainrule (the
tolerance is the question's DECIMALS; a number that is wrong only because of an earlier wrong
one gets full marks), names the mistake behind each wrong number, and sets PrairieLearn's
scores. The feedback says right or wrong and names the mistake, never the right value (PL
shows feedback at once, and a student with attempts left would resubmit the key; the number
element shows the right answer when the question's settings say so). The course's Python needs chainrule installed (pip install chainrule).
"""

import re

import chainrule as cr

# each variant's shape is drawn too: 1 input, 1 or 2 hidden units (ReLU or sigmoid), 1 output
SHAPES = {"layers": [1, [1, 2], 1], "hidden": ["relu", "sigmoid"], "output": "identity"}
DECIMALS = 4


def asked(network):
    """The quantities this question asks for: the cost, dC/da of the outputs, every gradient
    and every new weight."""
    outputs = {f"dC_da.{k}" for k in network.outputs}
    return [n for n in cr.answer_names(network)
            if n == "C" or n in outputs or n.startswith(("dC_dw.", "new_w."))]


def key_of(name):
    """A quantity's name as an HTML name PrairieLearn accepts: dC_dw.i -> j becomes
    dC_dw_i_j."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def generate(data):
    network = cr.draw_exercise(SHAPES, seed=data["variant_seed"])
    data["params"]["network"] = cr.dumps_toml(network)
    data["params"]["title"] = network.title or "A small network"
    data["params"]["structure"] = ", ".join(
        f"{a} → {b}" for a, b in network.weights)
    given = [{"label": f"w_{a}{b}", "value": p.value} for (a, b), p in network.weights.items()]
    given += [{"label": f"b_{u}", "value": p.value} for u, p in network.biases.items()]
    for sample in network.samples:
        given += [{"label": f"x_{u}", "value": v} for u, v in sample.inputs.items()]
        given += [{"label": f"y_{u}", "value": v} for u, v in sample.targets.items()]
    given.append({"label": "r", "value": network.learning_rate})
    data["params"]["given"] = given
    data["params"]["decimals"] = DECIMALS
    data["params"]["quantities"] = [{"key": key_of(n), "name": n, "label": n}
                                    for n in asked(network)]
    key = cr.right_answers(network, decimals=DECIMALS)
    for name in asked(network):
        data["correct_answers"][key_of(name)] = key[name]


def grade(data):
    network = cr.loads(data["params"]["network"])
    answers = {}
    for q in data["params"]["quantities"]:
        # the raw text keeps the decimals the student wrote (0.60 has 2, 0.6 has 1)
        text = str(data["raw_submitted_answers"].get(q["key"]) or "").strip()
        if text and q["key"] not in data["format_errors"]:
            table, _, unit = q["name"].partition(".")
            if unit:
                answers.setdefault(table, {})[unit] = text
            else:
                answers[table] = text
    # marked at the step the question asks for (1), whatever a submission could claim
    result = cr.check_answers(network, answers, asked=asked(network), decimals=DECIMALS,
                              step=1)
    by_name = {t.name: t for t in result.tests}
    total = 0.0
    for q in data["params"]["quantities"]:
        test = by_name[q["name"]]
        score = test.score / test.max_score if test.max_score else 0.0
        message = test.status if not test.tags else f"{test.status}: {', '.join(test.tags)}"
        data["partial_scores"][q["key"]] = {"score": score, "weight": 1,
                                            "feedback": message}
        data["feedback"][q["key"]] = message  # test.output has the right value: not at once
        total += score
    data["score"] = total / len(data["params"]["quantities"])
