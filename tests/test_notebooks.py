"""Execute every notebook in notebooks/ without a Jupyter kernel: the code cells of each run in
order in one fresh namespace (matplotlib Agg backend, cwd = a temporary directory). A notebook
passes when no cell raises; each ends with ``assert`` statements on its own results (rates > 0,
accuracy above chance, co-simulation mismatches == 0, ...), so running it checks something."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    assert nb["nbformat"] == 4 and isinstance(nb["cells"], list)
    for cell in nb["cells"]:
        assert cell["cell_type"] in ("code", "markdown", "raw") and "source" in cell and "metadata" in cell
        if cell["cell_type"] == "code":
            assert "outputs" in cell and "execution_count" in cell
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]


def test_notebooks_found():
    assert len(NOTEBOOKS) >= 6, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    cells = _code_cells(path)
    assert cells and "assert " in cells[-1], f"{path.name}: the last code cell must check results with assert"
    ns = {"__name__": "__main__"}
    try:
        for i, src in enumerate(cells, 1):
            exec(compile(src, f"{path.name}[cell {i}]", "exec"), ns)  # noqa: S102 - the notebook's own code
    finally:
        plt.close("all")
