"""The registry (issue 13): catalogue, coverage from the catalogue's computations, seal, history that
accumulates, badges, remote packages with a deadline and a size cap, the Dask path on a 2-worker
LocalCluster giving the same results as the sequential loop, and the site opened in headless
Chromium, following every link to each package's status and seal."""
import functools
import http.server
import json
import os
import shutil
import socketserver
import threading
import zipfile
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.package import write_package
from jiceng.registry import build, entries_from_paths, read_catalogue, read_criteria
from jiceng.registry.catalogue import CatalogueError, Entry
from jiceng.registry.check import check_entry, freshness, options
from jiceng.registry.coverage import coverage

pytest.importorskip("jiceng.validation")

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LOC = "620000000000"
runner = CliRunner()


def make_package(folder: Path, std, *, name: str | None = None, broken: bool = False, grids: bool = True,
                 phone: bool = False, records: str | None = None) -> Path:
    meta = {"name": name or folder.name, "title": "测试数据包", "title_en": "Test package", "description": "测试 test",
            "locality_id": LOC, "locality_name": "甘肃省", "province_code": "62", "period": "2022",
            "publisher": {"name": "测试 test"}, "licenses": [{"name": "CC-BY-4.0"}], "sources": [{"title": "test"}]}
    if records:
        meta["records"] = records
    tables = {
        "localities": [{"locality_id": LOC, "name": "甘肃省", "level": "province"}],
        "meetings": [{"meeting_id": f"M{i}", "locality_id": LOC, "meeting_date": "2022-05-20", "form": "council_hall",
                      "mode": "online" if i % 3 == 0 else "offline", "participants": 5 + i,
                      "title": "联系 13812345678" if phone and i == 1 else f"议事 {i}"} for i in range(1, 7)],
        "cases": [{"case_id": f"C{i}", "locality_id": LOC, "grid_id": "G1" if grids else "",
                   "reported_date": "2022-03-01", "category": "environment", "source": "patrol",
                   "status": "received"}
                  for i in range(1, 5)],
    }
    if grids:
        tables["grids"] = [{"grid_id": "G1", "locality_id": LOC, "grid_level": "grid", "grid_kind": "comprehensive"}]
    out = write_package(folder, meta, tables, std=std)
    if broken:  # a participant count below its minimum
        path = out / "data" / "meetings.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        cells = lines[1].split(",")
        cells[header.index("participants")] = "-3"
        lines[1] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def packages(tmp_path_factory, standard) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("pkgs")
    return {
        "good": make_package(base / "good", standard),
        "nogrids": make_package(base / "nogrids", standard, grids=False),
        "broken": make_package(base / "broken", standard, broken=True),
        "personal": make_package(base / "personal", standard, phone=True),
    }


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, packages) -> Path:
    folder = tmp_path_factory.mktemp("registry")
    rows = [{"id": k, "locality": "甘肃省", "publisher": "测试", "location": str(v), "licence": "CC-BY-4.0",
             "frequency": "annual", "updated": "2026-01-05"} for k, v in packages.items()]
    rows.append({"id": "missing", "location": str(folder / "nowhere"), "frequency": "monthly"})
    import yaml

    path = folder / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"packages": rows}, allow_unicode=True), encoding="utf-8")
    shutil.copy(REPO / "registry" / "seal.yaml", folder / "seal.yaml")
    return path


# --------------------------------------------------------------------------- catalogue, coverage, seal

def test_catalogue_yaml_and_csv(tmp_path):
    entries = read_catalogue(REPO / "registry" / "catalogue.yaml")
    assert [e.id for e in entries][:1] and all(Path(e.location).is_dir() for e in entries)
    assert {"zj-hangzhou-linli", "seed-cases"} <= {e.id for e in entries}
    csv_path = tmp_path / "c.csv"
    csv_path.write_text("id,locality,publisher,location,licence,frequency\nx1,某村,某县,pkg,CC-BY-4.0,quarterly\n", encoding="utf-8")
    (e,) = read_catalogue(csv_path)
    assert e.location == str((tmp_path / "pkg").resolve()) and e.frequency == "quarterly"
    for bad in ("id,location,frequency\nx1,pkg,sometimes\n", "id,location\nBad Id,pkg\n", "id,location\nx,pkg\nx,pkg\n",
                "id,location,colour\nx,pkg,red\n"):
        csv_path.write_text(bad, encoding="utf-8")
        with pytest.raises(CatalogueError):
            read_catalogue(csv_path)


