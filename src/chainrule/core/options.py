"""The options every shell takes, each defined once: its name, its bounds or choices, its
default and the one message shape that names it.

The CLI builds its flags from these (``--decimals`` shows the bound in its help), the library's
:class:`chainrule.render.options.SolutionOptions` checks with them, and the web page's request
schema reads the same bounds, so the three cannot disagree. A problem is a UsageError naming the
parameter in backticks (`` `decimals` must be a whole number from 0 to 15, got 18 ``); the CLI
respells it as the user's flag (``--decimals``) with :func:`chainrule.core.errors.spell_parameters`.

``notation``'s choices are here too; ``format``'s live with the format table
(``render.formats.FORMAT``), a :class:`Choice` of this module.

>>> DECIMALS.check(4)
4
>>> DECIMALS.check(18)
Traceback (most recent call last):
...
chainrule.core.errors.UsageError: `decimals` must be a whole number from 0 to 15, got 18
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Iterable
from dataclasses import dataclass

from chainrule.core import checks
from chainrule.core.errors import UsageError


@dataclass(frozen=True)
class Whole:
    """A whole number from ``low`` to ``high`` (None: no upper bound)."""

    name: str
    low: int
    high: int | None = None
    default: int = 0

    @property
    def valid(self) -> str:
        """``from 0 to 15`` or ``>= 1``."""
        return f"from {self.low} to {self.high}" if self.high is not None else f">= {self.low}"

    def check(self, value: object, name: str | None = None) -> int:
        """``value`` as an int within the bounds; UsageError naming ``name`` (default: the
        option's own name) otherwise. Python and NumPy integers; not bool."""
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Integral)
            or not self.low <= operator.index(value) <= (self.high if self.high is not None
                                                          else operator.index(value))
        ):
            raise UsageError(
                f"`{name or self.name}` must be a whole number {self.valid}, got {value!r}"
            )
        return operator.index(value)


@dataclass(frozen=True)
class Positive:
    """A finite number > 0."""

    name: str

    def check(self, value: object, name: str | None = None) -> float:
        return checks.positive_number(value, name or self.name)


@dataclass(frozen=True)
class Choice:
    """One of a few names."""

    name: str
    choices: tuple[str, ...]
    what: str
    """What one choice is called, for the message: ``notation``, ``format``."""
    default: str | None = None

    @classmethod
    def of(cls, name: str, choices: Iterable[str], what: str,
           default: str | None = None) -> Choice:
        return cls(name, tuple(choices), what, default)

    def check(self, value: object, name: str | None = None) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise UsageError(
                f"`{name or self.name}` {value!r} is not a {self.what}; valid {self.what}s are "
                f"{', '.join(self.choices)}"
            )
        return value


STEPS = Whole("steps", 1, default=1)
"""Gradient-descent steps to run (the engine's own limit, ``max_steps``, is checked apart)."""
STEP = Whole("step", 1, default=1)
"""The step explained in full."""
DECIMALS = Whole("decimals", 0, 15, default=4)
"""Decimals of every number shown, and of the rounding in the rounded mode (``--rounded``).
15 at most: a float carries 15 to 17 significant digits, so a 16th decimal shows the binary
representation (-0.72562672 prints as -0.7256267199999999), not the number."""
LEARNING_RATE = Positive("learning_rate")
"""r in ``w_new = w_old - r dC/dw``."""
NOTATION = Choice("notation", ("handout", "aima"), "notation", default="handout")
"""The symbols: the handout's or AIMA's (``explain.notation.NOTATIONS`` holds them by these
names). Here, not beside the symbols, so that a shell's start-up reads it without the math."""
