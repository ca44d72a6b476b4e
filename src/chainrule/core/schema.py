"""The network file's structure, both ways: validating a dict shaped like the file into a
Network (every problem a NetworkError naming the key and what would be valid), and writing a
Network back as TOML text that reads back to an equal Network."""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from chainrule.core import mathtable
from chainrule.core.errors import NetworkError
from chainrule.core.parts import (
    DEFAULT_COST,
    DEFAULT_LEARNING_RATE,
    NAME_PATTERN,
    TOP_LEVEL_KEYS,
    Parameter,
    Sample,
    Unit,
    WeightKey,
    topological_order,
    weight_name,
)

N = TypeVar("N")


def network_from_dict(data: Mapping[str, Any], build: Callable[..., N]) -> N:
    """Check ``data`` (a dict shaped like the network file) into its parts and ``build`` the
    network from them: ``build`` is :class:`chainrule.core.network.Network` (this module
    knows the parts, not the class, so that the two modules import one way only; call
    ``Network.from_dict(data)``)."""
    if not isinstance(data, Mapping):
        raise NetworkError(f"a network must be a table of keys, got {_kind(data)}")
    unknown = [k for k in data if k not in TOP_LEVEL_KEYS]
    if unknown:
        raise NetworkError(
            f"unknown top-level key {quote(unknown[0])}; "
            f"valid keys are {', '.join(TOP_LEVEL_KEYS)}",
            key=str(unknown[0]),
        )
    title = _optional_string(data, "title")
    description = _optional_string(data, "description")
    learning_rate = DEFAULT_LEARNING_RATE
    if "learning_rate" in data:
        learning_rate = _number(data["learning_rate"], "learning_rate")
        if learning_rate <= 0:
            raise NetworkError(f"must be a number > 0, got {learning_rate!r}", key="learning_rate")
    cost = data.get("cost", DEFAULT_COST)
    if not isinstance(cost, str) or cost not in mathtable.COSTS:
        raise NetworkError(
            f"unknown cost {_show(cost)}; valid costs are {', '.join(mathtable.COSTS)}", key="cost"
        )
    units = _units(data.get("units"))
    names = [u.name for u in units]
    weights = _weights(data.get("weights"), units)
    _check_graph(units, weights)
    check_cost_fits(cost, units, {a for a, _ in weights})
    fields: dict[str, Any] = {
        "units": tuple(units), "weights": weights, "learning_rate": learning_rate, "cost": cost,
        "title": title, "description": description,
    }
    network = build(**fields, biases={}, samples=())  # the units' roles, for the messages
    biases = _biases(data.get("biases", {}), network, names)
    samples = _samples(data.get("samples"), network)
    return build(**fields, biases=biases, samples=tuple(samples))


def check_cost_fits(cost: str, units: Sequence[Unit], feeding: set[str]) -> None:
    """A cross entropy needs outputs it can take the log of (sigmoid, softmax): say so."""
    entry = mathtable.COSTS[cost]
    if not entry.output_activations:
        return
    for u in units:
        if u.is_input or u.name in feeding or u.activation in entry.output_activations:
            continue
        fits = " or ".join(entry.output_activations)
        raise NetworkError(
            f"output {quote(u.name)} is {u.activation}, but {cost} needs {entry.needs}: make the "
            f"outputs {fits}, or use a squared error cost (e.g. cost = \"squared_error\")",
            key=f"[units] {u.name}",
        )


def quote(value: object) -> str:
    """A name in double quotes, as the network file writes it."""
    return json.dumps(str(value), ensure_ascii=False)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {quote(value)}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _show(value: Any) -> str:
    return quote(value) if isinstance(value, str) else _kind(value)


