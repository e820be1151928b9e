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
from jiceng.validation import validate

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


# --------------------------------------------------------------------------- acceptance runs (issue 13)

def _meetings_package(folder: Path, standard, *, dated: bool, resolved_without_date: bool = False, title: bool = True) -> Path:
    meta = {"name": folder.name, "title": "测试", "locality_id": LOC, "locality_name": "甘肃省", "province_code": "62",
            "period": "2022", "publisher": {"name": "测试 test"}, "licenses": [{"name": "CC-BY-4.0"}]}
    tables = {
        "localities": [{"locality_id": LOC, "name": "甘肃省", "level": "province"}],
        "meetings": [{"meeting_id": "M1", "locality_id": LOC, "meeting_date": "2022-05-20" if dated else "",
                      "period": "2022", "form": "council_hall", "mode": "offline", "participants": 5,
                      "title": "议事" if title else ""}],
        "cases": [{"case_id": "C1", "locality_id": LOC, "reported_date": "2022-03-01", "category": "environment",
                   "source": "patrol", "status": "resolved" if resolved_without_date else "received"}],
    }
    return write_package(folder, meta, tables, std=standard)


def _edit_rules(root: Path, table: str, edit) -> None:
    import yaml

    path = root / "validators" / f"{table}.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(spec["rules"])
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def standard_copy(tmp_path) -> Path:
    """A copy of the whole standard (schemas/ and validators/) that a proposal changes."""
    root = tmp_path / "proposal"
    shutil.copytree(REPO / "schemas", root / "schemas")
    shutil.copytree(REPO / "validators", root / "validators")
    return root


@pytest.fixture
def meeting_packages(tmp_path, standard) -> dict:
    base = tmp_path / "pkgs"
    return {
        "dated": _meetings_package(base / "dated", standard, dated=True),
        "period_only": _meetings_package(base / "period_only", standard, dated=False),
        "resolved": _meetings_package(base / "resolved", standard, dated=True, resolved_without_date=True),
        "untitled": _meetings_package(base / "untitled", standard, dated=True, title=False),
    }


def _stricter_date_rule(rules):
    rule = next(r for r in rules if r["code"] == "MEETING_WITHOUT_DATE_OR_PERIOD")
    assert rule["severity"] == "ERROR" and "period" in rule["params"]["when"]
    del rule["params"]["when"]["period"]  # a period no longer excuses a missing date


def test_stricter_rule_reports_the_right_newly_failing_packages(standard, standard_copy, meeting_packages):
    _edit_rules(standard_copy, "meetings", _stricter_date_rule)
    for p in meeting_packages.values():
        assert validate(p).valid, p
    report = impact(list(meeting_packages.values()), open_standard(standard_copy), standard)
    failing = sorted(Path(p.package).name for p in report.packages if p.status == "newly-fails")
    assert failing == ["period_only"]
    p = next(p for p in report.packages if p.status == "newly-fails")
    assert p.rule_changes("fails") == [("meetings", "MEETING_WITHOUT_DATE_OR_PERIOD", 0, 1)]
    assert report.share_newly_failing == 25.0 and not report.ok
    md = report.to_markdown()
    assert "`period_only`" in md and "MEETING_WITHOUT_DATE_OR_PERIOD" in md
    assert "会议既没有日期,也没有期间" in md and "the meeting has neither a date nor a period" in md  # old and new wording


def test_new_rule_and_raised_severity(standard, standard_copy, meeting_packages):
    def edit(rules):
        rules.append({"code": "MEETING_TITLE_MISSING", "severity": "ERROR", "kind": "condition",
                      "params": {"when": {"title": {"empty": True}, "meeting_id": {"empty": False}}}, "field": "title",
                      "message": {"zh": "会议没有标题", "en": "the meeting has no title"},
                      "examples": {"fail": [{"meeting_id": "M1", "form": "council_hall", "mode": "offline", "period": "2022"}],
                                   "pass": [{"meeting_id": "M1", "form": "council_hall", "mode": "offline", "period": "2022", "title": "议事"}]}})
    _edit_rules(standard_copy, "meetings", edit)

    def raise_(rules):
        rule = next(r for r in rules if r["code"] == "CASE_CLOSED_WITHOUT_DATE")
        assert rule["severity"] == "WARNING"
        rule["severity"] = "ERROR"
    _edit_rules(standard_copy, "cases", raise_)
    report = impact(list(meeting_packages.values()), open_standard(standard_copy), standard)
    by = {Path(p.package).name: p for p in report.packages}
    assert by["untitled"].rule_changes("fails") == [("meetings", "MEETING_TITLE_MISSING", 0, 1)]
    assert by["resolved"].rule_changes("fails") == [("cases", "CASE_CLOSED_WITHOUT_DATE", 0, 1)]
    assert by["resolved"].warnings[("cases", "CASE_CLOSED_WITHOUT_DATE")] == [1, 0]
    assert {n for n, p in by.items() if p.status == "newly-fails"} == {"untitled", "resolved"}


