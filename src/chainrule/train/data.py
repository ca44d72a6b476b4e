"""Data sets to train on: seeded toy generators, scikit-learn's bundled sets, CSV files.

Every loader returns a :class:`Dataset`: features ``X`` of shape (n, n_features), targets
``y`` (class labels of shape (n,) for classification, values of shape (n, n_targets) for
regression), and names. Nothing is downloaded: ``iris`` and ``digits`` ship with scikit-learn.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainrule.core.errors import UsageError
from chainrule.core.limits import number_problem
from chainrule.core.optional import optional_import
from chainrule.io.reading import Unreadable, read_text

Array = NDArray[Any]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features and targets.

    Attributes
    ----------
    X : ndarray (n_samples, n_features), float64.
    y : ndarray, class labels 0..n_classes-1 of shape (n_samples,) when ``classes`` is set,
        else target values of shape (n_samples, n_targets).
    name : where it came from.
    feature_names : one name per column of X.
    target_names : one name per target column (regression) or ``("class",)``.
    classes : the class names, in label order (None for regression).
    """

    X: Array
    y: Array
    name: str
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    classes: tuple[str, ...] | None = None

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        """Output units a network needs: one per class, or one per target column."""
        return len(self.classes) if self.classes is not None else int(self.y.shape[1])

    def one_hot(self) -> Array:
        """Class labels as rows of 0/1 (n_samples, n_classes)."""
        if self.classes is None:
            raise UsageError(f"{self.name} has no classes")
        out = np.zeros((self.n_samples, len(self.classes)))
        out[np.arange(self.n_samples), self.y] = 1.0
        return out

    def split(self, test_fraction: float, seed: int | None = None) -> tuple[Dataset, Dataset]:
        """A shuffled (train, test) split; ``test_fraction`` of the rows (at least one) held out."""
        train, test = self.split_rows(test_fraction, seed)
        return (replace(self, X=self.X[train], y=self.y[train]),
                replace(self, X=self.X[test], y=self.y[test]))

    def split_rows(self, test_fraction: float, seed: int | None = None) -> tuple[Array, Array]:
        """The row numbers of :meth:`split`'s (train, test) parts, to split other arrays (the
        encoded targets) the same way."""
        if not 0.0 < test_fraction < 1.0:
            raise UsageError(f"`test_fraction` must be between 0 and 1, got {test_fraction!r}")
        n = self.n_samples
        n_test = max(1, round(n * test_fraction))
        if n_test >= n:
            raise UsageError(f"{self.name} has {n} sample(s), too few to hold out a test split; "
                             "train on all of them with `test_fraction=0`, or add samples")
        order = np.random.default_rng(seed).permutation(n)
        return order[n_test:], order[:n_test]

    def standardized(self, reference: Dataset | None = None) -> Dataset:
        """Features shifted and scaled to mean 0 and standard deviation 1, with the mean and
        deviation of ``reference`` (e.g. the training split) or of this set. A constant column
        is only shifted."""
        ref = self if reference is None else reference
        # in units of each column's largest magnitude, so that values near 1e308 cannot
        # overflow the mean, the deviation or the differences
        scale = np.abs(ref.X).max(axis=0) if ref.n_samples else np.ones(ref.n_features)
        scale[scale == 0] = 1.0
        mean = (ref.X / scale).mean(axis=0)
        std = (ref.X / scale).std(axis=0)
        std[std == 0] = 1.0
        return replace(self, X=(self.X / scale - mean) / std)


