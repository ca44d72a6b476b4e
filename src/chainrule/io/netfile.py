"""Reading and writing network files (TOML or JSON), and the built-in examples.

``load`` accepts a path, the name of a built-in example, a dict shaped like the file, or a
Network. Every problem is a :class:`~chainrule.errors.NetworkError` whose message names the file
(and the line, where the file gives one), the key, and what would be valid.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from chainrule.core.errors import NetworkError, UnknownExampleError, UsageError
from chainrule.core.limits import MAX_NESTING
from chainrule.core.network import Network
from chainrule.core.schema import quote
from chainrule.io.reading import Literal, Unreadable, check_network_numbers, decode, read_bytes

NetworkLike = Network | Mapping[str, Any] | str | os.PathLike[str]


def examples() -> dict[str, str]:
    """The built-in examples: name -> one-line title."""
    out = {}
    for name in sorted(_example_files()):
        data = tomllib.loads(_example_files()[name].read_text(encoding="utf-8"))
        out[name] = str(data.get("title", name))
    return out


def example_text(name: str) -> str:
    """The TOML source of a built-in example."""
    files = _example_files()
    if name not in files:
        raise UnknownExampleError(
            f"no built-in example named {quote(name)}; built-ins are {', '.join(sorted(files))}"
        )
    text: str = files[name].read_text(encoding="utf-8")
    return text


def _example_files() -> dict[str, Any]:
    folder = resources.files("chainrule") / "examples"
    return {p.name.removesuffix(".toml"): p for p in folder.iterdir() if p.name.endswith(".toml")}


def load(source: NetworkLike, *, max_bytes: int | None = None) -> Network:
    """A Network from a built-in name, a path to a ``.toml``/``.json``/``.npz`` file, a dict or
    a Network.

    ``max_bytes`` bounds the file read (default 64 MB, or the environment variable
    CHAINRULE_MAX_FILE_MB); only regular files are read (not a device or a pipe).

    Examples
    --------
    >>> load("exercise-2").layer("i")
    'L-2'
    """
    if isinstance(source, Network):
        return source
    if isinstance(source, Mapping):
        return Network.from_dict(source)
    if not isinstance(source, (str, os.PathLike)):
        raise UsageError(
            "load(source): source must be a built-in example's name, a path, a dict shaped like "
            f"the network file or a Network, got {_kind(source)}"
        )
    if isinstance(source, str) and source in _example_files() and not Path(source).exists():
        return loads(example_text(source), name=source, fmt="toml")
    path = Path(source)
    if not path.exists() and not path.is_symlink():
        hint = ""
        if isinstance(source, str) and not source.endswith((".toml", ".json", ".npz")):
            hint = f"; built-in examples are {', '.join(sorted(_example_files()))}"
        try:
            path.stat()
        except OSError as error:
            if error.strerror and not isinstance(error, FileNotFoundError):
                raise NetworkError(f"cannot read the file ({error.strerror})",
                                   source=str(source)) from None
        raise NetworkError(f"no such file or built-in example{hint}", source=str(source))
    try:
        data = read_bytes(path, max_bytes)
    except Unreadable as error:
        raise NetworkError(error.problem, source=str(path)) from None
    if path.suffix.lower() == ".npz":
        from chainrule.io.npzfile import loads_npz

        return loads_npz(data, name=str(path))
    try:
        text = decode(data)
    except Unreadable as error:
        raise NetworkError(error.problem, source=str(path)) from None
    return loads(text, name=str(path), fmt="json" if path.suffix.lower() == ".json" else "toml")


def loads(text: str, *, name: str = "<string>", fmt: str = "toml") -> Network:
    """A Network from the text of a network file in ``fmt`` (``"toml"`` or ``"json"``)."""
    if not isinstance(text, str):
        raise UsageError(f"loads(text): text must be a string (the file's text), got {_kind(text)}")
    if fmt not in ("toml", "json"):
        raise UsageError(f"loads(fmt): fmt must be 'toml' or 'json', got {fmt!r}")
    text = text.removeprefix("\ufeff")
    data = _parse(text, name, fmt)
    try:
        check_network_numbers(data)
        return Network.from_dict(data)
    except NetworkError as error:
        line = _line_of(text, error.key, fmt)
        raise NetworkError(
            error.problem, source=f"{name}: line {line}" if line else name, key=error.key
        ) from None


def _kind(value: object) -> str:
    if value is None:
        return "None"
    return f"{type(value).__name__} {value!r}"[:80]


def _parse(text: str, name: str, fmt: str) -> dict[str, Any]:
    depth = _nesting(text, fmt)
    if depth is not None:
        line, column = depth
        raise NetworkError(
            f"line {line}, column {column}: tables and lists nested over {MAX_NESTING} deep; a "
            "network file needs 4 levels at most",
            source=name,
        )
    try:
        if fmt == "json":
            return _parse_json(text, name)
        try:
            return tomllib.loads(text, parse_float=Literal)
        except tomllib.TOMLDecodeError as error:
            raise NetworkError(f"not valid TOML: {error}", source=name) from None
    except NetworkError:
        raise
    except ValueError as error:  # Python's limit on digits in an integer
        if "digits" not in str(error):
            raise
        found = _line_of_long_number(text)
        where = f"line {found}: " if found else ""
        raise NetworkError(
            f"{where}a number has over 4,300 digits; every number must be a finite double "
            "(at most about 1.8e308)",
            source=name,
        ) from None


def _parse_json(text: str, name: str) -> dict[str, Any]:
    try:
        # NaN and Infinity parse to floats, so validation names their key (not finite)
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=Literal,
                          parse_float=Literal)
    except json.JSONDecodeError as error:
        raise NetworkError(
            f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
            source=name,
        ) from None
    except _DuplicateKey as error:
        line = _duplicate_key_line(text)
        where = f"line {line}: " if line else ""
        raise NetworkError(
            f"{where}key {quote(error.args[0])} is written twice in the same object; keep one",
            source=name,
        ) from None
    if not isinstance(data, dict):
        raise NetworkError("a network file must hold one JSON object {...}", source=name)
    return data


def _line_of_long_number(text: str) -> int | None:
    match = re.search(r"[0-9_]{4300,}", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


def _nesting(text: str, fmt: str) -> tuple[int, int] | None:
    """Where brackets first nest deeper than MAX_NESTING (line, column), or None.

    Checked before parsing, because the parsers recurse once per level. Brackets inside strings
    (and TOML comments) do not count."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return None
    token = _JSON_TOKEN if fmt == "json" else _TOML_TOKEN
    depth = 0
    for match in token.finditer(text):
        t = match.group()
        if t == "[" or t == "{":
            depth += 1
            if depth > MAX_NESTING:
                start = match.start()
                line = text.count("\n", 0, start) + 1
                return line, start - (text.rfind("\n", 0, start) + 1) + 1
        elif t == "]" or t == "}":
            depth = max(0, depth - 1)
    return None


