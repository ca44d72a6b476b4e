"""The network diagram: valid, self-contained SVG whose shapes and numbers are the Trace's, with
no overlapping labels on random DAGs with skip connections."""

from __future__ import annotations

import itertools
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.explain.notation import Numbers
from chainrule.pictures import diagram, layout
from tests.strategies import random_network_dict

SVG = "{http://www.w3.org/2000/svg}"
PARTIAL = "\u2202"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element, role: str | None = None) -> list[ET.Element]:
    return [t for t in root.iter(f"{SVG}text") if role is None or t.get("class") == role]


def text_box(t: ET.Element) -> tuple[float, float, float, float]:
    """The box a <text> takes, estimated from its attributes (as the layout estimates it)."""
    size = float(t.get("font-size", "0"))
    x, y = float(t.get("x", "0")), float(t.get("y", "0"))
    width = len(t.text or "") * diagram.CHAR_WIDTH * size
    left = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor", "start")]
    return left, y - 0.9 * size, left + width, y + 0.3 * size


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def circle_box(c: ET.Element) -> tuple[float, float, float, float]:
    cx, cy, r = (float(c.get(k, "0")) for k in ("cx", "cy", "r"))
    return cx - r, cy - r, cx + r, cy + r


def all_text(root: ET.Element) -> list[str]:
    return [t.text or "" for t in texts(root)]


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [None, "forward", "backward"])
@pytest.mark.parametrize("name", ["exercise-1", "exercise-2", "exercise-3", "aima-21"])
def test_svg_parses_is_self_contained_and_has_a_shape_per_unit_and_weight(
    name: str, values: str | None
) -> None:
    net = cr.load(name)
    svg = diagram.svg(net, values=values)  # type: ignore[arg-type]
    root = parse(svg)
    for outside in ("href", "url(", "@import", "<image", "<script", "<style", "<foreignObject"):
        assert outside not in svg
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    circles = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "unit"]
    assert sorted(c.get("data-unit") for c in circles) == sorted(u.name for u in net.units)
    edges = [p for p in root.iter(f"{SVG}path") if p.get("class") == "edge"]
    assert sorted(p.get("data-weight") for p in edges) == sorted(
        f"{a} -> {b}" for a, b in net.weights
    )
    names = {t.text for t in texts(root, "unit-name")}
    assert names == {u.name for u in net.units}
    layers = sorted(t.text or "" for t in texts(root, "unit-layer"))
    assert layers == sorted(net.layer(u.name) for u in net.units)
    assert float(root.get("width", "0")) > 0 and float(root.get("height", "0")) > 0


def test_inputs_left_output_right_by_layer() -> None:
    root = parse(diagram.svg("exercise-3"))
    x = {c.get("data-unit"): float(c.get("cx", "0")) for c in root.iter(f"{SVG}circle")}
    assert x["i"] == x["i2"] < x["j"] < x["k"]


def test_forward_labels_are_the_traces_numbers() -> None:
    trace = cr.solve("aima-21")
    fmt = Numbers(3)
    text = all_text(parse(diagram.svg(trace, values="forward")))
    sample = trace.step(1).samples[0]
    for v in sample.units.values():
        assert f"a = {fmt(v.a)}" in text
        if v.z is not None:
            assert f"z = {fmt(v.z)}" in text
    assert f"y = {fmt(sample.targets['u5'])}" in text
    for w, value in trace.step(1).before()["weights"].items():
        assert fmt(value) in text, w
    for unit, b in trace.network.biases.items():
        assert f"b = {fmt(b.value)}" in text, unit


def test_exercise_2_forward_shows_the_handouts_numbers() -> None:
    text = all_text(parse(diagram.svg("exercise-2", values="forward", decimals=4)))
    for expected in ("a = 0.7", "z = 0.602", "a = 0.602", "z = 0.3973", "y = 1", "0.86", "0.66"):
        assert expected in text


