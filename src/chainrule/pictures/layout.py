"""The unit-level picture: units in columns by layer (inputs left, the output layer L right),
ordered to cross few edges, with a dummy node wherever a skip connection passes a column, and
each weight's label placed on its own edge where it overlaps nothing.

The layout (column order, heights) is computed once; only the gap between columns grows when an
edge label finds no free place (rarely needed).
"""

from __future__ import annotations

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
    Rect,
    Shape,
    Text,
    arrowhead,
    frame,
    segment_hits_box,
    smooth,
    text_box,
    unit_vector,
)

WIDENINGS = 6
"""How many times the gap between columns may grow (by 1.3) to give every edge label a place."""


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
    info: dict[str, list[tuple[str, str, bool]]]
    radius: float
    n_cols: int


def unit_drawing(st: Scene, decimals: int) -> Drawing:
    """The unit-level picture of ``st``."""
    fmt = Numbers(decimals)
    lay = _layout(st, fmt)
    col_gap = 190.0 if st.values != "backward" else 230.0
    for _ in range(WIDENINGS):
        d, ok = _paint(st, fmt, lay, col_gap)
        if ok:
            break
        col_gap *= 1.3
    return d


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


def _distance(point: tuple[float, float], p: tuple[float, float], q: tuple[float, float]) -> float:
    """The distance from ``point`` to the segment p-q."""
    (x, y), (x0, y0), (x1, y1) = point, p, q
    dx, dy = x1 - x0, y1 - y0
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / length))
    return float(((x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2) ** 0.5)


def _place_edge_labels(
    st: Scene,
    curves: dict[WeightKey, Curve],
    fmt: Numbers,
    obstacles: list[Box],
    shapes: list[Shape],
) -> bool:
    """Put each weight's label on its edge where it overlaps nothing; False if one could not."""
    lines = {key: edge_lines(st, key, fmt) for key in curves}
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
    fractions = [
        0.5 + s * d
        for d in (0.0, 0.04, 0.08, 0.12, 0.16, 0.2, 0.24, 0.28, 0.32, 0.36, 0.4)
        for s in (1, -1)
    ]
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
            soft = 0.0
            if hard == 0 and len(curves) <= 150:
                for k, other in polylines.items():
                    if k == key or not extents[k].overlaps(box):
                        continue
                    segments = list(zip(other, other[1:], strict=False))
                    if any(segment_hits_box(p, q, box) for p, q in segments):
                        soft += 1.0
                        # another edge through the label's middle: the label would sit on a
                        # crossing and read as either edge's (the middle of a 2-3-1 network)
                        near = min(_distance((x, y), p, q) for p, q in segments)
                        if near < height / 2 + 2.0:
                            soft += 20.0
            score = hard * 1000.0 + soft * 3.0 + i * 0.2
            if best is None or score < best[0]:
                best = (score, box)
            if hard == 0 and soft == 0:
                break  # the later candidates can only score worse
        assert best is not None
        score, box = best
        if score >= 60.0:  # an overlap, or sitting on a crossing: ask for wider gaps
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


def _layout(st: Scene, fmt: Numbers) -> _Layout:
    """Columns, order and heights of the units and dummies: everything but the x spacing."""
    net = st.network
    column = columns(net)
    n_cols = max(column.values()) + 1
    radius = max(22.0, max(len(u) for u in column) * CHAR_WIDTH * NAME_SIZE / 2 + 7)
    info = {u: info_lines(st, u, fmt) for u in column}
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
    return _Layout(nodes, chains, info, radius, n_cols)


def _paint(st: Scene, fmt: Numbers, lay: _Layout, col_gap: float) -> tuple[Drawing, bool]:
    """The picture with ``col_gap`` between columns; False when an edge label found no free
    place."""
    net, nodes, chains, info, radius, n_cols = (
        st.network, lay.nodes, lay.chains, lay.info, lay.radius, lay.n_cols
    )
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
        start_dir = unit_vector(pts[1][0] - pts[0][0], pts[1][1] - pts[0][1])
        end_dir = unit_vector(pts[-1][0] - pts[-2][0], pts[-1][1] - pts[-2][1])
        tip = (pts[-1][0] - end_dir[0] * radius, pts[-1][1] - end_dir[1] * radius)
        arrow = 8.0
        pts[0] = (pts[0][0] + start_dir[0] * radius, pts[0][1] + start_dir[1] * radius)
        pts[-1] = (tip[0] - end_dir[0] * arrow * 0.8, tip[1] - end_dir[1] * arrow * 0.8)
        size = abs(st.gradients[key]) if st.values == "backward" else abs(st.weights[key])
        sign = st.gradients[key] if st.values == "backward" else st.weights[key]
        color = sign_color(sign)
        width = 0.8 + 3.2 * min(size / wmax, 1.0)
        name = f"{key[0]} -> {key[1]}"
        trainable = net.weights[key].trainable
        tooltip = f"w {name} = {st.weights[key]!r}" + ("" if trainable else " (frozen)")
        curve = Curve(smooth(pts), color, width, not trainable, tooltip, name)
        curves[key] = curve
        edge_shapes.append(curve)
        edge_shapes.append(arrowhead(tip, end_dir, color, arrow + width))

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
    title = net.title or "network"
    return frame([*edge_shapes, *shapes], title, subtitle(st), legend(st)), ok