def xor(n: int = 200, seed: int | None = 0, noise: float = 0.0) -> Dataset:
    """Points uniform in the square [-1, 1]^2; class 1 where exactly one coordinate is > 0."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.intp)
    X = X + rng.normal(0.0, noise, size=X.shape) if noise else X
    return Dataset(X, y, "xor", ("x1", "x2"), ("class",), ("0", "1"))


def circles(n: int = 200, seed: int | None = 0, noise: float = 0.05, factor: float = 0.5
            ) -> Dataset:
    """Two concentric circles (radius 1 and ``factor``): class 1 is the inner one."""
    rng = np.random.default_rng(seed)
    inner = n // 2
    outer = n - inner
    angles = rng.uniform(0.0, 2.0 * math.pi, size=n)
    radius = np.concatenate([np.ones(outer), np.full(inner, factor)])
    X = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
    X += rng.normal(0.0, noise, size=X.shape)
    y = np.concatenate([np.zeros(outer, np.intp), np.ones(inner, np.intp)])
    return _shuffled(Dataset(X, y, "circles", ("x1", "x2"), ("class",), ("outer", "inner")), rng)


def moons(n: int = 200, seed: int | None = 0, noise: float = 0.1) -> Dataset:
    """Two interleaving half circles."""
    rng = np.random.default_rng(seed)
    upper = n - n // 2
    lower = n // 2
    t_up = rng.uniform(0.0, math.pi, size=upper)
    t_low = rng.uniform(0.0, math.pi, size=lower)
    X = np.concatenate([
        np.column_stack([np.cos(t_up), np.sin(t_up)]),
        np.column_stack([1.0 - np.cos(t_low), 0.5 - np.sin(t_low)]),
    ])
    X += rng.normal(0.0, noise, size=X.shape)
    y = np.concatenate([np.zeros(upper, np.intp), np.ones(lower, np.intp)])
    return _shuffled(Dataset(X, y, "moons", ("x1", "x2"), ("class",), ("upper", "lower")), rng)


def spiral(n: int = 300, seed: int | None = 0, classes: int = 3, noise: float = 0.2) -> Dataset:
    """``classes`` interleaved spiral arms (the CS231n toy problem)."""
    rng = np.random.default_rng(seed)
    per = [n // classes + (1 if c < n % classes else 0) for c in range(classes)]
    parts, labels = [], []
    for c, m in enumerate(per):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(c * 4.0, (c + 1) * 4.0, m) + rng.normal(0.0, noise, size=m)
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(m, c, np.intp))
    data = Dataset(np.concatenate(parts), np.concatenate(labels), "spiral", ("x1", "x2"),
                   ("class",), tuple(f"arm{c}" for c in range(classes)))
    return _shuffled(data, rng)


def _shuffled(data: Dataset, rng: np.random.Generator) -> Dataset:
    order = rng.permutation(data.n_samples)
    return replace(data, X=data.X[order], y=data.y[order])


def _sklearn(name: str) -> Dataset:
    datasets = optional_import("sklearn.datasets", f"the {name} data set comes with")
    bunch = getattr(datasets, f"load_{name}")()
    X = np.asarray(bunch.data, dtype=np.float64)
    features = tuple(str(f) for f in getattr(bunch, "feature_names", [])) or tuple(
        f"x{i}" for i in range(1, X.shape[1] + 1))
    classes = tuple(str(c) for c in bunch.target_names)
    return Dataset(X, np.asarray(bunch.target, dtype=np.intp), name, features, ("class",), classes)


def iris() -> Dataset:
    """Fisher's iris flowers: 150 samples, 4 features, 3 classes (bundled with scikit-learn)."""
    return _sklearn("iris")


def digits() -> Dataset:
    """8x8 images of handwritten digits: 1797 samples, 64 features (0..16), 10 classes
    (bundled with scikit-learn)."""
    return _sklearn("digits")


BUILTIN: dict[str, Callable[..., Dataset]] = {
    "xor": xor, "circles": circles, "moons": moons, "spiral": spiral, "iris": iris,
    "digits": digits,
}


