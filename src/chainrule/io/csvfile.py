"""Writing CSV files that a spreadsheet opens safely.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)`` in a student's name
becomes a live link). Every CSV chainrule writes goes through :func:`csv_text`, which writes
such text cells with a leading ``'`` (the spreadsheets' own mark for "this is text"); numbers
stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet reads it harmlessly: a text cell that a spreadsheet would run
    as a formula gets a leading ``'``; numbers and other text are kept.

    >>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-0.5"), safe_cell(-0.5), safe_cell("ok")
    ('\\'=HYPERLINK("http://x")', "'-0.5", -0.5, 'ok')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file's text (``\\n`` line ends), every cell through :func:`safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(c) for c in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return buffer.getvalue()
