import csv
import json

from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.schema_check import check
from jiceng.standard import Standard

runner = CliRunner()


def _edit_json(path, fn):
    data = json.loads(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _codes(problems):
    return {p.code for p in problems}


def test_real_schemas_pass(standard):
    assert check(standard) == []
    result = runner.invoke(app, ["schema", "check"])
    assert result.exit_code == 0, result.output
    assert f"{len(standard.tables)} tables" in result.output
    assert len(standard.tables) == len(list((standard.schemas_dir / "tables").glob("*.json")))


def test_every_table_has_pk_and_bilingual_fields(standard):
    for name, schema in standard.tables.items():
        assert schema["primaryKey"], name
        for f in schema["fields"]:
            assert f["zh"]["title"] and f["title"], (name, f["name"])


def test_missing_chinese_field_title_fails(schemas_copy):
    _edit_json(schemas_copy / "tables" / "grids.json", lambda d: d["fields"][0]["zh"].update(title=""))
    problems = check(Standard.from_schemas(schemas_copy))
    assert any(p.code == "missing-zh" and "grid_id" in p.where for p in problems)
    result = runner.invoke(app, ["schema", "check", "--schemas", str(schemas_copy)])
    assert result.exit_code == 1


def test_missing_english_table_description_fails(schemas_copy):
    _edit_json(schemas_copy / "tables" / "cases.json", lambda d: d.pop("description"))
    assert "missing-en" in _codes(check(Standard.from_schemas(schemas_copy)))


def test_empty_code_label_fails(schemas_copy):
    path = schemas_copy / "codelists" / "gender.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[0]["en"] = " "
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    problems = check(Standard.from_schemas(schemas_copy))
    assert any(p.code == "missing-translation" and "gender" in p.where for p in problems)


def test_enum_differs_from_codelist_fails(schemas_copy):
    def drop_code(d):
        f = next(f for f in d["fields"] if f["name"] == "status")
        f["constraints"]["enum"] = f["constraints"]["enum"][:-1]
    _edit_json(schemas_copy / "tables" / "cases.json", drop_code)
    assert "enum-codelist-mismatch" in _codes(check(Standard.from_schemas(schemas_copy)))


def test_code_added_to_codelist_without_enum_fails(schemas_copy):
    with (schemas_copy / "codelists" / "meeting_mode.csv").open("a", encoding="utf-8") as fh:
        fh.write("phone,电话会议,Phone,电话会议。,Phone conference.\n")
    assert "enum-codelist-mismatch" in _codes(check(Standard.from_schemas(schemas_copy)))


def test_dangling_foreign_key_table_fails(schemas_copy):
    _edit_json(schemas_copy / "tables" / "cases.json",
               lambda d: d["foreignKeys"][0]["reference"].update(resource="places"))
    assert "dangling-foreign-key" in _codes(check(Standard.from_schemas(schemas_copy)))


def test_dangling_foreign_key_field_fails(schemas_copy):
    _edit_json(schemas_copy / "tables" / "meetings.json",
               lambda d: d["foreignKeys"][0]["reference"].update(fields=["locality_code"]))
    assert "dangling-foreign-key" in _codes(check(Standard.from_schemas(schemas_copy)))


def test_personal_field_is_refused(schemas_copy):
    _edit_json(schemas_copy / "tables" / "volunteers.json", lambda d: d["fields"].append(
        {"name": "mobile_phone", "type": "string", "title": "Phone", "description": "x",
         "zh": {"title": "电话", "description": "x"}}))
    assert "personal-field" in _codes(check(Standard.from_schemas(schemas_copy)))


def test_catalogue_formula_on_missing_field_fails(schemas_copy):
    def bad(d):
        d["indicators"][0]["computation"]["numerator"]["where"] = {"grid_type": ["grid"]}
    _edit_json(schemas_copy / "indicators.json", bad)
    assert "catalogue-field" in _codes(check(Standard.from_schemas(schemas_copy)))


def test_unreadable_schemas_folder_exits_2(tmp_path):
    result = runner.invoke(app, ["schema", "check", "--schemas", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_labels_and_titles_must_be_unique(schemas_copy):
    """A clerk types a label or a column title; each must name one code or one field."""
    path = schemas_copy / "codelists" / "case_source.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    code, zh, *rest = lines[1].split(",")
    lines.append(",".join(["copy_of_" + code, zh, *rest]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _edit_json(schemas_copy / "tables" / "cases.json", lambda d: d["fields"][-1]["zh"].update(title=d["fields"][0]["zh"]["title"]))
    codes = _codes(check(Standard.from_schemas(schemas_copy)))
    assert {"duplicate-label", "duplicate-title"} <= codes