def _optional_string(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise NetworkError(f"must be a string, got {_kind(value)}", key=key)
    if value is not None:
        bad = next((c for c in value if "\ud800" <= c <= "\udfff"), None)
        if bad is not None:
            raise NetworkError(
                f"holds U+{ord(bad):04X}, half of a surrogate pair, which is no character "
                "(a broken \\u escape?); remove it",
                key=key,
            )
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise NetworkError(f"must be a number, got {_kind(value)}", key=key)
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the largest double
        raise NetworkError(
            "must be a finite number, got an integer beyond the largest double (about 1.8e308)",
            key=key,
        ) from None
    if not math.isfinite(number):
        raise NetworkError(f"must be a finite number, got {number!r}", key=key)
    return number


def _table(value: Any, key: str, what: str) -> Mapping[str, Any]:
    if value is None:
        raise NetworkError(f"missing; {what}", key=key)
    if not isinstance(value, Mapping):
        raise NetworkError(f"must be a table, got {_kind(value)}; {what}", key=key)
    return value


def _check_name(name: object, key: str) -> None:
    if not isinstance(name, str):
        raise NetworkError(
            f"a unit name must be a string, got {_kind(name)}; a name is letters, digits and _, "
            "starting with a letter (e.g. i, h1, In_1)",
            key=key,
        )
    if not NAME_PATTERN.match(name):
        raise NetworkError(
            f"bad unit name {quote(name)}; a name is letters, digits and _, starting with a letter "
            "(e.g. i, h1, In_1)",
            key=key,
        )


def _units(value: Any) -> list[Unit]:
    table = _table(value, "[units]", 'write one line per unit, e.g. i = "input", k = "relu"')
    if not table:
        raise NetworkError(
            "is empty; a network needs at least an input and an output", key="[units]"
        )
    valid = ", ".join([*mathtable.ACTIVATIONS, *mathtable.ACTIVATION_ALIASES])
    units = []
    for name, spec in table.items():
        key = f"[units] {name}"
        _check_name(name, key)
        parameter: float | None = None
        if isinstance(spec, Mapping):
            extra = [k for k in spec if k not in ("activation", "slope")]
            if extra:
                raise NetworkError(
                    f"unknown key {quote(extra[0])}; valid keys are activation, slope", key=key
                )
            activation = spec.get("activation")
            if activation is None:
                raise NetworkError(f"missing 'activation'; valid activations are {valid}", key=key)
        else:
            activation = spec
        if not isinstance(activation, str):
            raise NetworkError(f"activation must be a string, got {_kind(activation)}", key=key)
        try:
            entry = mathtable.activation(activation)
        except KeyError:
            raise NetworkError(
                f"unknown activation {quote(activation)}; valid activations are {valid}", key=key
            ) from None
        if isinstance(spec, Mapping) and "slope" in spec:
            if entry.parameter != "slope":
                raise NetworkError(f"'slope' is only for leaky_relu, not for {entry.name}", key=key)
            parameter = _number(spec["slope"], f"{key}.slope")
        elif entry.parameter is not None:
            parameter = entry.default_parameter
        units.append(Unit(name, entry.name, parameter))
    return units


def _parameter(value: Any, key: str) -> Parameter:
    if type(value) is float:  # the common case, without the abstract-class checks below
        if not math.isfinite(value):
            raise NetworkError(f"must be a finite number, got {value!r}", key=key)
        return Parameter(value)
    if isinstance(value, Mapping):
        extra = [k for k in value if k not in ("value", "trainable")]
        if extra:
            raise NetworkError(
                f"unknown key {quote(extra[0])}; valid keys are value, trainable", key=key
            )
        if "value" not in value:
            raise NetworkError(
                "missing 'value'; write e.g. { value = 0.5, trainable = false }", key=key
            )
        trainable = value.get("trainable", True)
        if not isinstance(trainable, bool):
            raise NetworkError(
                f"'trainable' must be true or false, got {_kind(trainable)}", key=key
            )
        return Parameter(_number(value["value"], f"{key}.value"), trainable)
    return Parameter(_number(value, key))


def _weights(value: Any, units: Sequence[Unit]) -> dict[WeightKey, Parameter]:
    table = _table(value, "[weights]", 'write one line per weight, e.g. "i -> j" = 0.5')
    names = {u.name: u for u in units}
    listing = ", ".join(names)
    weights: dict[WeightKey, Parameter] = {}
    for raw, spec in table.items():
        key = f'[weights] "{raw}"'
        if not isinstance(raw, str):
            raise NetworkError(
                f'a weight key is a string "FROM -> TO", e.g. "i -> j", got {_kind(raw)}', key=key
            )
        parts = raw.split("->")
        if len(parts) != 2:
            raise NetworkError('a weight key is "FROM -> TO", e.g. "i -> j"', key=key)
        a, b = (p.strip() for p in parts)
        for n in (a, b):
            if n in names:  # a unit's name, checked already
                continue
            _check_name(n, key)
            if n not in names:
                raise NetworkError(f"no unit named {quote(n)}; units are {listing}", key=key)
        if a == b:
            raise NetworkError(
                f"a unit cannot feed itself ({quote(a)} -> {quote(a)}); remove it", key=key
            )
        if names[b].is_input:
            raise NetworkError(
                f"{quote(b)} is an input unit, and inputs take no weights; "
                f"make {quote(b)} a non-input unit or remove this weight",
                key=key,
            )
        if (a, b) in weights:
            raise NetworkError(
                f"duplicate weight: {quote(weight_name((a, b)))} is written twice", key=key
            )
        weights[(a, b)] = _parameter(spec, key)
    return weights


def _check_graph(units: Sequence[Unit], weights: Mapping[WeightKey, Parameter]) -> None:
    has_in = {b for _, b in weights}
    has_out = {a for a, _ in weights}
    for u in units:
        if u.is_input and u.name not in has_out:
            raise NetworkError(
                f'input {quote(u.name)} feeds no unit; add a weight "{u.name} -> ..." or remove it',
                key=f"[units] {u.name}",
            )
        if not u.is_input and u.name not in has_in:
            raise NetworkError(
                f'unit {quote(u.name)} has no incoming weight; add a weight "... -> {u.name}" '
                'or make it an input (activation "input")',
                key=f"[units] {u.name}",
            )
    topological_order([u.name for u in units], weights)
    outputs = [u for u in units if not u.is_input and u.name not in has_out]
    softmax_outputs = [u for u in outputs if u.activation == "softmax"]
    for u in units:
        if u.activation == "softmax" and u.name in has_out:
            raise NetworkError(
                "softmax is only for output units (units with no outgoing weights)",
                key=f"[units] {u.name}",
            )
    if softmax_outputs and len(softmax_outputs) != len(outputs):
        other = next(u for u in outputs if u.activation != "softmax")
        raise NetworkError(
            f"output {quote(other.name)} is {quote(other.activation)} "
            "but other outputs are softmax; "
            "softmax needs every output unit to be softmax",
            key=f"[units] {other.name}",
        )


def _biases(value: Any, network: Any, names: Sequence[str]) -> dict[str, Parameter]:
    table = _table(value, "[biases]", "write e.g. j = 0.1")
    biases: dict[str, Parameter] = {}
    for name, spec in table.items():
        key = f"[biases] {name}"
        _check_name(name, key)
        if name not in network.unit:
            raise NetworkError(f"no unit named {quote(name)}; units are {', '.join(names)}",
                               key=key)
        if network.unit[name].is_input:
            raise NetworkError(f"{quote(name)} is an input unit, and inputs have no bias", key=key)
        biases[name] = _parameter(spec, key)
    return biases


def _samples(value: Any, network: Any) -> list[Sample]:
    hint = (
        "add at least one [[samples]] with inputs = { "
        + ", ".join(f"{n} = ..." for n in network.inputs)
        + " } and targets = { "
        + ", ".join(f"{n} = ..." for n in network.outputs)
        + " }"
    )
    if value is None:
        raise NetworkError(f"missing; {hint}", key="[[samples]]")
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise NetworkError(f"must be a non-empty list of tables; {hint}", key="[[samples]]")
    samples = []
    for number, spec in enumerate(value, start=1):
        key = f"[[samples]] #{number}"
        if not isinstance(spec, Mapping):
            raise NetworkError(
                f"must be a table with inputs and targets, got {_kind(spec)}", key=key
            )
        extra = [k for k in spec if k not in ("inputs", "targets")]
        if extra:
            raise NetworkError(
                f"unknown key {quote(extra[0])}; valid keys are inputs, targets", key=key
            )
        inputs = _values(spec.get("inputs"), f"{key} inputs", network.inputs, "input")
        targets = _values(spec.get("targets"), f"{key} targets", network.outputs, "output")
        for name, y in targets.items():
            if network.cost == "binary_cross_entropy" and not 0.0 <= y <= 1.0:
                raise NetworkError(
                    f"target {y!r} is outside [0, 1], which binary_cross_entropy needs",
                    key=f"{key} targets.{name}",
                )
            if network.cost == "categorical_cross_entropy" and y < 0.0:
                raise NetworkError(
                    f"target {y!r} is negative; categorical_cross_entropy needs targets >= 0",
                    key=f"{key} targets.{name}",
                )
        samples.append(Sample(inputs, targets))
    return samples


def _values(value: Any, key: str, expected: Sequence[str], what: str) -> dict[str, float]:
    listing = ", ".join(expected)
    if value is None:
        raise NetworkError(f"missing; give a value for each {what} unit: {listing}", key=key)
    if not isinstance(value, Mapping):
        raise NetworkError(
            f"must be a table like {{ {expected[0]} = 0.5 }}, got {_kind(value)}", key=key
        )
    known = set(expected)
    for name in value:
        if not isinstance(name, str):
            raise NetworkError(f"unit names are strings, got {_kind(name)}; {what} units are "
                               f"{listing}", key=key)
        if name not in known:
            raise NetworkError(
                f"{quote(name)} is not an {what} unit; {what} units are {listing}", key=key
            )
    missing = [n for n in expected if n not in value]
    if missing:
        raise NetworkError(
            f"no value for {what} unit {quote(missing[0])}; {what} units are {listing}", key=key
        )
    return {n: _number(value[n], f"{key}.{n}") for n in expected}


def dumps_toml(network: Any, *, comment: str | None = None) -> str:
    """The network as a TOML network file that :func:`load` reads back to an equal Network.

    ``comment`` (one or more lines) goes at the top as ``#`` comments.
    """
    lines: list[str] = [f"# {_printable(line)}".rstrip() for line in (comment or "").splitlines()]
    if network.title is not None:
        lines.append(f"title = {_string(network.title)}")
    if network.description is not None:
        lines.append(f"description = {_long_string(network.description)}")
    lines.append(f"learning_rate = {_float(network.learning_rate)}")
    lines.append(f"cost = {_string(network.cost)}")
    lines += ["", "[units]"]
    for u in network.units:
        if u.parameter is None:
            lines.append(f"{u.name} = {_string(u.activation)}")
        else:
            lines.append(
                f"{u.name} = {{ activation = {_string(u.activation)}, "
                f"{u.function.parameter} = {_float(u.parameter)} }}"
            )
    lines += ["", "[weights]"]
    lines += [f"{_string(weight_name(k))} = {_param(p)}" for k, p in network.weights.items()]
    if network.biases:
        lines += ["", "[biases]"]
        lines += [f"{k} = {_param(p)}" for k, p in network.biases.items()]
    for s in network.samples:
        lines += ["", "[[samples]]"]
        lines.append(f"inputs = {_inline(s.inputs)}")
        lines.append(f"targets = {_inline(s.targets)}")
    return "\n".join(lines) + "\n"


def _string(text: str) -> str:
    # JSON's escapes (\" \\ \n \uXXXX for control characters) are valid in TOML basic strings;
    # TOML also forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _printable(text: str) -> str:
    """A comment line TOML accepts: control characters and DEL shown as \\uXXXX."""
    return "".join(c if c == "\t" or 32 <= ord(c) != 127 else f"\\u{ord(c):04x}" for c in text)


def _long_string(text: str) -> str:
    """A TOML multi-line string when the text has line breaks and nothing else to escape."""
    if "\n" not in text or any((ord(c) < 32 and c != "\n") or c == "\x7f" for c in text):
        return _string(text)
    body = text.replace("\\", "\\\\").replace('"""', '""\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return '"""\n' + body + '"""'


def _float(x: float) -> str:
    return repr(float(x))


def _param(p: Parameter) -> str:
    if p.trainable:
        return _float(p.value)
    return f"{{ value = {_float(p.value)}, trainable = false }}"


def _inline(values: Mapping[str, float]) -> str:
    return "{ " + ", ".join(f"{k} = {_float(v)}" for k, v in values.items()) + " }"
