"""Student ids, checked once where they enter (a roster, a submissions CSV, a file name).

An id names files (``sheets/<id>/``, ``grades/<id>.json``), so it must be a plain file name on
every system: no path separator, no ``..``, no control character, none of the characters
Windows forbids, no reserved device name (``CON``, ``NUL``, ``COM1``...), not hidden, and not
too long, and not starting with a character a spreadsheet runs as a formula. Letters of any
script, digits, spaces and ``_ . @ - + ' ( ) ,`` are fine (a name, an email, an LMS id).
"""

from __future__ import annotations

import unicodedata

from chainrule.core.errors import UsageError

MAX_ID_LENGTH = 100
FORBIDDEN = set('/\\<>:"|?*')
RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10)),
            "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}


def id_problem(sid: str) -> str | None:
    """Why ``sid`` cannot be a student id (a phrase), or None when it can."""
    if not sid:
        return "is empty"
    if len(sid) > MAX_ID_LENGTH:
        return f"is {len(sid)} characters long; at most {MAX_ID_LENGTH}"
    for c in sid:
        if unicodedata.category(c)[0] in "CZ" and c != " ":
            return f"holds the control or invisible character U+{ord(c):04X}"
        if c in FORBIDDEN:
            what = "a path separator" if c in "/\\" else "a character a file name cannot hold"
            return f"holds {c!r}, {what}"
    if sid[0] in "=+-@'":
        return f"starts with {sid[0]!r}, which a spreadsheet reads as a formula"
    if ".." in sid:
        return "holds '..', which names a parent folder"
    if sid[0] == "." or sid != sid.strip() or sid.endswith("."):
        return "starts with a dot, or starts or ends with a space or ends with a dot"
    if sid.split(".")[0].strip().upper() in RESERVED:
        return f"is the reserved device name {sid.split('.')[0]!r}"
    return None


def check_id(sid: str, where: str) -> str:
    """``sid`` if it can be a student id, else UsageError ``<where>: <sid> is not ...``."""
    problem = id_problem(sid)
    if problem:
        raise UsageError(f"{where}: the student id {_shown(sid)} {problem}; an id is a plain "
                         "name: letters, digits, spaces and _ . @ - + ' ( ) ,")
    return sid


def _shown(sid: str) -> str:
    text = ascii(sid) if any(not c.isprintable() for c in sid) else repr(sid)
    return text if len(text) <= 60 else text[:57] + "..."