class _Std:
    """Indicators written in the TERM language, independent of schemas/indicators.json; tables from the standard."""
    def __init__(self, std):
        self.tables, self.field_names = std.tables, std.field_names

    catalogue = [
        {"code": "rated", "computation": {"numerator": {"table": "cases", "agg": "mean", "column": "resident_rating"}}},
        {"code": "per_grid", "computation": {
            "numerator": {"table": "cases", "agg": "count", "where": {"status": {"flag": "closed"}}},
            "denominator": {"table": "grids", "agg": "count", "where": {"grid_level": ["grid"]}}}},
        {"code": "per_1000", "computation": {
            "numerator": {"table": "meetings", "agg": "count"},
            "denominator": {"table": "localities", "agg": "root", "column": "resident_population"}}},
        {"code": "days", "computation": {"numerator": {"table": "cases", "agg": "median", "days_between": ["reported_date", "closed_date"]}}},
        {"code": "sat", "computation": {"numerator": {"table": "survey_responses", "agg": "sum", "column": "count",
                                                      "where": {"response": {"survey_field": "satisfied_responses"}}}}},
        {"code": "hours", "computation": {"numerator": {"table": "cases", "agg": "median", "duration": {
            "hours": "hours_to_close", "between": ["reported_date", "closed_date"]}}}},
        {"code": "survey", "computation": {"survey": {"questions": ["SAT_OVERALL"], "positive": {"survey_field": "satisfied_responses"}}}},
        {"code": "observed"},
    ]


def test_coverage_names_the_missing_table_or_field(standard):
    std = _Std(standard)
    columns = {"cases": {"case_id", "status", "reported_date"}, "localities": {"locality_id", "level"},
               "meetings": {"meeting_id"}, "survey_answers": {"survey_id", "response"}}
    got = {r["code"]: (r["status"], r["missing"]) for r in coverage(std, columns)}
    assert got["rated"] == ("missing", ["cases.resident_rating"])
    assert got["per_grid"] == ("missing", ["grids"])
    assert got["per_1000"] == ("missing", ["localities.resident_population"])
    assert got["days"] == ("missing", ["cases.closed_date"])
    assert got["sat"] == ("missing", ["surveys"])  # the survey field lives in surveys
    assert got["observed"] == ("no-computation", [])
    assert got["hours"] == ("missing", ["cases.hours_to_close | cases.closed_date"])  # hours, or both dates
    assert got["survey"] == ("missing", ["surveys"])
    columns.update(grids={"grid_id", "grid_level"}, surveys={"survey_id", "satisfied_responses"})
    columns["cases"] |= {"resident_rating", "closed_date"}
    got = {r["code"]: r["status"] for r in coverage(std, columns, excerpt=False)}
    assert got["rated"] == got["per_grid"] == got["days"] == got["sat"] == got["hours"] == got["survey"] == "covered"
    assert {r["code"]: r["status"] for r in coverage(std, columns, excerpt=True)}["rated"] == "excerpt"
    # the catalogue in schemas/: every computed indicator is judged, none crashes
    real = coverage(standard, {t: set(standard.field_names(t)) for t in standard.tables})
    assert real and all(r["status"] in ("covered", "no-computation") for r in real), [r for r in real if r["missing"]]


def test_freshness():
    assert freshness("annual", "2026-01-01", "2026-06-01")["state"] == "fresh"
    assert freshness("monthly", "2026-01-01", "2026-06-01")["state"] == "stale"
    assert freshness("monthly", None, "2026-06-01")["state"] == "unknown"
    assert freshness("irregular", None, "2026-06-01")["state"] == "no-expectation"


# --------------------------------------------------------------------------- build, history, Dask

def _comparable(results):
    out = []
    for r in sorted(results, key=lambda r: r["id"]):
        r = {k: v for k, v in r.items() if k not in ("seconds", "report_html")}
        out.append(json.loads(json.dumps(r, sort_keys=True, default=str)))
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory, catalogue):
    site = tmp_path_factory.mktemp("site") / "site"
    std = __import__("jiceng").current()
    entries = read_catalogue(catalogue)
    criteria = read_criteria(catalogue.parent / "seal.yaml")
    history = site / "history" / "history.jsonl"
    seq = build(entries, site, std=std, criteria=criteria, history=history, today="2026-03-01")
    return site, seq, entries, criteria, history


