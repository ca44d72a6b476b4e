"""The layer-level picture for big networks: one box per layer with its unit count,
activations and (with values) summaries; one arrow per pair of connected layers with its weight
count."""

from __future__ import annotations

from collections import Counter

from chainrule.core.network import WeightKey
from chainrule.explain.notation import Numbers
from chainrule.pictures.layout import columns
from chainrule.pictures.scene import Scene, sign_color, subtitle
from chainrule.pictures.shapes import (
    BOX_FILL,
    CHAR_WIDTH,
    EDGE_SIZE,
    INFO_SIZE,
    INK,
    MUTED,
    PARTIAL,
    Box,
    Curve,
    Drawing,
    Rect,
    Shape,
    Text,
    arrowhead,
    frame,
    smooth,
)


def layer_drawing(st: Scene, decimals: int) -> Drawing:
    net = st.network
    fmt = Numbers(decimals)
    column = columns(net)
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
            control = smooth([(xa, 0.0), (xb - 10, 0.0)])
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
        color = sign_color(mean) if st.values == "backward" else INK
        curve = Curve(
            control, color, 1.0 + min(len(keys), 400) ** 0.5 / 4, False, f"{len(keys)} weights"
        )
        edge_shapes += [curve, arrowhead(tip, direction, color, 10.0)]
        label = [(f"{len(keys)} weight{'s' if len(keys) != 1 else ''}", INK)]
        if st.values == "backward":
            mag = sum(abs(v) for v in vals) / len(vals)
            label.append((f"mean |{PARTIAL}C/{PARTIAL}w| = {fmt(mag)}", INK))
        else:
            label.append((f"w: {fmt(min(vals))} to {fmt(max(vals))}", MUTED))
        curves.append((curve, label))
    _place_group_labels(curves, obstacles, shapes)
    n_units = len(net.units)
    what = f"{n_units} units, {len(net.weights)} weights: drawn one box per layer; " + subtitle(st)
    d = frame([*edge_shapes, *shapes], net.title or "network", what)
    d.level = "layer"
    return d


class _BoxIndex:
    """Boxes bucketed by columns of x, so that finding the ones near a box looks at its
    neighbourhood only (a network of 10,000 layers has 10,000 labels to place)."""

    COLUMN = 256.0

    def __init__(self, boxes: list[Box]) -> None:
        self.columns: dict[int, list[tuple[int, Box]]] = {}
        self.count = 0
        for box in boxes:
            self.add(box)

    def _span(self, box: Box, pad: float) -> range:
        return range(int((box.x0 - pad) // self.COLUMN), int((box.x1 + pad) // self.COLUMN) + 1)

    def add(self, box: Box) -> None:
        for column in self._span(box, 0.0):
            self.columns.setdefault(column, []).append((self.count, box))
        self.count += 1

    def near(self, box: Box, pad: float) -> list[Box]:
        """Every box added that could overlap ``box`` grown by ``pad`` (each once)."""
        found: dict[int, Box] = {}
        for column in self._span(box, pad):
            for serial, other in self.columns.get(column, ()):
                found[serial] = other
        return list(found.values())


def _place_group_labels(
    curves: list[tuple[Curve, list[tuple[str, str]]]], obstacles: list[Box], shapes: list[Shape]
) -> None:
    index = _BoxIndex(obstacles)
    for curve, lines in curves:
        pts = curve.polyline(24)
        height = len(lines) * EDGE_SIZE * 1.3
        width = max(len(t) for t, _ in lines) * CHAR_WIDTH * EDGE_SIZE
        best: tuple[int, Box] | None = None
        for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
            x, y = pts[int(round(f * (len(pts) - 1)))]
            box = Box(x - width / 2 - 2, y - height / 2 - 1, x + width / 2 + 2, y + height / 2 + 1)
            hits = sum(box.overlaps(o, 2.0) for o in index.near(box, 2.0))
            if best is None or hits < best[0]:
                best = (hits, box)
            if hits == 0:
                break
        assert best is not None
        box = best[1]
        index.add(box)
        shapes.append(
            Rect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0, "#FFFFFF", rx=3.0, opacity=0.95)
        )
        y = box.y0 + 1 + EDGE_SIZE * 0.95
        for text, color in lines:
            shapes.append(
                Text((box.x0 + box.x1) / 2, y, text, EDGE_SIZE, "edge-label", color=color)
            )
            y += EDGE_SIZE * 1.3
