"""Writing files all at once: a failure never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from chainrule.core.errors import UsageError


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` all at once: a temporary file beside it, then a
    rename, so a failure never leaves a half-written file."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{target}: is a directory; give a file name to write")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{target}: the folder {str(folder)!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as binary:
                binary.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        # mkstemp makes the file private (0600); give it the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