@pytest.mark.parametrize("seed", [3, 11, 47])
def test_backward_labels_and_colours_are_the_traces(seed: int) -> None:
    net = cr.load(random_network_dict(seed))
    trace = cr.solve(net, 3)
    fmt = Numbers(5)
    root = parse(diagram.svg(trace, values="backward", step=3, sample=len(net.samples),
                             decimals=5))
    text = all_text(root)
    step = trace.step(3)
    sample = step.samples[-1]
    for name, v in sample.units.items():
        if v.dC_dz is not None:
            assert f"{PARTIAL}C/{PARTIAL}z = {fmt(v.dC_dz)}" in text, name
    gradients = step.gradients()["weights"]
    for w, g in gradients.items():
        assert f"{PARTIAL}C/{PARTIAL}w = {fmt(g)}" in text, w
        assert f"w = {fmt(step.before()['weights'][w])}" in text, w
    edges = {p.get("data-weight"): p for p in root.iter(f"{SVG}path") if p.get("class") == "edge"}
    for w, g in gradients.items():
        expected = diagram.POSITIVE if g > 0 else diagram.NEGATIVE if g < 0 else diagram.NEUTRAL
        assert edges[w].get("stroke") == expected
        assert (edges[w].get("stroke-dasharray") is not None) == (
            not net.weights[tuple(w.split(" -> "))].trainable  # type: ignore[index]
        )
    # width grows with the size of the gradient
    pairs = sorted((abs(g), float(edges[w].get("stroke-width", "0"))) for w, g in gradients.items())
    widths = [wd for _, wd in pairs]
    assert widths == sorted(widths)


def test_step_shows_the_weights_before_that_step() -> None:
    trace = cr.solve("exercise-2", 5)
    fmt = Numbers(4)
    text = all_text(parse(diagram.svg(trace, step=4, decimals=4)))
    for value in trace.step(4).before()["weights"].values():
        assert fmt(value) in text
    assert "weights before step 4" in text
    # a Network is solved for the steps it needs
    assert diagram.svg("exercise-2", step=4, decimals=4) == diagram.svg(trace, step=4, decimals=4)


def test_blocked_relu_is_marked() -> None:
    net = {"units": {"i": "input", "j": "relu", "k": "identity"},
           "weights": {"i -> j": -1.0, "j -> k": 0.5},
           "samples": [{"inputs": {"i": 1.0}, "targets": {"k": 1.0}}]}
    root = parse(diagram.svg(net, values="backward"))
    j = next(c for c in root.iter(f"{SVG}circle") if c.get("data-unit") == "j")
    assert j.get("stroke-dasharray")
    assert "g'(z) = 0: chain stops" in all_text(root)


def _random_nets() -> list[dict[str, object]]:
    nets = [random_network_dict(seed) for seed in range(14)]
    nets += [random_network_dict(seed, max_inputs=4, max_hidden_layers=4, max_width=5,
                                 max_outputs=3) for seed in (100, 101, 102, 103)]
    return nets


@pytest.mark.parametrize("values", [None, "forward", "backward"])
def test_no_labels_overlap_on_random_dags_with_skips(values: str | None) -> None:
    for data in _random_nets():
        net = cr.load(data)
        root = parse(diagram.svg(net, values=values, max_units=60))  # type: ignore[arg-type]
        boxes = [(t.text, text_box(t)) for t in texts(root)]
        for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
            assert not overlap(a, b), (net.title, values, ta, tb)
        circles = [circle_box(c) for c in root.iter(f"{SVG}circle")]
        for t in texts(root):
            if t.get("class") in ("unit-name", "unit-layer"):
                continue
            for c in circles:
                assert not overlap(text_box(t), c), (net.title, values, t.text)
        # everything is inside the page
        width, height = float(root.get("width", "0")), float(root.get("height", "0"))
        for _, (x0, y0, x1, y1) in boxes:
            assert 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height


def test_units_in_a_layer_are_ordered_to_avoid_crossings() -> None:
    # Written in an order that crosses every edge; the layout uncrosses them.
    net = {"units": {"a": "input", "b": "input", "p": "identity", "q": "identity",
                     "o": "identity"},
           "weights": {"a -> q": 1.0, "b -> p": 1.0, "p -> o": 1.0, "q -> o": 1.0},
           "samples": [{"inputs": {"a": 1.0, "b": 1.0}, "targets": {"o": 1.0}}]}
    root = parse(diagram.svg(net))
    y = {c.get("data-unit"): float(c.get("cy", "0")) for c in root.iter(f"{SVG}circle")}
    assert (y["a"] < y["b"]) == (y["q"] < y["p"])


