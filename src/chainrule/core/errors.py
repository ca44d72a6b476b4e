"""The exceptions chainrule raises. The library never prints or exits; shells turn these into
one line on stderr and exit code 2.

Messages name a function's parameter in backticks, as Python spells it: "`learning_rate` must
be a finite number > 0", "try a smaller one (e.g. `learning_rate=0.1`)". A shell respells them
in its own terms with :func:`spell_parameters` (the CLI: ``--learning-rate 0.1``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping


class ChainruleError(Exception):
    """Base class of every error chainrule raises on bad input."""


class NetworkError(ChainruleError, ValueError):
    """A network file or dict that is malformed: names the source, the key and what is valid.

    The message reads ``SOURCE: KEY: PROBLEM`` (``SOURCE`` and ``KEY`` left out when unknown),
    for example ``exercise.toml: [weights] "j -> q": no unit named "q"; units are i, j, k``.
    """

    def __init__(self, problem: str, *, source: str | None = None, key: str | None = None) -> None:
        self.problem = problem
        self.source = source
        self.key = key
        parts = [p for p in (source, key) if p]
        super().__init__(": ".join([*parts, problem]))

    def located(self, source: str) -> NetworkError:
        """The same error, naming ``source`` as the file it came from."""
        return NetworkError(self.problem, source=source, key=self.key)


class UnknownExampleError(ChainruleError, LookupError):
    """A built-in example name that does not exist."""


class DivergedError(ChainruleError, ArithmeticError):
    """The cost became infinite or NaN while stepping (the learning rate is usually too large).

    ``trace`` holds the steps before the update that blew up: its final network is the last
    one whose cost was finite (saved, it does not diverge at its first step).
    """

    def __init__(self, message: str, *, step: int, trace: object | None = None) -> None:
        self.step = step
        self.trace = trace
        super().__init__(message)


class UsageError(ChainruleError, ValueError):
    """A bad argument to a library function or command (not about a network file)."""


class MissingDependencyError(UsageError, ImportError):
    """An optional package a feature needs is not installed; the message says what to install.

    ``package`` is the import name of what is missing (``"matplotlib"``).
    """

    def __init__(self, message: str, *, package: str) -> None:
        self.package = package
        super().__init__(message)


_PARAMETER = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)(?:=([^`]*))?`")


def as_flag(name: str, flags: Mapping[str, str] | None = None) -> str:
    """The command-line flag of a library parameter: ``flags[name]``, else ``--`` and the name
    with dashes (``learning_rate`` -> ``--learning-rate``)."""
    return (flags or {}).get(name) or "--" + name.replace("_", "-")


def spell_parameters(message: str, flags: Mapping[str, str] | None = None) -> str:
    """``message`` with each `parameter` and `parameter=value` it names written as a flag:
    "`learning_rate=0.1`" -> "--learning-rate 0.1" (``flags`` maps the names whose flag is
    not the default spelling, e.g. ``{"sizes": "--layers"}``).

    >>> spell_parameters("try a smaller one (e.g. `learning_rate=0.01`)")
    'try a smaller one (e.g. --learning-rate 0.01)'
    """

    def flag(match: re.Match[str]) -> str:
        name, value = match.groups()
        spelled = as_flag(name, flags)
        return spelled if value is None else f"{spelled} {value}"

    return _PARAMETER.sub(flag, message)
