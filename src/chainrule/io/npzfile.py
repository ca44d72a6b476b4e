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
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.core.errors import NetworkError
from chainrule.core.network import Network

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


def load_npz(path: str | os.PathLike[str]) -> Network:
    """Read a network written by :func:`save_npz` (validated like any network file)."""
    name = str(path)
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            if "format" not in data or str(data["format"]) != FORMAT:
                raise NetworkError("not a chainrule network .npz file (no 'format' entry "
                                   f"{FORMAT!r})", source=name)
            head = json.loads(str(data["network"]))
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as error:
        raise NetworkError(f"cannot read the .npz file ({error})", source=name) from None
    if not isinstance(head, dict) or not isinstance(head.get("units"), dict):
        raise NetworkError("the .npz file's 'network' entry has no units", source=name)
    names = list(head["units"])
    try:
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
    except (KeyError, IndexError, ValueError) as error:
        raise NetworkError(f"the .npz file's parameter arrays are malformed ({error})",
                           source=name) from None
    return Network.from_dict(head, source=name)