def load_csv(path: str | os.PathLike[str], target: str | Sequence[str] | None = None, *,
             classify: bool | None = None) -> Dataset:
    """A CSV file with a header row of column names; every feature cell a number.

    Parameters
    ----------
    path : the file.
    target : the target column name (or several, for regression); default the last column.
    classify : treat the target as class labels. None: yes when the target is one column and
        some cell of it is not a number (the class names are then the distinct cells, sorted).
        Numeric classes must be whole numbers; their labels are the sorted distinct values.

    Raises
    ------
    UsageError
        naming the file, the line and the column of a cell that is not a number, a missing
        target column, or a row with the wrong number of cells.
    """
    name = str(path)
    if not Path(path).exists():
        raise UsageError(f"{name}: no such file; give a CSV file or a built-in data set "
                         f"({', '.join(BUILTIN)})")
    if Path(path).suffix.lower() in (".toml", ".json", ".npz"):
        raise UsageError(f"{name}: is a network file, not data; give it as the network to "
                         f"train, and as the data a CSV file or a built-in data set "
                         f"({', '.join(BUILTIN)})")
    try:
        text = read_text(path)
    except Unreadable as error:
        raise UsageError(f"{name}: {error.problem}") from None
    rows = _rows(text, name)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if len(rows) < 2:
        raise UsageError(f"{name}: needs a header row of column names and at least one data row")
    header = [c.strip() for c in rows[0]]
    if not header or not all(header):
        raise UsageError(f"{name}: line 1 must be a header row naming every column "
                         f"(e.g. x1,x2,label); got {','.join(header)!r}")
    targets = [target] if isinstance(target, str) else list(target or [header[-1]])
    for t in targets:
        if t not in header:
            raise UsageError(f"{name}: no column named {t!r}; columns are {', '.join(header)}")
    if len(targets) == len(header):
        raise UsageError(f"{name}: every column is a target; leave at least one feature")
    target_cols = [header.index(t) for t in targets]
    feature_cols = [i for i in range(len(header)) if i not in target_cols]
    X = np.empty((len(rows) - 1, len(feature_cols)))
    raw_targets: list[list[str]] = []
    for r, row in enumerate(rows[1:]):
        line = r + 2
        if len(row) != len(header):
            raise UsageError(f"{name}: line {line} has {len(row)} cells but the header has "
                             f"{len(header)} columns")
        for j, c in enumerate(feature_cols):
            X[r, j] = _number(row[c], name, line, header[c])
        raw_targets.append([row[c].strip() for c in target_cols])
    numeric = all(_is_number(v) for row in raw_targets for v in row)
    if classify is None:
        classify = len(targets) == 1 and not numeric
    if classify:
        if len(targets) != 1:
            raise UsageError(f"{name}: class labels come from one target column")
        cells = [row[0] for row in raw_targets]
        if numeric:
            values = [_number(v, name, r + 2, targets[0]) for r, v in enumerate(cells)]
            if not all(v == int(v) for v in values):
                raise UsageError(f"{name}: column {targets[0]!r} holds class labels, which must "
                                 "be whole numbers or names")
            distinct = sorted(set(values))
            classes = tuple(str(int(v)) for v in distinct)
            rank = {v: i for i, v in enumerate(distinct)}
            y = np.array([rank[v] for v in values], dtype=np.intp)
        else:
            classes = tuple(sorted(set(cells)))
            index = {c: i for i, c in enumerate(classes)}
            y = np.array([index[c] for c in cells], dtype=np.intp)
        if len(classes) < 2:
            raise UsageError(
                f"{name}: the target column {targets[0]!r} holds one class only "
                f"({classes[0]!r}); a classifier needs rows of at least two classes: add them, "
                "or choose another column with `target`")
        return Dataset(X, y, name, tuple(header[c] for c in feature_cols), tuple(targets), classes)
    Y = np.empty((len(raw_targets), len(targets)))
    for r, row in enumerate(raw_targets):
        for j, cell in enumerate(row):
            Y[r, j] = _number(cell, name, r + 2, header[target_cols[j]])
    return Dataset(X, Y, name, tuple(header[c] for c in feature_cols), tuple(targets), None)


#: The most characters a CSV cell may have (Python's csv module's own limit).
MAX_CELL = 131_072


def _rows(text: str, name: str) -> list[list[str]]:
    """The cells of a comma-separated file; a file whose header has no comma but semicolons
    (or tabs) is read with those."""
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as error:
        problem = str(error)
        if "field larger than field limit" in problem:
            problem = (f"a cell is over {MAX_CELL:,} characters (a quote left open?); "
                       "every cell is one number or name")
        raise UsageError(f"{name}: line {reader.line_num}: {problem}") from None


def _is_number(text: str) -> bool:
    """Written as a number (1e400 too: refused later as out of range, not taken for a class
    name); ``nan`` and ``inf`` are names."""
    try:
        float(text)
    except ValueError:
        return False
    return any(c.isdigit() for c in text)


def _number(text: str, name: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) and any(c.isdigit() for c in text) and number_problem(
            text, double=True):
        raise UsageError(f"{name}: line {line}, column {column!r}: "
                         f"{number_problem(text, double=True)}")
    if not math.isfinite(value):
        hint = " (write decimals with a point: 1.5, not 1,5)" if re.fullmatch(
            r"\s*-?\d+,\d+\s*", text) else ""
        raise UsageError(f"{name}: line {line}, column {column!r}: {text.strip()[:40]!r} is not a "
                         f"number{hint} (every feature cell must be a finite number)")
    if abs(value) < 2.3e-308:  # 1e-999 reads as 0: a double cannot hold it?
        problem = number_problem(text, double=True)
        if problem:
            raise UsageError(f"{name}: line {line}, column {column!r}: {problem}")
    return value


def load_data(source: str, target: str | None = None, **options: Any) -> Dataset:
    """A built-in data set by name (``xor``, ``circles``, ``moons``, ``spiral``, ``iris``,
    ``digits``; generator options such as ``n`` and ``seed`` as keywords) or a CSV file."""
    if source in BUILTIN and not Path(source).exists():
        if target is not None:
            raise UsageError(f"`target` is for CSV files; {source} has its own target")
        return BUILTIN[source](**options)
    if not source.lower().endswith(".csv") and not Path(source).exists():
        raise UsageError(f"unknown data set {source!r}; built-in data sets are "
                         f"{', '.join(BUILTIN)}, or give a .csv file")
    return load_csv(source, target)
