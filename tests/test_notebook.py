"""The walkthrough notebook runs from top to bottom on a small demo export."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "walkthrough.ipynb"


def test_notebook_is_committed_without_outputs() -> None:
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CXA_NOTEBOOK_ROWS", "300")
    monkeypatch.setenv("CXA_NOTEBOOK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert (tmp_path / "work" / "model" / "model.json").exists()


def test_notebook_uses_only_the_public_api() -> None:
    import analyzer

    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    imports = [line for line in code.splitlines() if "analyzer" in line and "import" in line]
    assert imports
    for line in imports:
        assert line.startswith("from analyzer import "), line
        names = [n.strip() for n in line.removeprefix("from analyzer import ").split(",")]
        assert set(names) <= set(analyzer.__all__), line
