"""Optional dependencies: imported where a feature needs them, with one message when missing.

The plain install brings every teaching feature (sympy, latex2mathml, matplotlib); scikit-learn
(``chainrule[data]``), PyTorch (``chainrule[torch]``) and the web server (``chainrule[web]``)
are extras. All of them are imported only where used, through :func:`optional_import`, so that
``import chainrule`` stays light and a missing one is one clear error saying what to install.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from chainrule.core.errors import MissingDependencyError

EXTRAS = {
    "sklearn": "data",
    "torch": "torch",
    "fastapi": "web",
    "uvicorn": "web",
}
"""The pip extra of chainrule that installs each optional top-level package (the others come
with the plain install: ``pip install chainrule``)."""

PACKAGES = {"sklearn": "scikit-learn", "torch": "PyTorch"}
"""Names people know the packages by, where they differ from the import name."""


def optional_import(module: str, needed_for: str) -> ModuleType:
    """Import ``module`` (e.g. ``"matplotlib.pyplot"``), or raise MissingDependencyError.

    ``needed_for`` says what needs it, for the message: ``"the iris data set comes with
    scikit-learn: pip install 'chainrule[data]'"``.
    """
    top = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError:
        name = PACKAGES.get(top, top)
        extra = EXTRAS.get(top)
        how = f"pip install 'chainrule[{extra}]'" if extra else "pip install --upgrade chainrule"
        raise MissingDependencyError(f"{needed_for} {name}: {how}", package=top) from None


def available(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