def big_network(width: int = 15) -> dict[str, object]:
    layers = [[f"x{i}" for i in range(width)], [f"h{i}" for i in range(width)], ["o"]]
    units = dict.fromkeys(layers[0], "input") | dict.fromkeys(layers[1], "relu") | {"o": "sigmoid"}
    pairs = zip(layers, layers[1:], strict=False)
    weights = {f"{a} -> {b}": 0.1 for la, lb in pairs for a in la for b in lb}
    weights["x0 -> o"] = -0.2
    return {"title": "wide", "units": units, "weights": weights,
            "samples": [{"inputs": dict.fromkeys(layers[0], 0.5), "targets": {"o": 1.0}}]}


@pytest.mark.parametrize("values", [None, "forward", "backward"])
def test_big_networks_collapse_to_one_box_per_layer(values: str | None) -> None:
    data = big_network()
    d = diagram.drawing(data, values)  # type: ignore[arg-type]
    assert d.level == "layer"
    root = parse(diagram.svg(data, values=values))  # type: ignore[arg-type]
    assert not list(root.iter(f"{SVG}circle"))
    headers = [t.text for t in texts(root, "header")]
    assert headers == ["L-2", "L-1", "L"]
    text = all_text(root)
    assert "15 units" in text and "1 unit" in text
    assert "225 weights" in text and "15 weights" in text and "1 weight" in text
    boxes = [text_box(t) for t in texts(root)]
    for a, b in itertools.combinations(boxes, 2):
        assert not overlap(a, b)
    # a smaller limit collapses small networks too; a larger one draws every unit
    assert diagram.drawing("aima-21", max_units=3).level == "layer"
    assert diagram.drawing(big_network(3), max_units=100).level == "unit"


def test_bad_options_are_usage_errors() -> None:
    trace = cr.solve("exercise-1", 2)
    with pytest.raises(cr.UsageError, match="past the last step"):
        diagram.svg(trace, step=3)
    with pytest.raises(cr.UsageError, match="values must be"):
        diagram.svg(trace, values="sideways")  # type: ignore[arg-type]
    with pytest.raises(cr.UsageError, match="sample must be"):
        diagram.svg(trace, values="forward", sample=2)
    with pytest.raises(cr.UsageError, match="step must be"):
        diagram.svg(trace, step=0)
    with pytest.raises(cr.UsageError, match="decimals"):
        diagram.svg(trace, decimals=-1)


