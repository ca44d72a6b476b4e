"""The bounds chainrule checks before it starts work, so that no input can make it run for
minutes or fill the memory. Each has a keyword parameter (and a CLI flag or environment variable)
that raises it; the messages name them. docs/limits.md lists them all, with the reasons.
"""

from __future__ import annotations

import os

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
