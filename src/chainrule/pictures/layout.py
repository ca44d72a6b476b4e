"""The unit-level picture: units in columns by layer (inputs left, the output layer L right),
ordered to cross few edges, with a dummy node wherever a skip connection passes a column, and
each weight's label placed on its own edge where it meets nothing else: no unit, no number, no
other label and no other edge's line (so a label never sits on a crossing, where it would read
as either edge's).

The layout (column order, heights) is computed once; only the gap between columns grows when an
edge label finds no free place. With ``steady`` (the web page, one picture per Step), every
number is given the room of a number of the decimals asked, so that the picture stays put while
the numbers change, and where everything goes is kept (:data:`FITS_KEPT` pictures): the next
Step only paints the new numbers.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from chainrule.core.network import Network, WeightKey, layer_name
from chainrule.explain.notation import Numbers
from chainrule.pictures.scene import Scene, edge_lines, info_lines, legend, sign_color, subtitle
from chainrule.pictures.shapes import (
    CHAR_WIDTH,
    EDGE_SIZE,
    INFO_SIZE,
    INK,
    INPUT_FILL,
    LAYER_SIZE,
    MUTED,
    NAME_SIZE,
    UNIT_FILL,
    Box,
    Circle,
    Curve,
    Drawing,
    Point,
    Rect,
    Shape,
    Text,
    arrowhead,
    bounds,
    frame,
    segment_hits_box,
    smooth,
    unit_vector,
)

WIDENINGS = 10
"""How many times the gap between columns may grow (by :data:`GROWTH`) to give every edge label
a place (the gaps between the units of a column grow too, the later half of the times)."""

GROWTH = 1.15

FITS_KEPT = 32
"""How many steady pictures' geometry is kept (a network, a view, the numbers' widths)."""

ARROW = 8.0
"""An arrowhead's length beyond its line's width."""

MAX_LINE_WIDTH = 4.0

InfoLines = dict[str, list[tuple[str, str, bool]]]
EdgeLines = dict[WeightKey, list[tuple[str, str]]]
Width = Callable[[str], int]
"""How many characters' room a line of text is given."""


@dataclass
class _Node:
    key: str
    column: int
    unit: str | None  # None for a dummy (a bend point of a long edge)
    above: float
    below: float
    y: float = 0.0


@dataclass
class _Layout:
    nodes: dict[str, _Node]
    chains: dict[WeightKey, list[str]]
    radius: float
    n_cols: int
    order: list[list[str]]
    links: list[tuple[str, str]]


@dataclass(frozen=True)
class _Fit:
    """Where everything of a picture goes: found once, reused while only the numbers change."""

    layout: _Layout
    col_gap: float
    labels: dict[WeightKey, Box]
    inner: Box  # the bounds of the picture before its title and legend


_FITS: OrderedDict[Hashable, _Fit] = OrderedDict()
_FITS_LOCK = threading.Lock()

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def _steady_width(decimals: int) -> Width:
    """Each number with decimals in a text counted as at least as wide as ``-0.`` and
    ``decimals`` digits (a whole number, an input or a target or a gradient of 0, mostly stays
    as it is from step to step, and keeps its own width)."""
    least = 2 + (decimals + 1 if decimals else 0)

    def width(text: str) -> int:
        return len(text) + sum(max(0, least - len(m.group())) for m in _NUMBER.finditer(text)
                               if "." in m.group() or "e" in m.group())

    return width


