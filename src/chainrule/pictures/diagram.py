"""The network drawn like the handout's drawings, with its numbers: a self-contained SVG.

Public API (the HTML renderer, the Jupyter display and the web app call these)::

    svg(network_or_trace, values=None, step=1, *, sample=1, decimals=3, max_units=40) -> str
    figure(network_or_trace, ...same options...) -> matplotlib Figure (the same drawing)
    save(network_or_trace, path, ...same options...)   # .svg or .png, written atomically
    drawing(network_or_trace, ...same options...) -> Drawing   # the shapes both of them paint

``network_or_trace`` is a :class:`~chainrule.trace.Trace`, a Network, or anything
:func:`chainrule.load` accepts (a built-in name, a path, a dict). Layers run left to right, the
inputs' side on the left and the output layer ``L`` on the right; each unit is a circle with its
name and layer, each weight an arrow with its value. ``values="forward"`` adds z and a (and the
target y) under each unit, ``values="backward"`` adds dC/dz under each unit and each weight's
gradient dC/dw on its edge. Edges are coloured by sign (Okabe-Ito blue for positive, vermillion for
negative) and their width grows with the size of the weight (or of its gradient, backward);
frozen weights are dashed. ``step=K`` shows the weights before step K's update and step K's
passes; unit values are those of sample ``sample``, edge gradients the batch mean.

Networks with more than ``max_units`` units collapse to a layer-level picture: one box per layer
with its unit count, activations and (with values) summaries, one arrow per pair of connected
layers with its weight count.

The SVG needs nothing outside itself (no fonts, no links, no scripts) and every number in it is
the Trace's, formatted with ``decimals`` decimals (trailing zeros trimmed).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path
from typing import Any, Literal

from chainrule.core.errors import UsageError
from chainrule.core.network import Network, WeightKey, layer_name
from chainrule.core.trace import SampleTrace, Step, Trace
from chainrule.explain.notation import Numbers
from chainrule.io.atomic import write_atomic
from chainrule.io.netfile import NetworkLike, load

__all__ = ["Drawing", "drawing", "figure", "save", "svg"]

Values = Literal["forward", "backward"] | None
Point = tuple[float, float]

# Okabe-Ito: colour-blind-safe.
POSITIVE = "#0072B2"
NEGATIVE = "#D55E00"
NEUTRAL = "#7F7F7F"
INK = "#222222"
MUTED = "#666666"
INPUT_FILL = "#EDEDED"
UNIT_FILL = "#FFFFFF"
BOX_FILL = "#F4F8FB"
FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
CHAR_WIDTH = 0.62
"""Estimated advance of one character, in ems (generous for digits in the fonts above)."""

NAME_SIZE = 15.0
LAYER_SIZE = 10.0
INFO_SIZE = 11.0
EDGE_SIZE = 11.0
PARTIAL = "\u2202"


# ---------------------------------------------------------------------------------------------
# The shapes: what both painters (SVG, matplotlib) draw.


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle: left, top, right, bottom (y grows downwards)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        return (
            self.x0 - pad < other.x1
            and other.x0 < self.x1 + pad
            and self.y0 - pad < other.y1
            and other.y0 < self.y1 + pad
        )

    def grown(self, pad: float) -> Box:
        return Box(self.x0 - pad, self.y0 - pad, self.x1 + pad, self.y1 + pad)


def text_box(x: float, y: float, text: str, size: float, anchor: str = "middle") -> Box:
    """The box a line of text takes: ``y`` is its baseline, ``anchor`` start, middle or end."""
    width = len(text) * CHAR_WIDTH * size
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, y - 0.9 * size, left + width, y + 0.3 * size)


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float
    role: str
    """unit-name, unit-layer, unit-value, edge-label, header, title, subtitle, legend, box."""
    anchor: str = "middle"
    color: str = INK
    bold: bool = False
    italic: bool = False

    @property
    def box(self) -> Box:
        return text_box(self.x, self.y, self.text, self.size, self.anchor)


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str
    stroke: str
    width: float
    dashed: bool
    tooltip: str
    unit: str


@dataclass(frozen=True)
class Curve:
    """A path of cubic Bezier segments: ``points`` is P0, C1, C2, P1, C1, C2, P2, ..."""

    points: tuple[Point, ...]
    color: str
    width: float
    dashed: bool
    tooltip: str
    weight: str = ""

    def polyline(self, per_segment: int = 16) -> list[Point]:
        out = [self.points[0]]
        for s in range(0, len(self.points) - 1, 3):
            p0, c1, c2, p1 = self.points[s : s + 4]
            out.extend(_bezier(p0, c1, c2, p1, i / per_segment) for i in range(1, per_segment + 1))
        return out


@dataclass(frozen=True)
class Polygon:
    points: tuple[Point, ...]
    fill: str


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str = "none"
    width: float = 0.0
    rx: float = 0.0
    opacity: float = 1.0
    dashed: bool = False


Shape = Text | Circle | Curve | Polygon | Rect


@dataclass
class Drawing:
    """A picture as shapes in pixel coordinates (y grows downwards); ``svg()`` and ``figure()``
    paint it. ``level`` is ``"unit"`` or ``"layer"`` (the collapsed picture)."""

    width: float
    height: float
    shapes: list[Shape] = field(default_factory=list)
    title: str = ""
    level: str = "unit"

    @property
    def texts(self) -> list[Text]:
        return [s for s in self.shapes if isinstance(s, Text)]


def _bezier(p0: Point, c1: Point, c2: Point, p1: Point, t: float) -> Point:
    u = 1.0 - t
    return (
        u**3 * p0[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * p1[0],
        u**3 * p0[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * p1[1],
    )


def _unit(dx: float, dy: float) -> Point:
    n = math.hypot(dx, dy) or 1.0
    return dx / n, dy / n


def _smooth(points: Sequence[Point]) -> tuple[Point, ...]:
    """Cubic Bezier control points through ``points`` (Catmull-Rom tangents)."""
    if len(points) == 2:
        (x0, y0), (x1, y1) = points
        return (
            (x0, y0),
            (x0 + (x1 - x0) / 3, y0 + (y1 - y0) / 3),
            (x0 + 2 * (x1 - x0) / 3, y0 + 2 * (y1 - y0) / 3),
            (x1, y1),
        )
    tangents = []
    for i in range(len(points)):
        prev = points[max(i - 1, 0)]
        nxt = points[min(i + 1, len(points) - 1)]
        scale = 0.5 if 0 < i < len(points) - 1 else 1.0
        tangents.append(((nxt[0] - prev[0]) * scale, (nxt[1] - prev[1]) * scale))
    out: list[Point] = [points[0]]
    for i in range(len(points) - 1):
        p0, p1 = points[i], points[i + 1]
        t0, t1 = tangents[i], tangents[i + 1]
        out += [(p0[0] + t0[0] / 3, p0[1] + t0[1] / 3), (p1[0] - t1[0] / 3, p1[1] - t1[1] / 3), p1]
    return tuple(out)


def _arrowhead(tip: Point, direction: Point, color: str, size: float) -> Polygon:
    ux, uy = direction
    bx, by = tip[0] - ux * size, tip[1] - uy * size
    half = size * 0.45
    return Polygon(
        ((tip[0], tip[1]), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)),
        color,
    )


def _segment_hits_box(p: Point, q: Point, box: Box) -> bool:
    """Whether the segment p-q meets the box (Liang-Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for d, lo, hi, start in ((dx, box.x0, box.x1, p[0]), (dy, box.y0, box.y1, p[1])):
        if d == 0.0:
            if start < lo or start > hi:
                return False
            continue
        a, b = (lo - start) / d, (hi - start) / d
        if a > b:
            a, b = b, a
        t0, t1 = max(t0, a), min(t1, b)
        if t0 > t1:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# What to show: the network's parameters and, with values, one step of a Trace.


@dataclass(frozen=True)
class _State:
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


def _state(source: Trace | NetworkLike, values: Values, step: int, sample: int) -> _State:
    if values not in (None, "forward", "backward"):
        raise UsageError(f"values must be None, 'forward' or 'backward', got {values!r}")
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise UsageError(f"step must be a whole number >= 1, got {step!r}")
    if isinstance(source, Trace):
        trace: Trace | None = source
        net = source.network
        if step > len(source):
            raise UsageError(f"step {step} is past the last step of the trace ({len(source)})")
    else:
        net = load(source)
        trace = None
        if values is not None or step > 1:
            from chainrule.core.engine import solve

            trace = solve(net, step)
    n_samples = len(net.samples)
    if isinstance(sample, bool) or not isinstance(sample, int) or not 1 <= sample <= n_samples:
        raise UsageError(f"sample must be a whole number from 1 to {n_samples}, got {sample!r}")
    if trace is None:
        return _State(
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
    return _State(
        net,
        values,
        s,
        s.samples[sample - 1],
        step,
        len(trace),
        sample,
        dict(zip(lay.weight_keys, s.weights_before, strict=True)),
        dict(zip(lay.bias_units, s.biases_before, strict=True)),
        dict(zip(lay.weight_keys, s.weight_gradients, strict=True)),
    )


def _sign_color(x: float) -> str:
    return POSITIVE if x > 0 else NEGATIVE if x < 0 else NEUTRAL


def _subtitle(st: _State) -> str:
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


# ---------------------------------------------------------------------------------------------
# The unit-level picture: layered layout with dummy nodes for skip connections.


@dataclass
class _Node:
    key: str
    column: int
    unit: str | None  # None for a dummy (a bend point of a long edge)
    above: float
    below: float
    y: float = 0.0


def _info_lines(st: _State, name: str, fmt: Numbers) -> list[tuple[str, str, bool]]:
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
        lines.append((f"{PARTIAL}C/{PARTIAL}z = {fmt(v.dC_dz)}", _sign_color(v.dC_dz), False))
        if v.blocked:
            lines.append(("g'(z) = 0: chain stops", MUTED, True))
    return lines


def _edge_lines(st: _State, key: WeightKey, fmt: Numbers) -> list[tuple[str, str]]:
    w = st.weights[key]
    if st.values == "backward":
        g = st.gradients[key]
        return [
            (f"w = {fmt(w)}", INK),
            (f"{PARTIAL}C/{PARTIAL}w = {fmt(g)}", _sign_color(g)),
        ]
    return [(fmt(w), _sign_color(w))]


def _columns(net: Network) -> dict[str, int]:
    deepest = max(net.depth.values())
    return {u: deepest - d for u, d in net.depth.items()}


def _crossings(order: list[list[str]], links: list[tuple[str, str]], pos: dict[str, int]) -> int:
    by_gap: dict[int, list[tuple[int, int]]] = {}
    col = {k: c for c, keys in enumerate(order) for k in keys}
    for a, b in links:
        by_gap.setdefault(col[a], []).append((pos[a], pos[b]))
    total = 0
    for segs in by_gap.values():
        for i in range(len(segs)):
            for j in range(i + 1, len(segs)):
                (a1, b1), (a2, b2) = segs[i], segs[j]
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total


def _order(order: list[list[str]], links: list[tuple[str, str]]) -> list[list[str]]:
    """Reorder each column by barycentre sweeps to reduce edge crossings (keep the best)."""
    preds: dict[str, list[str]] = {k: [] for col in order for k in col}
    succs: dict[str, list[str]] = {k: [] for col in order for k in col}
    for a, b in links:
        succs[a].append(b)
        preds[b].append(a)

    def positions(o: list[list[str]]) -> dict[str, int]:
        return {k: i for col in o for i, k in enumerate(col)}

    best = [list(c) for c in order]
    pos = positions(best)
    best_count = _crossings(best, links, pos)
    current = [list(c) for c in order]
    for sweep in range(12):
        forward = sweep % 2 == 0
        columns = range(1, len(current)) if forward else range(len(current) - 2, -1, -1)
        for c in columns:
            pos = positions(current)
            neighbours = preds if forward else succs

            def barycentre(
                k: str, nb: dict[str, list[str]] = neighbours, p: dict[str, int] = pos
            ) -> float:
                ns = nb[k]
                return sum(p[n] for n in ns) / len(ns) if ns else float(p[k])

            current[c] = sorted(current[c], key=barycentre)
        pos = positions(current)
        count = _crossings(current, links, pos)
        if count < best_count:
            best, best_count = [list(c) for c in current], count
        if best_count == 0:
            break
    return best


def _isotonic(targets: list[float]) -> list[float]:
    """The non-decreasing sequence closest to ``targets`` (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, count]
    for t in targets:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, n2 = blocks.pop()
            m1, n1 = blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    out: list[float] = []
    for m, n in blocks:
        out += [m] * int(n)
    return out


def _place_column(nodes: list[_Node], desired: list[float], gap: float, dummy_gap: float) -> None:
    offsets = [0.0]
    for a, b in zip(nodes, nodes[1:], strict=False):
        g = gap if a.unit and b.unit else dummy_gap
        offsets.append(offsets[-1] + a.below + g + b.above)
    fitted = _isotonic([d - o for d, o in zip(desired, offsets, strict=True)])
    for node, o, t in zip(nodes, offsets, fitted, strict=True):
        node.y = o + t


def _unit_drawing(st: _State, decimals: int, col_gap: float) -> tuple[Drawing, bool]:
    net = st.network
    fmt = Numbers(decimals)
    column = _columns(net)
    n_cols = max(column.values()) + 1
    radius = max(22.0, max(len(u) for u in column) * CHAR_WIDTH * NAME_SIZE / 2 + 7)
    info = {u: _info_lines(st, u, fmt) for u in column}
    info_h = {u: len(lines) * INFO_SIZE * 1.25 + 4 for u, lines in info.items()}

    # Nodes: units, and a dummy in each column a long edge passes.
    nodes: dict[str, _Node] = {}
    order: list[list[str]] = [[] for _ in range(n_cols)]
    for layer in net.layers:
        for u in layer:
            nodes[u] = _Node(u, column[u], u, radius, radius + info_h[u])
            order[column[u]].append(u)
    links: list[tuple[str, str]] = []
    chains: dict[WeightKey, list[str]] = {}
    for key in net.weights:
        a, b = key
        chain = [a]
        for c in range(column[a] + 1, column[b]):
            d = f"{a}->{b}@{c}"
            nodes[d] = _Node(d, c, None, 5.0, 5.0)
            order[c].append(d)
            chain.append(d)
        chain.append(b)
        links += list(zip(chain, chain[1:], strict=False))
        chains[key] = chain
    order = _order(order, links)

    # Vertical positions: stack each column, then pull nodes towards their neighbours.
    gap, dummy_gap = 26.0, 16.0
    for col in order:
        _place_column([nodes[k] for k in col], [0.0] * len(col), gap, dummy_gap)
        mid = (nodes[col[0]].y + nodes[col[-1]].y) / 2
        for k in col:
            nodes[k].y -= mid
    neighbours: dict[str, list[str]] = {k: [] for k in nodes}
    for a, b in links:
        neighbours[a].append(b)
        neighbours[b].append(a)
    for sweep in range(8):
        cols = range(n_cols) if sweep % 2 == 0 else range(n_cols - 1, -1, -1)
        for c in cols:
            col_nodes = [nodes[k] for k in order[c]]
            desired = [
                sum(nodes[n].y for n in neighbours[nd.key]) / len(neighbours[nd.key])
                if neighbours[nd.key]
                else nd.y
                for nd in col_nodes
            ]
            _place_column(col_nodes, desired, gap, dummy_gap)

    x_of = [c * col_gap for c in range(n_cols)]
    shapes: list[Shape] = []
    obstacles: list[Box] = []
    edge_shapes: list[Shape] = []

    # Edges.
    wmax = (
        max(
            (
                abs(st.gradients[k]) if st.values == "backward" else abs(st.weights[k])
                for k in net.weights
            ),
            default=0.0,
        )
        or 1.0
    )
    curves: dict[WeightKey, Curve] = {}
    for key, chain in chains.items():
        pts = [(x_of[nodes[k].column], nodes[k].y) for k in chain]
        start_dir = _unit(pts[1][0] - pts[0][0], pts[1][1] - pts[0][1])
        end_dir = _unit(pts[-1][0] - pts[-2][0], pts[-1][1] - pts[-2][1])
        tip = (pts[-1][0] - end_dir[0] * radius, pts[-1][1] - end_dir[1] * radius)
        arrow = 8.0
        pts[0] = (pts[0][0] + start_dir[0] * radius, pts[0][1] + start_dir[1] * radius)
        pts[-1] = (tip[0] - end_dir[0] * arrow * 0.8, tip[1] - end_dir[1] * arrow * 0.8)
        size = abs(st.gradients[key]) if st.values == "backward" else abs(st.weights[key])
        sign = st.gradients[key] if st.values == "backward" else st.weights[key]
        color = _sign_color(sign)
        width = 0.8 + 3.2 * min(size / wmax, 1.0)
        name = f"{key[0]} -> {key[1]}"
        trainable = net.weights[key].trainable
        tooltip = f"w {name} = {st.weights[key]!r}" + ("" if trainable else " (frozen)")
        curve = Curve(_smooth(pts), color, width, not trainable, tooltip, name)
        curves[key] = curve
        edge_shapes.append(curve)
        edge_shapes.append(_arrowhead(tip, end_dir, color, arrow + width))

    # Units.
    for u, node in nodes.items():
        if node.unit is None:
            continue
        cx, cy = x_of[node.column], node.y
        unit = net.unit[u]
        blocked = (
            st.values == "backward"
            and st.sample is not None
            and not unit.is_input
            and st.sample.unit(u).blocked
        )
        fill = INPUT_FILL if unit.is_input else UNIT_FILL
        tooltip = f"{u}: {unit.activation}, layer {net.layer(u)}"
        shapes.append(
            Circle(cx, cy, radius, fill, MUTED if blocked else INK, 1.6, blocked, tooltip, u)
        )
        shapes.append(Text(cx, cy, u, NAME_SIZE, "unit-name", bold=True))
        shapes.append(Text(cx, cy + 14, net.layer(u), LAYER_SIZE, "unit-layer", color=MUTED))
        obstacles.append(Box(cx - radius, cy - radius, cx + radius, cy + radius))
        y = cy + radius + INFO_SIZE + 3
        block = [
            text_box(cx, y + i * INFO_SIZE * 1.25, t, INFO_SIZE)
            for i, (t, _, _) in enumerate(info[u])
        ]
        if block:  # a light backdrop: edges passing behind the numbers leave them legible
            left, right = min(b.x0 for b in block), max(b.x1 for b in block)
            height = block[-1].y1 - block[0].y0 + 2
            shapes.append(
                Rect(left - 2, block[0].y0 - 1, right - left + 4, height, "#FFFFFF", rx=3.0,
                     opacity=0.85)
            )
        for text, color, italic in info[u]:
            t = Text(cx, y, text, INFO_SIZE, "unit-value", color=color, italic=italic)
            shapes.append(t)
            obstacles.append(t.box)
            y += INFO_SIZE * 1.25

    # Column headers.
    top = min(n.y - n.above for n in nodes.values())
    for c in range(n_cols):
        header = layer_name(n_cols - 1 - c)  # every column holds a unit of that layer
        t = Text(x_of[c], top - 14, header, 12.0, "header", color=MUTED, bold=True)
        shapes.append(t)
        obstacles.append(t.box)

    ok = _place_edge_labels(st, curves, fmt, obstacles, shapes)
    return _frame([*edge_shapes, *shapes], st, _legend(st)), ok


def _place_edge_labels(
    st: _State,
    curves: dict[WeightKey, Curve],
    fmt: Numbers,
    obstacles: list[Box],
    shapes: list[Shape],
) -> bool:
    """Put each weight's label on its edge where it overlaps nothing; False if one could not."""
    lines = {key: _edge_lines(st, key, fmt) for key in curves}
    polylines = {key: c.polyline(24) for key, c in curves.items()}
    extents = {
        key: Box(min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
                 max(p[1] for p in pts))
        for key, pts in polylines.items()
    }
    # Most constrained first: labels of short edges have the fewest places.
    keys = sorted(curves, key=lambda k: len(polylines[k]))
    placed: list[Box] = []
    all_ok = True
    fractions = [0.5 + s * d for d in (0.0, 0.06, 0.12, 0.18, 0.24, 0.3, 0.36) for s in (1, -1)]
    for key in keys:
        pts = polylines[key]
        texts = lines[key]
        height = len(texts) * EDGE_SIZE * 1.3
        width = max(len(t) for t, _ in texts) * CHAR_WIDTH * EDGE_SIZE
        best: tuple[float, Box] | None = None
        for i, f in enumerate(dict.fromkeys(fractions)):
            x, y = pts[min(int(round(f * (len(pts) - 1))), len(pts) - 1)]
            box = Box(x - width / 2 - 2, y - height / 2 - 1, x + width / 2 + 2, y + height / 2 + 1)
            hard = sum(box.overlaps(o, 2.0) for o in obstacles) + sum(
                box.overlaps(p, 2.0) for p in placed
            )
            if best is not None and (hard * 1000.0 > best[0] or hard and best[0] < 1000.0):
                continue
            # Softly avoid sitting on other edges, so that each label reads as its own edge's.
            soft = sum(
                any(_segment_hits_box(p, q, box) for p, q in zip(other, other[1:], strict=False))
                for k, other in polylines.items()
                if k != key and extents[k].overlaps(box)
            ) if hard == 0 and len(curves) <= 150 else 0
            score = hard * 1000.0 + soft * 3.0 + i * 0.2
            if best is None or score < best[0]:
                best = (score, box)
            if hard == 0 and soft == 0:
                break  # the later candidates can only score worse
        assert best is not None
        score, box = best
        if score >= 1000.0:
            all_ok = False
        placed.append(box)
        shapes.append(
            Rect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0, "#FFFFFF", rx=3.0, opacity=0.95)
        )
        y = box.y0 + 1 + EDGE_SIZE * 0.95
        cx = (box.x0 + box.x1) / 2
        for text, color in texts:
            shapes.append(Text(cx, y, text, EDGE_SIZE, "edge-label", color=color))
            y += EDGE_SIZE * 1.3
    return all_ok


def _legend(st: _State) -> list[tuple[str, str, bool]]:
    what = f"{PARTIAL}C/{PARTIAL}w" if st.values == "backward" else "w"
    items = [(f"{what} > 0", POSITIVE, False), (f"{what} < 0", NEGATIVE, False)]
    shown = st.gradients if st.values == "backward" else st.weights
    if any(v == 0.0 for v in shown.values()):
        items.append((f"{what} = 0", NEUTRAL, False))
    if any(not p.trainable for p in st.network.weights.values()):
        items.append(("frozen (not trained)", INK, True))
    items.append((f"line width: size of {what}", "", False))
    return items


def _frame(
    shapes: list[Shape],
    st: _State | None,
    legend: list[tuple[str, str, bool]],
    title: str = "",
    subtitle: str = "",
) -> Drawing:
    """Add the title above and the legend below, move everything to a margin, size the page."""
    boxes = [_shape_box(s) for s in shapes]
    x0 = min(b.x0 for b in boxes)
    y0 = min(b.y0 for b in boxes)
    y1 = max(b.y1 for b in boxes)
    if st is not None:
        title = st.network.title or "network"
        subtitle = _subtitle(st)
    head: list[Shape] = [
        Text(x0, y0 - 34, title, 16.0, "title", anchor="start", bold=True),
        Text(x0, y0 - 14, subtitle, 12.0, "subtitle", anchor="start", color=MUTED),
    ]
    foot: list[Shape] = []
    x = x0
    ly = y1 + 28
    for text, color, dashed in legend:
        if color or dashed:
            foot.append(
                Curve(_smooth([(x, ly - 4), (x + 26, ly - 4)]), color or INK, 2.5, dashed, "")
            )
            x += 32
        t = Text(x, ly, text, 11.0, "legend", anchor="start", color=MUTED)
        foot.append(t)
        x = t.box.x1 + 18
    everything = [*head, *shapes, *foot]
    boxes = [_shape_box(s) for s in everything]
    margin = 16.0
    dx = margin - min(b.x0 for b in boxes)
    dy = margin - min(b.y0 for b in boxes)
    moved = [_moved(s, dx, dy) for s in everything]
    width = max(b.x1 for b in boxes) + dx + margin
    height = max(b.y1 for b in boxes) + dy + margin
    return Drawing(math.ceil(width), math.ceil(height), moved, title)


def _shape_box(s: Shape) -> Box:
    if isinstance(s, Text):
        return s.box
    if isinstance(s, Circle):
        return Box(s.cx - s.r, s.cy - s.r, s.cx + s.r, s.cy + s.r)
    if isinstance(s, Rect):
        return Box(s.x, s.y, s.x + s.w, s.y + s.h)
    pts = s.polyline() if isinstance(s, Curve) else s.points
    return Box(
        min(p[0] for p in pts),
        min(p[1] for p in pts),
        max(p[0] for p in pts),
        max(p[1] for p in pts),
    )


def _moved(s: Shape, dx: float, dy: float) -> Shape:
    if isinstance(s, Text):
        return replace(s, x=s.x + dx, y=s.y + dy)
    if isinstance(s, Circle):
        return replace(s, cx=s.cx + dx, cy=s.cy + dy)
    if isinstance(s, Rect):
        return replace(s, x=s.x + dx, y=s.y + dy)
    return replace(s, points=tuple((x + dx, y + dy) for x, y in s.points))


# ---------------------------------------------------------------------------------------------
# The layer-level picture for big networks.


def _layer_drawing(st: _State, decimals: int) -> Drawing:
    net = st.network
    fmt = Numbers(decimals)
    column = _columns(net)
    n_cols = max(column.values()) + 1
    members: list[list[str]] = [[] for _ in range(n_cols)]
    for u in net.order:
        members[column[u]].append(u)
    box_lines: list[list[str]] = []
    for units in members:
        acts = Counter(net.unit[u].activation for u in units)
        lines = [f"{len(units)} unit{'s' if len(units) != 1 else ''}"]
        lines += [f"{a} \u00d7{n}" for a, n in acts.most_common()]
        n_bias = sum(u in net.biases for u in units)
        if n_bias:
            lines.append(f"{n_bias} bias{'es' if n_bias != 1 else ''}")
        s = st.sample
        if s is not None and st.values == "forward":
            a = [s.unit(u).a for u in units]
            lines.append(f"a: {fmt(min(a))} to {fmt(max(a))}")
        elif s is not None and st.values == "backward":
            sizes = [abs(v) for u in units if (v := s.unit(u).dC_dz) is not None]
            if sizes:
                lines.append(f"mean |{PARTIAL}C/{PARTIAL}z| = {fmt(sum(sizes) / len(sizes))}")
        box_lines.append(lines)
    box_w = max(max(len(t) for t in lines) for lines in box_lines) * CHAR_WIDTH * INFO_SIZE + 24
    box_w = max(box_w, 110.0)
    box_h = max(len(lines) for lines in box_lines) * INFO_SIZE * 1.3 + 34
    groups: dict[tuple[int, int], list[WeightKey]] = {}
    for key in net.weights:
        groups.setdefault((column[key[0]], column[key[1]]), []).append(key)
    label_w = max(len(f"{len(keys)} weights") for keys in groups.values()) + 24
    col_gap = box_w + max(label_w * CHAR_WIDTH * EDGE_SIZE + 70, 150)
    shapes: list[Shape] = []
    obstacles: list[Box] = []
    for c, lines in enumerate(box_lines):
        x = c * col_gap
        shapes.append(Rect(x - box_w / 2, -box_h / 2, box_w, box_h, BOX_FILL, INK, 1.4, rx=8.0))
        obstacles.append(Box(x - box_w / 2, -box_h / 2, x + box_w / 2, box_h / 2))
        layer = net.layer(members[c][0])
        shapes.append(Text(x, -box_h / 2 + 20, layer, 14.0, "header", bold=True))
        y = -box_h / 2 + 40
        for text in lines:
            shapes.append(Text(x, y, text, INFO_SIZE, "box", color=INK))
            y += INFO_SIZE * 1.3
    curves: list[tuple[Curve, list[tuple[str, str]]]] = []
    edge_shapes: list[Shape] = []
    skips = 0
    for (ca, cb), keys in sorted(groups.items(), key=lambda g: (g[0][1] - g[0][0], g[0])):
        xa, xb = ca * col_gap + box_w / 2, cb * col_gap - box_w / 2
        if cb - ca == 1:
            control = _smooth([(xa, 0.0), (xb - 10, 0.0)])
            tip, direction = (xb, 0.0), (1.0, 0.0)
        else:
            skips += 1
            lift = box_h / 2 + 24 + 26 * skips
            side = -1.0 if skips % 2 else 1.0
            xa, xb = ca * col_gap, cb * col_gap
            y_edge = side * box_h / 2
            control = ((xa, y_edge), (xa + 30, side * lift), (xb - 30, side * lift),
                       (xb, y_edge + side * 10))
            tip, direction = (xb, y_edge), (0.0, -side)
        vals = [st.gradients[k] if st.values == "backward" else st.weights[k] for k in keys]
        mean = sum(vals) / len(vals)
        color = _sign_color(mean) if st.values == "backward" else INK
        curve = Curve(
            control, color, 1.0 + min(len(keys), 400) ** 0.5 / 4, False, f"{len(keys)} weights"
        )
        edge_shapes += [curve, _arrowhead(tip, direction, color, 10.0)]
        label = [(f"{len(keys)} weight{'s' if len(keys) != 1 else ''}", INK)]
        if st.values == "backward":
            mag = sum(abs(v) for v in vals) / len(vals)
            label.append((f"mean |{PARTIAL}C/{PARTIAL}w| = {fmt(mag)}", INK))
        else:
            label.append((f"w: {fmt(min(vals))} to {fmt(max(vals))}", MUTED))
        curves.append((curve, label))
    _place_group_labels(curves, obstacles, shapes)
    n_units = len(net.units)
    subtitle = (
        f"{n_units} units, {len(net.weights)} weights: drawn one box per layer; " + _subtitle(st)
    )
    d = _frame([*edge_shapes, *shapes], None, [], net.title or "network", subtitle)
    d.level = "layer"
    return d


def _place_group_labels(
    curves: list[tuple[Curve, list[tuple[str, str]]]], obstacles: list[Box], shapes: list[Shape]
) -> None:
    placed: list[Box] = []
    for curve, lines in curves:
        pts = curve.polyline(24)
        height = len(lines) * EDGE_SIZE * 1.3
        width = max(len(t) for t, _ in lines) * CHAR_WIDTH * EDGE_SIZE
        best: tuple[int, Box] | None = None
        for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
            x, y = pts[int(round(f * (len(pts) - 1)))]
            box = Box(x - width / 2 - 2, y - height / 2 - 1, x + width / 2 + 2, y + height / 2 + 1)
            hits = sum(box.overlaps(o, 2.0) for o in [*obstacles, *placed])
            if best is None or hits < best[0]:
                best = (hits, box)
            if hits == 0:
                break
        assert best is not None
        box = best[1]
        placed.append(box)
        shapes.append(
            Rect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0, "#FFFFFF", rx=3.0, opacity=0.95)
        )
        y = box.y0 + 1 + EDGE_SIZE * 0.95
        for text, color in lines:
            shapes.append(
                Text((box.x0 + box.x1) / 2, y, text, EDGE_SIZE, "edge-label", color=color)
            )
            y += EDGE_SIZE * 1.3


