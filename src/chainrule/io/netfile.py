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
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from chainrule.core.errors import NetworkError, UnknownExampleError
from chainrule.core.network import Network
from chainrule.core.schema import quote

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


def load(source: NetworkLike) -> Network:
    """A Network from a built-in name, a path to a ``.toml``/``.json`` file, a dict or a Network.

    Examples
    --------
    >>> load("exercise-2").layer("i")
    'L-2'
    """
    if isinstance(source, Network):
        return source
    if isinstance(source, Mapping):
        return Network.from_dict(source)
    if isinstance(source, str) and source in _example_files() and not Path(source).exists():
        return loads(example_text(source), name=source, fmt="toml")
    path = Path(source)
    if path.is_dir():
        raise NetworkError("is a directory; give a network file (.toml or .json)", source=str(path))
    if not path.exists():
        hint = ""
        if isinstance(source, str) and not source.endswith((".toml", ".json", ".npz")):
            hint = f"; built-in examples are {', '.join(sorted(_example_files()))}"
        raise NetworkError(f"no such file or built-in example{hint}", source=str(source))
    if path.suffix.lower() == ".npz":
        from chainrule.io.npzfile import load_npz

        return load_npz(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise NetworkError(f"cannot read the file ({reason})", source=str(path)) from None
    return loads(text, name=str(path), fmt="json" if path.suffix.lower() == ".json" else "toml")


def loads(text: str, *, name: str = "<string>", fmt: str = "toml") -> Network:
    """A Network from the text of a network file in ``fmt`` (``"toml"`` or ``"json"``)."""
    data = _parse(text, name, fmt)
    try:
        return Network.from_dict(data)
    except NetworkError as error:
        line = _line_of(text, error.key)
        raise NetworkError(
            error.problem, source=f"{name}: line {line}" if line else name, key=error.key
        ) from None


def _parse(text: str, name: str, fmt: str) -> dict[str, Any]:
    if fmt == "json":
        try:
            # NaN and Infinity parse to floats, so validation names their key (not finite)
            data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=float)
        except json.JSONDecodeError as error:
            raise NetworkError(
                f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                source=name,
            ) from None
        except _DuplicateKey as error:
            raise NetworkError(f"key {quote(error.args[0])} is written twice",
                               source=name) from None
        if not isinstance(data, dict):
            raise NetworkError("a network file must hold one JSON object {...}", source=name)
        return data
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise NetworkError(f"not valid TOML: {error}", source=name) from None


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _line_of(text: str, key: str | None) -> int | None:
    """Best effort: the line of the file that a validation error's key points at."""
    if not key:
        return None
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
    match = re.match(r'\[(\w+)\] "?(.*?)"?$', key)
    if not match:
        return None
    section, name = match.groups()
    pattern = re.compile(r'^\s*"?' + re.escape(name) + r'"?\s*[=:]')
    json_pattern = re.compile(r'^\s*"' + re.escape(name) + r'"\s*:')
    in_section = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped.strip("[] ") == section
            continue
        if (in_section and pattern.match(line)) or json_pattern.match(line):
            return number
    return None


# ---------------------------------------------------------------------------------------------
# Writing