# TOML strings (multi-line and literal too) and comments, skipped; then brackets
_TOML_TOKEN = re.compile(
    r"""'''.*?'''|"""
    r'''"""(?:[^\\]|\\.)*?"""|'''
    r'''"(?:[^"\\\n]|\\.)*"|'''
    r"""'[^'\n]*'|#[^\n]*|[{}\[\]]""",
    re.DOTALL,
)


def _duplicate_key_line(text: str) -> int | None:
    """The line where a JSON object repeats one of its keys (tokens read with a stack of each
    open object's keys)."""
    stack: list[set[str] | None] = []
    tokens = list(_JSON_TOKEN.finditer(text))
    for i, match in enumerate(tokens):
        t = match.group()
        if t == "{":
            stack.append(set())
        elif t == "[":
            stack.append(None)
        elif t in "]}":
            if stack:
                stack.pop()
        elif t.startswith('"') and stack and stack[-1] is not None:
            if i + 1 < len(tokens) and tokens[i + 1].group() == ":":
                key = json.loads(t)
                if key in stack[-1]:
                    return text.count("\n", 0, match.start()) + 1
                stack[-1].add(key)
    return None


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _line_of(text: str, key: str | None, fmt: str = "toml") -> int | None:
    """Best effort: the line of the file that a validation error's key points at."""
    if not key:
        return None
    if fmt == "json":
        return _json_line(text, _key_path(key))
    lines = text.splitlines()
    if re.fullmatch(r"\w+", key):  # a top-level key: before the first [table]
        top = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*[=:]')
        for number, line in enumerate(lines, start=1):
            if line.strip().startswith("["):
                break
            if top.match(line):
                return number
        return None
    sample = re.match(r"\[\[samples\]\] #(\d+)(?: (inputs|targets))?", key)
    if sample:  # the N-th [[samples]] table of a TOML file (its inputs or targets line)
        wanted, part = int(sample.group(1)), sample.group(2)
        seen, header = 0, None
        for number, line in enumerate(lines, start=1):
            stripped = line.strip()
            if stripped.startswith("["):
                if seen == wanted:
                    break
                if stripped.startswith("[[samples]]"):
                    seen += 1
                    header = number if seen == wanted else None
            elif header and part and re.match(part + r"\s*=", stripped):
                return number
        return header
    match = re.match(r'\[(\w+)\] "?(.*?)"?(?:\.(?:value|slope))?$', key)
    if not match:
        return None
    section, name = match.groups()
    pattern = re.compile(r'^\s*"?' + re.escape(name) + r'"?\s*=')
    in_section = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped.strip("[] ") == section
            continue
        if in_section and pattern.match(line):
            return number
    return None


