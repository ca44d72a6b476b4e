"""Submissions as a class hands them in, matched to the roster without losing any.

A SUBMISSIONS folder may hold ``<student>.toml`` (or ``.json``) files; per-student folders as
LMS bulk downloads make them (``s1/answers.toml``, Moodle's
``Jane Doe_4711_assignsubmission_file_/``, Canvas's ``doejane_4711_99_answers.toml``); names
with a hidden extension (``s1.toml.txt``), in another case (``S1.toml``) or with a copy suffix
(``s1 (1).toml``). Each file is matched to one student of the roster, or named with the reason
it was not: a link (never followed), not a regular file, a name that matches no student or
several, a second file for a student (the best match is graded, the others named). Nothing is
read here; only names are looked at.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from chainrule.core.errors import UsageError

ANSWER_SUFFIXES = (".toml", ".json")
HIDDEN_SUFFIXES = (".txt", ".text", ".md")
"""Endings an editor or an operating system adds (``s1.toml.txt``), or a plain text file."""
MAX_ENTRIES = 20_000
"""Files and folders looked at in SUBMISSIONS."""
MAX_DEPTH = 4
"""Folders within folders looked into."""
MIN_TOKEN = 3
"""An id is found within a longer name only when it has this many characters or more."""
SYSTEM_NAMES = ("__MACOSX", "Thumbs.db", "desktop.ini")
NOT_ANSWERS = ("network", "sheet")
"""Names of the files ``generate`` hands out beside the answers template (a student's folder may
hold them too): never an answers file when the student's folder has one."""
_COPY = re.compile(r"(?:\s*\(\d+\)|\s*-\s*copy(?:\s*\(\d+\))?|\s+copy(?:\s+\d+)?)$", re.IGNORECASE)
_TOKENS = re.compile(r"[^\w@.+'-]+|_")

# How well a file's name names its student (the lower, the better).
EXACT, FOLDER, CASE, COPY, TOKEN = range(5)
HOW = {EXACT: "named by the id", FOLDER: "in the student's folder", CASE: "the id in another case",
       COPY: "a copy's name (a suffix such as ' (1)')", TOKEN: "the id within a longer name"}


@dataclass(frozen=True)
class Found:
    """A file matched to a student: its path, its format and how well its name matched."""

    path: Path
    fmt: str | None
    """``"json"``, ``"toml"``, or None: told by the text (a ``{`` first is JSON)."""
    level: int
    mtime: float
    kind: int = 0
    """How much the file looks like an answers file (the lower, the more): ``answers.toml`` or
    ``<id>.json``, another .toml or .json, a hidden extension (``s1.toml.txt``), plain text
    (``s1.md``), a sheet or a network file."""

    @property
    def shown(self) -> str:
        return str(self.path)


@dataclass
class Intake:
    """Each student's file, the students with more than one, and every file not graded."""

    files: dict[str, Found] = field(default_factory=dict)
    duplicates: dict[str, list[Found]] = field(default_factory=dict)
    """Student -> the other files that matched them (not graded)."""
    ignored: list[tuple[str, str]] = field(default_factory=list)
    """(file, why it was not graded)."""
    unusable: dict[str, str] = field(default_factory=dict)
    """Student -> the file named for them that could not be graded, and why (a symbolic link,
    a pipe): their "no submission" says so."""

    @property
    def loosely_matched(self) -> list[tuple[str, str, str]]:
        """(file, student, how) for each graded file its name did not name exactly."""
        return [(str(f.path), s, HOW[f.level]) for s, f in sorted(self.files.items())
                if f.level > FOLDER]


def _answer_name(name: str) -> tuple[str, str | None] | None:
    """(the name without its endings, the format they say) for an answers file's name, or None
    when the name does not look like one (``s1.toml``, ``s1.toml.txt``, ``s1.JSON``, ``s1.txt``)."""
    stem, suffix = os.path.splitext(name)
    suffix = suffix.lower()
    if suffix in ANSWER_SUFFIXES:
        return stem, suffix[1:]
    if suffix in HIDDEN_SUFFIXES:
        inner, inner_suffix = os.path.splitext(stem)
        if inner_suffix.lower() in ANSWER_SUFFIXES:
            return inner, inner_suffix.lower()[1:]
        return stem, None
    return None


def _kind(name: str, stem: str, fmt: str | None) -> int:
    """How much a file named ``name`` looks like an answers file (:attr:`Found.kind`)."""
    if stem.casefold() in NOT_ANSWERS:
        return 4
    if fmt is None:
        return 3
    if os.path.splitext(name)[1].lower() not in ANSWER_SUFFIXES:
        return 2
    return 0 if stem.casefold() == "answers" else 1


