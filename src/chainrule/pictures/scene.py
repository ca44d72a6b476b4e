"""What a diagram shows: the options (values, step, sample, decimals, size), the numbers they
select from a Network or a Trace, and the words and colours that go with them. No geometry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chainrule.core.engine import solve
from chainrule.core.errors import UsageError
from chainrule.core.network import Network, WeightKey
from chainrule.core.options import DECIMALS
from chainrule.core.trace import SampleTrace, Step, Trace
from chainrule.explain.notation import Numbers
from chainrule.io.netfile import NetworkLike, load
from chainrule.pictures.shapes import INK, MUTED, NEGATIVE, NEUTRAL, PARTIAL, POSITIVE

Values = Literal["forward", "backward"] | None


@dataclass(frozen=True)
class DiagramOptions:
    """What to draw: the options every diagram function takes (checked here, once).

    values : None (weights only), ``"forward"`` (z, a and y under each unit) or ``"backward"``
        (dC/dz under each unit, dC/dw on each edge; edges coloured by the gradient's sign).
    step : show the weights before step ``step``'s update and that step's passes (from 1; a
        Network is solved for that many steps first).
    sample : whose forward/backward values are shown under the units (from 1).
    decimals : decimals of the numbers shown (trailing zeros trimmed).
    max_units : above this many units (or 3 times as many weights), draw one box per layer.
    steps_before : steps taken before the source's first step, when it continues an earlier
        run (the web page solves one step at a time): the step shown is called
        ``step + steps_before``.
    steady : lay the picture out for any numbers of ``decimals`` decimals, so that it stays put
        while they change from step to step, and keep the layout for the next picture of the
        same network (the web page draws one per Step).
    """

    values: Values = None
    step: int = 1
    sample: int = 1
    decimals: int = 3
    max_units: int = 40
    steps_before: int = 0
    steady: bool = False

    def __post_init__(self) -> None:
        if self.values not in (None, "forward", "backward"):
            raise UsageError(f"values must be None, 'forward' or 'backward', got {self.values!r}")
        for name in ("step", "sample", "max_units"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UsageError(f"{name} must be a whole number >= 1, got {value!r}")
        before = self.steps_before
        if isinstance(before, bool) or not isinstance(before, int) or before < 0:
            raise UsageError(f"steps_before must be a whole number >= 0, got {before!r}")
        DECIMALS.check(self.decimals)
        if not isinstance(self.steady, bool):
            raise UsageError(f"steady must be True or False, got {self.steady!r}")


@dataclass(frozen=True)
class Scene:
    """The numbers one picture shows."""

    network: Network
    values: Values
    step: Step | None
    sample: SampleTrace | None
    step_number: int
    n_steps: int
    sample_number: int
    weights: dict[WeightKey, float]
    biases: dict[str, float]
    gradients: dict[WeightKey, float]


def scene(source: Trace | NetworkLike, options: DiagramOptions) -> Scene:
    """The numbers to draw for ``source`` (a Network is solved for ``options.step`` steps when
    values or a later step are asked for)."""
    values, step, sample = options.values, options.step, options.sample
    if isinstance(source, Trace):
        trace: Trace | None = source
        net = source.network
        if step > len(source):
            raise UsageError(f"step {step} is past the last step of the trace ({len(source)})")
    else:
        net = load(source)
        trace = None
        if values is not None or step > 1:
            trace = solve(net, step)
    n_samples = len(net.samples)
    if sample > n_samples:
        raise UsageError(f"sample must be a whole number from 1 to {n_samples}, got {sample!r}")
    if trace is None:
        return Scene(
            net,
            values,
            None,
            None,
            step,
            0,
            sample,
            {k: p.value for k, p in net.weights.items()},
            {k: p.value for k, p in net.biases.items()},
            {},
        )
    s = trace.step(step)
    lay = s.layout
    return Scene(
        net,
        values,
        s,
        s.samples[sample - 1],
        step + options.steps_before,
        len(trace),
        sample,
        dict(zip(lay.weight_keys, s.weights_before, strict=True)),
        dict(zip(lay.bias_units, s.biases_before, strict=True)),
        dict(zip(lay.weight_keys, s.weight_gradients, strict=True)),
    )


def sign_color(x: float) -> str:
    return POSITIVE if x > 0 else NEGATIVE if x < 0 else NEUTRAL


def subtitle(st: Scene) -> str:
    n = len(st.network.samples)
    if st.values is None:
        if st.step is None:
            return "the network's weights"
        return f"weights before step {st.step_number}"
    what = "forward pass" if st.values == "forward" else "backward pass"
    text = f"{what}, step {st.step_number}"
    if n > 1:
        text += f", sample {st.sample_number} of {n}"
        if st.values == "backward":
            text += f"; edge gradients are the batch mean over {n} samples"
    return text


def info_lines(st: Scene, name: str, fmt: Numbers) -> list[tuple[str, str, bool]]:
    """The lines under a unit: (text, colour, italic)."""
    net = st.network
    unit = net.unit[name]
    lines: list[tuple[str, str, bool]] = [(unit.activation, MUTED, True)]
    if name in st.biases:
        frozen = "" if net.biases[name].trainable else " (frozen)"
        lines.append((f"b = {fmt(st.biases[name])}{frozen}", INK, False))
    s = st.sample
    if s is None or st.values is None:
        return lines
    v = s.unit(name)
    if st.values == "forward":
        if v.z is not None:
            lines.append((f"z = {fmt(v.z)}", INK, False))
        lines.append((f"a = {fmt(v.a)}", INK, False))
        if name in s.targets:
            lines.append((f"y = {fmt(s.targets[name])}", INK, False))
    elif v.dC_dz is None:
        lines.append((f"a = {fmt(v.a)}", INK, False))
    else:
        lines.append((f"{PARTIAL}C/{PARTIAL}z = {fmt(v.dC_dz)}", sign_color(v.dC_dz), False))
        if v.blocked:
            lines.append(("g'(z) = 0: chain stops", MUTED, True))
    return lines


def edge_lines(st: Scene, key: WeightKey, fmt: Numbers) -> list[tuple[str, str]]:
    w = st.weights[key]
    if st.values == "backward":
        g = st.gradients[key]
        return [
            (f"w = {fmt(w)}", INK),
            (f"{PARTIAL}C/{PARTIAL}w = {fmt(g)}", sign_color(g)),
        ]
    return [(fmt(w), sign_color(w))]


def legend(st: Scene) -> list[tuple[str, str, bool]]:
    what = f"{PARTIAL}C/{PARTIAL}w" if st.values == "backward" else "w"
    items = [(f"{what} > 0", POSITIVE, False), (f"{what} < 0", NEGATIVE, False)]
    shown = st.gradients if st.values == "backward" else st.weights
    if any(v == 0.0 for v in shown.values()):
        items.append((f"{what} = 0", NEUTRAL, False))
    if any(not p.trainable for p in st.network.weights.values()):
        items.append(("frozen (not trained)", INK, True))
    items.append((f"line width: size of {what}", "", False))
    return items