def test_save_png_and_svg_atomically(tmp_path: Path) -> None:
    diagram.save("exercise-3", tmp_path / "net.png", values="backward")
    png = (tmp_path / "net.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    diagram.save("exercise-3", tmp_path / "net.svg", values="forward")
    parse((tmp_path / "net.svg").read_text(encoding="utf-8"))
    with pytest.raises(cr.UsageError, match="unknown picture type"):
        diagram.save("exercise-3", tmp_path / "net.gif")
    with pytest.raises(cr.UsageError, match="does not exist"):
        diagram.save("exercise-3", tmp_path / "nowhere" / "net.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.png", "net.svg"]


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_pictures_get_the_permissions_of_any_new_file(tmp_path: Path, suffix: str) -> None:
    """One atomic writer for every file: a PNG or PDF is not left private (0600) by mkstemp."""
    old = os.umask(0o022)
    try:
        diagram.save("exercise-2", tmp_path / f"net{suffix}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / f"net{suffix}").stat().st_mode) == 0o644


def test_drawing_lays_the_network_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """When edge labels find no place, only the gaps grow: the ordering is not computed again."""
    calls = {"order": 0, "paint": 0}
    order, paint = layout._order, layout._paint

    def counted_order(*args: Any) -> Any:
        calls["order"] += 1
        return order(*args)

    def never_fits(*args: Any) -> Any:
        calls["paint"] += 1
        shapes, labels, _ = paint(*args)
        return shapes, labels, False

    monkeypatch.setattr(layout, "_order", counted_order)
    monkeypatch.setattr(layout, "_paint", never_fits)
    d = diagram.drawing("aima-21", "backward")
    assert calls == {"order": 1, "paint": layout.WIDENINGS}
    assert d.texts


def test_figure_draws_the_same_shapes() -> None:
    import matplotlib.pyplot as plt

    fig = diagram.figure("exercise-3", values="forward")
    try:
        drawn = {t.get_text() for t in fig.axes[0].texts}
        assert drawn == {t.text for t in diagram.drawing("exercise-3", "forward").texts}
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    ("name", "values"), [("exercise-3", "forward"), ("exercise-2", "backward")]
)
def test_the_docs_pictures_are_current(name: str, values: str) -> None:
    """docs/images holds golden diagrams; regenerate with
    `chainrule draw NAME --values VALUES -o docs/images/NAME-VALUES.svg`."""
    path = Path(__file__).resolve().parent.parent / "docs" / "images" / f"{name}-{values}.svg"
    assert path.read_text(encoding="utf-8") == diagram.svg(name, values=values)  # type: ignore[arg-type]


def test_a_label_sits_on_its_own_edge_clear_of_crossings() -> None:
    # a 2-3-1 network: the edges from the inputs to the hidden units cross in the middle; a
    # label there would read as either edge's
    import re

    net = {
        "units": {"x1": "input", "x2": "input", "h1": "relu", "h2": "relu", "h3": "relu",
                  "o": "identity"},
        "weights": {"x1 -> h1": 0.5, "x1 -> h2": -0.3, "x1 -> h3": 0.8, "x2 -> h1": 0.2,
                    "x2 -> h2": 0.7, "x2 -> h3": -0.4, "h1 -> o": 0.6, "h2 -> o": -0.5,
                    "h3 -> o": 0.9},
        "samples": [{"inputs": {"x1": 1.0, "x2": 0.5}, "targets": {"o": 1.0}}],
    }
    from chainrule.pictures.diagram import svg

    picture = svg(cr.solve(net), values="backward")
    edges = [
        tuple(map(float, m))
        for m in re.findall(
            r'class="edge" data-weight="[^"]*" d="M([\d.]+),([\d.]+) C[\d., ]+? ([\d.]+),([\d.]+)"',
            picture,
        )
    ]
    assert len(edges) == 9
    labels = re.findall(r'class="edge-label" x="([\d.]+)" y="([\d.]+)"[^>]*>w = ', picture)
    assert len(labels) == 9

    def distance(px: float, py: float, e: tuple[float, ...]) -> float:
        x0, y0, x1, y1 = e
        dx, dy = x1 - x0, y1 - y0
        t = max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)))
        return float(((px - x0 - t * dx) ** 2 + (py - y0 - t * dy) ** 2) ** 0.5)

    for x, y in labels:
        centre = (float(x), float(y) + 4.0)  # between the label's two lines
        near = sorted(distance(*centre, e) for e in edges)
        assert near[0] < 12.0, "the label is on an edge"
        assert near[1] > 10.0, f"the label at {centre} also sits on a second edge"


# --- weight labels: each on its own edge, never on another edge ------------------------------


def _bezier(p0: tuple[float, float], c1: tuple[float, float], c2: tuple[float, float],
            p1: tuple[float, float], t: float) -> tuple[float, float]:
    u = 1 - t
    x, y = (u**3 * p0[i] + 3 * u * u * t * c1[i] + 3 * u * t * t * c2[i] + t**3 * p1[i]
            for i in (0, 1))
    return x, y


def _path_line(d: str) -> list[tuple[float, float]]:
    """An SVG path of cubic Beziers (M x,y C ... ) as a fine polyline."""
    import re

    numbers = [float(x) for x in re.findall(r"-?[\d.]+", d)]
    points = list(zip(numbers[::2], numbers[1::2], strict=True))
    line = [points[0]]
    for s in range(0, len(points) - 1, 3):
        p0, c1, c2, p1 = points[s : s + 4]
        line += [_bezier(p0, c1, c2, p1, i / 40) for i in range(1, 41)]
    return line


