"""chainrule: backpropagation the way it is taught, and shows its work.

>>> import chainrule as cr
>>> trace = cr.solve("exercise-2")
>>> round(trace.step(1).cost, 10)
0.3632231824
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The package's names are loaded when first used, so that `import chainrule` (and the
# command line's start-up, `chainrule --help`) loads neither NumPy nor the engine until a
# name needs them. The subpackage `chainrule.train` is imported now (it is empty), so that
# `chainrule.train` stays the function below even after `import chainrule.train.data`.
import chainrule.train  # noqa: F401  (see above)
from chainrule.core import display as _display
from chainrule.core.errors import (
    ChainruleError,
    DivergedError,
    NetworkError,
    UnknownExampleError,
    UsageError,
)

del train  # the subpackage's name: `train` is the function, loaded below  # noqa: F821


def _notebook(subject: object, kind: str) -> str:
    """The display hooks' renderer, loaded the first time Jupyter asks for a picture of a
    Network or a Trace (:mod:`chainrule.render.notebook` then registers itself)."""
    from chainrule.render.notebook import display

    return display(subject, kind)


_display.register(_notebook)

if TYPE_CHECKING:
    from chainrule.api import (
        answer_names,
        check_answers,
        draw_exercise,
        draw_variant,
        render_feedback,
        right_answers,
        solve,
    )
    from chainrule.core.network import Network, Parameter, Sample, Unit
    from chainrule.core.schema import dumps_toml
    from chainrule.core.trace import SampleTrace, Step, Trace
    from chainrule.io.netfile import example_text, examples, load, loads
    from chainrule.train.loop import TrainingDivergedError, TrainResult, predict, train
    from chainrule.train.mlp import mlp
    from chainrule.train.torch_bridge import from_torch, to_torch

_WHERE = {
    "answer_names": "chainrule.api",
    "check_answers": "chainrule.api",
    "draw_exercise": "chainrule.api",
    "draw_variant": "chainrule.api",
    "render_feedback": "chainrule.api",
    "right_answers": "chainrule.api",
    "solve": "chainrule.api",
    "Network": "chainrule.core.network",
    "Parameter": "chainrule.core.network",
    "Sample": "chainrule.core.network",
    "Unit": "chainrule.core.network",
    "dumps_toml": "chainrule.core.schema",
    "SampleTrace": "chainrule.core.trace",
    "Step": "chainrule.core.trace",
    "Trace": "chainrule.core.trace",
    "example_text": "chainrule.io.netfile",
    "examples": "chainrule.io.netfile",
    "load": "chainrule.io.netfile",
    "loads": "chainrule.io.netfile",
    "TrainingDivergedError": "chainrule.train.loop",
    "TrainResult": "chainrule.train.loop",
    "predict": "chainrule.train.loop",
    "train": "chainrule.train.loop",
    "mlp": "chainrule.train.mlp",
    "from_torch": "chainrule.train.torch_bridge",
    "to_torch": "chainrule.train.torch_bridge",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__version__ = "0.1.0"

__all__ = [
    "ChainruleError",
    "DivergedError",
    "Network",
    "NetworkError",
    "Parameter",
    "Sample",
    "SampleTrace",
    "Step",
    "Trace",
    "TrainResult",
    "TrainingDivergedError",
    "Unit",
    "UnknownExampleError",
    "UsageError",
    "__version__",
    "answer_names",
    "check_answers",
    "draw_exercise",
    "draw_variant",
    "dumps_toml",
    "example_text",
    "examples",
    "from_torch",
    "load",
    "loads",
    "mlp",
    "predict",
    "render_feedback",
    "right_answers",
    "solve",
    "to_torch",
    "train",
]
