"""Writing files all at once, and only the files a command is meant to write.

:func:`write_atomic` writes a regular file through a temporary file beside it and a rename, so a
failure never leaves a half-written file; it keeps an existing file's permissions (a new file
gets the ones the umask gives), writes through a symbolic link to the file it points to, streams
to a device or a pipe (``/dev/null``, ``/dev/stdout``, a FIFO), and refuses anything else with
one line. :func:`check_outputs` refuses, before any work, an output that is also an input or
another output of the same command.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from chainrule.core.errors import UsageError

_STREAMS = (stat.S_ISCHR, stat.S_ISFIFO)


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` all at once.

    - a regular file (new or existing): a temporary file in the same folder, then a rename; an
      existing file keeps its mode, a new one gets ``0o666 & ~umask`` (as ``open()`` gives);
    - a symbolic link: the file it points to is written (the link stays a link);
    - a character device or a pipe (``/dev/null``, ``/dev/stdout``, a FIFO): streamed to;
    - anything else (a folder, a socket, a block device): UsageError, one line.

    Raises UsageError for an empty path, a missing folder, or a file the system will not let
    chainrule write (permission denied, a name too long, a read-only or full disk).
    """
    write_atomic_pieces(path, (text,))


def write_atomic_pieces(path: str | os.PathLike[str], pieces: Iterable[str | bytes]) -> None:
    """:func:`write_atomic` of the text the pieces make, each written as it comes (a large
    output is never held whole): into the temporary file, renamed over ``path`` only once the
    last piece is written, so an error while they are made (or written) leaves no file."""
    given = os.fspath(path)
    if not given:
        raise UsageError("the output file name is empty; give a file name to write")
    # a lone surrogate is no character: written as its escape, never a crash
    data = (p.encode("utf-8", errors="backslashreplace") if isinstance(p, str) else p
            for p in pieces)
    target = Path(given)
    try:
        info = target.stat()  # follows links
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise _unwritable(given, error) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{given}: is a directory; give a file name to write")
        if any(test(info.st_mode) for test in _STREAMS):
            _stream(given, data)
            return
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(
                f"{given}: is not a regular file, a device or a pipe; give a file name to write"
            )
    # write the file a link points to (also a dangling link: its target is created)
    real = Path(os.path.realpath(given)) if target.is_symlink() else target
    folder = real.parent
    if not folder.is_dir():
        raise UsageError(f"{given}: the folder {str(folder)!r} does not exist")
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    import tempfile  # here: a command that writes no file does not load it

    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{real.name[:100]}.", suffix=".tmp")
    except OSError as error:
        raise _unwritable(given, error) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in data:
                handle.write(piece)
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise _unwritable(given, error) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def inside(root: str | os.PathLike[str], relative: str) -> Path:
    """``root/relative`` when it stays inside ``root``: each name a plain name (no ``..``, no
    separator leading out, no absolute path) and no existing part of it a symbolic link or
    anything but a folder (the last part: a regular file or nothing). Raises UsageError.

    >>> inside("grades", "../x.json")
    Traceback (most recent call last):
    ...
    chainrule.core.errors.UsageError: ../x.json: would be written outside grades; refused
    """
    base = Path(root)
    parts = Path(relative).parts
    if (not parts or Path(relative).is_absolute() or any(p in ("", ".", "..") for p in parts)
            or "\\" in relative or "\0" in relative):
        raise UsageError(f"{relative}: would be written outside {root}; refused")
    path = base
    for i, name in enumerate(parts):
        path = path / name
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise _unwritable(str(path), error) from None
        last = i == len(parts) - 1
        if stat.S_ISLNK(info.st_mode) or not (
            stat.S_ISREG(info.st_mode) if last else stat.S_ISDIR(info.st_mode)
        ):
            raise UsageError(f"{path}: is a link or not a plain {'file' if last else 'folder'}; "
                             f"chainrule writes only plain files inside {root}")
    return path


def write_under(root: str | os.PathLike[str], relative: str, text: str | bytes) -> Path:
    """:func:`write_atomic` of ``root/relative``, making its folders, never outside ``root``
    (see :func:`inside`): what a command that writes a folder of files uses."""
    path = inside(root, relative)
    folder = path.parent
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _unwritable(str(folder), error) from None
    write_atomic(path, text)
    return path


def _stream(path: str, data: Iterable[bytes]) -> None:
    try:
        # append: for /dev/stdout redirected with >> this keeps what is there
        with open(path, "ab") as handle:
            for piece in data:
                handle.write(piece)
    except BrokenPipeError:
        raise
    except OSError as error:
        raise _unwritable(path, error) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unwritable(path: str, error: OSError) -> UsageError:
    reason = error.strerror or type(error).__name__
    shown = path if len(path) <= 80 else path[:77] + "..."
    return UsageError(f"{shown}: cannot write it: {reason}")


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name the same file (through links; for files not yet there, the same
    resolved path)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_outputs(
    outputs: Mapping[str, str | os.PathLike[str] | None],
    inputs: Mapping[str, str | os.PathLike[str] | None] | None = None,
) -> None:
    """Refuse, before any work, an output that is an input or another output, or that cannot
    be written (a folder, a folder that does not exist, an empty name).

    ``outputs`` and ``inputs`` map what names each file (an option such as ``--output``, or
    ``NETWORK``) to its path; ``None`` or a built-in example's name that is no file is skipped.
    Devices and pipes (``/dev/null``, ``/dev/stdout``) may be named more than once.

    >>> check_outputs({"--output": "net.toml"}, {"NETWORK": "net.toml"})
    Traceback (most recent call last):
    ...
    chainrule.core.errors.UsageError: --output net.toml is NETWORK, which this command reads; \
write to another file
    """
    given_outputs = [(name, os.fspath(p)) for name, p in outputs.items() if p is not None]
    given_inputs = [(name, os.fspath(p)) for name, p in (inputs or {}).items() if p]
    for i, (name, path) in enumerate(given_outputs):
        if not path:
            raise UsageError(f"{name} is empty; give a file name to write")
        if _is_stream(path):
            continue
        if os.path.isdir(path):
            raise UsageError(f"{name} {path}: is a directory; give a file name to write")
        folder = os.path.dirname(os.path.realpath(path))
        if not os.path.isdir(folder):
            raise UsageError(f"{name} {path}: the folder {folder!r} does not exist")
        for other, source in given_inputs:
            if (os.path.exists(source) or os.path.lexists(source)) and same_file(path, source):
                raise UsageError(
                    f"{name} {path} is {other}, which this command reads; write to another file"
                )
        for other, second in given_outputs[i + 1 :]:
            if same_file(path, second):
                raise UsageError(
                    f"{name} {path} and {other} {second} are the same file; "
                    "give each its own file"
                )


def _is_stream(path: str) -> bool:
    try:
        return any(test(os.stat(path).st_mode) for test in _STREAMS)
    except OSError:
        return False
