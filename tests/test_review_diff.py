"""`jiceng schema diff`: real changes made to a copy of schemas/, each classified as the issue says."""
import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.review.diff import bump_level, diff_standards, open_standard

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def new_root(schemas_copy) -> Path:
    """A folder holding a writable copy of schemas/ and validators/ (the proposed version)."""
    root = schemas_copy.parent
    if (REPO / "validators").is_dir():
        shutil.copytree(REPO / "validators", root / "validators")
    else:
        (root / "validators").mkdir()
    return root


def _table(root: Path, name: str) -> dict:
    return json.loads((root / "schemas" / "tables" / f"{name}.json").read_text(encoding="utf-8"))


def _save_table(root: Path, schema: dict) -> None:
    (root / "schemas" / "tables" / f"{schema['name']}.json").write_text(
        json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _field(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


def _codelist_rows(root: Path, name: str) -> list[dict]:
    with open(root / "schemas" / "codelists" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _save_codelist(root: Path, name: str, rows: list[dict]) -> None:
    """Write the codelist and keep every field's enum equal to it, as the standard requires."""
    with open(root / "schemas" / "codelists" / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    for path in (root / "schemas" / "tables").glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        for f in schema["fields"]:
            if f.get("codelist") == name and "enum" in (f.get("constraints") or {}):
                f["constraints"]["enum"] = [r["code"] for r in rows]
        _save_table(root, schema)


def _diff(standard, root: Path):
    return diff_standards(standard, open_standard(root))


def _kinds(d) -> list[tuple[str, str]]:
    return [(c.level, c.kind) for c in d.changes]


def test_unchanged_copy_has_no_changes(standard, new_root):
    d = _diff(standard, new_root)
    assert d.changes == [] and d.required is None and d.ok


def test_remove_a_field_is_major(standard, new_root):
    schema = _table(new_root, "cases")
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "closed_date"]
    _save_table(new_root, schema)
    d = _diff(standard, new_root)
    assert _kinds(d) == [("major", "field-removed")]
    assert d.changes[0].where == "cases.closed_date"
    assert d.required == "major" and not d.ok


def test_add_an_optional_field_is_minor(standard, new_root):
    schema = _table(new_root, "grids")
    schema["fields"].append({"name": "venue_area", "type": "number", "title": "Venue area",
                             "description": "Floor area of the meeting venue.",
                             "zh": {"title": "议事场所面积", "description": "议事场所面积。"}})
    _save_table(new_root, schema)
    d = _diff(standard, new_root)
    assert _kinds(d) == [("minor", "field-added")]
    assert d.required == "minor"


def test_add_a_required_field_is_major(standard, new_root):
    schema = _table(new_root, "grids")
    schema["fields"].append({"name": "venue_area", "type": "number", "title": "Venue area", "description": "d",
                             "zh": {"title": "面积", "description": "面积。"}, "constraints": {"required": True}})
    _save_table(new_root, schema)
    assert _kinds(_diff(standard, new_root)) == [("major", "field-added-required")]


def test_change_a_description_is_patch(standard, new_root):
    schema = _table(new_root, "cases")
    _field(schema, "status")["description"] = "Where the case stands now."
    _field(schema, "status")["zh"]["description"] = "目前的办理状态。"
    _save_table(new_root, schema)
    d = _diff(standard, new_root)
    assert _kinds(d) == [("patch", "field-text"), ("patch", "field-text")]
    assert d.required == "patch"


def test_add_a_code_is_minor(standard, new_root):
    rows = _codelist_rows(new_root, "case_source")
    rows.insert(-1, {**rows[0], "code": "twelve_three_four_five", "zh": "12345热线", "en": "12345 hotline"})
    _save_codelist(new_root, "case_source", rows)
    d = _diff(standard, new_root)
    assert _kinds(d) == [("minor", "code-added")], "the fields' enums follow the codelist and are not repeated"
    assert d.changes[0].where == "codelist case_source: twelve_three_four_five"


def test_remove_a_code_from_a_closed_list_is_major(standard, new_root):
    assert standard.codelist("case_source").closed
    rows = [r for r in _codelist_rows(new_root, "case_source") if r["code"] != "referral"]
    _save_codelist(new_root, "case_source", rows)
    d = _diff(standard, new_root)
    assert _kinds(d) == [("major", "code-removed")]


def test_remove_a_code_from_an_open_list_is_minor(standard, new_root):
    name = next(n for n, cl in standard.codelists.items() if not cl.closed and len(cl.codes) > 2)
    rows = _codelist_rows(new_root, name)
    gone = rows.pop(1)["code"]
    _save_codelist(new_root, name, rows)
    d = _diff(standard, new_root)
    assert _kinds(d) == [("minor", "code-removed-open")], gone


def test_change_a_code_flag_used_by_indicators_is_major(standard, new_root):
    rows = _codelist_rows(new_root, "case_status")
    for r in rows:
        if r["code"] == "closed_unresolved":
            r["solved"] = "true"
    _save_codelist(new_root, "case_status", rows)
    assert _kinds(_diff(standard, new_root)) == [("major", "code-attribute-changed")]


def test_translate_a_code_label_is_patch(standard, new_root):
    rows = _codelist_rows(new_root, "case_source")
    rows[0]["en"] = "Grid patrol (walk)"
    _save_codelist(new_root, "case_source", rows)
    assert _kinds(_diff(standard, new_root)) == [("patch", "code-text")]


def test_make_a_field_required_is_major(standard, new_root):
    schema = _table(new_root, "cases")
    _field(schema, "grid_id").setdefault("constraints", {})["required"] = True
    _save_table(new_root, schema)
    assert _kinds(_diff(standard, new_root)) == [("major", "made-required")]


def test_relax_and_narrow_constraints(standard, new_root):
    schema = _table(new_root, "meetings")
    f = _field(schema, "participants")
    assert f["constraints"].get("minimum") == 0
    f["constraints"]["minimum"] = 1
    _save_table(new_root, schema)
    assert _kinds(_diff(standard, new_root)) == [("major", "constraint-narrowed")]
    f["constraints"].pop("minimum")
    _save_table(new_root, schema)
    assert _kinds(_diff(standard, new_root)) == [("minor", "constraint-relaxed")]


def test_type_changes(standard, new_root):
    schema = _table(new_root, "meetings")
    _field(schema, "participants")["type"] = "number"
    _save_table(new_root, schema)
    assert _kinds(_diff(standard, new_root)) == [("minor", "type-widened")]
    _field(schema, "participants")["type"] = "date"
    _save_table(new_root, schema)
    assert _kinds(_diff(standard, new_root)) == [("major", "type-changed")]


def test_remove_a_table_is_major_and_add_one_minor(standard, new_root):
    (new_root / "schemas" / "tables" / "agenda_ratings.json").unlink()
    kinds = _kinds(_diff(standard, new_root))
    assert ("major", "table-removed") in kinds


def test_foreign_key_and_primary_key_changes(standard, new_root):
    schema = _table(new_root, "cases")
    schema["foreignKeys"] = schema["foreignKeys"][1:]
    _save_table(new_root, schema)
    assert _kinds(_diff(standard, new_root)) == [("minor", "foreign-key-removed")]
    schema["primaryKey"] = ["case_id", "locality_id"]
    _save_table(new_root, schema)
    assert ("major", "primary-key-changed") in _kinds(_diff(standard, new_root))


def test_change_an_indicator_formula_is_major(standard, new_root):
    path = new_root / "schemas" / "indicators.json"
    cat = json.loads(path.read_text(encoding="utf-8"))
    ind = next(i for i in cat["indicators"] if (i.get("computation") or {}).get("denominator"))
    ind["computation"]["scale"] = ind["computation"]["scale"] * 10
    ind["formula"] += " (per ten)"
    path.write_text(json.dumps(cat, ensure_ascii=False, indent=2), encoding="utf-8")
    d = _diff(standard, new_root)
    assert _kinds(d) == [("major", "indicator-computation-changed"), ("major", "indicator-formula-changed")]
    assert d.changes[0].where == f"indicator {ind['code']}"


def test_indicator_title_translation_is_patch(standard, new_root):
    path = new_root / "schemas" / "indicators.json"
    cat = json.loads(path.read_text(encoding="utf-8"))
    cat["indicators"][0]["zh"]["title"] += "(个)"
    path.write_text(json.dumps(cat, ensure_ascii=False, indent=2), encoding="utf-8")
    assert _kinds(_diff(standard, new_root)) == [("patch", "indicator-text")]


def test_deprecate_a_field_is_minor(standard, new_root):
    schema = _table(new_root, "meetings")
    _field(schema, "title")["deprecated"] = {"since": "1.1.0", "replacement": "body_id",
                                             "description": "Use body_id.", "zh": {"description": "请用 body_id。"}}
    _save_table(new_root, schema)
    assert _kinds(_diff(standard, new_root)) == [("minor", "field-deprecated")]


def test_profile_required_metadata_is_major(standard, new_root):
    path = new_root / "schemas" / "datapackage.profile.json"
    profile = json.loads(path.read_text(encoding="utf-8"))
    profile["required"].append("description")
    path.write_text(json.dumps(profile, ensure_ascii=False, indent=2), encoding="utf-8")
    assert _kinds(_diff(standard, new_root)) == [("major", "profile-required-added")]


def _write_rules(root: Path, rules: list[dict]) -> None:
    import yaml
    (root / "validators" / "zz_review_test.yaml").write_text(
        yaml.safe_dump({"table": "cases", "rules": rules}, allow_unicode=True), encoding="utf-8")


RULE = {"code": "TEST_CASE_RULE", "severity": "WARNING", "kind": "compare_fields",
        "params": {"left": "closed_date", "op": ">=", "right": "reported_date"},
        "message": {"zh": "办结日期早于受理日期", "en": "closed before reported"},
        "examples": {"fail": [{"reported_date": "2022-05-02", "closed_date": "2022-05-01"}], "pass": []}}


def test_add_a_warning_rule_is_minor_and_an_error_rule_major(standard, new_root):
    _write_rules(new_root, [RULE])
    d = _diff(standard, new_root)
    assert _kinds(d) == [("minor", "rule-added")]
    assert d.changes[0].where == "rule cases/TEST_CASE_RULE"
    _write_rules(new_root, [{**RULE, "severity": "ERROR"}])
    assert _kinds(_diff(standard, new_root)) == [("major", "rule-added")]


def test_rule_changes_between_two_proposals(standard, new_root, tmp_path):
    base = tmp_path / "base"
    shutil.copytree(new_root, base)
    _write_rules(base, [RULE])
    _write_rules(new_root, [{**RULE, "message": {"zh": "办结日期不能早于受理日期", "en": "closed before reported"}}])
    assert _kinds(diff_standards(open_standard(base), open_standard(new_root))) == [("patch", "rule-text")]
    _write_rules(new_root, [{**RULE, "severity": "ERROR"}])
    assert _kinds(diff_standards(open_standard(base), open_standard(new_root))) == [("major", "rule-severity-changed")]
    _write_rules(new_root, [])
    assert _kinds(diff_standards(open_standard(base), open_standard(new_root))) == [("minor", "rule-removed")]


def test_declared_bump():
    assert bump_level("1.0.0", "2.0.0") == "major"
    assert bump_level("1.0.0", "1.1.0") == "minor"
    assert bump_level("1.0.0", "1.0.1") == "patch"
    assert bump_level("1.0.0", "1.0.0") is None
    assert bump_level("1.2.0", "1.1.9") == "downgrade"


# ---------------------------------------------------------------- the command

def test_cli_text_and_json(standard, new_root):
    schema = _table(new_root, "cases")
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "closed_date"]
    _save_table(new_root, schema)
    result = runner.invoke(app, ["schema", "diff", str(REPO), str(new_root)])
    assert result.exit_code == 0, result.output
    assert "MAJOR" in result.output and "cases.closed_date" in result.output and "field cases.closed_date removed" in result.output
    result = runner.invoke(app, ["schema", "diff", str(REPO), str(new_root / "schemas"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["required_bump"] == "major" and data["declared_bump"] is None and data["ok"] is False
    assert data["changes"][0]["kind"] == "field-removed"
    # --check turns a too-small bump into a failing exit code for scripts.
    result = runner.invoke(app, ["schema", "diff", str(REPO), str(new_root), "--check"])
    assert result.exit_code == 1


def test_cli_bad_input_is_bilingual(tmp_path):
    result = runner.invoke(app, ["schema", "diff", str(tmp_path / "nowhere"), str(REPO)])
    assert result.exit_code == 2
    assert "git" in result.output and "既不是" in result.output and "neither a folder" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["schema", "diff", str(empty), str(REPO)])
    assert result.exit_code == 2 and "no schemas/standard.json" in result.output
    result = runner.invoke(app, ["schema", "diff", str(REPO), str(REPO), "--format", "xml"])
    assert result.exit_code == 2


def test_cli_git_revisions(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "schemas", repo / "schemas")

    def git(*args):
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                       check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "one")
    schema = _table(repo, "cases")
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "closed_date"]
    _save_table(repo, schema)
    info = json.loads((repo / "schemas" / "standard.json").read_text(encoding="utf-8"))
    next_major = f"{int(info['version'].split('.')[0]) + 1}.0.0"
    info["version"] = next_major
    (repo / "schemas" / "standard.json").write_text(json.dumps(info), encoding="utf-8")
    git("commit", "-q", "-am", "two")
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["schema", "diff", "HEAD~1", "HEAD", "--format", "json", "--check"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["old_version"], data["new_version"], data["required_bump"], data["ok"]) == (
        standard_version(), next_major, "major", True)
    # A revision against a folder, and an unknown revision.
    assert runner.invoke(app, ["schema", "diff", "HEAD", str(repo)]).exit_code == 0
    result = runner.invoke(app, ["schema", "diff", "no-such-rev", "HEAD"])
    assert result.exit_code == 2 and "no-such-rev" in result.output


def standard_version() -> str:
    return json.loads((REPO / "schemas" / "standard.json").read_text(encoding="utf-8"))["version"]


def test_cli_unreadable_files_are_reported(new_root):
    (new_root / "schemas" / "tables" / "cases.json").write_text("{broken", encoding="utf-8")
    result = runner.invoke(app, ["schema", "diff", str(REPO), str(new_root)])
    assert result.exit_code == 2 and "cannot read" in result.output and "无法读取" in result.output
    (new_root / "schemas" / "tables" / "cases.json").write_text(
        (REPO / "schemas" / "tables" / "cases.json").read_text(encoding="utf-8"), encoding="utf-8")
    (new_root / "validators" / "bad.yaml").write_text("table: [unclosed\n", encoding="utf-8")
    result = runner.invoke(app, ["schema", "diff", str(REPO), str(new_root)])
    assert result.exit_code == 2 and "bad.yaml" in result.output


def test_cli_revision_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["schema", "diff", "HEAD", str(REPO)])
    assert result.exit_code == 2 and "not in a git repository" in result.output