# ---------------------------------------------------------------------------------------------
# Public API.


def drawing(
    network_or_trace: Trace | NetworkLike,
    values: Values = None,
    step: int = 1,
    *,
    sample: int = 1,
    decimals: int = 3,
    max_units: int = 40,
) -> Drawing:
    """The picture as shapes (see :func:`svg` for the parameters)."""
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 17:
        raise UsageError(f"decimals must be a whole number from 0 to 17, got {decimals!r}")
    st = _state(network_or_trace, values, step, sample)
    if len(st.network.units) > max_units or len(st.network.weights) > 3 * max_units:
        return _layer_drawing(st, decimals)
    col_gap = 190.0 if st.values != "backward" else 230.0
    # Widen the gaps between layers until every edge label has a free place (rarely needed).
    for _ in range(6):
        d, ok = _unit_drawing(st, decimals, col_gap)
        if ok:
            break
        col_gap *= 1.3
    return d


def svg(
    network_or_trace: Trace | NetworkLike,
    values: Values = None,
    step: int = 1,
    *,
    sample: int = 1,
    decimals: int = 3,
    max_units: int = 40,
) -> str:
    """The network drawn as a self-contained SVG document (a string).

    Parameters
    ----------
    network_or_trace : a Trace, a Network, or anything :func:`chainrule.load` accepts.
    values : None (weights only), ``"forward"`` (z, a and y under each unit) or ``"backward"``
        (dC/dz under each unit, dC/dw on each edge; edges coloured by the gradient's sign).
    step : show the weights before step ``step``'s update and that step's passes (from 1; a
        Network is solved for that many steps first).
    sample : whose forward/backward values are shown under the units (from 1).
    decimals : decimals of the numbers shown (trailing zeros trimmed).
    max_units : above this many units (or 3 times as many weights), draw one box per layer.

    Returns
    -------
    str
        ``<svg xmlns="http://www.w3.org/2000/svg" ...>...</svg>``, no external references.

    Examples
    --------
    >>> picture = svg("exercise-2", values="forward")
    >>> picture.startswith("<svg") and "a = 0.602" in picture
    True
    """
    return _to_svg(
        drawing(
            network_or_trace, values, step, sample=sample, decimals=decimals, max_units=max_units
        )
    )


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _to_svg(d: Drawing) -> str:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(d.width)}" '
        f'height="{_num(d.height)}" viewBox="0 0 {_num(d.width)} {_num(d.height)}" '
        f'font-family="{FONT}" role="img" class="chainrule-diagram">',
        f"<title>{escape(d.title)}</title>",
        f'<rect x="0" y="0" width="{_num(d.width)}" height="{_num(d.height)}" fill="#FFFFFF"/>',
    ]
    for s in d.shapes:
        if isinstance(s, Curve):
            p = s.points
            path = f"M{_num(p[0][0])},{_num(p[0][1])}" + "".join(
                f" C{_num(p[i][0])},{_num(p[i][1])} {_num(p[i + 1][0])},{_num(p[i + 1][1])} "
                f"{_num(p[i + 2][0])},{_num(p[i + 2][1])}"
                for i in range(1, len(p) - 1, 3)
            )
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            cls = ' class="edge"' if s.weight else ""
            data = f' data-weight="{escape(s.weight)}"' if s.weight else ""
            tip = f"<title>{escape(s.tooltip)}</title>" if s.tooltip else ""
            out.append(
                f'<path{cls}{data} d="{path}" fill="none" stroke="{s.color}" '
                f'stroke-width="{_num(s.width)}"{dash} stroke-linecap="round">{tip}</path>'
            )
        elif isinstance(s, Polygon):
            pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in s.points)
            out.append(f'<polygon points="{pts}" fill="{s.fill}"/>')
        elif isinstance(s, Circle):
            dash = ' stroke-dasharray="5 3"' if s.dashed else ""
            out.append(
                f'<circle class="unit" data-unit="{escape(s.unit)}" cx="{_num(s.cx)}" '
                f'cy="{_num(s.cy)}" r="{_num(s.r)}" fill="{s.fill}" stroke="{s.stroke}" '
                f'stroke-width="{_num(s.width)}"{dash}><title>{escape(s.tooltip)}</title>'
                "</circle>"
            )
        elif isinstance(s, Rect):
            stroke = f' stroke="{s.stroke}" stroke-width="{_num(s.width)}"' if s.width else ""
            opacity = f' fill-opacity="{s.opacity}"' if s.opacity < 1 else ""
            out.append(
                f'<rect x="{_num(s.x)}" y="{_num(s.y)}" width="{_num(s.w)}" '
                f'height="{_num(s.h)}" rx="{_num(s.rx)}" fill="{s.fill}"{opacity}{stroke}/>'
            )
        else:
            style = (' font-weight="bold"' if s.bold else "") + (
                ' font-style="italic"' if s.italic else ""
            )
            out.append(
                f'<text class="{s.role}" x="{_num(s.x)}" y="{_num(s.y)}" '
                f'font-size="{_num(s.size)}" text-anchor="{s.anchor}" fill="{s.color}"'
                f"{style}>{escape(s.text)}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def figure(
    network_or_trace: Trace | NetworkLike,
    values: Values = None,
    step: int = 1,
    *,
    sample: int = 1,
    decimals: int = 3,
    max_units: int = 40,
) -> Any:
    """The same drawing as :func:`svg`, on a matplotlib Figure (needs ``chainrule[plot]``)."""
    d = drawing(
        network_or_trace, values, step, sample=sample, decimals=decimals, max_units=max_units
    )
    return _to_figure(d)


