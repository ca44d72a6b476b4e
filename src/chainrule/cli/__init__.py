"""The command line: a thin shell over the library (``chainrule --help``)."""

from chainrule.cli.main import cli, entry_point, main

__all__ = ["cli", "entry_point", "main"]