def test_each_criterion_is_judged(built):
    from jiceng.registry.seal import evaluate

    _, seq, _, criteria, _ = built
    by_id = {r["id"]: r for r in seq.results}
    good = by_id["good"]
    assert good["status"] == "valid" and good["seal"]["passed"], good["seal"]
    assert good["level"] == "province" and good["indicators"], "indicators are computed from the records"
    failed = {c["id"] for c in by_id["personal"]["seal"]["criteria"] if not c["passed"]}
    assert failed == {"no_personal_data", "valid_current_major"}
    stale = dict(good, freshness={"state": "stale", "age_days": 90, "allowed_days": 35})
    assert [c["id"] for c in evaluate(criteria, stale)["criteria"] if not c["passed"]] == ["updated_on_time"]
    excerpt = dict(good, meta=dict(good["meta"], records="excerpt"))
    assert [c["id"] for c in evaluate(criteria, excerpt)["criteria"] if not c["passed"]] == ["complete_records"]
    grid_rows = [r for r in by_id["nogrids"]["coverage"] if r["missing"] == ["grids"]]
    assert grid_rows, "indicators computed from grids are reported as missing the grids table"
    assert by_id["missing"]["seal"]["passed"] is False


def test_build_sequential(built, packages):
    site, seq, _, _, history = built
    by_id = {r["id"]: r for r in seq.results}
    assert by_id["good"]["status"] == "valid"
    assert by_id["broken"]["status"] == "invalid"
    assert by_id["missing"]["status"] == "unreadable" and by_id["missing"]["problem"]
    assert (site / "index.html").is_file() and (site / "badges" / "good.svg").is_file()
    assert "valid" in (site / "badges" / "good.svg").read_text(encoding="utf-8")
    assert "invalid" in (site / "badges" / "broken.svg").read_text(encoding="utf-8")
    lines = history.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(seq.results)
    rec = json.loads(lines[0])
    assert {"date", "standard_version", "tool_version", "counts", "status", "package"} <= set(rec)
    assert not any(p.name == "history.jsonl" for p in (REPO / "registry" / "history").iterdir()), \
        "a build never writes the committed history unless asked"


@pytest.fixture(scope="module")
def client():
    from jiceng.registry.cluster import cluster

    with cluster(workers=2) as c:
        yield c


def test_dask_path_gives_the_same_results(built, client):
    """2-worker LocalCluster against the sequential build: identical results, identical combined sums."""
    from jiceng.registry.build import check_all

    site, seq, entries, criteria, _ = built
    std = __import__("jiceng").current()
    assert len(client.scheduler_info()["workers"]) == 2
    opts = options(standard_root=str(std.root), criteria=criteria, today="2026-03-01", report_html=False)
    dask_results, dask_sums = check_all(entries, opts, client)
    assert _comparable(dask_results) == _comparable(seq.results)
    assert dask_sums == seq.combined and dask_sums


def test_indicators_many_on_dask_equals_jiceng_indicators(packages, client):
    import pandas as pd

    import jiceng
    from jiceng.registry.cluster import indicators_many

    paths = [packages["good"], packages["nogrids"]]
    expected = jiceng.indicators(jiceng.load_many(paths))
    table, sums = indicators_many(paths, with_summary=True)
    pd.testing.assert_frame_equal(table, expected)
    dtable, dsums = indicators_many(paths, client=client, with_summary=True)
    pd.testing.assert_frame_equal(dtable, expected)
    assert dsums == sums and sums


def test_history_accumulates_and_no_record(built, catalogue, packages, tmp_path):
    site, _, _, _, history = built
    before = history.read_text(encoding="utf-8")
    result = runner.invoke(app, ["registry", "build", str(catalogue), "-o", str(site), "--sequential", "--no-record"])
    assert result.exit_code == 0, result.output
    assert history.read_text(encoding="utf-8") == before
    small = tmp_path / "catalogue.csv"
    small.write_text(f"id,location,frequency\ngood,{packages['good']},annual\n", encoding="utf-8")
    hist2 = tmp_path / "h" / "runs.jsonl"
    for _ in range(2):
        result = runner.invoke(app, ["registry", "build", str(small), "-o", str(tmp_path / "s"), "--sequential",
                                     "--history", str(hist2), "--seal", str(REPO / "registry" / "seal.yaml")])
        assert result.exit_code == 0, result.output
    n = len(hist2.read_text(encoding="utf-8").splitlines())
    assert n == 2
    page = (tmp_path / "s" / "packages" / "good.html").read_text(encoding="utf-8")
    assert page.count('<td><span class="status s-valid"') >= 2, "the package page lists every recorded run"


def test_badge_command(packages, tmp_path):
    out = tmp_path / "b.svg"
    result = runner.invoke(app, ["badge", str(packages["good"]), "-o", str(out)])
    assert result.exit_code == 0 and "<svg" in out.read_text(encoding="utf-8") and "valid" in out.read_text(encoding="utf-8")
    result = runner.invoke(app, ["badge", str(packages["broken"]), "-o", str(out)])
    assert result.exit_code == 1 and "invalid" in out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- remote packages

