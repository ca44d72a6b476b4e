"""chainrule: backpropagation the way it is taught, and shows its work.

>>> import chainrule as cr
>>> trace = cr.solve("exercise-2")
>>> round(trace.step(1).cost, 10)
0.3632231824
"""

from __future__ import annotations

from .engine import solve
from .errors import ChainruleError, DivergedError, NetworkError, UnknownExampleError, UsageError
from .netfile import dumps_toml, example_text, examples, load, loads
from .network import Network, Parameter, Sample, Unit
from .trace import SampleTrace, Step, Trace

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
    "Unit",
    "UnknownExampleError",
    "UsageError",
    "__version__",
    "dumps_toml",
    "example_text",
    "examples",
    "load",
    "loads",
    "solve",
]
