"""Variants that vary the network's shape, not only its numbers.

A shape range says how many units each layer may have and which activations the hidden and
output units may use::

    {"layers": [2, [1, 3], 1],           # units per layer, inputs first; [low, high] a range
     "hidden": ["relu", "sigmoid"],      # the hidden units' activation: one of these
     "output": "identity",               # the output units' (a name or a list to choose from)
     "biases": False, "samples": 1, "cost": "squared_error", "learning_rate": 0.1}

:func:`draw_exercise` picks a shape from a seed, then its numbers, with the good-exercise rules
of :mod:`chainrule.teach.variants` (no dead ReLU unless allowed, every recognised mistake clearly
apart from the right number). The same seed gives the same exercise. Shapes stay the size of a
hand-worked exercise: at most :data:`MAX_LAYERS` layers of :data:`MAX_UNITS` units.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chainrule.core.errors import UsageError
from chainrule.core.network import Network

MAX_LAYERS = 5
MAX_UNITS = 4
SHAPE_TRIES = 20
SHAPE_DRAWS = 200
"""Draws of numbers per shape before the next shape is tried: a shape that gives no good
variant in that many (one whose mistakes fall within rounding of the right numbers) costs a
tenth of a second, not two."""
KEYS = ("layers", "hidden", "output", "biases", "samples", "cost", "learning_rate")


@dataclass(frozen=True)
class ShapeRange:
    """Units per layer (each a (low, high) range), activation choices, and the rest fixed."""

    layers: tuple[tuple[int, int], ...]
    hidden: tuple[str, ...] = ("relu",)
    output: tuple[str, ...] = ("identity",)
    """The output units' choices; empty: the activation drawn for the hidden units."""
    biases: bool = False
    samples: int = 1
    cost: str = "squared_error"
    learning_rate: float = 0.1

    @classmethod
    def parse(cls, spec: Mapping[str, Any], where: str = "`shape`") -> ShapeRange:
        """A shape range from a dict (or a TOML table) shaped as the module docstring shows;
        UsageError naming the key and what is valid otherwise."""
        from chainrule.core import mathtable

        if not isinstance(spec, Mapping):
            raise UsageError(f"{where}: give a table with layers, hidden, output, ...")
        unknown = sorted(set(spec) - set(KEYS))
        if unknown:
            raise UsageError(f"{where}: {unknown[0]!r} is not a shape setting; valid are "
                             f"{', '.join(KEYS)}")
        layers = spec.get("layers")
        if not isinstance(layers, Sequence) or isinstance(layers, str) or not (
                2 <= len(layers) <= MAX_LAYERS):
            raise UsageError(f"{where}: layers: give 2 to {MAX_LAYERS} layers, inputs first, "
                             "each a number of units or a [low, high] range, e.g. [2, [1, 3], 1]")
        ranges = []
        for n, layer in enumerate(layers, 1):
            low, high = (layer, layer) if isinstance(layer, int) else (
                tuple(layer) if isinstance(layer, Sequence) and len(layer) == 2 else (0, -1))
            if any(isinstance(v, bool) or not isinstance(v, int) for v in (low, high)) or not (
                    1 <= low <= high <= MAX_UNITS):
                raise UsageError(f"{where}: layers: layer {n} = {layer!r}: give a number of "
                                 f"units from 1 to {MAX_UNITS} or a range [low, high]")
            ranges.append((int(low), int(high)))

        def choices(key: str, default: str) -> tuple[str, ...]:
            value = spec.get(key, default)
            names = (value,) if isinstance(value, str) else value
            if not isinstance(names, Sequence) or not names or not all(
                    isinstance(v, str) and v in mathtable.ACTIVATIONS and v != "input"
                    for v in names):
                raise UsageError(f"{where}: {key}: give an activation or a list of them, from "
                                 f"{', '.join(a for a in mathtable.ACTIVATIONS if a != 'input')}")
            return tuple(names)

        samples = spec.get("samples", 1)
        if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= 4:
            raise UsageError(f"{where}: samples: give 1 to 4")
        rate = spec.get("learning_rate", 0.1)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 10:
            raise UsageError(f"{where}: learning_rate: give a number above 0, at most 10")
        cost = spec.get("cost", "squared_error")
        if cost not in mathtable.COSTS:
            raise UsageError(f"{where}: cost: give one of {', '.join(mathtable.COSTS)}")
        biases = spec.get("biases", False)
        if not isinstance(biases, bool):
            raise UsageError(f"{where}: biases: give true or false")
        return cls(tuple(ranges), choices("hidden", "relu"), choices("output", "identity"),
                   biases, samples, str(cost), float(rate))

    def pick(self, rng: random.Random) -> Network:
        """One shape of the range (placeholder numbers)."""
        from chainrule.teach.variants import layered_shape

        sizes = [rng.randint(low, high) for low, high in self.layers]
        hidden = rng.choice(self.hidden)
        return layered_shape(sizes, activation=hidden,  # no output choices: the hidden's
                             output_activation=rng.choice(self.output) if self.output else hidden,
                             biases=self.biases,
                             samples=self.samples, cost=self.cost,
                             learning_rate=self.learning_rate)


