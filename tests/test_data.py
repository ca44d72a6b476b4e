"""Data sets: the seeded generators, scikit-learn's bundled sets, CSV files and their errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chainrule.core.errors import UsageError
from chainrule.train import data


@pytest.mark.parametrize("name", ["xor", "circles", "moons", "spiral"])
def test_generators_are_seeded_and_shaped(name: str) -> None:
    make = data.BUILTIN[name]
    a, b, c = make(n=90, seed=1), make(n=90, seed=1), make(n=90, seed=2)
    assert a.X.shape == (90, 2) and a.y.shape == (90,) and a.y.dtype.kind == "i"
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.classes is not None and set(a.y.tolist()) == set(range(len(a.classes)))


def test_xor_labels_follow_the_quadrants() -> None:
    d = data.xor(200, seed=0)
    assert np.array_equal(d.y, ((d.X[:, 0] > 0) != (d.X[:, 1] > 0)).astype(int))


def test_bundled_sets_need_no_download() -> None:
    iris, digits = data.iris(), data.digits()
    assert iris.X.shape == (150, 4) and iris.classes == ("setosa", "versicolor", "virginica")
    assert digits.X.shape == (1797, 64) and digits.n_outputs == 10


def test_split_and_standardize() -> None:
    d = data.iris()
    train, test = d.split(0.2, seed=0)
    assert (train.n_samples, test.n_samples) == (120, 30)
    s = train.standardized()
    assert np.allclose(s.X.mean(axis=0), 0) and np.allclose(s.X.std(axis=0), 1)
    with pytest.raises(UsageError, match="between 0 and 1"):
        d.split(1.5)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "points.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_csv_with_named_classes_and_target_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a,label,b\n1,cat,2\n3,dog,4\n5,cat,6\n")
    d = data.load_csv(path, target="label")
    assert d.feature_names == ("a", "b") and d.classes == ("cat", "dog")
    assert d.X.tolist() == [[1, 2], [3, 4], [5, 6]] and d.y.tolist() == [0, 1, 0]


def test_csv_numeric_target_is_regression_by_default(tmp_path: Path) -> None:
    d = data.load_csv(write(tmp_path, "x,y\n1,2.5\n2,3.5\n"))
    assert d.classes is None and d.y.shape == (2, 1) and d.y[:, 0].tolist() == [2.5, 3.5]
    c = data.load_csv(write(tmp_path, "x,y\n1,2\n2,0\n"), classify=True)
    assert c.classes == ("0", "2") and c.y.tolist() == [1, 0]


def test_csv_errors_name_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "x1,x2,y\n1,2,0\n3,oops,1\n")
    message = r"points.csv: line 3, column 'x2': 'oops' is not a number"
    with pytest.raises(UsageError, match=message):
        data.load_csv(path)
    with pytest.raises(UsageError, match="no column named 'z'; columns are x1, x2, y"):
        data.load_csv(path, target="z")
    with pytest.raises(UsageError, match="line 2 has 2 cells"):
        data.load_csv(write(tmp_path, "x1,x2,y\n1,2\n"))
    with pytest.raises(UsageError, match="no such file"):
        data.load_data(str(tmp_path / "missing.csv"))
    with pytest.raises(UsageError, match="unknown data set 'mnist'"):
        data.load_data("mnist")
