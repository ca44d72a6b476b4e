"""The network drawn like the handout's drawings, with its numbers.

Public API (the HTML renderer, the Jupyter display and the web app call these)::

    svg(network_or_trace, values=None, step=1, *, sample=1, decimals=3, max_units=40) -> str
    figure(network_or_trace, ...same options...) -> matplotlib Figure (the same drawing)
    save(network_or_trace, path, ...same options...)   # .svg, .png or .pdf, written atomically
    drawing(network_or_trace, ...same options...) -> Drawing   # the shapes both of them paint

The options are those of :class:`~chainrule.pictures.scene.DiagramOptions`, checked there once.
``network_or_trace`` is a :class:`~chainrule.core.trace.Trace`, a Network, or anything
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

The pieces, each in its module: :mod:`.shapes` (what is drawn), :mod:`.scene` (which numbers),
:mod:`.layout` (the unit-level picture), :mod:`.layer_layout` (one box per layer),
:mod:`.svg_backend` and :mod:`.matplotlib_backend` (the painters).
"""

from __future__ import annotations

import os
from typing import Any, TypedDict, Unpack

from chainrule.core.trace import Trace
from chainrule.io.atomic import write_atomic
from chainrule.io.netfile import NetworkLike
from chainrule.pictures.layer_layout import layer_drawing
from chainrule.pictures.layout import unit_drawing
from chainrule.pictures.matplotlib_backend import check_picture_path, save_figure, to_figure
from chainrule.pictures.scene import DiagramOptions, Values, scene
from chainrule.pictures.shapes import (
    CHAR_WIDTH,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    Drawing,
)
from chainrule.pictures.svg_backend import to_svg

__all__ = ["DiagramOptions", "Drawing", "drawing", "figure", "save", "svg"]
__all__ += ["CHAR_WIDTH", "NEGATIVE", "NEUTRAL", "POSITIVE", "Values"]

PICTURE_TYPES = (".svg", ".png", ".pdf")


class Keywords(TypedDict, total=False):
    """The keyword options of every diagram function (see :class:`DiagramOptions`)."""

    sample: int
    decimals: int
    max_units: int
    steps_before: int
    steady: bool


def drawing(
    network_or_trace: Trace | NetworkLike,
    values: Values = None,
    step: int = 1,
    **options: Unpack[Keywords],
) -> Drawing:
    """The picture as shapes, which :func:`svg` and :func:`figure` paint."""
    chosen = DiagramOptions(values, step, **options)
    st = scene(network_or_trace, chosen)
    net = st.network
    if len(net.units) > chosen.max_units or len(net.weights) > 3 * chosen.max_units:
        return layer_drawing(st, chosen.decimals)
    return unit_drawing(st, chosen.decimals, chosen.steady)


def svg(
    network_or_trace: Trace | NetworkLike,
    values: Values = None,
    step: int = 1,
    **options: Unpack[Keywords],
) -> str:
    """The network drawn as a self-contained SVG document (a string).

    Parameters
    ----------
    network_or_trace : a Trace, a Network, or anything :func:`chainrule.load` accepts.
    values, step, sample, decimals, max_units : see :class:`DiagramOptions`.

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
    return to_svg(drawing(network_or_trace, values, step, **options))


def figure(
    network_or_trace: Trace | NetworkLike,
    values: Values = None,
    step: int = 1,
    **options: Unpack[Keywords],
) -> Any:
    """The same drawing as :func:`svg`, on a matplotlib Figure."""
    return to_figure(drawing(network_or_trace, values, step, **options))


def save(
    network_or_trace: Trace | NetworkLike,
    path: str | os.PathLike[str],
    values: Values = None,
    step: int = 1,
    *,
    dpi: int = 150,
    **options: Unpack[Keywords],
) -> None:
    """Write the diagram to ``path``: ``.svg`` (no dependencies) or ``.png``/``.pdf`` (matplotlib),
    all at once (never half-written)."""
    suffix = check_picture_path(path, PICTURE_TYPES)
    d = drawing(network_or_trace, values, step, **options)
    if suffix == ".svg":
        write_atomic(path, to_svg(d))
    else:
        save_figure(to_figure(d), path, dpi=dpi)
