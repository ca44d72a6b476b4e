"""matplotlib, for pictures that are not SVG text: the pyplot with the Agg backend (no display
needed), a Drawing painted on a Figure, and a Figure written to .png, .svg or .pdf through the
one atomic writer (never half-written, the permissions of any new file)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from chainrule.core.errors import UsageError
from chainrule.core.optional import optional_import
from chainrule.io.atomic import write_atomic
from chainrule.pictures.shapes import Circle, Curve, Drawing, Polygon, Rect

FIGURE_TYPES = (".png", ".svg", ".pdf")
NEEDED_FOR = "plots (and PNG or PDF pictures) need"


def pyplot() -> Any:
    """matplotlib.pyplot with the Agg backend, or a MissingDependencyError saying how to
    install it."""
    matplotlib = optional_import("matplotlib", NEEDED_FOR)
    matplotlib.use("Agg", force=True)
    return optional_import("matplotlib.pyplot", NEEDED_FOR)


def check_picture_path(path: str | os.PathLike[str], types: tuple[str, ...] = FIGURE_TYPES) -> str:
    """The suffix of ``path`` (``".png"``), or a UsageError when it is not one of ``types``."""
    suffix = Path(path).suffix.lower()
    if suffix not in types:
        raise UsageError(f"{path}: unknown picture type {suffix or '(none)'!r}; use a file name "
                         f"ending in {', '.join(types)}")
    return suffix


def save_figure(fig: Any, path: str | os.PathLike[str], *, dpi: int = 150) -> None:
    """Write a matplotlib Figure to ``path`` (.png, .svg or .pdf) all at once, then close it.

    The file has no dates or version numbers in it: the same picture gives the same bytes.
    """
    suffix = check_picture_path(path)
    write_atomic(path, figure_bytes(fig, suffix[1:], dpi=dpi))


def figure_bytes(fig: Any, fmt: str = "svg", *, dpi: int = 150) -> bytes:
    """A matplotlib Figure as the bytes of a ``png``, ``svg`` or ``pdf`` file, then close it."""
    if "." + fmt not in FIGURE_TYPES:
        raise UsageError(f"unknown picture type {fmt!r}; use one of "
                         f"{', '.join(t[1:] for t in FIGURE_TYPES)}")
    buffer = io.BytesIO()
    plt = pyplot()
    try:
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_metadata("." + fmt))
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _metadata(suffix: str) -> dict[str, Any]:
    if suffix == ".png":
        return {"Software": None}
    if suffix == ".svg":
        return {"Date": None, "Creator": None}
    return {"CreationDate": None, "Creator": None, "Producer": None}


def to_figure(d: Drawing) -> Any:
    """``d`` painted on a matplotlib Figure, 1 px of the SVG to 1 pt."""
    plt = pyplot()
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
