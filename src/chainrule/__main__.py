"""``python -m chainrule``."""

from .cli import entry_point

entry_point()
