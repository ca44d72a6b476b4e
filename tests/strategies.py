"""Random networks for property tests: acyclic, with skip connections, biases, frozen
parameters, batches, every activation and every cost.

``random_network_dict(seed, ...)`` is plain Python (usable without hypothesis);
``networks(...)`` is the hypothesis strategy over it.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

SMOOTH = ["identity", "sigmoid", "tanh"]
KINKED = ["relu", "leaky_relu"]
COSTS = [
    "squared_error",
    "half_squared_error",
    "mean_squared_error",
    "binary_cross_entropy",
    "categorical_cross_entropy",
]


def random_network_dict(
    seed: int,
    *,
    max_inputs: int = 3,
    max_hidden_layers: int = 3,
    max_width: int = 3,
    max_outputs: int = 3,
    max_samples: int = 3,
    kinks: bool = True,
    cost: str | None = None,
) -> dict[str, Any]:
    """A random valid network file as a dict.

    Layered, with extra skip connections from any earlier layer; each unit has at least one
    incoming weight and each input feeds a unit. The cost is random (or ``cost``); the output
    activation suits it (sigmoid for binary cross entropy, softmax or sigmoid for categorical,
    anything for squared errors).
    """
    rng = random.Random(seed)
    cost = cost or rng.choice(COSTS)
    hidden_acts = SMOOTH + (KINKED if kinks else [])
    layers: list[list[str]] = [[f"x{i}" for i in range(rng.randint(1, max_inputs))]]
    for h in range(rng.randint(0, max_hidden_layers)):
        layers.append([f"h{h}_{i}" for i in range(rng.randint(1, max_width))])
    n_out = rng.randint(1, max_outputs)
    if cost == "categorical_cross_entropy" and n_out == 1 and rng.random() < 0.7:
        n_out = 2
    layers.append([f"o{i}" for i in range(n_out)])

    units: dict[str, Any] = dict.fromkeys(layers[0], "input")
    for layer in layers[1:-1]:
        for name in layer:
            act = rng.choice(hidden_acts)
            if act == "leaky_relu" and rng.random() < 0.5:
                units[name] = {"activation": act, "slope": round(rng.uniform(0.01, 0.3), 3)}
            else:
                units[name] = act
    if cost == "binary_cross_entropy":
        out_act = "sigmoid"
    elif cost == "categorical_cross_entropy":
        out_act = "softmax" if n_out > 1 and rng.random() < 0.8 else "sigmoid"
    else:
        out_act = rng.choice([*hidden_acts, "softmax"]) if n_out > 1 else rng.choice(hidden_acts)
    for name in layers[-1]:
        units[name] = out_act

    def value() -> float:
        return round(rng.uniform(-1.5, 1.5), 4)

    edges: dict[tuple[str, str], None] = {}
    for li in range(1, len(layers)):
        for dst in layers[li]:
            edges[(rng.choice(layers[li - 1]), dst)] = None  # at least one incoming
            for earlier in layers[:li]:
                for src in earlier:
                    if rng.random() < (0.6 if earlier is layers[li - 1] else 0.2):
                        edges[(src, dst)] = None
    # every unit before the output must feed something
    for li in range(len(layers) - 1):
        for src in layers[li]:
            if not any(e[0] == src for e in edges):
                edges[(src, rng.choice(layers[li + 1]))] = None
    weights: dict[str, Any] = {}
    for src, dst in edges:
        v = value()
        weights[f"{src} -> {dst}"] = {"value": v, "trainable": False} if rng.random() < 0.15 else v
    biases: dict[str, Any] = {}
    for layer in layers[1:]:
        for name in layer:
            if rng.random() < 0.5:
                v = value()
                biases[name] = {"value": v, "trainable": False} if rng.random() < 0.2 else v

    samples = []
    for _ in range(rng.randint(1, max_samples)):
        inputs = {name: value() for name in layers[0]}
        if cost == "categorical_cross_entropy":
            raw = [rng.random() for _ in layers[-1]]
            total = sum(raw)
            targets = {n: round(r / total, 6) for n, r in zip(layers[-1], raw, strict=True)}
        elif cost == "binary_cross_entropy":
            targets = {n: round(rng.random(), 4) for n in layers[-1]}
        else:
            targets = {n: value() for n in layers[-1]}
        samples.append({"inputs": inputs, "targets": targets})
    return {
        "title": f"random network {seed}",
        "learning_rate": round(rng.uniform(0.01, 0.5), 3),
        "cost": cost,
        "units": units,
        "weights": weights,
        "biases": biases,
        "samples": samples,
    }


@st.composite
def networks(draw: st.DrawFn, **options: Any) -> dict[str, Any]:
    """Hypothesis strategy: a random network file dict (see ``random_network_dict``)."""
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    return random_network_dict(seed, **options)
