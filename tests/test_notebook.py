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
