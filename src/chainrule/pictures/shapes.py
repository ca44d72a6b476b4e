"""The shapes a diagram is made of, in pixel coordinates (y grows downwards), and the geometry
the layouts use. Both painters (:mod:`.svg_backend`, :mod:`.matplotlib_backend`) draw these."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

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
            out.extend(bezier(p0, c1, c2, p1, i / per_segment) for i in range(1, per_segment + 1))
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


def bezier(p0: Point, c1: Point, c2: Point, p1: Point, t: float) -> Point:
    u = 1.0 - t
    return (
        u**3 * p0[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * p1[0],
        u**3 * p0[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * p1[1],
    )


def unit_vector(dx: float, dy: float) -> Point:
    n = math.hypot(dx, dy) or 1.0
    return dx / n, dy / n


def smooth(points: Sequence[Point]) -> tuple[Point, ...]:
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


def arrowhead(tip: Point, direction: Point, color: str, size: float) -> Polygon:
    ux, uy = direction
    bx, by = tip[0] - ux * size, tip[1] - uy * size
    half = size * 0.45
    return Polygon(
        ((tip[0], tip[1]), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)),
        color,
    )


def segment_hits_box(p: Point, q: Point, box: Box) -> bool:
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



def frame(
    shapes: list[Shape],
    title: str,
    subtitle: str,
    legend: Sequence[tuple[str, str, bool]] = (),
    inner: Box | None = None,
) -> Drawing:
    """Add the title above and the legend below, move everything to a margin, size the page.

    ``legend`` holds (text, colour, dashed) items: a line sample of that colour (dashed or not)
    before the text, or no sample when the colour is empty and dashed is False. ``inner`` is
    :func:`bounds` of ``shapes`` when the caller knows it already (a picture laid out before).
    """
    inner = inner or bounds(shapes)
    x0, y0, y1 = inner.x0, inner.y0, inner.y1
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
                Curve(smooth([(x, ly - 4), (x + 26, ly - 4)]), color or INK, 2.5, dashed, "")
            )
            x += 32
        t = Text(x, ly, text, 11.0, "legend", anchor="start", color=MUTED)
        foot.append(t)
        x = t.box.x1 + 18
    outer = bounds([*head, *foot], inner)
    margin = 16.0
    dx = margin - outer.x0
    dy = margin - outer.y0
    shifted = [moved(s, dx, dy) for s in (*head, *shapes, *foot)]
    width = outer.x1 + dx + margin
    height = outer.y1 + dy + margin
    return Drawing(math.ceil(width), math.ceil(height), shifted, title)


def bounds(shapes: Sequence[Shape], start: Box | None = None) -> Box:
    """The smallest box around ``shapes`` (and ``start``)."""
    boxes = [shape_box(s) for s in shapes]
    if start is not None:
        boxes.append(start)
    return Box(
        min(b.x0 for b in boxes),
        min(b.y0 for b in boxes),
        max(b.x1 for b in boxes),
        max(b.y1 for b in boxes),
    )


def shape_box(s: Shape) -> Box:
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


def moved(s: Shape, dx: float, dy: float) -> Shape:
    # the constructors, not dataclasses.replace: a picture moves every shape once, and the web
    # page draws one picture per Step
    if isinstance(s, Text):
        return Text(s.x + dx, s.y + dy, s.text, s.size, s.role, s.anchor, s.color, s.bold,
                    s.italic)
    if isinstance(s, Circle):
        return Circle(s.cx + dx, s.cy + dy, s.r, s.fill, s.stroke, s.width, s.dashed, s.tooltip,
                      s.unit)
    if isinstance(s, Rect):
        return Rect(s.x + dx, s.y + dy, s.w, s.h, s.fill, s.stroke, s.width, s.rx, s.opacity,
                    s.dashed)
    points = tuple((x + dx, y + dy) for x, y in s.points)
    if isinstance(s, Curve):
        return Curve(points, s.color, s.width, s.dashed, s.tooltip, s.weight)
    return Polygon(points, s.fill)
