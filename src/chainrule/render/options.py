"""The options of a worked solution, in one object that every shell fills in: the CLI from its
flags, the web page from its JSON, the notebook from its defaults. Each option is checked by its
one definition (:mod:`chainrule.core.options`, ``explain.notation.NOTATION``,
``render.formats.FORMAT``), which the CLI's flags and the web's schema read too.

>>> from chainrule.render.options import SolutionOptions
>>> SolutionOptions(steps=3, format="markdown").decimals
4
>>> SolutionOptions.from_mapping({"steps": 2, "weights": "i -> j, j -> k"}).weights
('i -> j', 'j -> k')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chainrule.core.errors import UsageError
from chainrule.core.options import DECIMALS, LEARNING_RATE, NOTATION, STEP, STEPS, Whole
from chainrule.render.formats import FORMAT

MAX_WEIGHTS = Whole("max_weights", 1)


@dataclass(frozen=True)
class SolutionOptions:
    """What a worked solution shows and how.

    Parameters
    ----------
    steps : gradient-descent steps to run (>= 1); None: as many as ``step`` needs (1 by
        default), so that ``step=3`` alone runs three steps.
    step : the step explained in full (default: 1); the others are summarised.
    decimals : decimals of every number shown (0 to 15; JSON is always full precision).
    notation : ``"handout"`` (a, z, w_jk^(L), dC/dz) or ``"aima"`` (AIMA chapter 21).
    weights : explain only these weights: ``"i -> j, j -> k"`` or a sequence of such names;
        None explains every weight.
    format : an output format's name (:data:`chainrule.render.formats.FORMATS`).
    learning_rate : r, instead of the network's own (None: the network's).
    dependency : for small networks, add each gradient as a closed-form function of the
        weights.
    max_weights : write the worked solution of a network with more weights than the limit
        (20,000; beyond it a solution is too long to read). JSON has no such limit.
    rounded : work the steps as a student does by hand, for answer keys: every printed number
        rounded half up to ``decimals`` decimals and each line computed from the rounded
        numbers before it (:func:`chainrule.core.engine.solve`'s ``rounded``).
    """

    steps: int | None = None
    step: int | None = None
    decimals: int = DECIMALS.default
    notation: str = NOTATION.default or "handout"
    weights: str | tuple[str, ...] | None = None  # kept as a tuple of names
    format: str = "text"
    learning_rate: float | None = None
    dependency: bool = True
    max_weights: int | None = None
    rounded: bool = False

    def __post_init__(self) -> None:
        if self.steps is not None:
            STEPS.check(self.steps)
        if self.step is not None:
            STEP.check(self.step)
            if self.steps is not None and self.step > self.steps:
                raise UsageError(
                    f"`step` {self.step} is past the last step (`steps` {self.steps}); give "
                    f"`steps={self.step}` or more, or leave `steps` out"
                )
        DECIMALS.check(self.decimals)
        NOTATION.check(self.notation)
        FORMAT.check(self.format)
        object.__setattr__(self, "weights", _weight_names(self.weights))
        if self.weights and self.format == "json":
            raise UsageError(
                "`weights` chooses the weights a worked solution explains; the JSON always has "
                "every weight: leave `weights` out, or choose another `format`"
            )
        if self.learning_rate is not None:
            object.__setattr__(self, "learning_rate", LEARNING_RATE.check(self.learning_rate))
        if self.max_weights is not None:
            MAX_WEIGHTS.check(self.max_weights)
        if not isinstance(self.dependency, bool):
            raise UsageError(f"`dependency` must be true or false, got {self.dependency!r}")
        if not isinstance(self.rounded, bool):
            raise UsageError(f"`rounded` must be true or false, got {self.rounded!r}")

    @property
    def steps_to_run(self) -> int:
        """The steps to run: ``steps``, or without it as many as ``step`` needs."""
        return self.steps if self.steps is not None else self.step or 1

    @property
    def explained_step(self) -> int:
        """The step explained in full."""
        return self.step or 1

    def replace(self, **changes: Any) -> SolutionOptions:
        """A copy with ``changes`` (by field name); UsageError for a name that is not one."""
        _check_names(changes)
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SolutionOptions:
        """Options from a dict (a web request's JSON); UsageError naming an unknown key."""
        _check_names(data)
        return cls(**data)


def _check_names(data: Mapping[str, Any]) -> None:
    fields = [f.name for f in dataclasses.fields(SolutionOptions)]
    for key in data:
        if key not in fields:
            raise UsageError(f"unknown option {key!r}; the options are {', '.join(fields)}")


def _weight_names(weights: object) -> tuple[str, ...] | None:
    if weights is None:
        return None
    items: Sequence[object]
    if isinstance(weights, str):
        items = weights.split(",")
    elif isinstance(weights, Sequence):
        items = weights
    else:
        raise UsageError(
            f'`weights` must be names like "i -> j, j -> k" or a list of them, got {weights!r}'
        )
    names = tuple(str(item).strip() for item in items if str(item).strip())
    if not names:
        raise UsageError('`weights` names no weight; give names like "i -> j, j -> k"')
    return names
