"""Per-student variants of an exercise: private, reproducible, and good to work by hand.

The numbers of a student's variant come from a keyed hash of (assignment, student id) under
the instructor's secret (:mod:`chainrule.teach.secret`):
no table of seeds needs keeping, and without the secret a student cannot derive another's
numbers. A draw is a good exercise or it is redrawn, deterministically: values with a fixed
number of decimals, no ReLU left dead (unless allowed), no z within rounding of 0 at a ReLU, no
saturated sigmoid, a != y, and every catalogued mistake giving a number clearly distinct from
the right one, so ``check`` can tell them apart.
"""

from __future__ import annotations

import math
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass

from chainrule.core.engine import solve
from chainrule.core.errors import DivergedError, UsageError
from chainrule.core.network import Network, Parameter, Sample, Unit
from chainrule.teach.marking import Tolerance
from chainrule.teach.mistakes import planted, sites, update_base
from chainrule.teach.quantities import Graph, replay
from chainrule.teach.secret import digest

ANSWER_DECIMALS = 4
"""The decimals a sheet asks for (the distinctness check assumes answers written so)."""
MAX_DRAWS = 2000
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")


def variant_seed(secret: str, assignment: str, student: str) -> int:
    """The seed of a student's variant: HMAC-SHA256 of the assignment and the student under the
    stretched secret (:mod:`chainrule.teach.secret`)."""
    return int.from_bytes(digest(secret, "variant", assignment, student)[:8], "big")


def variant_code(secret: str, assignment: str, student: str) -> str:
    """A short code printed on the sheet (``K7Q-2MD``): names the variant, reveals no numbers,
    and (the secret stretched) makes testing guesses of the secret slow."""
    n = int.from_bytes(digest(secret, "code", assignment, student)[:8], "big")
    chars = []
    for _ in range(6):
        n, r = divmod(n, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[r])
    return "".join(chars[:3]) + "-" + "".join(chars[3:])


LETTERS = "ijklmnopqh"


def layered_shape(
    sizes: Sequence[int],
    *,
    activation: str = "relu",
    output_activation: str | None = None,
    biases: bool = False,
    samples: int = 1,
    cost: str = "squared_error",
    learning_rate: float = 0.1,
) -> Network:
    """A fully connected network of ``sizes`` units per layer, named as the handout names them.

    Layers are named i, j, k, ... from the input; a layer of one unit is just its letter, a
    wider one numbers them (j1, j2). The numbers are placeholders; :func:`draw` fills them in.
    """
    if len(sizes) < 2 or any(s < 1 for s in sizes) or len(sizes) > len(LETTERS):
        raise UsageError(f"--layers: give 2 to {len(LETTERS)} sizes >= 1, inputs first "
                         f"(e.g. 2,2,1); got {','.join(map(str, sizes))}")
    names = [
        [LETTERS[li] if n == 1 else f"{LETTERS[li]}{u + 1}" for u in range(n)]
        for li, n in enumerate(sizes)
    ]
    out_act = output_activation or activation
    units = dict.fromkeys(names[0], "input")
    for layer in names[1:-1]:
        units.update(dict.fromkeys(layer, activation))
    units.update(dict.fromkeys(names[-1], out_act))
    weights = {f"{a} -> {b}": 0.5 for la, lb in zip(names, names[1:], strict=False) for a in la
               for b in lb}
    title = f"A {'-'.join(map(str, sizes))} network, {activation}" + (
        f" with {out_act} outputs" if out_act != activation else "")
    data = {
        "title": title,
        "learning_rate": learning_rate,
        "cost": cost,
        "units": units,
        "weights": weights,
        "biases": {n: 0.0 for layer in names[1:] for n in layer} if biases else {},
        "samples": [
            {"inputs": dict.fromkeys(names[0], 0.5), "targets": dict.fromkeys(names[-1], 1.0)}
            for _ in range(samples)
        ],
    }
    return Network.from_dict(data)


@dataclass(frozen=True)
class Rules:
    """What makes a good variant (see the module docstring)."""

    decimals: int = 2
    """Decimals of every given number (weights, biases, inputs, targets)."""
    allow_dead: bool = False
    margin: float = 0.05
    """|z| at a ReLU at least this, so rounding cannot flip the gate."""
    saturation: float = 0.05
    """A sigmoid's a within [saturation, 1 - saturation]."""
    distinct: bool = True
    """Every catalogued mistake gives a clearly different number."""
    answer_decimals: int = ANSWER_DECIMALS
    """The decimals the sheet asks the answers to (the tolerance a mistake must clear)."""


