"""Marking one number: the contract's marking policy.

The sheet's decimals ``D`` (``--decimals``, default 4) set the tolerance: a number is right when
``|given - right| <= max(rtol |right|, 0.51 x 10^-D)``. Writing fewer decimals never widens it:
such a number is ``rounding`` (part credit) when it is the right value rounded to the decimals
written and still has two significant digits or more, else ``wrong``. An updated weight or bias
is compared on its update, ``given - old`` against ``right - old`` (the ``base``). A wrong number
that equals what the student's own earlier numbers give is ``follows`` (one early slip costs one
mark, not ten), but only after an earlier answer that was not right, and never for a degenerate
value (0, or a copy of an earlier number) where the right value is not one.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

RTOL = 1e-2
"""Default relative tolerance."""
DECIMALS = 4
"""Default decimals a sheet asks for."""
ROUNDING_CREDIT = 0.5
"""``check``'s credit for a ``rounding`` answer (``grade`` reads its own from the config)."""
CARRIED = 3.0
"""An answer computed correctly from the student's own right (rounded) numbers is right within
this many tolerances of the right value: the rounding they carried along, and no more, so that a
small deviation upstream never excuses a large one downstream."""
FOLLOWS = 1.5
"""A wrong answer ``follows`` when it is within this many tolerances of the value the student's
own earlier numbers give (their rounding carried along)."""
CLEARLY = 2.0
"""A mistake is named only when its number is more than this many tolerances from the right
one (so it cannot be a rounding difference)."""
NEAR = 3.0
NEAR_RELATIVE = 0.03

STATUSES = ("right", "wrong", "follows", "rounding", "unanswered")
CREDITED = ("right", "rounding", "follows")
GUESS_CAP = 0.2
"""On a sheet not worked from its own numbers (a sheet of guesses: zeros, whole numbers, another
variant's key), the answers that are right without that work earn at most this share of the
marks."""


@dataclass(frozen=True)
class Tolerance:
    """How close is close enough: ``rtol`` relative, and the sheet's decimals.

    ``written_decimals`` arguments are accepted for the callers that pass them and ignored:
    the tolerance is the sheet's, whatever the student wrote.
    """

    rtol: float = RTOL
    decimals: int = DECIMALS

    @property
    def floor(self) -> float:
        """The absolute part: 0.51 units of the sheet's last decimal."""
        return 0.51 * 10.0 ** (-self.decimals)

    def of(self, target: float, written_decimals: int | None = None, *,
           base: float = 0.0) -> float:
        del written_decimals
        return max(self.rtol * abs(target - base), self.floor)

    def matches(self, given: float, target: float, written_decimals: int | None = None, *,
                base: float = 0.0) -> bool:
        if not (math.isfinite(target) and math.isfinite(given)):
            return False
        return abs(given - target) <= self.of(target, base=base)

    def near(self, given: float, target: float, written_decimals: int | None = None,
             relative: bool = True, tolerances: float = NEAR, *, base: float = 0.0) -> bool:
        """Within ``tolerances`` tolerances (or, with ``relative``, within NEAR_RELATIVE)."""
        if not (math.isfinite(target) and math.isfinite(given)):
            return False
        band = tolerances * self.of(target, base=base)
        if relative:
            band = max(band, NEAR_RELATIVE * abs(target - base))
        return abs(given - target) <= band

    def clearly_differ(self, a: float, b: float, written_decimals: int | None = None, *,
                       base: float = 0.0) -> bool:
        """``a`` and ``b`` differ by clearly more than the tolerance (around ``b``)."""
        if not (math.isfinite(a) and math.isfinite(b)):
            return math.isfinite(a) != math.isfinite(b)
        return abs(a - b) > CLEARLY * self.of(b, base=base)


def significant_digits(value: float, decimals: int) -> int:
    """How many significant digits ``value`` has when written with ``decimals`` decimals:
    0.71 (2) -> 2, 0.07 (2) -> 1, 12 (0) -> 2, 0.0 -> 0."""
    if not math.isfinite(value):
        return 0
    q = abs(round(value, decimals))
    if q == 0:
        return 0
    return max(0, math.floor(math.log10(q)) + 1 + decimals)


