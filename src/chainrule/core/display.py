"""The display hooks' one way up the layers: a data class's ``_repr_html_`` (and
``_repr_markdown_``, ``_repr_latex_``, a Trace's factors' ``__str__``) calls :func:`shown`, which
imports :mod:`chainrule.render.notebook` only when Jupyter (or ``str``) asks, so that
``import chainrule`` stays light and the core never imports the renderers at module level."""

from __future__ import annotations


def shown(subject: object, kind: str) -> str:
    """``subject`` rendered as ``kind`` (``"html"``, ``"markdown"``, ``"latex"`` or ``"text"``)."""
    from chainrule.render.notebook import display

    return display(subject, kind)
