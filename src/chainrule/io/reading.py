"""Reading a file the user named, safely: only regular files (not a device, a pipe or a
folder), at most a bounded number of bytes, text as UTF-8 with any byte-order mark dropped and
an encoding error reported by its line."""

from __future__ import annotations

import os
import stat

from chainrule.core import limits


class Unreadable(Exception):
    """The file cannot be read; ``problem`` says why in words (the caller names the file)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def read_bytes(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """The whole file, refusing what is not a regular file or is over ``max_bytes``
    (default: :func:`chainrule.core.limits.max_file_bytes`)."""
    limit = limits.max_file_bytes() if max_bytes is None else max_bytes
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise Unreadable("is a directory; give a file (a network file is .toml, .json or .npz)")
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(
                "is not a regular file (a device, a pipe or a socket); save the data to a file "
                "and give that"
            )
        if info.st_size > limit:
            raise Unreadable(_too_big(info.st_size, limit, max_bytes is None))
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise Unreadable(f"cannot read the file ({error.strerror or error})") from None
    if len(data) > limit:  # it grew while we read it
        raise Unreadable(_too_big(len(data), limit, max_bytes is None))
    return data


def decode(data: bytes) -> str:
    """UTF-8 text (a leading byte-order mark dropped); an invalid byte is reported by line and
    column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise Unreadable(
            f"line {line}, column {column}: byte 0x{data[start]:02x} is not UTF-8 text; save the "
            "file as UTF-8"
        ) from None


def read_text(path: str | os.PathLike[str], max_bytes: int | None = None) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    return decode(read_bytes(path, max_bytes))


def _too_big(size: int, limit: int, default: bool) -> str:
    how = (
        f"set {limits.FILE_LIMIT_VARIABLE} to the megabytes to allow (Python: max_bytes=)"
        if default
        else "raise max_bytes"
    )
    return (
        f"the file is {size / 2**20:,.1f} MB, over the limit of {limit / 2**20:,.1f} MB for a "
        f"file read whole; {how}"
    )