def _meets(p: tuple[float, float], q: tuple[float, float],
           box: tuple[float, float, float, float]) -> bool:
    """Whether the segment p-q meets the box (written here again, apart from the layout's)."""
    lo, hi = 0.0, 1.0
    for axis in (0, 1):
        d = q[axis] - p[axis]
        low, high = box[axis], box[axis + 2]
        if d == 0:
            if not low <= p[axis] <= high:
                return False
            continue
        a, b = sorted(((low - p[axis]) / d, (high - p[axis]) / d))
        lo, hi = max(lo, a), min(hi, b)
        if lo > hi:
            return False
    return True


def _distance(point: tuple[float, float], line: list[tuple[float, float]]) -> float:
    best = float("inf")
    for p, q in itertools.pairwise(line):
        dx, dy = q[0] - p[0], q[1] - p[1]
        n = dx * dx + dy * dy
        t = 0.0 if n == 0 else max(0.0, min(1.0, ((point[0] - p[0]) * dx + (point[1] - p[1]) * dy)
                                                / n))
        best = min(best, ((point[0] - p[0] - t * dx) ** 2 + (point[1] - p[1] - t * dy) ** 2)
                   ** 0.5)
    return best


def label_problems(picture: str) -> list[str]:
    """What is wrong with the weight labels of a unit-level picture, read from its SVG alone:
    each label's box must be centred on an edge (its own), meet no other edge's line or
    arrowhead, and overlap no other label."""
    root = parse(picture)
    shapes = list(root)
    edges: dict[str, list[list[tuple[float, float]]]] = {}
    for i, e in enumerate(shapes):
        if e.tag == f"{SVG}path" and e.get("class") == "edge":
            head = shapes[i + 1]
            assert head.tag == f"{SVG}polygon"
            corners = [tuple(map(float, p.split(","))) for p in head.get("points", "").split()]
            edges[e.get("data-weight", "")] = [_path_line(e.get("d", "")),
                                               [*corners, corners[0]]]  # type: ignore[list-item]
    labels = list(texts(root, "edge-label"))
    values = [t for t in texts(root) if t.get("class") != "edge-label"]
    boxes = []
    for r in root.iter(f"{SVG}rect"):
        x, y, w, h = (float(r.get(k, "0")) for k in ("x", "y", "width", "height"))
        box = (x, y, x + w, y + h)

        def inside(t: ET.Element, box: tuple[float, float, float, float] = box) -> bool:
            tx, ty = float(t.get("x", "0")), float(t.get("y", "0"))
            return box[0] <= tx <= box[2] and box[1] <= ty <= box[3]

        if any(inside(t) for t in labels) and not any(inside(t) for t in values):
            boxes.append(box)
    problems = []
    if len(boxes) != len(edges):
        problems.append(f"{len(boxes)} label boxes for {len(edges)} edges")
    for box in boxes:
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        own = min(edges, key=lambda k: _distance(centre, edges[k][0]))
        if _distance(centre, edges[own][0]) > 1.0:
            problems.append(f"the label at {centre} is on no edge")
        for name, (line, head) in edges.items():
            if name != own and any(_meets(p, q, box) for part in (line, head)
                                   for p, q in itertools.pairwise(part)):
                problems.append(f"the label of {own} meets the edge {name}")
    for a, b in itertools.combinations(boxes, 2):
        if overlap(a, b):
            problems.append(f"labels {a} and {b} overlap")
    return problems


EXAMPLES = ["exercise-1", "exercise-2", "exercise-3", "aima-21", "chain-1"]