def unit_drawing(st: Scene, decimals: int, steady: bool = False) -> Drawing:
    """The unit-level picture of ``st``; ``steady``: laid out for any numbers of ``decimals``
    decimals (and the layout kept for the next call)."""
    fmt = Numbers(decimals)
    net = st.network
    info = {u: info_lines(st, u, fmt) for u in columns(net)}
    edges = {key: edge_lines(st, key, fmt) for key in net.weights}
    width: Width = _steady_width(decimals) if steady else len
    title = net.title or "network"
    key: Hashable = None
    if steady:
        key = (
            tuple(tuple(layer) for layer in net.layers),
            tuple(net.weights),
            st.values,
            tuple(tuple(width(t) for t, _, _ in lines) for lines in info.values()),
            tuple(tuple(width(t) for t, _ in lines) for lines in edges.values()),
        )
        with _FITS_LOCK:
            fit = _FITS.get(key)
            if fit is not None:
                _FITS.move_to_end(key)
        if fit is not None:
            shapes, _, _ = _paint(st, fit.layout, fit.col_gap, info, edges, width, fit.labels)
            return frame(shapes, title, subtitle(st), legend(st), fit.inner)
    lay = _layout(net, info)
    col_gap = 190.0 if st.values != "backward" else 230.0
    for attempt in range(WIDENINGS):
        shapes, labels, ok = _paint(st, lay, col_gap, info, edges, width, None)
        if ok or attempt == WIDENINGS - 1:
            break
        col_gap *= GROWTH
        if attempt >= WIDENINGS // 2 - 1:  # wide already: more room between the units too
            _heights(lay, GROWTH ** (attempt - WIDENINGS // 2 + 2))
    inner = bounds(shapes)
    if steady:
        with _FITS_LOCK:
            _FITS[key] = _Fit(lay, col_gap, labels, inner)
            while len(_FITS) > FITS_KEPT:
                _FITS.popitem(last=False)
    return frame(shapes, title, subtitle(st), legend(st), inner)


def columns(net: Network) -> dict[str, int]:
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


def _text_box(x: float, y: float, chars: int, size: float) -> Box:
    """The box of a centred line of ``chars`` characters whose baseline is ``y``."""
    half = chars * CHAR_WIDTH * size / 2
    return Box(x - half, y - 0.9 * size, x + half, y + 0.3 * size)


FRACTIONS = tuple(
    dict.fromkeys(round(0.5 + side * i * 0.02, 2) for i in range(23) for side in (1, -1))
)
"""Where on its edge a label may go, as a share of the edge's length: the middle first."""

CLEARANCE = 4.0
"""How far a label keeps from another edge's line (px)."""

ROOMY = 24.0
"""How far from other edges a label is put where its edge leaves room (px)."""


class _Grid:
    """Boxes filed by the cells of a square grid they touch: what is near a box, fast."""

    def __init__(self, cell: float = 48.0) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[int]] = {}

    def _span(self, box: Box) -> tuple[range, range]:
        c = self.cell
        return (range(int(box.x0 // c), int(box.x1 // c) + 1),
                range(int(box.y0 // c), int(box.y1 // c) + 1))

    def add(self, box: Box, item: int) -> None:
        xs, ys = self._span(box)
        for i in xs:
            for j in ys:
                self.cells.setdefault((i, j), []).append(item)

    def near(self, box: Box) -> set[int]:
        xs, ys = self._span(box)
        found: set[int] = set()
        for i in xs:
            for j in ys:
                found.update(self.cells.get((i, j), ()))
        return found


def _place_edge_labels(
    curves: dict[WeightKey, Curve],
    tips: dict[WeightKey, Point],
    sizes: dict[WeightKey, tuple[float, float]],
    obstacles: list[Box],
) -> tuple[dict[WeightKey, Box], bool]:
    """A box for each weight's label, centred on its own edge, as near the middle as it may be
    while it meets no obstacle, no other label and no other edge's line (arrowhead included),
    and keeps :data:`ROOMY` from other edges where that takes no other label's only place;
    False when some label found no such place (it then goes where it meets the least)."""
    keys = list(curves)
    segments: list[tuple[int, Point, Point, Box]] = []
    by_segment = _Grid()
    for n, key in enumerate(keys):
        pts = [*curves[key].polyline(12), tips[key]]
        for p, q in zip(pts, pts[1:], strict=False):
            extent = Box(min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1]))
            by_segment.add(extent, len(segments))
            segments.append((n, p, q, extent))
    by_obstacle = _Grid()
    for i, o in enumerate(obstacles):
        by_obstacle.add(o.grown(2.0), i)
    pads = (ROOMY, (ROOMY + CLEARANCE) / 2, CLEARANCE)

    def blocked(n: int, box: Box) -> tuple[float, int]:
        """How badly ``box`` meets the obstacles (1000 each) and other edges (10 each), and how
        many of ``pads`` another edge comes within."""
        hard = sum(box.overlaps(obstacles[i], 2.0) for i in by_obstacle.near(box))
        grown = [box.grown(pad) for pad in pads]
        outer = grown[0]
        level = 0
        crossed = set()
        for i in by_segment.near(outer):
            other, p, q, extent = segments[i]
            if other == n or other in crossed or not extent.overlaps(outer):
                continue
            for k in range(level, 3):
                if not segment_hits_box(p, q, grown[k]):
                    break
                level = k + 1
            if level == 3 and segment_hits_box(p, q, grown[2]):
                crossed.add(other)
        return hard * 1000.0 + len(crossed) * 10.0, min(level, 2)

    # Every place on its own edge, and how badly each meets what does not move.
    options: dict[WeightKey, list[tuple[float, int, int, Box]]] = {}
    for n, key in enumerate(keys):
        pts = curves[key].polyline(24)
        width, height = sizes[key]
        options[key] = []
        for i, f in enumerate(FRACTIONS):
            x, y = pts[min(int(round(f * (len(pts) - 1))), len(pts) - 1)]
            box = Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2)
            options[key].append((*blocked(n, box), i, box))
    # Most constrained first: the labels with the fewest free places choose first.
    order = sorted(keys, key=lambda k: sum(score < 10.0 for score, _, _, _ in options[k]))

    def choose(roomy: bool) -> tuple[dict[WeightKey, Box], bool]:
        placed: list[Box] = []
        by_label = _Grid()
        labels: dict[WeightKey, Box] = {}
        all_ok = True
        for key in order:
            ranked = sorted(
                (score + (level if roomy else 0) + i * 0.01, box)
                for score, level, i, box in options[key]
            )
            best: tuple[float, Box] | None = None
            for score, box in ranked:
                if best is not None and score >= best[0]:
                    break
                score += 1000.0 * sum(box.overlaps(placed[i], 2.0) for i in by_label.near(box))
                if best is None or score < best[0]:
                    best = (score, box)
            assert best is not None
            score, box = best
            if score >= 10.0:  # it meets something: ask for wider gaps
                all_ok = False
            by_label.add(box.grown(2.0), len(placed))
            placed.append(box)
            labels[key] = box
        return labels, all_ok

    labels, ok = choose(roomy=True)
    if not ok:  # keeping labels roomy may have taken the only places of others
        labels, ok = choose(roomy=False)
    return labels, ok


def _layout(net: Network, info: InfoLines) -> _Layout:
    """Columns, order and heights of the units and dummies: everything but the x spacing."""
    column = columns(net)
    n_cols = max(column.values()) + 1
    radius = max(22.0, max(len(u) for u in column) * CHAR_WIDTH * NAME_SIZE / 2 + 7)
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

    lay = _Layout(nodes, chains, radius, n_cols, order, links)
    _heights(lay, 1.0)
    return lay


def _heights(lay: _Layout, spread: float) -> None:
    """Vertical positions, with ``spread`` times the usual gaps between units: stack each
    column, then pull nodes towards their neighbours."""
    nodes, order, links, n_cols = lay.nodes, lay.order, lay.links, lay.n_cols
    gap, dummy_gap = 26.0 * spread, 16.0 * spread
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


def _paint(
    st: Scene,
    lay: _Layout,
    col_gap: float,
    info: InfoLines,
    edges: EdgeLines,
    width: Width,
    labels: dict[WeightKey, Box] | None,
) -> tuple[list[Shape], dict[WeightKey, Box], bool]:
    """The picture's shapes with ``col_gap`` between columns, each text given ``width`` of
    room, and the labels' boxes (placed here when ``labels`` is None); False when an edge label
    found no free place."""
    net, nodes, chains, radius, n_cols = st.network, lay.nodes, lay.chains, lay.radius, lay.n_cols
    x_of = [c * col_gap for c in range(n_cols)]
    shapes: list[Shape] = []
    obstacles: list[Box] = []
    edge_shapes: list[Shape] = []

    # Edges.
    backward = st.values == "backward"
    shown = st.gradients if backward else st.weights
    wmax = max((abs(shown[k]) for k in net.weights), default=0.0) or 1.0
    curves: dict[WeightKey, Curve] = {}
    tips: dict[WeightKey, Point] = {}
    for key, chain in chains.items():
        pts = [(x_of[nodes[k].column], nodes[k].y) for k in chain]
        start_dir = unit_vector(pts[1][0] - pts[0][0], pts[1][1] - pts[0][1])
        end_dir = unit_vector(pts[-1][0] - pts[-2][0], pts[-1][1] - pts[-2][1])
        tip = (pts[-1][0] - end_dir[0] * radius, pts[-1][1] - end_dir[1] * radius)
        pts[0] = (pts[0][0] + start_dir[0] * radius, pts[0][1] + start_dir[1] * radius)
        pts[-1] = (tip[0] - end_dir[0] * ARROW * 0.8, tip[1] - end_dir[1] * ARROW * 0.8)
        sign = shown[key]
        color = sign_color(sign)
        line_width = 0.8 + (MAX_LINE_WIDTH - 0.8) * min(abs(sign) / wmax, 1.0)
        name = f"{key[0]} -> {key[1]}"
        trainable = net.weights[key].trainable
        tooltip = f"w {name} = {st.weights[key]!r}" + ("" if trainable else " (frozen)")
        curve = Curve(smooth(pts), color, line_width, not trainable, tooltip, name)
        curves[key] = curve
        tips[key] = tip
        edge_shapes.append(curve)
        edge_shapes.append(arrowhead(tip, end_dir, color, ARROW + line_width))
        if labels is None:  # no label on an arrowhead, at its largest
            head = arrowhead(tip, end_dir, color, ARROW + MAX_LINE_WIDTH).points
            obstacles.append(Box(min(p[0] for p in head), min(p[1] for p in head),
                                 max(p[0] for p in head), max(p[1] for p in head)))

    # Units.
    for u, node in nodes.items():
        if node.unit is None:
            continue
        cx, cy = x_of[node.column], node.y
        unit = net.unit[u]
        blocked = (
            backward
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
            _text_box(cx, y + i * INFO_SIZE * 1.25, width(t), INFO_SIZE)
            for i, (t, _, _) in enumerate(info[u])
        ]
        if block:  # a light backdrop: edges passing behind the numbers leave them legible
            left, right = min(b.x0 for b in block), max(b.x1 for b in block)
            height = block[-1].y1 - block[0].y0 + 2
            backdrop = Rect(left - 2, block[0].y0 - 1, right - left + 4, height, "#FFFFFF",
                            rx=3.0, opacity=0.85)
            shapes.append(backdrop)
            obstacles.append(Box(backdrop.x, backdrop.y, backdrop.x + backdrop.w,
                                 backdrop.y + backdrop.h))
        for text, color, italic in info[u]:
            shapes.append(Text(cx, y, text, INFO_SIZE, "unit-value", color=color, italic=italic))
            y += INFO_SIZE * 1.25

    # Column headers.
    top = min(n.y - n.above for n in nodes.values())
    for c in range(n_cols):
        header = layer_name(n_cols - 1 - c)  # every column holds a unit of that layer
        t = Text(x_of[c], top - 14, header, 12.0, "header", color=MUTED, bold=True)
        shapes.append(t)
        obstacles.append(t.box)

    # Edge labels.
    ok = True
    if labels is None:
        sizes = {
            key: (max(width(t) for t, _ in texts) * CHAR_WIDTH * EDGE_SIZE + 4,
                  len(texts) * EDGE_SIZE * 1.3 + 2)
            for key, texts in edges.items()
        }
        labels, ok = _place_edge_labels(curves, tips, sizes, obstacles)
    for key, texts in edges.items():
        box = labels[key]
        shapes.append(
            Rect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0, "#FFFFFF", rx=3.0, opacity=0.95)
        )
        y = box.y0 + 1 + EDGE_SIZE * 0.95
        cx = (box.x0 + box.x1) / 2
        for text, color in texts:
            shapes.append(Text(cx, y, text, EDGE_SIZE, "edge-label", color=color))
            y += EDGE_SIZE * 1.3
    return [*edge_shapes, *shapes], labels, ok
