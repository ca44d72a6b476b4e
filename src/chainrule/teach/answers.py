"""The answers file: a student's numbers for one step, by the names of the Trace's JSON.

Numbers are kept as the student wrote them (``0.3973`` has 4 decimals), because the tolerance
follows what was written. TOML and JSON of the same shape are read; :func:`template` writes the
file to fill in, every quantity present and commented.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from chainrule.core import mathtable
from chainrule.core.errors import ChainruleError
from chainrule.core.network import Network, weight_name
from chainrule.teach.quantities import STEP_KINDS, UNIT_KINDS, Graph

TABLES = (*UNIT_KINDS, *STEP_KINDS)
FORMULA_TABLES: tuple[str, ...] = ("dC_dw_formula",)
MAX_STEP = 10_000
MAX_DECIMALS = 15


class AnswersError(ChainruleError, ValueError):
    """An answers file that cannot be checked: names the file, the line, the key and what is
    valid (the CLI exits 2)."""


MAX_ANSWERS_BYTES = 2**20
"""The largest answers file read (one is a few kilobytes)."""
MAX_DIGITS = 30
"""Digits (and decimals) a written number may have."""
MAX_MAGNITUDE = 100
"""Written numbers lie between 10^-100 and 10^100 in size (or are 0)."""


class NumberRange(ValueError):
    """A number too long, too large or too small to be an answer; the message says which."""


@dataclass(frozen=True, slots=True)
class Written:
    """A number as the student wrote it: its value and how many decimals it has."""

    value: float
    decimals: int
    text: str

    @classmethod
    def parse(cls, text: str) -> Written | None:
        """``"-1.2054"`` -> Written(-1.2054, 4); ``"3e-2"`` -> 2 decimals; None if no number;
        :class:`NumberRange` for one too long, too large or too small."""
        cleaned = text.strip().replace("_", "")
        try:
            d = Decimal(cleaned)
        except InvalidOperation:
            return None
        if not d.is_finite():
            return None
        exponent = d.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        digits = len(d.as_tuple().digits)
        shown = cleaned if len(cleaned) <= 24 else cleaned[:21] + "..."
        if d != 0 and abs(d.adjusted()) > MAX_MAGNITUDE:
            size = "small" if d.adjusted() < 0 else "large"
            raise NumberRange(f"{shown} is too {size}; answers lie between 1e-{MAX_MAGNITUDE} "
                              f"and 1e{MAX_MAGNITUDE} in size")
        if digits > MAX_DIGITS or decimals > MAX_DIGITS:
            raise NumberRange(f"{shown} has {max(digits, decimals)} digits; write at most "
                              f"{MAX_DIGITS}")
        return cls(float(d), decimals, cleaned)

    @classmethod
    def of(cls, value: float | int) -> Written:
        """A number given as a float or int (its shortest repr says how many decimals)."""
        if isinstance(value, bool) or not math.isfinite(value):
            raise ValueError(value)
        parsed = cls.parse(repr(value))
        assert parsed is not None
        return parsed


@dataclass(frozen=True)
class Answers:
    """A student's answers for one step: quantity name -> Written, and formulas (strings)."""

    step: int = 1
    values: Mapping[str, Written] = field(default_factory=dict)
    formulas: Mapping[str, str] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)
    """The line of the file each answer is on (where known)."""
    source: str = "<answers>"
    decimals: int | None = None
    """The decimals the sheet asks for, when the file says (``decimals = 4``; ``check`` marks
    with them unless ``--decimals`` is given; ``grade`` uses the instructor's)."""


class _Float(float):
    """A TOML/JSON float that remembers how it was written."""

    text: str

    def __new__(cls, text: str) -> _Float:
        obj = super().__new__(cls, text.replace("_", ""))
        obj.text = text
        return obj