@pytest.mark.parametrize("values", [None, "forward", "backward"])
@pytest.mark.parametrize("steady", [False, True])
def test_weight_labels_meet_no_other_edge_and_no_other_label(
    values: str | None, steady: bool
) -> None:
    # aima-21: x1 -> u4 and x2 -> u3 cross in the middle, where both labels used to stack
    nets: list[Any] = [*EXAMPLES, *_random_nets()[:14]]
    nets += [random_network_dict(seed, max_inputs=4, max_hidden_layers=4, max_width=5,
                                 max_outputs=3) for seed in (100, 102, 103)]
    for net in nets:
        for decimals in ((4,) if steady else (3, 4)):  # the page shows 4 decimals
            picture = diagram.svg(net, values=values, decimals=decimals,  # type: ignore[arg-type]
                                  max_units=60, steady=steady)
            problems = label_problems(picture)
            assert not problems, (net if isinstance(net, str) else net["title"], problems[:3])


@pytest.mark.parametrize("steady", [False, True])
def test_the_aima_labels_stay_off_the_crossing_in_every_view(steady: bool) -> None:
    # the quick loop's share of the test above: x1 -> u4 and x2 -> u3 cross in the middle
    for values in (None, "forward", "backward"):
        picture = diagram.svg("aima-21", values=values, decimals=4,  # type: ignore[arg-type]
                              steady=steady)
        assert label_problems(picture) == [], values


def test_the_label_check_finds_a_label_on_a_crossing() -> None:
    # the check itself: a label moved onto the crossing of x1 -> u4 and x2 -> u3 is caught
    import re

    picture = diagram.svg("aima-21")
    assert label_problems(picture) == []
    root = parse(picture)
    lines = {e.get("data-weight"): _path_line(e.get("d", "")) for e in root.iter(f"{SVG}path")
             if e.get("class") == "edge"}
    crossing = min(
        ((p, q) for p in lines["x1 -> u4"] for q in lines["x2 -> u3"]),
        key=lambda pq: (pq[0][0] - pq[1][0]) ** 2 + (pq[0][1] - pq[1][1]) ** 2,
    )[0]
    rect = re.search(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" '
                     r'rx="3" fill="#FFFFFF" fill-opacity="0.95"/>\n<text class="edge-label" '
                     r'x="[\d.]+" y="[\d.]+"[^>]*>0.4<', picture)
    assert rect is not None
    x, y, w, h = map(float, rect.groups())
    label = re.search(r'<text class="edge-label" x="([\d.]+)" y="([\d.]+)"[^>]*>0.4<', picture)
    assert label is not None
    dx, dy = crossing[0] - (x + w / 2), crossing[1] - (y + h / 2)
    moved = picture.replace(rect.group(0).split("\n")[0],
                            f'<rect x="{x + dx:.2f}" y="{y + dy:.2f}" width="{w}" height="{h}" '
                            'rx="3" fill="#FFFFFF" fill-opacity="0.95"/>')
    moved = moved.replace(label.group(0), label.group(0).replace(
        f'x="{label.group(1)}" y="{label.group(2)}"',
        f'x="{float(label.group(1)) + dx:.2f}" y="{float(label.group(2)) + dy:.2f}"'))
    assert any("meets the edge x2 -> u3" in p for p in label_problems(moved))


def test_a_steady_picture_stays_put_and_is_laid_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The web page's pictures: every step of a run is drawn in the same place (only numbers
    and colours change), and the layout is found once, then reused."""
    import re

    from chainrule.core.engine import solve

    layout._FITS.clear()
    trace = solve(cr.load("aima-21"), 40)
    first = diagram.svg(trace, "backward", 1, decimals=4, steady=True)
    calls = []
    place = layout._place_edge_labels

    def counted(*args: Any) -> Any:
        calls.append(1)
        return place(*args)

    monkeypatch.setattr(layout, "_place_edge_labels", counted)
    geometry = re.compile(r'(?<![-\w])(?:x|y|cx|cy|width|height|d)="[^"]*"')
    for step in (2, 10, 40):
        picture = diagram.svg(trace, "backward", step, decimals=4, steady=True)
        assert geometry.findall(picture) == geometry.findall(first)
        assert picture != first  # the numbers moved on
        assert not label_problems(picture)
    assert calls == []
    # the same picture as drawn afresh
    layout._FITS.clear()
    assert diagram.svg(trace, "backward", 40, decimals=4, steady=True) == picture
    assert calls  # laid out afresh
