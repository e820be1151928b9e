"""Deprecation marks on fields and codes: accepted by the schema check when well formed, classified
as minor by the diff, shown in the docs."""
import csv
import json
import shutil
from pathlib import Path

import pytest

from jiceng.review.diff import diff_standards, open_standard
from jiceng.review.docs import build_docs
from jiceng.schema_check import check


REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _rules_beside(schemas_copy):
    """The copy gets the standard's rules beside it, so that only the changes made here differ."""
    if (REPO / "validators").is_dir():
        shutil.copytree(REPO / "validators", schemas_copy.parent / "validators")


def _bump(schemas: Path, version: str) -> None:
    path = schemas / "standard.json"
    info = json.loads(path.read_text(encoding="utf-8"))
    info["version"] = version
    path.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")


def _deprecate_field(schemas: Path, since: str, replacement: str | None) -> None:
    path = schemas / "tables" / "meetings.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    field = next(f for f in schema["fields"] if f["name"] == "title")
    field["deprecated"] = {"since": since, "description": "Describe agenda items instead.",
                           "zh": {"description": "请改为填写议题。"}}
    if replacement:
        field["deprecated"]["replacement"] = replacement
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")


def _deprecate_code(schemas: Path, code: str, since: str, replacement: str) -> None:
    path = schemas / "codelists" / "case_source.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["deprecated"], r["replacement"] = (since, replacement) if r["code"] == code else ("", "")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _codes(schemas: Path) -> list[str]:
    return [p.code for p in check(open_standard(schemas))]


def test_well_formed_deprecations_pass_the_schema_check(schemas_copy):
    _bump(schemas_copy, "2.1.0")
    _deprecate_field(schemas_copy, "2.1.0", "body_id")
    _deprecate_code(schemas_copy, "referral", "2.1.0", "other")
    assert _codes(schemas_copy) == []


def test_bad_field_deprecations_fail(schemas_copy):
    _deprecate_field(schemas_copy, "9.0.0", "body_id")
    assert _codes(schemas_copy) == ["bad-deprecation"], "since above the standard's version"
    _deprecate_field(schemas_copy, "1.0.0", "no_such_field")
    assert _codes(schemas_copy) == ["bad-deprecation"], "replacement must exist"
    _deprecate_field(schemas_copy, "soon", None)
    assert _codes(schemas_copy) == ["bad-deprecation"], "since must be a version"


def test_bad_code_deprecations_fail(schemas_copy):
    _deprecate_code(schemas_copy, "referral", "1.0.0", "nonexistent")
    assert _codes(schemas_copy) == ["bad-deprecation"]
    _deprecate_code(schemas_copy, "referral", "next", "other")
    assert _codes(schemas_copy) == ["bad-deprecation"]


def test_deprecations_are_minor_changes(standard, schemas_copy):
    _bump(schemas_copy, "2.1.0")
    _deprecate_field(schemas_copy, "2.1.0", "body_id")
    _deprecate_code(schemas_copy, "referral", "2.1.0", "other")
    d = diff_standards(standard, open_standard(schemas_copy))
    assert sorted((c.level, c.kind, c.where) for c in d.changes) == [
        ("minor", "code-deprecated", "codelist case_source: referral"),
        ("minor", "field-deprecated", "meetings.title"),
    ]
    assert d.required == "minor" and d.ok


def test_docs_mark_deprecated_fields(schemas_copy, tmp_path):
    _bump(schemas_copy, "2.1.0")
    _deprecate_field(schemas_copy, "2.1.0", "body_id")
    build_docs(open_standard(schemas_copy), tmp_path / "site")
    html = (tmp_path / "site" / "tables" / "meetings.html").read_text(encoding="utf-8")
    assert "deprecated since 2.1.0 → body_id" in html


def test_table_deprecation(standard, schemas_copy):
    path = schemas_copy / "tables" / "survey_counts.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["deprecated"] = {"since": "1.0.0", "replacement": "survey_answers"}
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    assert _codes(schemas_copy) == []
    d = diff_standards(standard, open_standard(schemas_copy))
    assert [(c.level, c.kind) for c in d.changes] == [("minor", "table-deprecated")]
    schema["deprecated"] = {"since": "1.0.0", "replacement": "no_such_table"}
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    assert _codes(schemas_copy) == ["bad-deprecation"]


def test_validator_warns_on_deprecated_use(schemas_copy, tmp_path):
    """With the standard's deprecation marks, the validator warns but the package stays valid."""
    validation = pytest.importorskip("jiceng.validation")
    from jiceng.package import write_package

    _deprecate_field(schemas_copy, "1.0.0", "body_id")
    _deprecate_code(schemas_copy, "referral", "1.0.0", "other")
    std = open_standard(schemas_copy)
    loc = "330000000000"
    meta = {"name": "dep", "title": "测试", "locality_id": loc, "locality_name": "浙江省", "province_code": "33",
            "period": "2022", "publisher": {"name": "测试 test"}, "licenses": [{"name": "CC-BY-4.0"}]}
    write_package(tmp_path / "pkg", meta, {
        "localities": [{"locality_id": loc, "name": "浙江省", "level": "province"}],
        "meetings": [{"meeting_id": "M1", "locality_id": loc, "meeting_date": "2022-05-20", "form": "council_hall",
                      "mode": "offline", "title": "议事"}],
        "cases": [{"case_id": "C1", "locality_id": loc, "reported_date": "2022-03-01", "category": "environment",
                   "source": "referral", "status": "received"}],
    }, std=std)
    report = validation.validate(tmp_path / "pkg", standard=std)
    assert report.valid
    assert report.count("DEPRECATED_FIELD") == 1 and report.count("DEPRECATED_CODE") == 1
