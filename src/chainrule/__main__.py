"""``python -m chainrule``."""

from chainrule.cli.main import entry_point

entry_point()