def _key_path(key: str) -> list[str | int]:
    """A validation error's key as a path into the JSON document: ``[biases] j`` ->
    ``["biases", "j"]``, ``[[samples]] #2 targets.k`` -> ``["samples", 1, "targets", "k"]``."""
    sample = re.match(r"\[\[samples\]\](?: #(\d+))?(?: (inputs|targets)(?:\.(\w+))?)?", key)
    if sample:
        path: list[str | int] = ["samples"]
        if sample.group(1):
            path.append(int(sample.group(1)) - 1)
        path += [p for p in sample.groups()[1:] if p]
        return path
    match = re.match(r'\[(\w+)\](?: "?(.*?)"?(?:\.(value|slope))?)?$', key)
    if match:
        return [p for p in match.groups() if p]
    return [key]


def _json_line(text: str, path: Sequence[str | int]) -> int | None:
    """The line of the deepest leading part of ``path`` found in the JSON text (keys of
    objects, positions in lists), read token by token with a stack of the open brackets."""
    stack: list[list[Any]] = []  # per open bracket: [bracket, its key or index now, commas]
    best: int | None = None
    tokens = list(_JSON_TOKEN.finditer(text))
    for i, match in enumerate(tokens):
        t = match.group()
        reached = False
        if t in ("{", "["):
            if stack and stack[-1][0] == "[":
                stack[-1][1] = stack[-1][2]
                reached = True
            depth = len(stack)
            stack.append([t, None, 0])
        elif t in ("}", "]"):
            if stack:
                stack.pop()
            continue
        elif t == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][2] += 1
            continue
        elif t.startswith('"') and stack and stack[-1][0] == "{" and i + 1 < len(tokens) and (
            tokens[i + 1].group() == ":"
        ):
            stack[-1][1] = json.loads(t)
            depth = len(stack)
            reached = True
        if reached and depth <= len(path):
            here = [frame[1] for frame in stack[:depth]]
            if here == list(path[:depth]):
                best = text.count("\n", 0, match.start()) + 1
                if depth == len(path):
                    return best
    return best


# ---------------------------------------------------------------------------------------------
# Writing

NETWORK_SUFFIXES = (".toml", ".json", ".npz")
"""The network file formats, by file-name suffix; anything else is written as TOML."""


def dumps(network: Network, fmt: str = "toml", *, comment: str | None = None) -> str:
    """The network as the text of a ``"toml"`` or ``"json"`` network file that :func:`load`
    reads back to an equal Network (``comment`` goes into TOML only)."""
    if fmt == "json":
        return json.dumps(network.to_dict(), indent=2, allow_nan=False) + "\n"
    from chainrule.core.schema import dumps_toml

    return dumps_toml(network, comment=comment)


def save(network: Network, path: str | os.PathLike[str], *, comment: str | None = None) -> None:
    """Write ``network`` to ``path`` in the format its suffix names (``.json``, ``.npz``, else
    TOML), all at once (:func:`chainrule.io.atomic.write_atomic`), so that :func:`load` reads
    it back."""
    from chainrule.io.atomic import write_atomic

    suffix = Path(path).suffix.lower()
    if suffix == ".npz":
        from chainrule.io.npzfile import save_npz

        save_npz(network, path)
        return
    write_atomic(path, dumps(network, "json" if suffix == ".json" else "toml", comment=comment))
