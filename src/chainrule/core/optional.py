"""Optional dependencies: imported where a feature needs them, with one message when missing.

chainrule's base install is light (numpy, click, rich); sympy, latex2mathml, matplotlib,
scikit-learn and torch come with extras and are imported only when used, through
:func:`optional_import`, so that a missing one is a clear error that says what to install.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from chainrule.core.errors import MissingDependencyError

EXTRAS = {
    "sympy": "explain",
    "latex2mathml": "explain",
    "matplotlib": "plot",
    "sklearn": "data",
    "torch": "torch",
}
"""The pip extra of chainrule that installs each optional top-level package."""

PACKAGES = {"sklearn": "scikit-learn", "torch": "PyTorch"}
"""Names people know the packages by, where they differ from the import name."""


def optional_import(module: str, needed_for: str) -> ModuleType:
    """Import ``module`` (e.g. ``"matplotlib.pyplot"``), or raise MissingDependencyError.

    ``needed_for`` says what needs it, for the message: ``"plots need matplotlib: pip install
    'chainrule[plot]'"``.
    """
    top = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError:
        name = PACKAGES.get(top, top)
        extra = EXTRAS.get(top)
        how = f"pip install 'chainrule[{extra}]'" if extra else f"pip install {name}"
        raise MissingDependencyError(f"{needed_for} {name}: {how}", package=top) from None


def available(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
