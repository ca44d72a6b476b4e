"""Rubrics: points per quantity, a deduction per named mistake (once), a late penalty.

Read from the grading config (the TOML file ``grade --config`` and ``autograder gradescope
--config`` take)::

    [weights]              # points per quantity (name or * pattern); 0 = not asked
    "new_w.*" = 2
    [deductions]           # points off per recognised mistake, once however often it is made
    dropped-two = 1
    sign-of-update = 0.5
    [late]                 # by the submission time, where the platform gives it (Gradescope)
    per_day = 0.1          # the fraction of the marks lost per day late (or part of a day)
    max = 0.5              # at most this fraction lost
    grace_minutes = 5
    due = 2026-12-10T23:59:00Z   # for grade's submitted times (Gradescope has its own)

A deduction never takes a score below 0; the late penalty applies to the score after deductions.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chainrule.core.errors import UsageError
from chainrule.teach.checking import CheckResult

SECTIONS = ("deductions", "late")
MISTAKE_IDS = ("dropped-two", "sign-of-error", "sign-of-update", "missing-inner-derivative",
               "relu-gate-ignored", "sigmoid-derivative", "paths-not-summed", "batch-summed",
               "updated-weight-too-early", "learning-rate", "z-for-a", "bias-times-input",
               "rounded-too-early")
"""The mistake ids of the contract (CONTRACT.md); ``sign`` is accepted as both sign ids."""
SIGN = ("sign", "sign-of-error", "sign-of-update")


@dataclass(frozen=True)
class Late:
    """The late penalty: ``per_day`` of the marks per day (or part of a day) after the due
    date and its grace, at most ``most``."""

    per_day: float = 0.0
    most: float = 1.0
    grace_minutes: float = 0.0
    due: datetime | None = None
    """The due date, where the platform does not give it (``grade`` with a submissions CSV's
    ``submitted`` column); on Gradescope the later of this and Gradescope's own."""

    def fraction(self, submitted: datetime, due: datetime) -> float:
        """The fraction of the marks lost for a submission at ``submitted`` (0 when on time)."""
        minutes = (submitted - due).total_seconds() / 60 - self.grace_minutes
        if minutes <= 0 or self.per_day <= 0:
            return 0.0
        return min(self.most, self.per_day * math.ceil(minutes / (24 * 60)))


@dataclass(frozen=True)
class Rubric:
    """Deductions per mistake id and the late penalty (see the module docstring)."""

    deductions: Mapping[str, float] = field(default_factory=dict)
    late: Late | None = None

    def deducted(self, tags: Iterable[str]) -> dict[str, float]:
        """The points off for the mistakes ``tags`` names: each id once."""
        return {m: self.deductions[m] for m in sorted(set(tags)) if m in self.deductions}

    def to_json(self) -> dict[str, Any]:
        late = self.late
        return {"deductions": dict(self.deductions),
                "late": None if late is None else {
                    "per_day": late.per_day, "max": late.most,
                    "grace_minutes": late.grace_minutes,
                    "due": late.due.isoformat() if late.due else None}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Rubric:
        if not data:
            return cls()
        late = data.get("late")
        return cls(dict(data.get("deductions") or {}),
                   Late(late["per_day"], late["max"], late["grace_minutes"],
                        parse_time(late.get("due"))) if late else None)


def read(data: Mapping[str, Any], where: str) -> Rubric:
    """The rubric's tables of a grading config's TOML ``data`` (``where`` names the file)."""
    from chainrule.teach.mistakes import CATALOGUE

    valid = sorted({*CATALOGUE, *MISTAKE_IDS, "sign"})
    deductions: dict[str, float] = {}
    table = data.get("deductions", {})
    if not isinstance(table, dict):
        raise UsageError(f"{where}: [deductions]: give a table of mistake id = points")
    for mistake, points in table.items():
        if mistake not in valid:
            raise UsageError(f"{where}: [deductions] {mistake!r}: not a mistake chainrule "
                             f"recognises; valid are {', '.join(valid)}")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not (
                0 <= points < math.inf):
            raise UsageError(f"{where}: [deductions] {mistake}: give points >= 0")
        if mistake == "sign":  # both sign ids, unless the config names them itself
            for one in SIGN:
                deductions.setdefault(one, float(points))
        else:
            deductions[mistake] = float(points)
    late = None
    if "late" in data:
        section = data["late"]
        if not isinstance(section, dict):
            raise UsageError(f"{where}: [late]: give a table with per_day, max, grace_minutes")
        unknown = set(section) - {"per_day", "max", "grace_minutes", "due"}
        if unknown:
            raise UsageError(f"{where}: [late] {sorted(unknown)[0]}: not a late setting; valid "
                             "are per_day, max, grace_minutes, due")
        due = section.get("due")
        if due is not None:
            when = due if isinstance(due, datetime) else parse_time(due)
            if when is None or when.tzinfo is None:
                raise UsageError(f"{where}: [late] due = {str(due)[:40]!r}: give the due date "
                                 "with its time zone, e.g. 2026-12-10T23:59:00Z")
            due = when
        values = {}
        for key, default, highest in (("per_day", 0.0, 1.0), ("max", 1.0, 1.0),
                                      ("grace_minutes", 0.0, 1e6)):
            value = section.get(key, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                    0 <= value <= highest):
                raise UsageError(f"{where}: [late] {key}: give a number from 0 to {highest:g}")
            values[key] = float(value)
        late = Late(values["per_day"], values["max"], values["grace_minutes"], due)
    return Rubric(deductions, late)


def worth_of(weights: Mapping[str, float] | None = None,
             credit: Mapping[str, float] | None = None) -> Callable[[str, str], float]:
    """The marks :func:`weigh` gives an answer of a name and status, for the checker's cap on
    a sheet of guesses (20% of the weighted marks, as ``grade`` takes it)."""
    from chainrule.teach.marking import score_of

    def worth(name: str, status: str) -> float:
        points = next((p for pattern, p in (weights or {}).items()
                       if fnmatch.fnmatchcase(name, pattern)), 1.0)
        return points * (credit or {}).get(status, score_of(status))

    return worth


def weigh(result: CheckResult, weights: Mapping[str, float] | None = None,
          credit: Mapping[str, float] | None = None) -> CheckResult:
    """``result`` scored by a rubric's points: each quantity ``weight(name)`` points (0: not
    asked, left out) times its status's ``credit`` (a fraction)."""
    import fnmatch

    def weight(name: str) -> float:
        for pattern, points in (weights or {}).items():
            if fnmatch.fnmatchcase(name, pattern):
                return points
        return 1.0

    tests = []
    for t in result.tests:
        points = weight(t.name)
        if points <= 0:
            continue
        fraction = (credit or {}).get(t.status, t.score / t.max_score if t.max_score else 0.0)
        tests.append(replace(t, score=points * fraction, max_score=points))
    return replace(result, tests=tuple(tests))


def parse_time(text: object) -> datetime | None:
    """An ISO 8601 time (Gradescope's ``2018-07-01T14:22:32.365935-07:00``), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