@pytest.fixture
def served(packages, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    with zipfile.ZipFile(root / "good.zip", "w") as zf:
        for p in packages["good"].rglob("*"):
            if p.is_file():
                zf.write(p, p.relative_to(packages["good"]).as_posix())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = socketserver.TCPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/good.zip"
    server.shutdown()
    server.server_close()


def test_remote_needs_allow_remote_and_keeps_to_the_cap(served):
    entry = Entry("remote", served).to_dict()
    no = check_entry(entry, options(report_html=False))
    assert no["status"] == "unreadable" and "--allow-remote" in no["problem"]["en"]
    yes = check_entry(entry, options(allow_remote=True, report_html=False))
    assert yes["status"] == "valid", yes.get("problem")
    capped = check_entry(entry, options(allow_remote=True, max_download_mb=0.0005, report_html=False))
    assert capped["status"] == "unreadable" and "cap" in capped["problem"]["en"]
    late = check_entry(entry, options(allow_remote=True, remote_seconds=0, report_html=False))
    assert late["status"] == "unreadable" and "deadline" in late["problem"]["en"]


# --------------------------------------------------------------------------- the site in a browser




def test_site_in_chromium_every_link_and_each_status_and_seal(browser, built):
    from selenium.webdriver.common.by import By

    site, seq, *_ = built
    expected = {r["id"]: r for r in seq.results}
    start = (site / "index.html").resolve()
    seen, queue, visited_packages = set(), deque([start]), {}
    while queue:
        page = queue.popleft()
        if page in seen:
            continue
        seen.add(page)
        browser.get(page.as_uri())
        assert browser.find_elements(By.TAG_NAME, "main"), page
        if page.parent.name == "packages":
            status = browser.find_element(By.CSS_SELECTOR, "span.status").get_attribute("data-status")
            seal = browser.find_element(By.CSS_SELECTOR, "span.seal")
            visited_packages[page.stem] = (status, seal.get_attribute("data-seal"), seal.text)
            crit = browser.find_elements(By.CSS_SELECTOR, "tr.criterion")
            assert len(crit) == len(expected[page.stem]["seal"]["criteria"])
        for href in browser.execute_script("return Array.from(document.querySelectorAll('a[href],img[src],link[href],script[src]'))"
                                           ".map(a => a.href || a.src)"):
            url = urlparse(href)
            assert url.scheme == "file", f"{page}: no link leaves the site ({href})"
            target = Path(unquote(url.path))
            assert target.exists(), f"{page}: broken link {href}"
            if target.suffix == ".html" and str(target).startswith(str(site.resolve())) and "/reports/" not in str(target):
                queue.append(target)
            if url.fragment and target.suffix == ".html":
                assert f'id="{url.fragment}"' in target.read_text(encoding="utf-8"), f"{page}: broken anchor {href}"
    assert set(visited_packages) == set(expected), "every package page is reached by following links"
    for pid, (status, seal, text) in visited_packages.items():
        assert status == expected[pid]["status"]
        assert seal == ("passed" if expected[pid]["seal"]["passed"] else "not-passed")
        assert text  # visible in the default language
    # the index shows each status and seal; the switch turns the page to English
    browser.get(start.as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "#packages tbody tr")
    assert {r.get_attribute("data-package") for r in rows} == set(expected)
    assert "通过" in browser.find_element(By.ID, "packages").text
    browser.find_element(By.ID, "lang-switch").click()
    assert "valid" in browser.find_element(By.ID, "packages").text and "Published packages" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.ID, "lang-switch").click()
    # sorting by status puts the valid packages first
    browser.find_elements(By.CSS_SELECTOR, "#packages th")[4].click()
    first = browser.find_element(By.CSS_SELECTOR, "#packages tbody tr span.status").get_attribute("data-status")
    assert first == "valid"


def test_build_command_refuses_bad_input(tmp_path):
    result = runner.invoke(app, ["registry", "build", str(tmp_path / "none.yaml"), "-o", str(tmp_path / "s")])
    assert result.exit_code == 2 and "找不到目录文件" in result.output and "does not exist" in result.output
    bad = tmp_path / "seal.yaml"
    bad.write_text("criteria: [{id: x, kind: nonsense}]\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("id,location\nx,pkg\n", encoding="utf-8")
    result = runner.invoke(app, ["registry", "build", str(tmp_path / "c.csv"), "-o", str(tmp_path / "s"), "--seal", str(bad)])
    assert result.exit_code == 2 and "kind" in result.output
    assert not (tmp_path / "s").exists()
