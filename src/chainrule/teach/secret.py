"""The instructor's secret, which fixes every student's variant.

Each variant's numbers and its code are HMAC-SHA256 of (assignment, student) keyed by a key
stretched from the secret with PBKDF2-HMAC-SHA256 (:data:`STRETCH` rounds): a sheet shows its
numbers and its code, and from those a student could test guesses of the secret offline, so
each guess is made to cost that stretching, and a secret drawn by :func:`new_secret` (192
random bits) is out of reach of any number of guesses. A short secret still works, with a
warning (:func:`weakness`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from chainrule.core.errors import UsageError

SECRET_VARIABLE = "CHAINRULE_SECRET"
"""The environment variable ``generate`` reads the secret from (keeps it out of shell history)."""
SECRET_FILE = "secret.txt"
"""The file in ``DIR/instructor/`` where ``generate`` keeps a secret it drew."""
MIN_LENGTH = 16
"""Shorter secrets get a warning."""
MAX_LENGTH = 4096
STRETCH = 100_000


def new_secret() -> str:
    """A fresh random secret: 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


def weakness(secret: str) -> str | None:
    """Why ``secret`` is easy to guess (a sentence), or None."""
    if len(secret) < MIN_LENGTH or len(set(secret)) < 6:
        return (f"the secret is short or simple ({len(secret)} characters): anyone with a sheet "
                "can try guesses offline, find it and work out every classmate's numbers; use "
                f"{MIN_LENGTH}+ random characters, or leave it out and one is drawn for you")
    return None


def check_secret(secret: str, where: str) -> str:
    """``secret`` if usable (not empty, not huge, no line break), else UsageError."""
    if not secret:
        raise UsageError(f"{where}: the secret is empty; give one, or leave it out and "
                         "one is drawn for you")
    if len(secret) > MAX_LENGTH or "\n" in secret or "\r" in secret:
        raise UsageError(f"{where}: the secret must be one line of at most {MAX_LENGTH} "
                         "characters")
    return secret


def read_secret_file(path: str | os.PathLike[str]) -> str:
    """The secret kept in a file: its first line, without surrounding spaces."""
    from chainrule.io.reading import Unreadable, read_text

    try:
        text = read_text(path, max_bytes=MAX_LENGTH + 2)
    except Unreadable as error:
        raise UsageError(f"{path}: {error.problem}") from None
    lines = text.strip().splitlines()
    return check_secret(lines[0].strip() if len(lines) == 1 else text.strip(), str(path))


def secret_from_environment() -> str | None:
    """The secret in :data:`SECRET_VARIABLE`, or None when it is not set."""
    text = os.environ.get(SECRET_VARIABLE)
    if text is None or not text.strip():
        return None
    return check_secret(text.strip(), SECRET_VARIABLE)


@functools.lru_cache(maxsize=16)
def _key(secret: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), b"chainrule variants", STRETCH)


def digest(secret: str, purpose: str, assignment: str, student: str) -> bytes:
    """HMAC-SHA256 of (purpose, assignment, student) under the stretched secret."""
    message = "\0".join(("chainrule", purpose, assignment, student)).encode()
    return hmac.new(_key(secret), message, hashlib.sha256).digest()


def write_secret(folder: Path, secret: str) -> Path:
    """Keep a drawn secret in ``folder/secret.txt`` (readable by its owner only)."""
    from chainrule.io.atomic import write_atomic

    path = folder / SECRET_FILE
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise UsageError(f"{path}: is a link or not a plain file; chainrule writes the secret "
                         "only to a plain file")
    try:  # made private first, so the text is never readable by others (write_atomic keeps
        # an existing file's mode)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
        path.chmod(0o600)
    except OSError:  # pragma: no cover - a file system without modes; written all the same
        pass
    write_atomic(path, secret + "\n")
    return path
