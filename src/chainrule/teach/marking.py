"""Marking one number: the tolerance follows what the student wrote, and follow-on marking.

A number is right when ``|s - t| <= max(rtol |t|, 0.51 x 10^-d)``, ``d`` being the decimals the
student wrote (or ``decimals`` when the marker fixes it): a student who rounds to the decimals
asked is never marked wrong. Within :data:`NEAR` tolerances it is a near miss ("check your
rounding"). A number that is wrong but equals what the student's own earlier answers give is
marked ``follows``: one early slip costs one mark, not ten.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RTOL = 1e-2
"""Default relative tolerance."""
NEAR = 3.0
"""A miss within this many tolerances, or within :data:`NEAR_RELATIVE` of the right value, is a
near miss (status ``rounding``)."""
NEAR_RELATIVE = 0.03
FOLLOWS = 1.5
"""A wrong answer ``follows`` when it is within this many tolerances of the value the student's
own earlier (rounded) numbers give: a little more than one tolerance, for the rounding they carried
along, and no more, so that a student who writes few decimals is not credited for a guess."""
CLEARLY = 2.0
"""A mistake is named only when its number is more than this many tolerances from the right
one (so it cannot be a rounding difference)."""

STATUSES = ("right", "wrong", "follows", "rounding")


@dataclass(frozen=True)
class Tolerance:
    """How close is close enough: ``rtol`` relative, and the decimals (None: as written)."""

    rtol: float = RTOL
    decimals: int | None = None

    def of(self, target: float, written_decimals: int) -> float:
        d = written_decimals if self.decimals is None else self.decimals
        return max(self.rtol * abs(target), 0.51 * 10.0 ** (-d))

    def matches(self, given: float, target: float, written_decimals: int) -> bool:
        if not math.isfinite(target):
            return False
        return abs(given - target) <= self.of(target, written_decimals)

    def near(self, given: float, target: float, written_decimals: int,
             relative: bool = True, tolerances: float = NEAR) -> bool:
        """Within ``tolerances`` tolerances (or, with ``relative``, within NEAR_RELATIVE)."""
        if not math.isfinite(target):
            return False
        band = tolerances * self.of(target, written_decimals)
        if relative:
            band = max(band, NEAR_RELATIVE * abs(target))
        return abs(given - target) <= band

    def clearly_differ(self, a: float, b: float, written_decimals: int) -> bool:
        """``a`` and ``b`` differ by clearly more than the tolerance (around ``b``)."""
        if not (math.isfinite(a) and math.isfinite(b)):
            return math.isfinite(a) != math.isfinite(b)
        return abs(a - b) > CLEARLY * self.of(b, written_decimals)


def mark(
    given: float,
    expected: float,
    follow_on: float,
    decimals: int,
    tolerance: Tolerance,
    inputs_right: bool,
) -> str:
    """The status of one answer.

    ``follow_on`` is the value computed from the student's own earlier answers;
    ``inputs_right`` whether every earlier answer this one was computed from was right.
    """
    if tolerance.matches(given, expected, decimals):
        return "right"
    if inputs_right:
        if tolerance.matches(given, follow_on, decimals):
            return "right"  # computed correctly from the student's own rounded numbers
    elif tolerance.near(given, follow_on, decimals, relative=False, tolerances=FOLLOWS):
        # right given the student's wrong earlier numbers (their rounding carried along)
        return "follows"
    if tolerance.near(given, expected, decimals):
        return "rounding"
    return "wrong"


def score_of(status: str) -> float:
    """Marks for a status out of 1 (``check``'s scoring; ``grade`` may weigh them)."""
    return 1.0 if status in ("right", "follows") else 0.0
