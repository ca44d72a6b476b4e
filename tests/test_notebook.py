"""examples/handout.ipynb runs from top to bottom without errors and shows HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "handout.ipynb"


def test_the_handout_notebook_runs(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors[0].get("evalue") if errors else ""
    html = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("Exercise 2" in h and "<math" in h for h in html)
    markdown = [o.data["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]
    assert any("chain rule" in m for m in markdown)
    assert any(r"\Delta_{\mathrm{u5}}" in m for m in markdown)


def test_the_stored_notebook_shows_its_outputs() -> None:
    # people browse the notebook where it is stored: every code cell keeps what it showed
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs for cell in code)
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]


def test_training_in_a_notebook_shows_a_bar_and_a_line_per_epoch(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import numpy as np, chainrule as cr\n"
        "X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 100)\n"
        "Y = np.array([[0.0], [1.0], [1.0], [0.0]] * 100)\n"
        "net = cr.mlp([2, 4, 1], hidden='tanh', output='sigmoid',\n"
        "             cost='binary_cross_entropy', seed=0)\n"
        "result = cr.train(net, X, Y, epochs=3, batch_size=4)\n"
        "len(result.history)"
    )]
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    shown = "".join(
        str(o.get("text", "")) + "".join(str(v) for v in o.get("data", {}).values())
        for o in outputs
    )
    for epoch in (1, 2, 3):
        assert f"epoch {epoch}/3" in shown, shown[:2000]
    assert "3" in str(outputs[-1].get("data", {}).get("text/plain", ""))
