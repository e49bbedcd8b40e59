"""The example notebook runs from top to bottom (nbclient), so it cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"


def test_example_notebook_runs_and_writes_its_reports(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    (tmp_path / "examples").mkdir()
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path / "examples")}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("Incremental profit" in h and "95% CI" in h for h in html)  # RunResult display
    assert any("adjusted p" in h for h in html)  # Comparison display
    runs = tmp_path / "runs" / "notebook"
    for folder in ("run", "compare"):
        assert "Executive summary" in (runs / folder / "report.html").read_text()
    assert (runs / "run" / "weekly.parquet").exists()
    assert (runs / "compare" / "comparison.parquet").exists()