def read(text: str, *, name: str = "<answers>", fmt: str | None = None) -> dict[str, Any]:
    """Parse an answers file's text (TOML, or JSON when ``fmt="json"`` or it starts with ``{``)."""
    if fmt == "json" or (fmt is None and text.lstrip().startswith("{")):
        try:
            data = json.loads(text, parse_float=_Float, parse_constant=_bad_constant)
        except json.JSONDecodeError as error:
            raise AnswersError(
                f"{name}: line {error.lineno}: not valid JSON: {error.msg}"
            ) from None
        except _Constant as error:
            raise AnswersError(
                f"{name}: {error.args[0]} is not a number a student writes"
            ) from None
        except (ValueError, RecursionError) as error:  # a 5000-digit number, [[[[...
            raise AnswersError(f"{name}: not an answers file: {_first_line(error)}") from None
        if not isinstance(data, dict):
            raise AnswersError(f"{name}: an answers file must hold one JSON object {{...}}")
        return data
    try:
        return tomllib.loads(text, parse_float=_Float)
    except tomllib.TOMLDecodeError as error:
        raise AnswersError(f"{name}: not valid TOML: {error}") from None
    except (ValueError, RecursionError) as error:  # a 5000-digit number, [[[[...
        long = re.search(r"[0-9_]{4300,}", text)
        if long and "digits" in str(error):
            line = text.count("\n", 0, long.start()) + 1
            raise AnswersError(f"{name}: line {line}: a number with too many digits "
                               f"({len(long.group()):,}); write at most {MAX_DIGITS}") from None
        raise AnswersError(f"{name}: not an answers file: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    text = str(error).split(";")[0].strip() or type(error).__name__
    if "digits" in text and "integer" in text:
        return "a number has too many digits"
    return text if len(text) <= 80 else text[:77] + "..."


class _Constant(Exception):
    pass


def _bad_constant(name: str) -> float:
    raise _Constant(name)


def parse(
    data: Mapping[str, Any] | Answers,
    network: Network,
    *,
    source: str = "<answers>",
    text: str | None = None,
    graph: Graph | None = None,
) -> Answers:
    """Validate an answers dict (the file's structure) against ``network``.

    Every name must be a quantity the network has; every value a number (or a numeric string;
    an empty string means not answered). Raises :class:`AnswersError` naming the key, its line
    and the valid names. ``graph`` is the network's step graph where the caller has built it
    (a :class:`~chainrule.teach.checking.Checker` has), so that it is not built again.
    """
    if isinstance(data, Answers):
        return data
    graph_names = set((graph or Graph(network)).names)
    values: dict[str, Written] = {}
    formulas: dict[str, str] = {}
    lines: dict[str, int] = {}
    step = 1
    decimals: int | None = None

    def fail(key: str, table: str | None, problem: str) -> AnswersError:
        line = _line_of(text, table, key) if text else None
        where = f"{source}: line {line}" if line else source
        shown = f"[{table}] {_q(key)}" if table else _q(key)
        return AnswersError(f"{where}: {shown}: {problem}")

    def take(name: str, key: str, table: str | None, value: Any) -> None:
        if name not in graph_names:
            raise fail(key, table, _unknown(name, table, network, graph_names))
        try:
            written = _written(value)
        except NumberRange as error:
            raise fail(key, table, str(error)) from None
        except ValueError:
            raise fail(key, table,
                       f"{_show(value)} is not a number; write a number like 0.5") from None
        if written is not None:
            values[name] = written
            if text:
                line = _line_of(text, table, key)
                if line:
                    lines[name] = line

    for top, value in data.items():
        if top == "step":
            if isinstance(value, bool) or not isinstance(value, int) or not (
                1 <= value <= MAX_STEP
            ):
                raise fail("step", None, f"{_show(value)} is not a step number; write a whole "
                           f"number from 1 to {MAX_STEP}")
            step = value
        elif top == "decimals":
            if isinstance(value, bool) or not isinstance(value, int) or not (
                0 <= value <= MAX_DECIMALS
            ):
                raise fail("decimals", None, f"{_show(value)} is not a number of decimals; "
                           f"write a whole number from 0 to {MAX_DECIMALS}")
            decimals = value
        elif top == "C":
            take("C", "C", None, value)
        elif top in TABLES:
            for key, item in _table(value, top, fail).items():
                take(f"{top}.{_normal_key(key)}", key, top, item)
        elif top in FORMULA_TABLES:
            for key, item in _table(value, top, fail).items():
                weight = _normal_key(key)
                if f"dC_dw.{weight}" not in graph_names:
                    valid = ", ".join(weight_name(k) for k in network.weights)
                    raise fail(key, top,
                               f"no weight {_q(key)} in this network; weights are {valid}")
                if not isinstance(item, str):
                    raise fail(key, top, "a formula is a string, e.g. \"2*w - 2\"")
                if item.strip():
                    formulas[f"{top}.{weight}"] = item
        elif top == "sample":
            for number, tables in _table(value, "sample", fail).items():
                if not (str(number).isdigit() and 1 <= int(number) <= len(network.samples)):
                    raise fail(str(number), "sample", f"no sample {_q(str(number))}; this network "
                               f"has samples 1 to {len(network.samples)}")
                n = int(number)
                prefix = "" if n == 1 else f"sample.{n}."
                table_name = f"sample.{n}"
                for kind, inner in _table(tables, table_name, fail).items():
                    if kind == "C":
                        take(f"sample.{n}.C", "C", table_name, inner)
                        continue
                    if kind in ("dC_dw", "dC_db"):
                        for key, item in _table(inner, f"{table_name}.{kind}", fail).items():
                            take(f"sample.{n}.{kind}.{_normal_key(key)}", key,
                                 f"{table_name}.{kind}", item)
                        continue
                    if kind not in UNIT_KINDS:
                        raise fail(kind, table_name, "not a per-sample quantity; valid are "
                                   + ", ".join([*UNIT_KINDS, "C", "dC_dw", "dC_db"]))
                    for key, item in _table(inner, f"{table_name}.{kind}", fail).items():
                        take(f"{prefix}{kind}.{key}", key, f"{table_name}.{kind}", item)
        else:
            valid = ", ".join(["step", "decimals", "C", *TABLES, *FORMULA_TABLES, "sample"])
            raise fail(top, None, f"not a quantity of an answers file; valid names are {valid}")
    return Answers(step, values, formulas, lines, source, decimals)


def _table(value: Any, name: str, fail: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise fail(name, None, f"should be a table [{name}] of names = numbers, not "
                   f"{_show(value)}")
    return value


def _written(value: Any) -> Written | None:
    """A Written, or None for an empty answer (``""``); ValueError if not a number."""
    parsed: Written | None
    if isinstance(value, _Float):
        parsed = Written.parse(value.text)
    elif isinstance(value, bool):
        parsed = None
    elif isinstance(value, (int, float)):
        return Written.of(value)
    elif isinstance(value, str):
        if not value.strip():
            return None
        parsed = Written.parse(value)
    else:
        parsed = None
    if parsed is None:
        raise ValueError(value)
    return parsed


def _normal_key(key: str) -> str:
    """``"i->j"`` and ``"i  ->  j"`` -> ``"i -> j"``."""
    if "->" in key:
        a, _, b = key.partition("->")
        return f"{a.strip()} -> {b.strip()}"
    return key.strip()


def _unknown(name: str, table: str | None, network: Network, names: set[str]) -> str:
    kind = name.split(".")[-2] if name.count(".") >= 1 else name
    if name.startswith("sample."):
        kind = name.split(".")[2]
    table_prefix = name.rpartition(".")[0] + "."
    same = sorted(n.rpartition(".")[2] for n in names if n.startswith(table_prefix))
    if table is None:
        return "not a quantity of this network"
    if kind in ("dC_dw", "new_w"):
        valid = ", ".join(weight_name(k) for k in network.weights)
        return f"no weight of that name; weights are {valid}"
    if kind in ("dC_db", "new_b"):
        if not network.biases:
            return "this network has no biases"
        return f"no bias of that name; units with a bias are {', '.join(network.biases)}"
    unit = name.rpartition(".")[2]
    valid = f"valid names in [{table}] are {', '.join(same)}" if same else ""
    if unit not in network.unit:
        return f"no unit named {_q(unit)}" + (f"; {valid}" if valid else "")
    why = "an input has only an a" if network.unit[unit].is_input else "a softmax unit has none"
    if same:
        return f"unit {_q(unit)} has no {kind} ({why}); {valid}"
    return f"this network has no {kind} of any unit here"


def _q(key: str) -> str:
    return f'"{key}"' if not re.fullmatch(r"[A-Za-z0-9_]+", key) else key


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _line_of(text: str | None, table: str | None, key: str) -> int | None:
    """Best effort: the line of ``key`` in ``[table]`` (TOML), or of ``"key":`` (JSON)."""
    if not text:
        return None
    pattern = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*[=:]')
    json_pattern = re.compile(r'^\s*"' + re.escape(key) + r'"\s*:')
    current: str | None = None
    fallback = None
    header = re.compile(r'^\s*\[+\s*"?' + re.escape(key) + r'"?\s*[\].]')
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if table is None and header.match(line):
            return number
        if stripped.startswith("[") and not stripped.startswith("[["):
            current = stripped.split("]")[0].strip("[ ").replace('"', "")
            continue
        if current == table and pattern.match(line):
            return number
        if fallback is None and (json_pattern.match(line) or (pattern.match(line) and not table)):
            fallback = number
    return fallback


# -- the template ---------------------------------------------------------------------------------


def describe(graph: Graph, name: str) -> str:
    """What a quantity is, in the handout's words (the template's comment)."""
    node = graph.by_name[name]
    net = graph.network
    kind, u = node.kind, node.unit
    sample = f" (sample {node.sample + 1})" if graph.n_samples > 1 and node.sample >= 0 else ""
    if node.key is not None:
        a, b = node.key
        w = f"w_{a}{b}" if len(a) == len(b) == 1 else f"w_({a},{b})"
        if kind == "gw":
            return f"dC/d{w}{sample}, this sample's gradient: a_{a} · dC/dz_{b}"
        if kind == "dC_dw":
            mean = " mean over the samples" if graph.n_samples > 1 else ""
            return f"dC/d{w} = a_{a} · dC/dz_{b}{mean}: the gradient of weight {a} -> {b}"
        return f"new {w} = {w} - r · dC/d{w} (r = {graph.r:g})"
    if kind == "C":
        mean = ", the mean over the samples" if graph.n_samples > 1 else ""
        return f"the cost, {graph.cost.summary}{mean}"
    if kind == "C_sample":
        return f"the cost of this sample{sample}, {graph.cost.summary}"
    assert u is not None
    unit = net.unit[u]
    layer = net.layer(u)
    fn = unit.function
    if kind == "input":
        return f"the input a_{u}{sample}"
    if kind == "z":
        return f"z_{u} = sum of a · w into {u}" + (" + b" if u in graph.b else "") + sample
    if kind == "a":
        g = mathtable.fill(fn.formula, z=f"z_{u}", p=f"{unit.parameter}")
        return f"a_{u} = {g}, layer {layer}, {unit.activation}{sample}"
    if kind == "da_dz":
        slope = mathtable.fill(fn.slope_formula, z=f"z_{u}", a=f"a_{u}", p=f"{unit.parameter}")
        return f"da_{u}/dz_{u} = g'(z_{u}) = {slope}{sample}"
    if kind == "dC_da":
        if u in net.outputs:
            slope = mathtable.fill(graph.cost.slope_formula, a=f"a_{u}", y=f"y_{u}",
                                   K=str(len(net.outputs)))
            return f"dC/da_{u} = {slope}, the cost's derivative at the output{sample}"
        return f"dC/da_{u} = sum over k of w_{u}k · dC/dz_k (back-propagated){sample}"
    if kind == "dC_dz":
        if fn.kind == "softmax":
            return f"dC/dz_{u}, through the whole softmax{sample}"
        return f"dC/dz_{u} = da_{u}/dz_{u} · dC/da_{u}{sample}"
    if kind == "gb":
        return f"dC/db_{u}{sample}, this sample's bias gradient = dC/dz_{u}"
    if kind == "dC_db":
        return f"dC/db_{u} = dC/dz_{u}: the gradient of {u}'s bias"
    return f"new b_{u} = b_{u} - r · dC/db_{u} (r = {graph.r:g})"


def template(network: Network, *, step: int = 1, self_check: bool = True,
             decimals: int | None = None) -> str:
    """The answers file to fill in for ``network``: every quantity, each with a comment, the
    decimals the sheet asks for (default 4, the marking's tolerance) and, with ``self_check``,
    how to check it with ``chainrule check``."""
    from chainrule.teach.marking import DECIMALS

    asked = DECIMALS if decimals is None else decimals
    graph = Graph(network)
    title = network.title or "this network"
    lines = [
        f"# Answers for {json.dumps(title)}, step {step}.",
        "# Write each number between the quotes (or replace the quotes by it), rounded to",
        f"# {asked} decimals; leave out or leave empty any you did not calculate.",
        *(["# Then: chainrule check NETWORK answers.toml"] if self_check else []),
        f"step = {step}",
        f"decimals = {asked}  # the decimals asked: they set the tolerance",
        f'C = ""  # {describe(graph, "C")}',
    ]
    many = graph.n_samples > 1
    for kind in UNIT_KINDS:
        lines.append("")
        lines.append(f"[{kind}]" + ("  # sample 1" if many else ""))
        for node in graph.nodes:
            if node.kind == kind and node.sample == 0 and node.name:
                lines.append(f'{_key(node.unit or "")} = ""  # {describe(graph, node.name)}')
    for kind in STEP_KINDS:
        entries = [n for n in graph.nodes if n.kind == kind and n.name]
        if not entries:
            continue
        lines.append("")
        lines.append(f"[{kind}]")
        for node in entries:
            key = weight_name(node.key) if node.key else (node.unit or "")
            lines.append(f'{_key(key)} = ""  # {describe(graph, node.name or "")}')
    if many:
        for s in range(graph.n_samples):
            number = s + 1
            kinds = ["C", *(UNIT_KINDS if s else ()), "dC_dw", "dC_db"]
            for kind in kinds:
                if kind == "C":
                    lines += ["", f"[sample.{number}]", f'C = ""  # the cost of sample {number}']
                    continue
                per = {"dC_dw": "gw", "dC_db": "gb"}.get(kind, kind)
                entries = [n for n in graph.nodes if n.kind == per and n.sample == s and n.name]
                if not entries:
                    continue
                lines += ["", f"[sample.{number}.{kind}]"]
                for node in entries:
                    key = weight_name(node.key) if node.key else (node.unit or "")
                    lines.append(f'{_key(key)} = ""  # {describe(graph, node.name or "")}')
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_]+", key) else json.dumps(key)


def dumps(values: Mapping[str, str | float], *, step: int = 1) -> str:
    """An answers file (TOML) holding ``values`` (quantity name -> number or its text)."""
    tables: dict[str, list[str]] = {}
    top: list[str] = [f"step = {step}"]
    for name, value in values.items():
        shown = value if isinstance(value, str) else repr(float(value))
        if name == "C":
            top.append(f"C = {shown}")
            continue
        if name.startswith("sample."):
            _, number, rest = name.split(".", 2)
            if rest == "C":
                tables.setdefault(f"sample.{number}", []).append(f"C = {shown}")
                continue
            kind, _, key = rest.partition(".")
            tables.setdefault(f"sample.{number}.{kind}", []).append(f"{_key(key)} = {shown}")
            continue
        kind, _, key = name.partition(".")
        tables.setdefault(kind, []).append(f"{_key(key)} = {shown}")
    out = top
    for table, entries in tables.items():
        out += ["", f"[{table}]", *entries]
    return "\n".join(out) + "\n"


def read_file(path: str, network: Network, *, exercise: str | None = None,
              graph: Graph | None = None) -> Answers:
    """Read and validate an answers file (``-`` for standard input); with ``exercise``, the
    table of that name in an assignment's answers file (``[chain]``, ``[chain.a]``, ...).
    ``graph``: the network's step graph when the caller has it (one graph per check)."""
    import sys
    from pathlib import Path

    from chainrule.io.reading import Unreadable, read_text

    if path == "-":
        text, name = sys.stdin.read(MAX_ANSWERS_BYTES + 1), "<stdin>"
        if len(text) > MAX_ANSWERS_BYTES:
            raise AnswersError(f"<stdin>: over {MAX_ANSWERS_BYTES >> 20} MB; an answers file "
                               "is a few kilobytes")
    else:
        p = Path(path)
        if p.is_dir():
            raise AnswersError(f"{path}: is a folder; give an answers file (.toml or .json)")
        if not p.exists():
            raise AnswersError(f"{path}: no such answers file (make one with "
                               "`chainrule answers-template NETWORK > answers.toml`)")
        try:  # a regular file of bounded size only (not /dev/zero or a pipe)
            text = read_text(p, MAX_ANSWERS_BYTES, kind="an answers file")
        except Unreadable as error:
            raise AnswersError(f"{path}: {error.problem}") from None
        name = path
    fmt = "json" if name.lower().endswith(".json") else None
    data = read(text, name=name, fmt=fmt)
    if exercise is not None:
        tables = sorted(k for k, v in data.items() if isinstance(v, dict) and k not in TABLES
                        and k not in FORMULA_TABLES and k != "sample")
        table = data.get(exercise)
        if exercise not in tables or not isinstance(table, dict):
            raise AnswersError(f"{name}: --exercise {exercise}: no table [{exercise}] of "
                               "answers in this file; " + (
                                   f"its exercises are {', '.join(tables)}" if tables else
                                   "it answers one exercise: leave out --exercise"))
        return parse(table, network, source=f"{name} [{exercise}]", graph=graph)
    exercises = [k for k, v in data.items() if isinstance(v, dict) and k not in TABLES
                 and k not in FORMULA_TABLES and k != "sample"]
    if len(exercises) >= 2 and len(exercises) == len(data):
        raise AnswersError(f"{name}: [{exercises[0]}]: not a table of an answers file (valid "
                           f"are {', '.join([*TABLES, *FORMULA_TABLES, 'sample'])}); an "
                           "assignment's answers file has a table per exercise "
                           f"({', '.join(exercises)}): add --exercise {exercises[0]}")
    return parse(data, network, source=name, text=text, graph=graph)