def draw_exercise(spec: ShapeRange, seed: int, *, decimals: int = 2,
                  allow_dead: bool = False) -> Network:
    """A good exercise of a shape in ``spec`` with its numbers, from ``seed``: a shape that
    gives no good variant is replaced by another (deterministically)."""
    from chainrule.teach.variants import Rules, draw

    rules = Rules(decimals=decimals, allow_dead=allow_dead)
    last = ""
    for attempt in range(SHAPE_TRIES):
        digest = hashlib.sha256(f"chainrule shape\0{seed}\0{attempt}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:8], "big"))
        shape = spec.pick(rng)
        try:
            return draw(shape, rng.getrandbits(64), rules, max_draws=SHAPE_DRAWS)
        except UsageError as error:
            last = str(error)
    raise UsageError(f"no good exercise in this shape range in {SHAPE_TRIES} shapes ({last})")


def missing_choices(spec: ShapeRange, drawn: Sequence[Network]) -> list[str]:
    """The activations ``spec`` offers that no network of ``drawn`` got (a shape whose
    mistakes cannot be told apart is redrawn, so a choice can come out never)."""
    hidden = {u.activation for net in drawn for u in net.units[:-len(net.outputs)]
              if not u.is_input}
    output = {net.unit[k].activation for net in drawn for k in net.outputs}
    missing = [f"hidden {a}" for a in spec.hidden if a not in hidden]
    missing += [f"output {a}" for a in spec.output if a not in output]
    return missing


MAX_QUANTITIES = 300
"""The most quantities (answers) an exercise for ``generate`` may ask for: above every built-in
and hand-worked exercise (aima-21 asks for 34, a 4-4-4-4 network 157), it bounds the time each
student's good-exercise check takes before any work (a 20-30-30-10 network ran for minutes)."""


def check_hand_sized(network: Network, where: str) -> None:
    """UsageError when ``network`` asks for more than :data:`MAX_QUANTITIES` answers."""
    from chainrule.teach.quantities import Graph

    if 2 * len(network.weights) > MAX_QUANTITIES:  # a gradient and an update each: no graph
        count, least = 2 * len(network.weights), "at least "
    else:
        graph = Graph(network)
        count, least = sum(1 for n in graph.nodes if n.name and n.kind != "input"), ""
    if count > MAX_QUANTITIES:
        raise UsageError(f"{where}: the exercise asks for {least}{count} numbers "
                         f"({len(network.weights)} "
                         f"weights, {len(network.samples)} sample(s)); generate makes exercises "
                         f"worked by hand, of at most {MAX_QUANTITIES}: give a smaller network "
                         "or fewer samples")
