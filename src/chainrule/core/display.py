"""The display hooks of the data classes: a Network's or a Trace's ``_repr_html_`` (and
``_repr_markdown_``, ``_repr_latex_``, a weight's factors' ``__str__``) calls :func:`shown`,
which calls the renderer registered here. The core imports nothing above it: the renderer,
:func:`chainrule.render.notebook.display`, registers itself when :mod:`chainrule.render` loads,
and the package (``chainrule/__init__.py``) registers a stand-in that loads it the first time
Jupyter (or ``str``) asks, so that ``import chainrule`` stays light."""

from __future__ import annotations

from collections.abc import Callable

Renderer = Callable[[object, str], str]
"""``(subject, kind) -> text``, kind ``"html"``, ``"markdown"``, ``"latex"`` or ``"text"``."""

_renderer: list[Renderer] = []


def register(renderer: Renderer) -> None:
    """Make ``renderer`` the one the display hooks call (the last registered wins)."""
    _renderer[:] = [renderer]


def shown(subject: object, kind: str) -> str:
    """``subject`` rendered as ``kind`` (``"html"``, ``"markdown"``, ``"latex"`` or ``"text"``)
    by the registered renderer; its plain ``repr`` when none is (the core used on its own)."""
    if not _renderer:
        return repr(subject) if kind == "text" else ""
    return _renderer[0](subject, kind)