def draw(shape: Network, seed: int, rules: Rules | None = None, *,
         max_draws: int = MAX_DRAWS) -> Network:
    """A good variant of ``shape`` (its structure, fresh numbers) from ``seed``.

    Draws until one passes :func:`problems`; the same seed always gives the same variant.
    Raises UsageError when no good variant turns up in ``max_draws`` draws.
    """
    rules = rules or Rules()
    rng = random.Random(seed)
    last = ""
    for _ in range(max_draws):
        candidate = _numbers(shape, rng, rules.decimals)
        why = problems(candidate, rules)
        if why is None:
            return candidate
        last = why
    raise UsageError(
        f"no good variant of this network in {max_draws} draws (the last: {last}); try "
        "--allow-dead, other activations or a smaller network"
    )


def _numbers(shape: Network, rng: random.Random, decimals: int) -> Network:
    def number(lo: float, hi: float, least: float = 0.0) -> float:
        while True:
            x = round(rng.uniform(lo, hi), decimals)
            if abs(x) >= least:
                return x

    weights = {}
    for key in shape.weights:
        sign = 1.0 if rng.random() < 0.75 else -1.0
        weights[key] = sign * number(0.1, 1.0)
    biases = {u: number(-0.5, 0.5, 0.05) for u in shape.biases}
    samples = []
    for s in shape.samples:
        inputs = {k: number(0.1, 1.0) for k in s.inputs}
        targets = {}
        for k in s.targets:
            act = shape.unit[k].activation
            if act in ("sigmoid", "softmax") or shape.cost.endswith("cross_entropy"):
                targets[k] = float(rng.random() < 0.5)
            elif act == "tanh":
                targets[k] = number(-0.9, 0.9)
            else:
                targets[k] = number(0.5, 1.5)
        if shape.unit[next(iter(s.targets))].activation == "softmax":
            hot = rng.randrange(len(targets))
            targets = {k: float(i == hot) for i, k in enumerate(targets)}
        samples.append(Sample(inputs, targets))
    return Network(
        units=tuple(Unit(u.name, u.activation, u.parameter) for u in shape.units),
        weights={k: Parameter(weights[k], p.trainable) for k, p in shape.weights.items()},
        biases={k: Parameter(biases[k], p.trainable) for k, p in shape.biases.items()},
        samples=tuple(samples),
        learning_rate=shape.learning_rate,
        cost=shape.cost,
        title=shape.title,
        description=None,  # a description may quote the original numbers
    )


def problems(net: Network, rules: Rules) -> str | None:
    """Why ``net`` is not a good exercise (one phrase), or None."""
    try:
        trace = solve(net)
    except DivergedError:
        return "the step diverges"
    step = trace.step(1)
    for s_index, sample in enumerate(step.samples):
        for name, u in sample.units.items():
            if u.z is None:
                continue
            if u.activation in ("relu", "leaky_relu"):
                if abs(u.z) < rules.margin:
                    return f"z_{name} is within rounding of 0"
                if u.z < 0 and not rules.allow_dead:
                    return f"the ReLU {name} is dead (z_{name} < 0)"
            if u.activation == "sigmoid" and not (
                rules.saturation <= u.a <= 1 - rules.saturation
            ):
                return f"the sigmoid {name} is saturated"
            if u.activation == "tanh" and abs(u.a) > 1 - rules.saturation:
                return f"the tanh {name} is saturated"
        for k in net.outputs:
            if abs(sample.a[sample.layout.index[k]] - sample.targets[k]) < rules.margin:
                return f"a_{k} is too close to y_{k} (sample {s_index + 1})"
    if rules.distinct:
        return indistinct_mistake(net, step, rules.answer_decimals)
    return None


def indistinct_mistake(net: Network, step: object,
                       decimals: int = ANSWER_DECIMALS) -> str | None:
    """The first catalogued mistake whose number is not clearly apart from the right one (to
    the tolerance of answers to ``decimals`` decimals)."""
    from chainrule.core.trace import Step

    assert isinstance(step, Step)
    graph = Graph(net)  # the step's weights are the network's own (step 1)
    expected = graph.expected(step)
    tol = Tolerance(decimals=decimals)
    named = [n.index for n in graph.nodes if n.name and n.kind != "input"]
    for i in named:  # a whole-number guess must not be right (1 for 1.0074 is, within 1%)
        t, name = expected[i], graph.nodes[i].name or ""
        if not name.startswith(("new_w.", "new_b.")) and round(t) != t \
                and tol.matches(float(round(t)), t):
            return f"{name} is within the tolerance of the whole number {round(t)}"
    right = replay(graph)
    for site in sites(graph):
        computed = planted(graph, site, right=right)
        for i in named:
            if i < site.node:
                continue
            m, t = computed[i], expected[i]
            if not math.isfinite(m):
                return f"{site.mistake} gives no number"
            if abs(m - t) > 1e-9 * max(1.0, abs(t)):
                if not tol.clearly_differ(m, t, base=update_base(graph, i, expected)):
                    return (f"{site.mistake} ({site.detail}) is too close to the right "
                            f"{graph.nodes[i].name}")
                break
    return None
