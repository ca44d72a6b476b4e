"""Plots of the cost: the loss landscape over one or two weights with the descent, and the cost
per step. Every number comes from the scalar engine (:func:`chainrule.solve`).

matplotlib (part of the plain install) is imported only when a plot is made,
with the Agg backend (no display needed).

- :func:`landscape` / :func:`landscape_data`: C as a function of one weight (a curve, the current
  point, its tangent whose slope is the engine's dC/dw, each gradient-descent step, the lowest
  point) or of two weights (contours, or a 3D surface, with the descent path).
- :func:`cost` / :func:`cost_data`: the cost of each step.
- :func:`save_figure`: write a Figure to .png, .svg or .pdf all at once.

The landscape is a *slice*: every parameter except the plotted weights is held at its current
value, and the descent drawn on it moves only the plotted weights (the others are frozen for it),
so every point of the descent lies on the curve or surface shown. Without ``batch`` the cost is
that of one sample (``sample``, the first by default), as the handout works it; with ``batch``
it is the mean over all the network's samples, which is what ``chainrule solve`` reports. With
one sample the two are the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainrule.core.engine import solve
from chainrule.core.errors import DivergedError, UsageError
from chainrule.core.network import Network, Parameter, WeightKey, weight_name
from chainrule.explain.notation import HANDOUT, Numbers
from chainrule.io.netfile import NetworkLike, load
from chainrule.pictures.matplotlib_backend import pyplot, save_figure

__all__ = ["Landscape", "cost", "cost_data", "landscape", "landscape_data", "save_figure"]

# Okabe-Ito, colour-blind-safe.
BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
GREEN = "#009E73"
SKY = "#56B4E9"
BLACK = "#000000"

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Landscape:
    """The numbers a landscape plot draws (all from the engine).

    Attributes
    ----------
    weights : the plotted weights' names, e.g. ``("j -> k",)``.
    grid : one array of weight values per plotted weight (the axes).
    cost : C over the grid: shape ``(n,)`` for one weight; ``(n2, n1)`` for two (row i is
        ``grid[1][i]``, column j is ``grid[0][j]``, as ``contour`` wants); NaN where C is infinite.
    current : the weights' current values; ``current_cost`` is C there (step 1's cost).
    gradient : the engine's dC/dw of each plotted weight at the current point (step 1's).
    path : shape ``(steps + 1, n_weights)``: the weights before each step, then after the last.
    path_cost : C at each row of ``path`` (the step's cost; the last one evaluated after it).
    minimum, minimum_cost : the lowest point of ``cost``: with one weight found to full
        precision between the grid's points (C(w) = (w - 2)^2 gives 2, not 1.996), with two
        the lowest grid point.
    batch : whether C is the mean over all samples; ``samples`` how many samples C is over.
    """

    title: str
    weights: tuple[str, ...]
    labels: tuple[str, ...]
    grid: tuple[FloatArray, ...]
    cost: FloatArray
    current: tuple[float, ...]
    current_cost: float
    gradient: tuple[float, ...]
    path: FloatArray
    path_cost: FloatArray
    minimum: tuple[float, ...]
    minimum_cost: float
    learning_rate: float
    batch: bool
    samples: int
    sample: int
    cost_name: str
    valley: FloatArray | None = None
    """Two weights whose lowest cost is not one point but a valley (e.g. C = 0 wherever
    w_ij · w_jk = 1/0.7): the valley's points, shape ``(n, 2)``; None for a single minimum."""


def _weight_key(net: Network, name: str) -> WeightKey:
    parts = str(name).split("->")
    key = (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else None
    listing = ", ".join(f'"{weight_name(k)}"' for k in net.weights)
    if key is None or key not in net.weights:
        raise UsageError(f'no weight "{name}" in this network; its weights are {listing}')
    if not net.weights[key].trainable:
        trainable = ", ".join(f'"{weight_name(k)}"' for k, p in net.weights.items() if p.trainable)
        raise UsageError(
            f'weight "{weight_name(key)}" is frozen (trainable = false), so gradient descent '
            f"never moves it; trainable weights are {trainable or '(none)'}"
        )
    return key


def _slice_network(net: Network, keys: Sequence[WeightKey], batch: bool, sample: int) -> Network:
    """Only ``keys`` trainable; one sample unless ``batch``."""
    n = len(net.samples)
    if isinstance(sample, bool) or not isinstance(sample, int) or not 1 <= sample <= n:
        raise UsageError(f"sample must be a whole number from 1 to {n}, got {sample!r}")
    weights = {k: Parameter(p.value, k in keys) for k, p in net.weights.items()}
    biases = {k: Parameter(p.value, False) for k, p in net.biases.items()}
    samples = net.samples if batch else (net.samples[sample - 1],)
    return replace(net, weights=weights, biases=biases, samples=samples)


def _cost_at(net: Network, keys: Sequence[WeightKey], values: Sequence[float]) -> float:
    changed = {k: p.value for k, p in net.weights.items()}
    changed.update(zip(keys, values, strict=True))
    try:
        return solve(net.with_parameters(changed), 1).step(1).cost
    except DivergedError:
        return math.nan


def _refine_minimum(
    net: Network, keys: Sequence[WeightKey], grid: FloatArray, values: FloatArray, j: int
) -> tuple[tuple[float], float]:
    """The lowest point of C(w) between the grid points around index ``j`` (golden section)."""
    lo = float(grid[max(j - 1, 0)])
    hi = float(grid[min(j + 1, len(grid) - 1)])
    best_w, best_c = float(grid[j]), float(values[j])
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = lo, hi
    for _ in range(60):
        c = b - ratio * (b - a)
        d = a + ratio * (b - a)
        fc, fd = _cost_at(net, keys, [c]), _cost_at(net, keys, [d])
        if not (math.isfinite(fc) and math.isfinite(fd)):
            break
        if fc < best_c:
            best_w, best_c = c, fc
        if fd < best_c:
            best_w, best_c = d, fd
        if fc <= fd:
            b = d
        else:
            a = c
        if b - a <= 1e-12 * max(1.0, abs(a)):
            break
    return (best_w,), best_c


def _valley(grid: tuple[FloatArray, ...], values: FloatArray) -> FloatArray | None:
    """The valley's points when the lowest cost runs along a curve rather than sitting at one
    point: most rows (or columns) of the grid come down to within 1% of the cost's range of
    the lowest value. None for a single minimum."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    low, span = float(finite.min()), float(finite.max() - finite.min())
    if span <= 0:
        return None
    with np.errstate(invalid="ignore"):
        filled = np.where(np.isfinite(values), values, np.inf)
    x, y = grid
    row_min = filled.min(axis=1)  # for each w2 (row), the lowest C over w1
    col_min = filled.min(axis=0)
    near = 0.01 * span
    rows = row_min <= low + near
    cols = col_min <= low + near
    # a row whose lowest point is at the grid's edge only grazes the valley: not drawn
    inside_rows = rows & np.isin(np.argmin(filled, axis=1), [0, len(x) - 1], invert=True)
    inside_cols = cols & np.isin(np.argmin(filled, axis=0), [0, len(y) - 1], invert=True)
    if rows.mean() >= 0.4:
        rows = inside_rows
        lows = [_between(x, filled[i, :]) for i in np.flatnonzero(rows)]
        return np.column_stack([lows, y[rows]])
    if cols.mean() >= 0.4:
        cols = inside_cols
        lows = [_between(y, filled[:, j]) for j in np.flatnonzero(cols)]
        return np.column_stack([x[cols], lows])
    return None


def _between(axis: FloatArray, costs: FloatArray) -> float:
    """Where the lowest of ``costs`` along ``axis`` lies between grid points (a parabola
    through the lowest point and its neighbours), so the valley is drawn smooth."""
    j = int(np.argmin(costs))
    if 0 < j < len(costs) - 1 and np.all(np.isfinite(costs[j - 1 : j + 2])):
        left, mid, right = costs[j - 1], costs[j], costs[j + 1]
        curve = left - 2.0 * mid + right
        if curve > 0:
            step = float(axis[j + 1] - axis[j])
            return float(axis[j]) + 0.5 * step * float(left - right) / float(curve)
    return float(axis[j])


def _range(values: FloatArray) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    span = max(hi - lo, 0.5, 0.5 * max(abs(lo), abs(hi)))
    return lo - 0.5 * span, hi + 0.5 * span


def _check_range(r: Sequence[float], name: str) -> tuple[float, float]:
    if len(r) != 2:
        raise UsageError(f"a range is two numbers LO HI, got {list(r)!r}")
    lo, hi = float(r[0]), float(r[1])
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise UsageError(
            f'the range for "{name}" is empty: LO must be less than HI, got {lo:g} {hi:g}'
        )
    if not math.isfinite(hi - lo):
        raise UsageError(
            f'the range for "{name}" is too wide to compute with: HI - LO is beyond the largest '
            f"double, got {lo:g} {hi:g}; give a narrower range (e.g. -1e300 1e300)"
        )
    return lo, hi


def landscape_data(
    network: NetworkLike,
    weights: Sequence[str] = (),
    steps: int = 20,
    *,
    batch: bool = False,
    sample: int = 1,
    ranges: Sequence[Sequence[float]] | None = None,
    resolution: int | None = None,
    learning_rate: float | None = None,
    max_steps: int | None = None,
) -> Landscape:
    """Compute what :func:`landscape` draws (see there for the parameters)."""
    net = load(network)
    if isinstance(weights, str):
        weights = [weights]
    if not weights:
        trainable = [weight_name(k) for k, p in net.weights.items() if p.trainable]
        if not 1 <= len(trainable) <= 2:
            listing = ", ".join(f'"{w}"' for w in trainable) or "(none)"
            raise UsageError(
                f"give one or two weights to plot the cost over; this network has "
                f"{len(trainable)} trainable weights: {listing}"
            )
        weights = trainable  # one or two: no need to name them
    if not 1 <= len(weights) <= 2:
        raise UsageError(f"give one or two weights to plot the cost over, got {len(weights)}")
    keys = [_weight_key(net, w) for w in weights]
    if len(set(keys)) != len(keys):
        raise UsageError(f'the same weight "{weight_name(keys[0])}" is given twice; give two '
                         "different weights")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise UsageError(f"steps must be a whole number >= 1, got {steps!r}")
    names = tuple(weight_name(k) for k in keys)
    if ranges is not None:
        if len(ranges) == 1 and len(keys) == 2:
            ranges = [ranges[0], ranges[0]]
        if len(ranges) != len(keys):
            raise UsageError(f"give one range, or one per weight ({len(keys)}), got {len(ranges)}")
        fixed = [_check_range(r, n) for r, n in zip(ranges, names, strict=True)]
    sliced = _slice_network(net, keys, batch, sample)
    trace = solve(sliced, steps, learning_rate=learning_rate, max_steps=max_steps)
    first = trace.step(1)
    lay = first.layout
    idx = [lay.weight_index[k] for k in keys]
    path = np.array([[s.weights_before[i] for i in idx] for s in trace.steps]
                    + [[trace.steps[-1].weights_after[i] for i in idx]], dtype=float)
    last = _cost_at(sliced, keys, list(path[-1]))
    path_cost = np.array([*trace.costs, last], dtype=float)
    current = tuple(float(v) for v in path[0])
    gradient = tuple(float(first.weight_gradients[i]) for i in idx)

    n_points = resolution or (201 if len(keys) == 1 else 61)
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 3:
        raise UsageError(f"resolution must be a whole number >= 3, got {resolution!r}")
    bounds = fixed if ranges is not None else [_range(path[:, j]) for j in range(len(keys))]
    for _attempt in range(4):
        # The current point is on the grid (when in range), so the curve passes exactly through it.
        grid = tuple(
            np.union1d(np.linspace(lo, hi, n_points), [w] if lo <= w <= hi else [])
            for (lo, hi), w in zip(bounds, current, strict=True)
        )
        if len(keys) == 1:
            values = np.array([_cost_at(sliced, keys, [w]) for w in grid[0]])
        else:
            values = np.array([[_cost_at(sliced, keys, [w1, w2]) for w1 in grid[0]]
                               for w2 in grid[1]])
        if ranges is not None or np.all(np.isnan(values)):
            break
        # Widen the default range towards a minimum that lies past its edge.
        at = np.unravel_index(int(np.nanargmin(values)), values.shape)
        grown = False
        for axis, j in enumerate(reversed(at) if len(keys) == 2 else at):
            lo, hi = bounds[axis]
            if j == 0:
                bounds[axis], grown = (lo - (hi - lo) * 0.5, hi), True
            elif j == len(grid[axis]) - 1:
                bounds[axis], grown = (lo, hi + (hi - lo) * 0.5), True
        if not grown:
            break
    valley = None
    if np.all(np.isnan(values)):
        minimum, minimum_cost = current, math.nan
    else:
        at = np.unravel_index(int(np.nanargmin(values)), values.shape)
        if len(keys) == 1:
            minimum, minimum_cost = _refine_minimum(sliced, keys, grid[0], values, int(at[0]))
        else:
            minimum = (float(grid[0][at[1]]), float(grid[1][at[0]]))
            minimum_cost = float(values[at])
            valley = _valley(grid, values)
    labels = tuple("$" + HANDOUT.w(k[0], k[1], net.layer(k[1])).latex + "$" for k in keys)
    return Landscape(
        title=net.title or "network", weights=names, labels=labels, grid=grid, cost=values,
        current=current, current_cost=float(first.cost), gradient=gradient, path=path,
        path_cost=path_cost, minimum=minimum, minimum_cost=minimum_cost,
        learning_rate=sliced.learning_rate if learning_rate is None else float(learning_rate),
        batch=batch and len(net.samples) > 1, samples=len(sliced.samples), sample=sample,
        cost_name=net.cost, valley=valley,
    )


def _cost_label(data: Landscape) -> str:
    if data.samples > 1:
        return f"$C$ (mean over {data.samples} samples)"
    return "$C$"


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _fmt_lowest(data: Landscape, fmt: Callable[[float], str] = _fmt) -> str:
    """The lowest cost for a label: 0 when it is 0 but for rounding (3e-26, or 3e-7 on a grid
    that only passes near a valley's floor)."""
    finite = data.cost[np.isfinite(data.cost)]
    span = float(finite.max() - finite.min()) if finite.size else 0.0
    if abs(data.minimum_cost) <= 1e-5 * max(span, 1e-300):
        return "0"
    return fmt(data.minimum_cost)


def landscape(
    network: NetworkLike,
    weights: Sequence[str] = (),
    steps: int = 20,
    *,
    batch: bool = False,
    sample: int = 1,
    surface: bool = False,
    ranges: Sequence[Sequence[float]] | None = None,
    resolution: int | None = None,
    learning_rate: float | None = None,
    max_steps: int | None = None,
    decimals: int | None = None,
) -> Any:
    """The loss landscape: C over one or two weights, with the gradient-descent steps.

    Parameters
    ----------
    network : a Network or anything :func:`chainrule.load` accepts.
    weights : one or two weight names, e.g. ``["j -> k"]``; each must be trainable. Empty:
        the network's trainable weights, when it has one or two.
    steps : gradient-descent steps drawn (moving only these weights; the rest held fixed).
    batch : C is the mean over all samples; otherwise the cost of sample ``sample`` alone.
    sample : the sample used without ``batch`` (from 1).
    surface : with two weights, a 3D surface instead of contours.
    ranges : ``[(lo, hi)]`` per weight (one range is used for both); default: around the
        descent, widened to reach the minimum.
    resolution : grid points per weight (default 201 for one weight, 61 for two).
    learning_rate : r, instead of the network's own.
    max_steps : allow more steps than the limit (see :func:`chainrule.solve`).
    decimals : the numbers in the legend to this many decimals, as the worked solution writes
        them (trailing zeros trimmed; the web page's 4); default: 4 significant digits.

    Returns
    -------
    matplotlib.figure.Figure
        with the plotted numbers as ``figure.chainrule_data`` (a :class:`Landscape`).
    """
    data = landscape_data(network, weights, steps, batch=batch, sample=sample, ranges=ranges,
                          resolution=resolution, learning_rate=learning_rate,
                          max_steps=max_steps)
    fmt = _fmt if decimals is None else Numbers(decimals)
    plt = pyplot()
    if len(data.weights) == 1:
        fig = _curve_figure(plt, data, fmt)
    elif surface:
        fig = _surface_figure(plt, data, fmt)
    else:
        fig = _contour_figure(plt, data, fmt)
    fig.chainrule_data = data
    return fig


def _descent_label(data: Landscape) -> str:
    steps = len(data.path) - 1
    plural = "s" if steps != 1 else ""
    return f"after each of {steps} descent step{plural} (r = {data.learning_rate:g})"


def _which(data: Landscape) -> str:
    if data.samples > 1:
        return f"batch mean over {data.samples} samples"
    return "one sample" if data.sample == 1 else f"sample {data.sample}"


def _curve_figure(plt: Any, data: Landscape, fmt: Callable[[float], str] = _fmt) -> Any:
    fig, ax = plt.subplots(figsize=(7.5, 5.0), layout="constrained")
    w, c = data.grid[0], data.cost
    label = data.labels[0]
    ax.plot(w, c, color=BLUE, linewidth=2.2, label=f"$C$({label}), all else fixed", zorder=2)
    w0, c0, g = data.current[0], data.current_cost, data.gradient[0]
    half = (w[-1] - w[0]) * 0.18
    tw = np.array([w0 - half, w0 + half])
    ax.plot(tw, c0 + g * (tw - w0), color=VERMILLION, linestyle="--", linewidth=1.8, zorder=3,
            label=f"tangent: slope $\\partial C/\\partial w$ = {fmt(g)}")
    ax.scatter(data.path[1:, 0], data.path_cost[1:], s=28, color=ORANGE, edgecolor=BLACK,
               linewidth=0.6, zorder=5,
               label=_descent_label(data))
    ax.scatter([w0], [c0], s=70, color=BLACK, zorder=6,
               label=f"current: {label} = {fmt(w0)}, $C$ = {fmt(c0)}")
    if math.isfinite(data.minimum_cost):
        ax.scatter([data.minimum[0]], [data.minimum_cost], s=160, marker="*", color=GREEN,
                   edgecolor=BLACK, linewidth=0.6, zorder=6, clip_on=False,
                   label=f"lowest on this range: {label} = {fmt(data.minimum[0])}, "
                         f"$C$ = {_fmt_lowest(data, fmt)}")
    finite = c[np.isfinite(c)]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        pad = (hi - lo) * 0.08 or 0.1
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlim(w[0], w[-1])
    ax.set_xlabel(label, fontsize=13)
    ax.set_ylabel(_cost_label(data), fontsize=13)
    ax.set_title(f"{data.title}\ncost as a function of one weight ({_which(data)})", fontsize=11)
    ax.grid(True, color="#DDDDDD", linewidth=0.6)
    ax.legend(fontsize=9, loc="best", framealpha=0.92)
    return fig


def _contour_figure(plt: Any, data: Landscape, fmt: Callable[[float], str] = _fmt) -> Any:
    fig, ax = plt.subplots(figsize=(7.5, 6.0), layout="constrained")
    x, y = data.grid
    z = np.ma.masked_invalid(data.cost)
    filled = ax.contourf(x, y, z, levels=24, cmap="cividis")
    ax.contour(x, y, z, levels=12, colors="white", linewidths=0.5, alpha=0.6)
    fig.colorbar(filled, ax=ax, label=_cost_label(data))
    _descent_2d(ax, data, fmt)
    ax.set_xlabel(data.labels[0], fontsize=13)
    ax.set_ylabel(data.labels[1], fontsize=13)
    ax.set_title(f"{data.title}\nloss landscape over two weights ({_which(data)})", fontsize=11)
    ax.legend(fontsize=9, loc="best", framealpha=0.92)
    return fig


def _descent_2d(ax: Any, data: Landscape, fmt: Callable[[float], str] = _fmt) -> None:
    ax.plot(data.path[:, 0], data.path[:, 1], color=ORANGE, linewidth=1.6, zorder=4)
    ax.scatter(data.path[1:, 0], data.path[1:, 1], s=26, color=ORANGE, edgecolor=BLACK,
               linewidth=0.6, zorder=5,
               label=_descent_label(data))
    (w1, w2), (g1, g2) = data.current, data.gradient
    ax.scatter([w1], [w2], s=70, color="white", edgecolor=BLACK, linewidth=1.5, zorder=6,
               label=f"current: $C$ = {fmt(data.current_cost)}")
    norm = math.hypot(g1, g2)
    if norm > 0:
        span = min(data.grid[0][-1] - data.grid[0][0], data.grid[1][-1] - data.grid[1][0]) * 0.2
        ax.annotate("", xy=(w1 - g1 / norm * span, w2 - g2 / norm * span), xytext=(w1, w2),
                    arrowprops={"arrowstyle": "-|>", "color": VERMILLION, "linewidth": 2},
                    zorder=7)
        ax.plot([], [], color=VERMILLION, linewidth=2,
                label=f"steepest descent $-\\nabla C$ = ({fmt(-g1)}, {fmt(-g2)})")
    if data.valley is not None:
        ax.plot(data.valley[:, 0], data.valley[:, 1], color=GREEN, linewidth=2.4, zorder=5,
                linestyle=(0, (4, 2)),
                label=f"lowest: a valley, $C$ = {_fmt_lowest(data, fmt)} all along it "
                      "(no single best pair)")
    elif math.isfinite(data.minimum_cost):
        ax.scatter([data.minimum[0]], [data.minimum[1]], s=170, marker="*", color=GREEN,
                   edgecolor=BLACK, linewidth=0.6, zorder=6, clip_on=False,
                   label=f"lowest on this grid: $C$ = {_fmt_lowest(data, fmt)}")


def _surface_figure(plt: Any, data: Landscape, fmt: Callable[[float], str] = _fmt) -> Any:
    fig = plt.figure(figsize=(8.0, 6.5), layout="constrained")
    ax = fig.add_subplot(projection="3d")
    x, y = np.meshgrid(*data.grid)
    z = np.ma.masked_invalid(data.cost)
    finite = data.cost[np.isfinite(data.cost)]
    floor = float(finite.min()) - 0.15 * float(np.ptp(finite)) if finite.size else 0.0
    ax.plot_surface(x, y, z, cmap="cividis", alpha=0.8, linewidth=0, antialiased=True,
                    rcount=60, ccount=60, zorder=1)
    ax.contour(x, y, z, levels=14, zdir="z", offset=floor, cmap="cividis", linewidths=0.8)
    steps = len(data.path) - 1
    ax.plot(data.path[:, 0], data.path[:, 1], np.full(len(data.path), floor), color=ORANGE,
            linewidth=1.2, linestyle="--", zorder=5)
    ax.plot(data.path[:, 0], data.path[:, 1], data.path_cost, color=ORANGE, linewidth=2.2,
            marker="o", markersize=4, markeredgecolor=BLACK, zorder=10,
            label=f"{steps} descent step{'s' if steps != 1 else ''} (r = {data.learning_rate:g}),"
                  " and its shadow")
    ax.scatter([data.current[0]], [data.current[1]], [data.current_cost], s=60, color="white",
               edgecolor=BLACK, depthshade=False, zorder=11,
               label=f"current: $C$ = {fmt(data.current_cost)}")
    if math.isfinite(data.minimum_cost):
        ax.scatter([data.minimum[0]], [data.minimum[1]], [data.minimum_cost], s=150, marker="*",
                   color=GREEN, edgecolor=BLACK, depthshade=False, zorder=11,
                   label=f"lowest on this grid: $C$ = {_fmt_lowest(data, fmt)}")
    ax.set_zlim(floor, None)
    ax.set_xlabel(data.labels[0], fontsize=12)
    ax.set_ylabel(data.labels[1], fontsize=12)
    ax.set_zlabel(_cost_label(data), fontsize=12)
    ax.set_title(f"{data.title}\nloss landscape over two weights ({_which(data)})", fontsize=11)
    ax.legend(fontsize=9, loc="upper left")
    ax.view_init(elev=28, azim=-58)
    return fig


@dataclass(frozen=True)
class Costs:
    """The numbers a cost plot draws: ``costs[i]`` is step ``i + 1``'s cost (before its update)."""

    title: str
    costs: tuple[float, ...]
    samples: int
    learning_rate: float


def cost_data(network: NetworkLike, steps: int = 50, *,
              learning_rate: float | None = None, max_steps: int | None = None) -> Costs:
    """The cost of each step (see :func:`cost`)."""
    net = load(network)
    trace = solve(net, steps, learning_rate=learning_rate, max_steps=max_steps)
    r = net.learning_rate if learning_rate is None else float(learning_rate)
    return Costs(net.title or "network", tuple(trace.costs), len(net.samples), r)


def cost(network: NetworkLike, steps: int = 50, *, learning_rate: float | None = None,
         log: bool | None = None, max_steps: int | None = None) -> Any:
    """The cost C at each gradient-descent step, as a matplotlib Figure.

    Parameters
    ----------
    network : a Network or anything :func:`chainrule.load` accepts.
    steps : steps to run; step k's cost is measured in its forward pass, before its update
        (the batch mean when the network has several samples).
    learning_rate : r, instead of the network's own.
    log : a logarithmic C axis; by default when the costs span more than a factor of 100.
    max_steps : allow more steps than the limit (see :func:`chainrule.solve`).

    Returns
    -------
    matplotlib.figure.Figure
        with the plotted numbers as ``figure.chainrule_data`` (a :class:`Costs`).
    """
    data = cost_data(network, steps, learning_rate=learning_rate, max_steps=max_steps)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
    x = np.arange(1, len(data.costs) + 1)
    c = np.array(data.costs)
    ax.plot(x, c, color=BLUE, linewidth=2.0, marker="o" if len(c) <= 60 else None,
            markersize=4, label=f"$C$ at each step (r = {data.learning_rate:g})")
    positive = bool(np.all(c > 0))
    if log is None:
        log = positive and float(c.max()) > 100 * float(c.min())
    if log and positive:
        ax.set_yscale("log")
    ax.set_xlabel("step", fontsize=12)
    ylabel = f"$C$ (mean over {data.samples} samples)" if data.samples > 1 else "$C$"
    ax.set_ylabel(ylabel, fontsize=12)
    ax.set_title(f"{data.title}\ncost per gradient-descent step (measured before each update)",
                 fontsize=11)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, color="#DDDDDD", linewidth=0.6)
    ax.margins(y=0.1)
    ax.annotate(f"step 1: {_fmt(c[0])}", (1, c[0]), textcoords="offset points", xytext=(12, 6),
                fontsize=9, va="bottom")
    ax.annotate(f"step {len(c)}: {_fmt(c[-1])}", (len(c), c[-1]), textcoords="offset points",
                xytext=(-10, -6), ha="right", va="top", fontsize=9)
    ax.legend(fontsize=9)
    fig.chainrule_data = data
    return fig
