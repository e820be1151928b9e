"""The standard evolves without breaking published packages.

Minor changes (an optional field, a code, a table, a WARNING rule, fields reordered) leave every
package in datapackages/ as valid as before; a minor upgrade needs no migration file; a major one
needs its migration file, and removals need an earlier deprecation; `jiceng schema check` also
checks validators/ and schemas/migrations/.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from jiceng.review.impact import impact
from jiceng.review.migrate import find_chain, migrate_package
from jiceng.schema_check import check
from jiceng.standard import Standard, current

REPO = Path(__file__).resolve().parents[1]
PACKAGES = sorted(p for p in (REPO / "datapackages").iterdir() if (p / "datapackage.json").is_file())


def _copy_standard(tmp_path: Path, version: str | None = None) -> Path:
    root = tmp_path / "standard"
    shutil.copytree(REPO / "schemas", root / "schemas")
    shutil.copytree(REPO / "validators", root / "validators")
    if version:
        _edit_json(root / "schemas" / "standard.json", lambda d: d.update(version=version))
    return root


def _edit_json(path: Path, fn) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _field(name: str, type_: str = "string") -> dict:
    return {"name": name, "type": type_, "title": name.replace("_", " ").title(), "description": f"The {name}.",
            "zh": {"title": f"新字段 {name}", "description": "新增的可选字段。"}}


def _add_optional_field(root: Path) -> None:
    _edit_json(root / "schemas" / "tables" / "cases.json", lambda d: d["fields"].insert(3, _field("handling_note")))


def _add_code(root: Path) -> None:
    path = root / "schemas" / "codelists" / "case_source.csv"
    path.write_text(path.read_text(encoding="utf-8") + "app,小程序,Mini program,小程序反映。,Reported in a mini program.\n",
                    encoding="utf-8")

    def enum(d):
        for f in d["fields"]:
            if f.get("codelist") == "case_source" and "enum" in f.get("constraints", {}):
                f["constraints"]["enum"].append("app")
    for table in (root / "schemas" / "tables").glob("*.json"):
        _edit_json(table, enum)


def _add_table(root: Path) -> None:
    schema = {"name": "grid_patrols", "title": "Grid patrols", "description": "Patrols walked in a grid.",
              "zh": {"title": "网格巡查", "description": "网格巡查记录。"},
              "fields": [{**_field("patrol_id"), "constraints": {"required": True, "unique": True}}, _field("grid_id"),
                         _field("patrol_date", "date")],
              "primaryKey": ["patrol_id"], "missingValues": [""]}
    (root / "schemas" / "tables" / "grid_patrols.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    _edit_json(root / "schemas" / "datapackage.profile.json",
               lambda d: d["properties"]["resources"]["items"]["properties"]["name"]["enum"].append("grid_patrols"))


def _add_warning_rule(root: Path) -> None:
    path = root / "validators" / "cases.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"].append({"code": "CASE_HOTLINE_WITHOUT_CATEGORY", "severity": "WARNING", "kind": "condition",
                          "params": {"when": {"source": {"in": ["hotline"]}, "category": {"empty": True}}},
                          "message": {"zh": "热线事项没有类别", "en": "a hotline case without a category"},
                          "examples": {"fail": [{"source": "hotline"}], "pass": [{"source": "hotline", "category": "environment"}]}})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _reorder_fields(root: Path) -> None:
    for name in ("cases", "grids", "meetings"):
        _edit_json(root / "schemas" / "tables" / f"{name}.json", lambda d: d["fields"].reverse())


_BEFORE: dict = {}


def _validate(pkg, standard):
    """jiceng.validate, remembering the reports under the current standard (the same for every change)."""
    import jiceng

    if standard is current():
        if pkg not in _BEFORE:
            _BEFORE[pkg] = jiceng.validate(pkg, standard=standard)
        return _BEFORE[pkg]
    return jiceng.validate(pkg, standard=standard)


MINOR_CHANGES = {"optional field": _add_optional_field, "code": _add_code, "table": _add_table,
                 "warning rule": _add_warning_rule, "fields reordered": _reorder_fields}


@pytest.mark.parametrize("change", list(MINOR_CHANGES))
def test_minor_change_breaks_no_published_package(tmp_path, change):
    root = _copy_standard(tmp_path, "2.1.0")
    MINOR_CHANGES[change](root)
    proposed = Standard(root)
    assert check(proposed) == [], "the changed copy is itself a well-formed standard"
    report = impact(PACKAGES, proposed, current(), validate=_validate)
    assert all(r.valid_before for r in report.packages), "every published package is valid today"
    newly_failing = [r.package for r in report.packages if r.status == "newly-fails"]
    assert newly_failing == [], f"{change}: {newly_failing}"
    assert report.count("unreadable") == 0 and all(r.errors_after <= r.errors_before for r in report.packages), change


def test_a_stricter_rule_is_seen_by_impact(tmp_path):
    """The same harness does see a breaking change, so the test above can fail."""
    root = _copy_standard(tmp_path, "2.1.0")  # the version step does not matter here: the judgement does
    path = root / "validators" / "localities.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"].append({"code": "LOCALITY_NEEDS_POPULATION", "severity": "ERROR", "kind": "condition",
                          "params": {"when": {"level": {"in": ["community", "village"]}, "resident_population": {"empty": True}}},
                          "message": {"zh": "社区或村没有常住人口", "en": "a community or village without its resident population"},
                          "examples": {"fail": [{"locality_id": "330000000000-A", "level": "village"}],
                                       "pass": [{"locality_id": "330000000000-A", "level": "village", "resident_population": 900}]}})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = impact(PACKAGES, Standard(root), current(), validate=_validate)
    newly = [Path(p.package).name for p in report.packages if p.status == "newly-fails"]
    assert newly == ["seed-cases"], newly  # the excerpts of published reports rarely give populations


# ---------------------------------------------------------------- migrations


def test_minor_upgrade_needs_no_migration_file(tmp_path):
    folder = REPO / "schemas" / "migrations"
    assert find_chain(folder, "2.0.0", "2.3.1") == []
    assert [p.name for p in find_chain(folder, "1.0.0", "2.0.0")] == ["1.0.0__2.0.0.yaml"]
    assert [p.name for p in find_chain(folder, "1.0.0", "2.4.0")] == ["1.0.0__2.0.0.yaml"]
    with pytest.raises(Exception, match="no migration path"):
        find_chain(folder, "2.0.0", "3.0.0")


def test_migrate_across_a_minor_step(tmp_path):
    root = _copy_standard(tmp_path, "2.1.0")
    _add_optional_field(root)
    result = migrate_package(REPO / "datapackages" / "seed-cases", Standard(root), out=tmp_path / "out")
    assert result.to_version == "2.1.0" and result.changes == []
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["schema_version"] == "2.1.0"
    import jiceng
    report = jiceng.validate(tmp_path / "out", standard=Standard(root))
    assert report.valid, report.to_text() if hasattr(report, "to_text") else report.counts


# ---------------------------------------------------------------- schema check covers validators/ and migrations/


def _rules_file(root: Path, table: str):
    path = root / "validators" / f"{table}.yaml"
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def _problems(root: Path) -> list[str]:
    return [str(p) for p in check(Standard(root))]


@pytest.mark.parametrize("breakage, expected", [
    (lambda r: r.update(severity="ERORR"), "severity"),
    (lambda r: r.update(kind="conditon"), "conditon"),
    (lambda r: r.pop("examples"), "examples"),
    (lambda r: r["message"].pop("en"), "message.en"),
    (lambda r: r["params"].update(start="no_such_field"), "no_such_field"),
])
def test_schema_check_catches_broken_rules(tmp_path, breakage, expected):
    root = _copy_standard(tmp_path)
    path, data = _rules_file(root, "cases")
    rule = next(r for r in data["rules"] if r["code"] == "CASE_CLOSED_BEFORE_REPORTED")
    breakage(rule)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = _problems(root)
    assert any(expected in p and "CASE_CLOSED_BEFORE_REPORTED" in p for p in problems), problems


def test_schema_check_catches_duplicate_rule_codes_and_wrong_examples(tmp_path):
    root = _copy_standard(tmp_path)
    path, data = _rules_file(root, "cases")
    first = data["rules"][0]
    data["rules"].append(dict(first))
    rule = next(r for r in data["rules"] if r["code"] == "CASE_CLOSED_BEFORE_REPORTED")
    rule["examples"] = {"fail": rule["examples"]["pass"], "pass": rule["examples"]["pass"]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = _problems(root)
    assert any("repeats" in p for p in problems), problems
    assert any("failing example does not fail" in p for p in problems), problems


def test_schema_check_catches_rule_with_unknown_code(tmp_path):
    root = _copy_standard(tmp_path)
    path, data = _rules_file(root, "indicators")
    rule = next(r for r in data["rules"] if r["code"] == "INDICATOR_CHANGE_WITHOUT_BASE")
    rule["params"]["when"]["transformation"]["in"].append("doubling")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert any("doubling" in p for p in _problems(root))


def test_schema_check_catches_broken_migrations(tmp_path):
    root = _copy_standard(tmp_path)
    migration = root / "schemas" / "migrations" / "1.0.0__2.0.0.yaml"
    spec = yaml.safe_load(migration.read_text(encoding="utf-8"))
    spec["steps"] = [{"op": "map_codes", "table": "cases", "field": "status", "map": {"done": "finished_ok"}},
                     {"op": "rename_field", "table": "cases", "from": "origin", "to": "no_such_field"}]
    migration.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    problems = _problems(root)
    assert any("finished_ok" in p for p in problems), problems
    assert any("no_such_field" in p for p in problems), problems
    spec["steps"] = [{"op": "explode_table", "table": "cases"}]
    migration.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    assert any("explode_table" in p for p in _problems(root))


def test_schema_check_catches_undeclared_dimension(tmp_path):
    root = _copy_standard(tmp_path)

    def bad(d):
        d["indicators"][0]["dimensions"] = ["colour"]
    _edit_json(root / "schemas" / "indicators.json", bad)
    assert any("colour" in p for p in _problems(root))


# ---------------------------------------------------------------- a package published under 1.0.0

V1 = REPO / "tests" / "fixtures" / "v1" / "seed-cases-1.0.0"  # datapackages/seed-cases as released with 1.0.0


def test_a_1_0_package_is_told_to_migrate_and_migrates(tmp_path):
    import jiceng

    before = jiceng.validate(V1)
    assert "SCHEMA_VERSION_UNSUPPORTED" in {f.code for f in before.findings if f.severity == "ERROR"}
    result = migrate_package(V1, current(), out=tmp_path / "v2")
    assert (result.from_version, result.to_version) == ("1.0.0", current().version)
    after = jiceng.validate(tmp_path / "v2")
    assert after.valid and after.counts["ERROR"] == 0, after.counts
    # nothing lost: every CSV row of the old package is in the new one
    for old in (V1 / "data").glob("*.csv"):
        new = tmp_path / "v2" / "data" / old.name
        assert len(new.read_text(encoding="utf-8").splitlines()) == len(old.read_text(encoding="utf-8").splitlines()), old.name