def _to_figure(d: Drawing) -> Any:
    from chainrule.pictures.plot import _pyplot

    plt = _pyplot()
    from matplotlib.patches import Circle as MplCircle
    from matplotlib.patches import FancyBboxPatch, PathPatch
    from matplotlib.patches import Polygon as MplPolygon
    from matplotlib.path import Path as MplPath

    # 1 px of the SVG = 1 pt here, so font sizes carry over.
    fig = plt.figure(figsize=(d.width / 72, d.height / 72))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, d.width)
    ax.set_ylim(d.height, 0)
    ax.set_axis_off()
    pt = 72 / fig.dpi  # line widths are in points; the SVG's are in px = pt here
    z = 1
    for s in d.shapes:
        z += 1
        if isinstance(s, Curve):
            codes = [MplPath.MOVETO] + [MplPath.CURVE4] * (len(s.points) - 1)
            ax.add_patch(
                PathPatch(
                    MplPath(list(s.points), codes),
                    fill=False,
                    edgecolor=s.color,
                    linewidth=s.width,
                    linestyle=(0, (6 / s.width * pt * 1.4, 4 / s.width * pt * 1.4))
                    if s.dashed
                    else "-",
                    capstyle="round",
                    zorder=z,
                )
            )
        elif isinstance(s, Polygon):
            ax.add_patch(
                MplPolygon(
                    list(s.points), closed=True, facecolor=s.fill, edgecolor="none", zorder=z
                )
            )
        elif isinstance(s, Circle):
            ax.add_patch(
                MplCircle(
                    (s.cx, s.cy),
                    s.r,
                    facecolor=s.fill,
                    edgecolor=s.stroke,
                    linewidth=s.width,
                    linestyle="--" if s.dashed else "-",
                    zorder=z,
                )
            )
        elif isinstance(s, Rect):
            ax.add_patch(
                FancyBboxPatch(
                    (s.x, s.y),
                    s.w,
                    s.h,
                    boxstyle=f"round,pad=0,rounding_size={s.rx}",
                    facecolor=s.fill,
                    alpha=s.opacity,
                    edgecolor=s.stroke if s.width else "none",
                    linewidth=s.width,
                    zorder=z,
                )
            )
        else:
            ax.text(
                s.x,
                s.y,
                s.text,
                fontsize=s.size,
                ha={"start": "left", "end": "right"}.get(s.anchor, "center"),
                va="baseline",
                color=s.color,
                fontweight="bold" if s.bold else "normal",
                fontstyle="italic" if s.italic else "normal",
                zorder=z,
            )
    return fig


def save(
    network_or_trace: Trace | NetworkLike,
    path: str | os.PathLike[str],
    values: Values = None,
    step: int = 1,
    *,
    sample: int = 1,
    decimals: int = 3,
    max_units: int = 40,
    dpi: int = 150,
) -> None:
    """Write the diagram to ``path``: ``.svg`` (no dependencies) or ``.png``/``.pdf`` (matplotlib),
    all at once (never half-written)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".svg", ".png", ".pdf"):
        raise UsageError(
            f"{path}: unknown picture type {suffix or '(none)'!r}; "
            "use a file name ending in .svg, .png or .pdf"
        )
    d = drawing(
        network_or_trace, values, step, sample=sample, decimals=decimals, max_units=max_units
    )
    if suffix == ".svg":
        write_atomic(path, _to_svg(d))
        return
    from chainrule.pictures.plot import save_figure

    save_figure(_to_figure(d), path, dpi=dpi)

