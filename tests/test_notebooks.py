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
    import re

    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert "NaN" not in text and "nan</td>" not in text  # missing values are blank
    assert "≥90" in text  # a published "over 90 %" keeps its qualifier
    assert not re.search(r"<script[^>]*src=[\"']https?://", text) and not re.search(r"<link[^>]*href=[\"']https?://", text)
    assert "村(社区)层级" in text and "网格层级" in text  # like with like, and said so
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
# Village/community level: (package, locality name) -> about; package level for volunteering and surveys.
TIER_READINGS = {
    "households_per_grid_worker": {"邻里社区": 193, "示例村": 61, "第一社区": 152, "第二社区": 133},
    "meetings_per_1000_residents": {"邻里社区": 14, "示例村": 44, "第一社区": 4.7, "第五社区": 4.1},
    "women_share_participants": {"邻里社区": 53, "示例村": 42, "第五社区": 57},
    "cases_closed_share": {"邻里社区": 95, "示例村": 94, "第三社区": 94},
}
PACKAGE_READINGS = {
    "volunteers_per_100_residents": {"gs-dingxi-zhangxian": 12, "hn-xiangtan-yuhu": 3.3, "zj-hangzhou-linli": 6.2},
    "service_hours_per_volunteer": {"gs-dingxi-zhangxian": 13, "hn-xiangtan-yuhu": 7.4, "zj-hangzhou-linli": 10.5},
}
SDG_READINGS = {"gs-dingxi-zhangxian": 67, "hn-xiangtan-yuhu": 58, "zj-hangzhou-linli": 61}


def test_comparison_readings_match_the_data():
    import jiceng
    from jiceng.indicators import DIMENSIONS

    packages = jiceng.load_many(REPO / "datapackages", validate=False)
    codes = list(TIER_READINGS) + list(PACKAGE_READINGS) + ["sdg_16_7_2", "satisfaction_rate", "median_days_to_close"]
    local = jiceng.indicators(packages, by="locality", codes=codes)
    local = local[(local["origin"] == "records") & local[DIMENSIONS].isna().all(axis=1)]
    tier = local[local["level"].isin(["community", "village"])].set_index(["indicator_code", "locality_name"])
    for code, expected in TIER_READINGS.items():
        for name, about in expected.items():
            value = tier.loc[(code, name), "value"]
            assert abs(value - about) <= max(0.04 * about, 0.6), (code, name, value, about)
    assert set(tier.loc["cases_closed_share", "value"].round()) <= set(range(94, 97))
    assert tier.loc["median_days_to_close", "value"].between(0.9, 2.1).all()
    own = local[local["locality_id"] == local["package"].map({p.name: p.locality_id for p in packages})]
    own = own.set_index(["indicator_code", "package"])
    for code, expected in PACKAGE_READINGS.items():
        for package, about in expected.items():
            value = own.loc[(code, package), "value"]
            assert abs(value - about) <= max(0.04 * about, 0.5), (code, package, value, about)
    surveys = own[own["survey_id"].notna()]
    sdg = surveys.loc["sdg_16_7_2"]
    for package, about in SDG_READINGS.items():
        assert abs(sdg.loc[package, "value"] - about) <= 1.5, package
    sat = surveys.loc["satisfaction_rate"].reset_index()
    village = sat[(sat["package"] == "gs-dingxi-zhangxian") & sat["ci_low"].notna()]
    urban = sat[sat["package"] != "gs-dingxi-zhangxian"]
    assert village["ci_low"].min() > urban["ci_high"].max()  # "without overlap where there are intervals"
    assert urban["value"].between(74, 82).all() and sat[sat["package"] == "gs-dingxi-zhangxian"]["value"].between(90, 96).all()
    shares = sat[sat["ci_low"].isna()]
    assert list(shares["survey_id"]) == ["SV2022-4"]  # the shares-only county result: no interval
    ind = jiceng.indicators(packages, codes=["satisfaction_rate"])
    zhang = ind[(ind["package"] == "seed-cases")].iloc[0]
    assert (zhang["value"], zhang["value_qualifier"], zhang["locality_name"]) == (90, "over", "漳县")


def test_charts_carry_their_sources_in_the_chart():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from jiceng import charts

    charts.use_cjk_font()
    fig, ax = plt.subplots()
    charts.cite(fig, packages=["zj-hangzhou-linli", "seed-cases"], period="2022", version="2.0.0", simulated=True,
                level="村(社区)")
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "zj-hangzhou-linli" in texts and "seed-cases" in texts and "2022" in texts and "2.0.0" in texts
    assert "示例" in texts and "simulated" in texts and "村(社区)" in texts
    plt.close(fig)
    assert charts.format_value(90.0, "percent", "over") == "≥90" and charts.format_value(float("nan")) == ""
    assert charts.format_value(1305.0, "count") == "1,305" and charts.format_value(62.345, "percent") == "62.3"