def test_version_only_findings_are_excluded_and_migrations_applied(standard, standard_copy, meeting_packages):
    info = json.loads((standard_copy / "schemas" / "standard.json").read_text(encoding="utf-8"))
    major = int(standard.version.split(".")[0]) + 1
    info["version"] = f"{major}.0.0"
    (standard_copy / "schemas" / "standard.json").write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    pkgs = [meeting_packages["dated"]]
    report = impact(pkgs, open_standard(standard_copy), standard)
    p = report.packages[0]
    assert p.status == "still-valid" and p.version_findings[1] >= 1, p.to_dict()
    assert report.version_only == 1 and "SCHEMA_VERSION_UNSUPPORTED" in report.to_text()
    # with a migration to the new major version, the package is migrated before it is judged
    (standard_copy / "schemas" / "migrations" / f"{standard.version}__{major}.0.0.yaml").write_text(
        f"from: {standard.version}\nto: {major}.0.0\ndescription: {{zh: 测试, en: test}}\nsteps: []\n", encoding="utf-8")
    report = impact(pkgs, open_standard(standard_copy), standard)
    p = report.packages[0]
    assert p.status == "still-valid" and p.migrated_after == [f"{standard.version}→{major}.0.0"]
    assert p.version_findings[1] == 0


def test_default_is_the_registry_and_check_uses_the_share(standard_copy, meeting_packages, tmp_path, monkeypatch):
    _edit_rules(standard_copy, "meetings", _stricter_date_rule)
    (tmp_path / "registry").mkdir()
    rows = "".join(f"{k},{v},annual\n" for k, v in meeting_packages.items())
    (tmp_path / "registry" / "catalogue.csv").write_text("id,location,frequency\n" + rows, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    base = ["schema", "impact", "--schemas", str(standard_copy), "--registry", "registry/catalogue.csv"]
    result = runner.invoke(app, base + ["--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["source"] == "registry/catalogue.csv" and len(data["packages"]) == 4
    assert data["summary"]["newly-fails"] == 1 and data["share_newly_failing"] == 25.0
    assert runner.invoke(app, base + ["--check"]).exit_code == 1
    assert runner.invoke(app, base + ["--check", "--max-share", "30"]).exit_code == 0
    result = runner.invoke(app, base + ["--format", "markdown"])
    assert result.exit_code == 0 and result.output.startswith("### ") and "| `period_only` |" in result.output


def test_diff_markdown_and_changelog_entry(standard_copy):
    _edit_rules(standard_copy, "meetings", _stricter_date_rule)
    path = standard_copy / "schemas" / "tables" / "meetings.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    f = next(f for f in schema["fields"] if f["name"] == "title")
    old_zh = f["zh"]["title"]
    f["zh"]["title"] = old_zh + "(新)"
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    result = runner.invoke(app, ["schema", "diff", str(REPO), str(standard_copy), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    md = result.output
    assert "| `rule meetings/MEETING_WITHOUT_DATE_OR_PERIOD` |" in md and "MAJOR" in md
    assert old_zh in md and old_zh + "(新)" in md  # old and new wording
    result = runner.invoke(app, ["schema", "changelog", str(REPO), str(standard_copy), "--version", "9.9.9"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("## [9.9.9] - Unreleased") and "MEETING_WITHOUT_DATE_OR_PERIOD" in result.output
    assert "### 文字 / Wording" in result.output


def test_diff_of_two_reports(standard, meeting_packages, tmp_path):
    before = tmp_path / "before.json"
    after = tmp_path / "after.json"
    before.write_text(validate(meeting_packages["dated"]).to_json(), encoding="utf-8")
    after.write_text(validate(meeting_packages["resolved"]).to_json(), encoding="utf-8")
    result = runner.invoke(app, ["schema", "report-diff", str(before), str(after), "--format", "json"])
    assert result.exit_code == 1, result.output  # something appeared
    data = json.loads(result.output)
    assert [g["code"] for g in data["appeared"]] == ["CASE_CLOSED_WITHOUT_DATE"] and data["disappeared"] == []
    result = runner.invoke(app, ["schema", "report-diff", str(after), str(before)])
    assert result.exit_code == 0 and "CASE_CLOSED_WITHOUT_DATE" in result.output and "disappeared: 1" in result.output
    result = runner.invoke(app, ["schema", "report-diff", str(before), str(tmp_path / "none.json")])
    assert result.exit_code == 2
