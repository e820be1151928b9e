"""`jiceng schema impact`: packages validated against the current and a proposed standard; what newly
fails and what newly passes, by package, table and rule."""
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.package import write_package
from jiceng.review.diff import open_standard
from jiceng.review.impact import find_packages, impact

pytest.importorskip("jiceng.validation")

REPO = Path(__file__).resolve().parents[1]
LOC = "620000000000"
runner = CliRunner()


def _package(folder: Path, standard, *, grid_missing: bool, participants: int) -> Path:
    meta = {"name": folder.name, "title": "测试", "locality_id": LOC, "locality_name": "甘肃省", "province_code": "62",
            "period": "2022", "publisher": {"name": "测试 test"}, "licenses": [{"name": "CC-BY-4.0"}]}
    tables = {
        "localities": [{"locality_id": LOC, "name": "甘肃省", "level": "province"}],
        "grids": [{"grid_id": "G1", "locality_id": LOC, "grid_level": "grid", "grid_kind": "comprehensive"}],
        "meetings": [{"meeting_id": "M1", "locality_id": LOC, "meeting_date": "2022-05-20", "form": "council_hall",
                      "mode": "offline", "participants": participants}],
        "cases": [{"case_id": f"C{i}", "locality_id": LOC, "grid_id": "" if grid_missing and i == 2 else "G1",
                   "reported_date": "2022-03-01", "category": "environment", "source": "patrol", "status": "received"}
                  for i in (1, 2)],
    }
    return write_package(folder, meta, tables, std=standard)


@pytest.fixture
def proposal(schemas_copy) -> Path:
    """Proposed: cases.grid_id becomes required (narrows); meetings.participants loses its minimum (relaxes)."""
    if (REPO / "validators").is_dir():
        shutil.copytree(REPO / "validators", schemas_copy.parent / "validators")
    for table, field, edit in (("cases", "grid_id", lambda c: c.update(required=True)),
                               ("meetings", "participants", lambda c: c.pop("minimum"))):
        path = schemas_copy / "tables" / f"{table}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        f = next(f for f in schema["fields"] if f["name"] == field)
        edit(f.setdefault("constraints", {}))
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    return schemas_copy


@pytest.fixture
def packages(tmp_path, standard) -> dict:
    return {
        "breaks": _package(tmp_path / "pkgs" / "breaks", standard, grid_missing=True, participants=5),
        "mends": _package(tmp_path / "pkgs" / "mends", standard, grid_missing=False, participants=-1),
        "same": _package(tmp_path / "pkgs" / "same", standard, grid_missing=False, participants=5),
    }


def test_newly_failing_and_newly_passing(standard, proposal, packages):
    report = impact(list(packages.values()), open_standard(proposal), standard)
    by_name = {Path(p.package).name: p for p in report.packages}
    breaks, mends, same = by_name["breaks"], by_name["mends"], by_name["same"]

    assert breaks.status == "newly-fails"
    assert breaks.tables("fails") == ["cases"]
    assert breaks.rule_changes("fails") == [("cases", "REQUIRED_MISSING", 0, 1)]

    assert mends.status == "newly-passes"
    assert mends.tables("passes") == ["meetings"]
    assert mends.rule_changes("passes") == [("meetings", "BELOW_MINIMUM", 1, 0)]

    assert same.status == "still-valid" and same.rules == {}
    assert report.count("newly-fails") == 1 and report.count("newly-passes") == 1

    text = report.to_text()
    assert "rule newly fails: cases/REQUIRED_MISSING (0 → 1)" in text
    assert "table newly passes: meetings" in text


def test_command_json_and_check(proposal, packages):
    args = ["schema", "impact", "--schemas", str(proposal), *map(str, packages.values()), "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"]["newly-fails"] == 1 and data["summary"]["newly-passes"] == 1
    breaks = next(p for p in data["packages"] if p["package"].endswith("breaks"))
    assert breaks["tables_newly_failing"] == ["cases"]
    assert {"table": "cases", "code": "REQUIRED_MISSING", "errors_before": 0, "errors_after": 1} in breaks["rules"]
    assert runner.invoke(app, args + ["--check"]).exit_code == 1


def test_packages_are_found_in_a_folder(packages):
    folder = next(iter(packages.values())).parent
    (folder / "breaks" / "extensions" / "x").mkdir(parents=True)
    (folder / "breaks" / "extensions" / "x" / "datapackage.json").write_text("{}", encoding="utf-8")
    assert [p.name for p in find_packages(folder)] == ["breaks", "mends", "same"]


def test_default_is_every_package_in_datapackages(monkeypatch):
    """Run where datapackages/ is: every package there is validated against both versions."""
    if not (REPO / "datapackages").is_dir():
        pytest.skip("no datapackages/ folder")
    monkeypatch.chdir(REPO)
    result = runner.invoke(app, ["schema", "impact", "--schemas", str(REPO), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    listed = sorted(Path(p["package"]).name for p in data["packages"])
    assert listed == sorted(p.name for p in find_packages(REPO / "datapackages"))
    # Same standard on both sides: nothing changes.
    assert data["summary"]["newly-fails"] == 0 and data["summary"]["newly-passes"] == 0


def test_bad_input(tmp_path, proposal):
    result = runner.invoke(app, ["schema", "impact", "--schemas", str(proposal), str(tmp_path)])
    assert result.exit_code == 2 and "datapackage.json" in result.output and "不是数据包" in result.output
    result = runner.invoke(app, ["schema", "impact", "--schemas", str(tmp_path / "missing"), str(tmp_path)])
    assert result.exit_code == 2


def test_rule_severity_change(standard, proposal, tmp_path):
    """A rule lowered from ERROR to WARNING in validators/: the package breaking it newly passes."""
    import yaml

    path = proposal.parent / "validators" / "cases.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    rule = next(r for r in spec["rules"] if r["code"] == "CASE_CLOSED_BEFORE_REPORTED")
    assert rule["severity"] == "ERROR"
    rule["severity"] = "WARNING"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    pkg = _package(tmp_path / "late", standard, grid_missing=False, participants=5)
    cases = pkg / "data" / "cases.csv"
    rows = cases.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cells = rows[1].split(",")
    cells[header.index("status")], cells[header.index("closed_date")] = "resolved", "2022-02-01"
    rows[1] = ",".join(cells)
    cases.write_text("\n".join(rows) + "\n", encoding="utf-8")

    report = impact([pkg], open_standard(proposal), standard)
    p = report.packages[0]
    assert p.status == "newly-passes", p.to_dict()
    assert p.rule_changes("passes") == [("cases", "CASE_CLOSED_BEFORE_REPORTED", 1, 0)]
    assert p.warnings[("cases", "CASE_CLOSED_BEFORE_REPORTED")] == [0, 1]
