"""Every notebook runs top to bottom, and a chart whose labels the font cannot draw fails the run."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))

from build_comparison import GLYPH_GUARD, output_problems  # noqa: E402


def run(nb, cwd: Path, timeout: int = 600):
    """Execute with missing-glyph warnings as errors; fail on an error shown in any output."""
    nb.cells.insert(0, new_code_cell(GLYPH_GUARD))
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    problems = output_problems(nb)
    if problems:
        raise AssertionError("\n".join(problems))
    return nb


@pytest.fixture(autouse=True)
def strict_glyphs(monkeypatch, tmp_path):
    monkeypatch.setenv("JICENG_STRICT_GLYPHS", "1")
    monkeypatch.setenv("JICENG_CHART_DIR", str(tmp_path / "charts"))
    monkeypatch.setenv("JICENG_DATAPACKAGES", str(REPO / "datapackages"))


NAMES = ["01_quick_start.ipynb", "02_cross_region_comparison.ipynb", "03_publishing_walkthrough.ipynb"]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, tmp_path):
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    run(nb, NOTEBOOKS)
    if name.startswith("02"):
        pngs = sorted(p.name for p in (tmp_path / "charts").glob("*.png"))
        assert pngs == ["01_grid_load.png", "02_deliberation.png", "03_cases.png", "04_volunteering.png",
                        "05_satisfaction.png"]


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_without_outputs(name):
    data = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, name


def _chart_notebook(title: str, save: bool) -> nbformat.NotebookNode:
    draw = "charts.save(fig, 'guard')\nplt.show()" if save else "plt.show()"
    return new_notebook(cells=[new_code_cell(
        "import matplotlib.pyplot as plt\nfrom jiceng import charts\ncharts.use_cjk_font()\n"
        f"fig, ax = plt.subplots()\nax.set_title({title!r})\n{draw}"
    )])


def test_chinese_chart_passes_the_guard(tmp_path):
    run(_chart_notebook("网格负荷:每名网格员服务户数", save=True), tmp_path)
    assert (tmp_path / "charts" / "guard.png").is_file()


@pytest.mark.parametrize("save", [True, False], ids=["saved-in-cell", "inline-display-only"])
def test_a_glyph_the_font_lacks_fails_the_run(tmp_path, save):
    # Devanagari is in neither Noto Sans CJK nor DejaVu Sans: matplotlib would draw an empty box
    nb = _chart_notebook("网格 \u0905\u0906", save=save)
    with pytest.raises((CellExecutionError, AssertionError), match="Glyph"):
        run(nb, tmp_path)
