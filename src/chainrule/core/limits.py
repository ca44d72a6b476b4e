"""The bounds chainrule checks before it starts work, so that no input can make it run for
minutes or fill the memory. Each has a keyword parameter (and a CLI flag or environment variable)
that raises it; the messages name them. docs/limits.md lists them all, with the reasons.
"""

from __future__ import annotations

import math
import os
import re
import sys

from chainrule.core.errors import UsageError

#: Network files (.toml, .json, .npz) and CSV data files read, in bytes. A 784-128-10 network
#: is about 3 MB as TOML; .npz keeps larger ones small. CLI: CHAINRULE_MAX_FILE_MB.
MAX_FILE_BYTES = 64 * 2**20
FILE_LIMIT_VARIABLE = "CHAINRULE_MAX_FILE_MB"

#: Steps the scalar engine runs and keeps (every number of every step is kept in the Trace).
#: Library: ``max_steps=``; CLI: ``--max-steps``.
MAX_STEPS = 100_000

#: Numbers a Trace may hold (each a Python float, about 32 bytes: 10 million take ~300 MB):
#: per step, samples x (5 per unit + 1 per parameter) + 3 per parameter. Without an explicit
#: ``max_steps`` the step limit is the smaller of MAX_STEPS and the steps that fit in this.
MAX_TRACE_NUMBERS = 10_000_000

#: Parameters (weights + biases) of a network that ``mlp`` builds. 10 million float64 are 80 MB
#: per copy, and training keeps several copies. Library: ``mlp(max_parameters=)``; CLI:
#: ``train --max-parameters``.
MAX_PARAMETERS = 10_000_000

#: Bytes an .npz network file may unpack to (its arrays, uncompressed).
MAX_NPZ_BYTES = 2**30

#: Weights of a network whose worked solution (text, Markdown, LaTeX, HTML) is written: several
#: lines per weight, so beyond this it is too long to read. Library: ``explain(max_weights=)``;
#: CLI: ``solve --max-weights``. JSON has no such limit.
MAX_SOLUTION_WEIGHTS = 20_000

#: Nesting depth of a network file's tables and lists (the format needs 4).
MAX_NESTING = 64


def max_file_bytes() -> int:
    """The file-size limit: CHAINRULE_MAX_FILE_MB (megabytes) if set, else 64 MB."""
    text = os.environ.get(FILE_LIMIT_VARIABLE)
    if not text:
        return MAX_FILE_BYTES
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = -1.0
    if not megabytes > 0 or megabytes > 2**40:
        raise UsageError(
            f"{FILE_LIMIT_VARIABLE}={text!r}: give the largest file to read in megabytes, "
            "a number > 0 (e.g. 500)"
        )
    return int(megabytes * 2**20)


#: Numbers in the files chainrule reads (network files, answers files, CSV cells, configs) lie
#: between 10^-MAX_MAGNITUDE and 10^MAX_MAGNITUDE in size, or are 0: a larger one overflows the
#: arithmetic, and a smaller one is a typo (1e-999999999999999999 would silently read as 0).
MAX_MAGNITUDE = 100


_NUMBER = re.compile(r"[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
DOUBLE_RANGE = "numbers lie between 2.2e-308 and 1.8e308 in size (a double's), or are 0"


def number_problem(text: str, *, double: bool = False) -> str | None:
    """Why the number written as ``text`` is refused (one phrase naming it and what is valid),
    or None: not finite, or beyond 10^±MAX_MAGNITUDE in size (0 is fine). With ``double``
    (network and data files, which chainrule also writes, and whose huge numbers the engine
    reports as a divergence) only what a double cannot hold is refused: a number that would
    read as infinity, as 0, or with its digits lost below 2.2e-308. Text that is no number at
    all is the caller's to name (None)."""
    cleaned = text.strip().replace("_", "")
    shown = cleaned if len(cleaned) <= 24 else cleaned[:21] + "..."
    valid = (DOUBLE_RANGE if double else
             f"numbers lie between 1e-{MAX_MAGNITUDE} and 1e{MAX_MAGNITUDE} in size, or are 0")
    if cleaned.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return f"{shown} is not a finite number; {valid}"
    match = _NUMBER.fullmatch(cleaned)
    if match is None or not (match.group(1) or match.group(2)):
        return None
    whole, fraction, exponent = match.group(1), match.group(2) or "", match.group(3) or "0"
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return None  # 0, however written
    # the power of ten of the first significant digit
    if len(exponent.lstrip("+-").lstrip("0")) > 9:
        power = -(10**10) if exponent.startswith("-") else 10**10
    else:
        power = int(exponent)
    power += len(whole) - 1 - (len(whole + fraction) - len(digits))
    if double:
        if power > 400:
            return f"{shown} is too large (it would read as infinity); {valid}"
        if power < -400:
            return f"{shown} is too small (it would read as 0); {valid}"
        value = abs(float(cleaned))
        if math.isinf(value):
            return f"{shown} is too large (it would read as infinity); {valid}"
        if value < sys.float_info.min:
            zero = " (it would read as 0)" if value == 0 else " (its digits would be lost)"
            return f"{shown} is too small{zero}; {valid}"
        return None
    if power > MAX_MAGNITUDE:
        return f"{shown} is too large; {valid}"
    if power < -MAX_MAGNITUDE:
        zero = " (it would read as 0)" if power < -324 else ""
        return f"{shown} is too small{zero}; {valid}"
    return None
