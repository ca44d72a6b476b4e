"""Networks as NumPy ``.npz`` files: for networks too large for a readable TOML file.

The file holds the network's structure (units, cost, learning rate, title, samples) as JSON
and its parameters as arrays: ``weight_from`` and ``weight_to`` (indices into the unit list),
``weight_value``, ``weight_trainable``, and ``bias_unit``, ``bias_value``, ``bias_trainable``.
:func:`chainrule.load` reads it back to an equal network.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from typing import Any

import numpy as np

from chainrule.core import limits
from chainrule.core.errors import NetworkError
from chainrule.core.network import Network
from chainrule.io.reading import Literal, check_network_numbers

FORMAT = "chainrule-network-npz-1"


def dumps_npz(network: Network) -> bytes:
    """The network as the bytes of an ``.npz`` file."""
    names = [u.name for u in network.units]
    index = {n: i for i, n in enumerate(names)}
    head = _head(network)
    weights = network.weights
    biases = network.biases
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        format=np.array(FORMAT),
        network=np.array(json.dumps(head)),
        weight_from=np.array([index[a] for a, _ in weights], dtype=np.int32),
        weight_to=np.array([index[b] for _, b in weights], dtype=np.int32),
        weight_value=np.array([p.value for p in weights.values()], dtype=np.float64),
        weight_trainable=np.array([p.trainable for p in weights.values()], dtype=bool),
        bias_unit=np.array([index[u] for u in biases], dtype=np.int32),
        bias_value=np.array([p.value for p in biases.values()], dtype=np.float64),
        bias_trainable=np.array([p.trainable for p in biases.values()], dtype=bool),
    )
    return buffer.getvalue()


def _head(network: Network) -> dict[str, Any]:
    data = {
        "title": network.title, "description": network.description,
        "learning_rate": network.learning_rate, "cost": network.cost,
        "units": {u.name: u.activation if u.parameter is None
                  else {"activation": u.activation, u.function.parameter or "p": u.parameter}
                  for u in network.units},
        "samples": [{"inputs": dict(s.inputs), "targets": dict(s.targets)}
                    for s in network.samples],
    }
    return {k: v for k, v in data.items() if v is not None}


def save_npz(network: Network, path: str | os.PathLike[str]) -> None:
    """Write the network to an ``.npz`` file atomically (never half-written)."""
    from chainrule.io.atomic import write_atomic

    write_atomic(path, dumps_npz(network))


def load_npz(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> Network:
    """Read a network written by :func:`save_npz` (validated like any network file)."""
    from chainrule.io.reading import Unreadable, read_bytes

    try:
        data = read_bytes(path, max_bytes)
    except Unreadable as error:
        raise NetworkError(error.problem, source=str(path)) from None
    return loads_npz(data, name=str(path))


#: The arrays of the file: name -> the kinds of numbers it may hold (NumPy dtype kinds).
ARRAYS = {
    "weight_from": "iu", "weight_to": "iu", "weight_value": "fiu", "weight_trainable": "b",
    "bias_unit": "iu", "bias_value": "fiu", "bias_trainable": "b",
}


def loads_npz(data: bytes, *, name: str = "<bytes>") -> Network:
    """A network from the bytes of an ``.npz`` file. Every array's declared size is checked
    against the bytes it is stored in before it is read, and the unit indices against the units,
    so a damaged or hostile file is a NetworkError, never a crash or a huge allocation."""
    arrays = _read_arrays(data, name)
    if "format" not in arrays or arrays["format"].shape != () or str(arrays["format"]) != FORMAT:
        raise NetworkError(f"not a chainrule network .npz file (no 'format' entry {FORMAT!r})",
                           source=name)
    network = arrays.get("network")
    if network is None or network.shape != () or network.dtype.kind != "U":
        raise NetworkError("the .npz file has no 'network' entry (the network's structure as "
                           "JSON text)", source=name)
    try:
        head = json.loads(str(network), parse_float=Literal, parse_constant=Literal)
    except (ValueError, RecursionError) as error:
        raise NetworkError(f"the .npz file's 'network' entry is not valid JSON ({error})"[:300],
                           source=name) from None
    if not isinstance(head, dict) or not isinstance(head.get("units"), dict):
        raise NetworkError("the .npz file's 'network' entry has no units", source=name)
    names = list(head["units"])
    for key, kinds in ARRAYS.items():
        array = arrays.get(key)
        if array is None:
            raise NetworkError(f"the .npz file has no {key!r} array", source=name)
        if array.ndim != 1 or array.dtype.kind not in kinds:
            raise NetworkError(
                f"the .npz file's {key!r} array must be a list of "
                f"{_KIND_WORDS[kinds]}, got shape {array.shape} of {array.dtype}", source=name)
    for group, keys in (("weight", ("weight_from", "weight_to", "weight_value",
                                    "weight_trainable")),
                        ("bias", ("bias_unit", "bias_value", "bias_trainable"))):
        lengths = {len(arrays[k]) for k in keys}
        if len(lengths) != 1:
            raise NetworkError(f"the .npz file's {group} arrays differ in length "
                               f"({', '.join(f'{k}: {len(arrays[k])}' for k in keys)})",
                               source=name)
    for key in ("weight_from", "weight_to", "bias_unit"):
        index = arrays[key]
        if len(index) and (int(index.min()) < 0 or int(index.max()) >= len(names)):
            bad = int(index.min()) if int(index.min()) < 0 else int(index.max())
            raise NetworkError(f"the .npz file's {key!r} array holds unit index {bad}, but "
                               f"there are {len(names)} units (indices 0 to {len(names) - 1})",
                               source=name)
    for key, what in (("weight_value", "weights"), ("bias_value", "biases")):
        _check_values(arrays, key, what, names, name)
    try:
        check_network_numbers(head)
    except NetworkError as error:
        raise NetworkError(error.problem, source=f"{name}: the 'network' entry",
                           key=error.key) from None
    head["weights"] = {
        f"{names[a]} -> {names[b]}": v if t else {"value": v, "trainable": False}
        for a, b, v, t in zip(arrays["weight_from"].tolist(), arrays["weight_to"].tolist(),
                              arrays["weight_value"].tolist(),
                              arrays["weight_trainable"].tolist(), strict=True)
    }
    head["biases"] = {
        names[u]: v if t else {"value": v, "trainable": False}
        for u, v, t in zip(arrays["bias_unit"].tolist(), arrays["bias_value"].tolist(),
                           arrays["bias_trainable"].tolist(), strict=True)
    }
    return Network.from_dict(head, source=name)


def _check_values(arrays: dict[str, np.ndarray[Any, Any]], key: str, what: str,
                  names: list[str], name: str) -> None:
    """The first weight or bias that is not finite, or below a double's 2.2e-308 (its digits
    lost), refused by its key."""
    values = arrays[key].astype(np.float64)
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | ((size != 0) & (size < np.finfo(np.float64).tiny))
    if not bad.any():
        return
    i = int(np.argmax(bad))
    if what == "weights":
        label = (f'[weights] "{names[int(arrays["weight_from"][i])]} -> '
                 f'{names[int(arrays["weight_to"][i])]}"')
    else:
        label = f"[biases] {names[int(arrays['bias_unit'][i])]}"
    value = float(values[i])
    problem = (limits.number_problem(repr(value), double=True)
               or f"{value!r} is not a finite number; {limits.DOUBLE_RANGE}")
    raise NetworkError(problem, source=f"{name}: the {key!r} array", key=label)


_KIND_WORDS = {"iu": "whole numbers (unit indices)", "fiu": "numbers", "b": "true/false values"}


def _read_arrays(data: bytes, name: str) -> dict[str, np.ndarray[Any, Any]]:
    """Every array of the .npz bytes, each checked before it is read: a plain .npy entry whose
    header's shape fits in the bytes the zip says it holds."""
    if not data:
        raise NetworkError("the .npz file is empty (0 bytes)", source=name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise NetworkError(f"not an .npz file, or a damaged one ({error})", source=name) from None
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    total = 0
    with archive:
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            total += info.file_size
            if total > limits.MAX_NPZ_BYTES:
                raise NetworkError(
                    f"the .npz file unpacks to over {limits.MAX_NPZ_BYTES // 2**20:,} MB; "
                    "a network that large is beyond chainrule", source=name)
            try:
                with archive.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    if version == (1, 0):
                        header = np.lib.format.read_array_header_1_0(member)
                    elif version == (2, 0):
                        header = np.lib.format.read_array_header_2_0(member)
                    else:
                        raise ValueError(f".npy version {version} is not supported")
                    shape, fortran, dtype = header
                    if dtype.hasobject:
                        raise ValueError("it holds Python objects, which are never loaded")
                    declared = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                    if declared < 0 or declared > info.file_size:
                        raise ValueError(f"its header declares {declared:,} bytes but the entry "
                                         f"holds {info.file_size:,}")
                    array = _read_body(member, shape, fortran, dtype, declared)
            except NetworkError:
                raise
            except (ValueError, OSError, EOFError, zipfile.BadZipFile, TypeError,
                    SyntaxError, KeyError, zlib.error, NotImplementedError) as error:
                raise NetworkError(f"the .npz file's {key!r} entry is damaged ({error})"[:300],
                                   source=name) from None
            arrays[key] = array
    return arrays


def _read_body(member: Any, shape: tuple[int, ...], fortran: bool, dtype: np.dtype[Any],
               declared: int) -> np.ndarray[Any, Any]:
    body = member.read(declared)
    if len(body) != declared:
        raise ValueError(f"it is truncated ({len(body):,} of {declared:,} bytes)")
    array = np.frombuffer(body, dtype=dtype)
    return array.reshape(shape[::-1]).transpose() if fortran else array.reshape(shape)
