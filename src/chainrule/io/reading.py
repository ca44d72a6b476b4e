"""Reading a file the user named, safely: only regular files (not a device, a pipe or a
folder), at most a bounded number of bytes, text as UTF-8 with any byte-order mark dropped and
an encoding error reported by its line."""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from typing import Any

from chainrule.core import limits
from chainrule.core.errors import NetworkError, UsageError


class Unreadable(Exception):
    """The file cannot be read; ``problem`` says why in words (the caller names the file)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def read_bytes(path: str | os.PathLike[str], max_bytes: int | None = None, *,
               kind: str | None = None) -> bytes:
    """The whole file, refusing what is not a regular file or is over ``max_bytes``
    (default: :func:`chainrule.core.limits.max_file_bytes`). ``kind`` names a kind of file
    whose limit is fixed (``"an answers file"``): the message says so rather than how to raise
    it."""
    limit = limits.max_file_bytes() if max_bytes is None else max_bytes
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise Unreadable("is a directory; give a file (a network file is .toml, .json or .npz)")
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(
                "is not a regular file (a device, a pipe or a socket); save the data to a file "
                "and give that"
            )
        if info.st_size > limit:
            raise Unreadable(_too_big(info.st_size, limit, max_bytes is None, kind))
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise Unreadable(f"cannot read the file ({error.strerror or error})") from None
    if len(data) > limit:  # it grew while we read it
        raise Unreadable(_too_big(len(data), limit, max_bytes is None, kind))
    return data


def decode(data: bytes) -> str:
    """UTF-8 text (a leading byte-order mark dropped); an invalid byte is reported by line and
    column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise Unreadable(
            f"line {line}, column {column}: byte 0x{data[start]:02x} is not UTF-8 text; save the "
            "file as UTF-8"
        ) from None


def read_text(path: str | os.PathLike[str], max_bytes: int | None = None, *,
              kind: str | None = None) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    return decode(read_bytes(path, max_bytes, kind=kind))


def _too_big(size: int, limit: int, default: bool, kind: str | None = None) -> str:
    if kind is not None:
        return (f"the file is {size / 2**20:,.1f} MB, over the limit of {limit / 2**20:,.1f} MB "
                f"for {kind}, which is a few kilobytes")
    how = (
        f"set {limits.FILE_LIMIT_VARIABLE} to the megabytes to allow (Python: max_bytes=)"
        if default
        else "raise max_bytes"
    )
    return (
        f"the file is {size / 2**20:,.1f} MB, over the limit of {limit / 2**20:,.1f} MB for a "
        f"file read whole; {how}"
    )


class Literal(float):
    """A float of a TOML or JSON file that remembers how it was written (``parse_float``):
    ``1e-999999999999999999`` reads as 0.0, and only its text says it was not 0."""

    text: str

    def __new__(cls, text: str | float) -> Literal:
        obj = super().__new__(cls, text.replace("_", "") if isinstance(text, str) else text)
        obj.text = text if isinstance(text, str) else repr(float(text))
        return obj


def out_of_range(data: object, path: tuple[str | int, ...] = (), *,
                 nonfinite: bool = True) -> tuple[str, str] | None:
    """The first number of a parsed TOML or JSON document (floats read as :class:`Literal`)
    written beyond 10^±100 in size (or, with ``nonfinite``, not finite: nan, inf), as (its key:
    ``rtol``, ``[credit] rounding``, ``[weights] "new_w.*"``, and the problem), or None
    (:func:`chainrule.core.limits.number_problem`)."""
    if isinstance(data, float) and not nonfinite and not math.isfinite(data) and (
            not isinstance(data, Literal) or not any(c.isdigit() for c in data.text)):
        return None  # nan and inf are the caller's to name (with what is valid there)
    if isinstance(data, Literal):
        problem = limits.number_problem(data.text)
    elif isinstance(data, int) and not isinstance(data, bool):
        problem = (limits.number_problem(str(data)) if abs(data) > 10**limits.MAX_MAGNITUDE
                   else None)
    elif isinstance(data, float):
        problem = limits.number_problem(repr(data))
    elif isinstance(data, dict):
        for name, value in data.items():
            found = out_of_range(value, (*path, str(name)), nonfinite=nonfinite)
            if found:
                return found
        return None
    elif isinstance(data, list):
        for number, value in enumerate(data, start=1):
            found = out_of_range(value, (*path, number), nonfinite=nonfinite)
            if found:
                return found
        return None
    else:
        return None
    return (key_name(path), problem) if problem else None


def read_toml_config(path: str | os.PathLike[str], max_bytes: int, what: str, *,
                     kind: str | None = None) -> dict[str, Any]:
    """A small TOML file the user named (a grading config, an assignment): a regular file of at
    most ``max_bytes``, parsed with every float a :class:`Literal` and no number beyond 10^±100;
    UsageError ``FILE: problem`` otherwise (``what`` names the file in the parse error, ``kind``
    in the size error)."""
    import tomllib

    try:
        data = tomllib.loads(read_text(path, max_bytes, kind=kind), parse_float=Literal)
    except Unreadable as error:
        raise UsageError(f"{os.fspath(path)}: {error.problem}") from None
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as error:
        raise UsageError(f"{os.fspath(path)}: not a valid {what}: {error}") from None
    bad = out_of_range(data, nonfinite=False)  # 1e-999 would read as 0, 1e999 as inf
    if bad:
        raise UsageError(f"{os.fspath(path)}: {bad[0]}: {bad[1]}")
    return data


def key_name(path: tuple[str | int, ...]) -> str:
    """A key as a TOML file writes it: ``("credit", "rounding")`` -> ``[credit] rounding``,
    ``("weights", "new_w.*")`` -> ``[weights] "new_w.*"``, a list's item as ``#2``."""
    def part(p: str | int) -> str:
        if isinstance(p, int):
            return f"#{p}"
        return p if p.replace("_", "").replace("-", "").isalnum() else json.dumps(p)

    if len(path) < 2:
        return ".".join(part(p) for p in path)
    return f"[{part(path[0])}] " + ".".join(part(p) for p in path[1:])


def check_network_numbers(data: dict[str, Any]) -> None:
    """Refuse, naming its key, a number of a network file that a double cannot hold: one that
    would read as infinity, or silently as 0 (``1e-999999999999999999``), or lose its digits
    below 2.2e-308 (:func:`chainrule.core.limits.number_problem` with ``double``). NaN,
    Infinity and integers beyond a double are the schema's to name. Each number is left a plain
    float (the schema's fast path)."""

    def check(value: Any, key: str) -> Any:
        problem = None
        if isinstance(value, Literal):
            if math.isfinite(value) or any(c.isdigit() for c in value.text):
                problem = limits.number_problem(value.text, double=True)
            value = float(value)
        elif isinstance(value, float) and math.isfinite(value) and value != 0 and (
                abs(value) < sys.float_info.min):
            problem = limits.number_problem(repr(value), double=True)
        elif isinstance(value, dict):
            for name, part in value.items():
                value[name] = check(part, f"{key}.{name}")
        if problem:
            raise NetworkError(problem, key=key)
        return value

    for top, value in data.items():
        if top in ("units", "weights", "biases") and isinstance(value, dict):
            for name, spec in value.items():
                value[name] = check(spec, f'[{top}] "{name}"' if top == "weights"
                                    else f"[{top}] {name}")
        elif top == "samples" and isinstance(value, list):
            for number, sample in enumerate(value, start=1):
                if isinstance(sample, dict):
                    for part, values in sample.items():
                        sample[part] = check(values, f"[[samples]] #{number} {part}")
        else:
            data[top] = check(value, str(top))