def is_rounding(given: float, expected: float, written: int, tolerance: Tolerance, *,
                base: float = 0.0) -> bool:
    """``given`` is the right value rounded to the ``written`` decimals (fewer than the sheet
    asks) and still has two significant digits (of the update, for an updated parameter)."""
    if written >= tolerance.decimals or not math.isfinite(expected):
        return False
    if abs(given - expected) > 0.51 * 10.0 ** (-written):
        return False
    return significant_digits(given - base, written) >= 2


def mark(
    given: float,
    expected: float,
    follow_on: float,
    decimals: int,
    tolerance: Tolerance,
    inputs_right: bool,
    *,
    base: float = 0.0,
    degenerate: bool = False,
    follow_on_exact: float | None = None,
    slack: float = 0.0,
) -> str:
    """The status of one answer.

    ``decimals`` are the decimals the student wrote; ``follow_on`` the value computed from the
    student's own earlier answers as written, ``follow_on_exact`` from their wrong answers and the
    exact values of their right ones (a student who kept more decimals than they wrote);
    ``inputs_right`` whether every earlier answer this one was computed from was right;
    ``degenerate`` whether the answer is 0 or a copy of an earlier number where the right value is
    not; ``base`` the old value of an updated parameter (compared on its update); ``slack``
    what the rounding of the student's own numbers it is computed from can move it by.
    """
    tol = tolerance
    if tol.matches(given, expected, base=base):
        return "right"
    follows = [f for f in (follow_on, follow_on_exact) if f is not None]
    if inputs_right:
        # computed correctly from the student's own right (rounded) numbers: their rounding
        # carried along, within a few tolerances of the right value
        if any(abs(given - f) <= tol.of(f, base=base) + slack for f in follows
               if math.isfinite(f)) and (
            abs(given - expected) <= CARRIED * tol.of(expected, base=base) + slack
        ):
            return "right"
    elif not degenerate and any(
        abs(given - f) <= FOLLOWS * tol.of(f, base=base) + slack for f in follows
        if math.isfinite(f)
    ):
        return "follows"  # right given the student's wrong earlier numbers
    if is_rounding(given, expected, decimals, tol, base=base):
        return "rounding"
    return "wrong"


def score_of(status: str, rounding: float = ROUNDING_CREDIT) -> float:
    """Marks for a status out of 1 (``check``'s scoring; ``grade`` may weigh them)."""
    if status in ("right", "follows"):
        return 1.0
    return rounding if status == "rounding" else 0.0


def unworked(
    order: Sequence[int],
    statuses: Mapping[int, str],
    scores: Mapping[int, float],
    inputs: Mapping[int, Sequence[int]],
    whole: Collection[int],
    max_score: float,
    close: Collection[int] = (),
) -> list[int]:
    """The answers of a sheet of guesses whose marks it loses, so that what it earns without
    working from its own numbers stays within :data:`GUESS_CAP` of ``max_score``.

    An answer is *worked* when it earns credit and every answer it is computed from (``inputs``,
    the student's own answers it reads) is worked or ``close`` (the right value, rounded to the
    decimals written, too few of them to earn credit): a chain of right numbers that starts at
    the sheet's given numbers. Its marks stand, except where its right value is a whole number (a
    ReLU's slope 1 is right on every variant, whatever the sheet says). Every other credited
    answer (a whole number, or a right number computed from wrong ones: a coincidence, or a copy)
    counts, in the order of the work, only while the sheet's marks stay within ``GUESS_CAP x
    max_score``; a sheet whose worked marks alone reach that loses nothing.
    """
    worked: dict[int, bool] = {}
    for i in order:
        worked[i] = statuses[i] in CREDITED and all(
            worked.get(j, False) or (j in close and statuses[j] not in CREDITED)
            for j in inputs[i])
    evidence = [i for i in order if worked[i] and i not in whole]
    total = sum(scores[i] for i in evidence)
    limit = GUESS_CAP * max_score + 1e-9
    cut: list[int] = []
    if total >= limit:
        return cut  # worked from its numbers after all: nothing to cut
    for i in order:
        if scores[i] > 0 and i not in evidence:
            if total + scores[i] <= limit:
                total += scores[i]
            else:
                cut.append(i)
    return cut