def _match(name: str, roster: dict[str, str], *, folder: bool) -> tuple[str, int] | None | str:
    """The student a name (a file's stem, or a folder's name) names, and how well; None for
    none; a message when it names several."""
    if name in roster.values():
        return name, FOLDER if folder else EXACT
    folded = name.casefold()
    if folded in roster:
        return roster[folded], CASE
    plain = _COPY.sub("", name).strip()
    if plain != name and plain.casefold() in roster:
        return roster[plain.casefold()], COPY
    tokens = {t.casefold() for t in _TOKENS.split(name) if len(t) >= MIN_TOKEN}
    hits = sorted({roster[t] for t in tokens if t in roster})
    if len(hits) == 1:
        return hits[0], TOKEN
    if len(hits) > 1:
        return f"names several students ({', '.join(hits[:4])})"
    return None


def _unusable(intake: Intake, name: str, owner: tuple[str, int] | None,
              roster: dict[str, str], path: Path, why: str, *, top: bool = False) -> None:
    """Note, for the student an ungradable answers file (or a top folder) names, why it was
    not graded."""
    answer = _answer_name(name)
    if answer is None and not (top and owner is None):
        return
    hit = owner or (_match(answer[0], roster, folder=False) if answer is not None
                    else _match(name, roster, folder=True))
    if isinstance(hit, tuple):
        intake.unusable.setdefault(hit[0], f"{path} is {why}")


def collect(folder: str | Path, students: Iterable[str]) -> Intake:
    """Match the files under ``folder`` to ``students`` (see the module docstring).

    Raises UsageError when ``folder`` holds more than :data:`MAX_ENTRIES` entries.
    """
    roster = {s.casefold(): s for s in students}
    intake = Intake()
    candidates: list[tuple[str, Found]] = []
    root = Path(folder)
    seen = 0
    # (folder, depth, the student its top folder names and how well, or None)
    stack: list[tuple[Path, int, tuple[str, int] | None]] = [(root, 0, None)]
    while stack:
        where, depth, owner = stack.pop()
        try:
            entries = sorted(os.scandir(where), key=lambda e: e.name)
        except OSError as error:
            intake.ignored.append((str(where), f"cannot list the folder ({error.strerror})"))
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                raise UsageError(f"{folder}: more than {MAX_ENTRIES} files and folders; give "
                                 "the folder of the class's answers files only")
            path = Path(entry.path)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as error:
                intake.ignored.append((str(path), f"cannot read it ({error.strerror})"))
                continue
            if stat.S_ISLNK(info.st_mode):
                intake.ignored.append((str(path), "a symbolic link: not followed"))
                _unusable(intake, entry.name, owner, roster, path, "a symbolic link, which is "
                          "not followed: hand in the file itself", top=depth == 0)
                continue
            if entry.name in SYSTEM_NAMES or entry.name.startswith("."):
                intake.ignored.append((str(path), "a hidden or system file"))
                continue
            if stat.S_ISDIR(info.st_mode):
                if depth + 1 >= MAX_DEPTH:
                    intake.ignored.append((str(path), f"a folder more than {MAX_DEPTH} deep"))
                    continue
                named = owner
                if named is None and depth == 0:
                    hit = _match(entry.name, roster, folder=True)
                    if isinstance(hit, str):
                        intake.ignored.append((str(path), f"a folder whose name {hit}"))
                        continue
                    named = hit
                stack.append((path, depth + 1, named))
                continue
            if not stat.S_ISREG(info.st_mode):
                intake.ignored.append((str(path), "not a regular file (a device, a pipe or a "
                                       "socket)"))
                _unusable(intake, entry.name, owner, roster, path, "not a regular file (a "
                          "device, a pipe or a socket)")
                continue
            answer = _answer_name(entry.name)
            if answer is None:
                intake.ignored.append((str(path), "not an answers file (.toml or .json)"))
                continue
            stem, fmt = answer
            hit = owner or _match(stem, roster, folder=False)  # a student's folder is theirs
            if isinstance(hit, str):
                intake.ignored.append((str(path), f"the name {hit}"))
                continue
            if hit is None:
                intake.ignored.append((str(path), "its name matches no student in variants.csv"))
                continue
            candidates.append((hit[0], Found(path, fmt, hit[1], info.st_mtime,
                                             _kind(entry.name, stem, fmt))))
    by_student: dict[str, list[Found]] = {}
    for student, found in candidates:
        by_student.setdefault(student, []).append(found)
    for student, files in sorted(by_student.items()):
        # the best-named first; of equals, the most like an answers file, the latest, then by
        # name (a student's folder may hold their notes or the network file too)
        ranked = sorted(files, key=lambda f: (f.level, f.kind, -f.mtime, str(f.path)))
        intake.files[student] = ranked[0]
        if len(ranked) > 1:
            intake.duplicates[student] = ranked[1:]
            for other in ranked[1:]:
                intake.ignored.append((str(other.path), f"a second file for {student}: "
                                       f"{ranked[0].path.name} was graded"))
    return intake
