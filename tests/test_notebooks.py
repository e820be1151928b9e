"""Every notebook runs top to bottom, and a chart whose labels the font cannot draw fails the run."""
from __future__ import annotations

import json
import math
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


@pytest.mark.parametrize("name", ["01_quick_start.ipynb", "03_publishing_walkthrough.ipynb"])
def test_notebook_runs_top_to_bottom(name):
    run(nbformat.read(NOTEBOOKS / name, as_version=4), NOTEBOOKS)


def test_main_job_runs_the_comparison_notebook_to_html_and_pngs(tmp_path, capsys):
    # notebook 02 is run by the main job itself, with the same glyph guard
    from build_comparison import main

    assert main(["--output", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "comparison.html").read_text(encoding="utf-8")
    assert "跨地区比较" in html and "Cross-region comparison" in html
    assert html.count("data:image/png;base64") >= 5 and "filterwarnings" not in html
    pngs = sorted(p.name for p in (tmp_path / "out" / "charts").glob("*.png"))
    assert pngs == ["01_grid_load.png", "02_deliberation.png", "03_cases.png", "04_volunteering.png",
                    "05_satisfaction.png"]
    printed = capsys.readouterr().out
    assert str(tmp_path / "out" / "comparison.html") in printed and "05_satisfaction.png" in printed


def test_main_job_fails_loudly_when_the_notebook_fails(tmp_path, capsys):
    from build_comparison import main

    (tmp_path / "empty").mkdir()
    assert main(["--output", str(tmp_path / "out"), "--datapackages", str(tmp_path / "empty")]) == 1
    err = capsys.readouterr().err
    assert "比较笔记本运行失败" in err and "no data packages in folder" in err
    assert not (tmp_path / "out" / "comparison.html").exists()


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_without_outputs(name):
    data = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, name


def _chart_notebook(title: str, save: bool, cjk: bool = True) -> nbformat.NotebookNode:
    setup = "charts.use_cjk_font()\n" if cjk else ""
    draw = "charts.save(fig, 'guard')\nplt.show()" if save else "plt.show()"
    return new_notebook(cells=[new_code_cell(
        f"import matplotlib.pyplot as plt\nfrom jiceng import charts\n{setup}"
        f"fig, ax = plt.subplots()\nax.set_title({title!r})\n{draw}"
    )])


def test_chinese_chart_passes_the_guard(tmp_path):
    run(_chart_notebook("网格负荷:每名网格员服务户数", save=True), tmp_path)
    assert (tmp_path / "charts" / "guard.png").is_file()


# Devanagari is in neither Noto Sans CJK nor DejaVu Sans: matplotlib would draw empty boxes.
MISSING = "网格 \u0905\u0906"


def test_a_missing_glyph_fails_the_cell_that_draws_the_chart(tmp_path):
    with pytest.raises(CellExecutionError, match="Glyph 2309"):
        run(_chart_notebook(MISSING, save=True), tmp_path)


def test_a_missing_glyph_in_inline_display_only_fails_the_run(tmp_path):
    # IPython catches errors of the inline figure display, so the cell "passes"; the run must not
    with pytest.raises(AssertionError, match="UserWarning: Glyph 2309"):
        run(_chart_notebook(MISSING, save=False), tmp_path)


def test_chinese_without_the_cjk_font_fails(tmp_path, monkeypatch):
    # what the guard exists for: matplotlib's default font has no Chinese
    monkeypatch.delenv("JICENG_STRICT_GLYPHS")
    with pytest.raises((CellExecutionError, AssertionError), match="Glyph .*CJK UNIFIED IDEOGRAPH"):
        run(_chart_notebook("网格负荷", save=True, cjk=False), tmp_path)


# What the readings in notebook 02 say, so that a change in the packages that makes them wrong fails here.
READINGS = {
    "households_per_grid_worker": {"gs-dingxi-zhangxian": 60, "hn-xiangtan-yuhu": 140, "zj-hangzhou-linli": 190},
    "households_per_micro_grid_worker": {"hn-xiangtan-yuhu": 55, "zj-hangzhou-linli": 65},
    "meetings_per_1000_residents": {"gs-dingxi-zhangxian": 44, "hn-xiangtan-yuhu": 5, "zj-hangzhou-linli": 14},
    "women_share_participants": {"gs-dingxi-zhangxian": 43, "hn-xiangtan-yuhu": 53, "zj-hangzhou-linli": 53},
    "cases_closed_share": {"gs-dingxi-zhangxian": 92, "hn-xiangtan-yuhu": 92, "zj-hangzhou-linli": 92},
    "median_days_to_close": {"gs-dingxi-zhangxian": 1, "hn-xiangtan-yuhu": 1, "zj-hangzhou-linli": 2},
    "volunteers_per_100_residents": {"gs-dingxi-zhangxian": 14, "hn-xiangtan-yuhu": 4, "zj-hangzhou-linli": 7},
    "service_hours_per_volunteer": {"gs-dingxi-zhangxian": 11, "hn-xiangtan-yuhu": 6, "zj-hangzhou-linli": 9},
    "satisfaction_rate": {"gs-dingxi-zhangxian": 91, "hn-xiangtan-yuhu": 80, "zj-hangzhou-linli": 81},
    "say_rate": {"gs-dingxi-zhangxian": 70, "hn-xiangtan-yuhu": 69, "zj-hangzhou-linli": 70},
}


def test_comparison_readings_match_the_data():
    import jiceng

    ind = jiceng.indicators(jiceng.load_many(REPO / "datapackages", validate=False))
    computed = ind[ind["origin"] == "records"].set_index(["indicator_code", "package"])
    for code, expected in READINGS.items():
        for package, about in expected.items():
            value = computed.loc[(code, package), "value"]
            assert abs(value - about) <= max(0.04 * about, 1.0), (code, package, value, about)
    assert math.isnan(computed.loc[("households_per_micro_grid_worker", "gs-dingxi-zhangxian"), "value"])
    sat = computed.loc["satisfaction_rate"]
    village, street, community = (sat.loc[p] for p in ("gs-dingxi-zhangxian", "hn-xiangtan-yuhu", "zj-hangzhou-linli"))
    assert village["ci_low"] > max(street["ci_high"], community["ci_high"])  # "intervals do not overlap"
    assert street["ci_high"] > community["ci_low"] and community["ci_high"] > street["ci_low"]  # "overlap"
    say = computed.loc["say_rate"]
    assert say["ci_low"].max() < say["ci_high"].min()  # all three intervals overlap
    zhang = ind[(ind["package"] == "seed-cases") & (ind["indicator_code"] == "satisfaction_rate")].iloc[0]
    assert (zhang["value"], zhang["value_qualifier"], zhang["locality_name"]) == (90, "over", "漳县")
