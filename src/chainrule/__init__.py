"""chainrule: backpropagation the way it is taught, and shows its work.

>>> import chainrule as cr
>>> trace = cr.solve("exercise-2")
>>> round(trace.step(1).cost, 10)
0.3632231824
"""

from __future__ import annotations

from chainrule.api import (
    answer_names,
    check_answers,
    draw_variant,
    render_feedback,
    right_answers,
    solve,
)
from chainrule.core.errors import (
    ChainruleError,
    DivergedError,
    NetworkError,
    UnknownExampleError,
    UsageError,
)
from chainrule.core.network import Network, Parameter, Sample, Unit
from chainrule.core.schema import dumps_toml
from chainrule.core.trace import SampleTrace, Step, Trace
from chainrule.io.netfile import example_text, examples, load, loads
from chainrule.train.loop import TrainingDivergedError, TrainResult, predict, train
from chainrule.train.mlp import mlp
from chainrule.train.torch_bridge import from_torch, to_torch

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
