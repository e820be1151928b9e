"""Locality extensions: a package adds its own fields and tables; it may never change the core."""
import json
from pathlib import Path

import pytest

from jiceng.extensions import ExtendedStandard, effective_standard
from jiceng.package import write_package

LOCALITY = "330114000000-XINHONG"


def _metadata(extensions=None) -> dict:
    meta = {
        "name": "test-wansao", "title": "测试数据包", "locality_id": LOCALITY, "locality_name": "新宏社区",
        "province_code": "33", "period": "2022", "publisher": {"name": "测试 test"},
        "licenses": [{"name": "CC-BY-4.0"}],
    }
    if extensions is not None:
        meta["extensions"] = extensions
    return meta


WANSAO = [{"name": "wansao", "version": "1.0.0", "path": "extensions/wansao",
           "title": "Wansao council details", "zh": {"title": "湾嫂议事厅扩展"}}]


def _field(name, type_="integer", **extra) -> dict:
    return {"name": name, "type": type_, "title": name.replace("_", " ").capitalize(),
            "description": f"Test field {name}.", "zh": {"title": f"测试字段{name}", "description": "测试。"}, **extra}


def _write_extension(pkg: Path, tables: dict, codelists: dict | None = None) -> None:
    folder = pkg / "extensions" / "wansao"
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    for name, schema in tables.items():
        (folder / "tables" / f"{name}.json").write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    if codelists:
        (folder / "codelists").mkdir(exist_ok=True)
        registry = {}
        for name, (closed, rows) in codelists.items():
            registry[name] = {"title": name, "description": name, "zh": {"title": name, "description": name},
                              "closed": closed, "ordered": False, "path": f"codelists/{name}.csv"}
            lines = ["code,zh,en,description_zh,description_en"] + [f"{c},{c}中,{c},{c}。,{c}." for c in rows]
            (folder / "codelists" / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (folder / "codelists.json").write_text(json.dumps({"codelists": registry}), encoding="utf-8")


GOOD_EXTENSION = {
    # Fields added to a core table: only the new fields are listed.
    "meetings": {"name": "meetings", "fields": [
        _field("wansao_members_present", constraints={"minimum": 0}),
        _field("wansao_theme", "string", codelist="wansao_theme",
               constraints={"enum": ["rural_revitalisation", "courtyard", "family"]}),
    ]},
    # A whole new table: 湾嫂3人一组与5户农户结对.
    "wansao_pairings": {"name": "wansao_pairings", "title": "Wansao pairings", "description": "Pairings of three members with households.",
                        "zh": {"title": "湾嫂结对", "description": "湾嫂三人一组与农户结对。"},
                        "primaryKey": ["pairing_id"],
                        "foreignKeys": [{"fields": ["locality_id"], "reference": {"resource": "localities", "fields": ["locality_id"]}}],
                        "fields": [_field("pairing_id", "string", constraints={"required": True, "unique": True}),
                                   _field("locality_id", "string", constraints={"required": True}),
                                   _field("members", constraints={"minimum": 1, "maximum": 10}),
                                   _field("households", constraints={"minimum": 1})]},
}
THEMES = {"wansao_theme": (True, ["rural_revitalisation", "courtyard", "family"])}


def _rows(std) -> dict:
    return {
        "localities": [{"locality_id": "330114000000", "name": "新湾街道", "level": "township"},
                       {"locality_id": LOCALITY, "name": "新宏社区", "level": "community", "parent_id": "330114000000"}],
        "meetings": [{"meeting_id": "M1", "locality_id": LOCALITY, "meeting_date": "2022-05-20", "form": "council_hall",
                      "mode": "offline", "wansao_members_present": 35, "wansao_theme": "courtyard"},
                     {"meeting_id": "M2", "locality_id": LOCALITY, "meeting_date": "2022-06-20", "form": "cloud_council",
                      "mode": "online", "wansao_members_present": 12, "wansao_theme": "family"}],
        "wansao_pairings": [{"pairing_id": "P1", "locality_id": LOCALITY, "members": 3, "households": 5}],
    }


def _package(tmp_path, standard, extension_tables=GOOD_EXTENSION, codelists=THEMES):
    pkg = tmp_path / "pkg"
    _write_extension(pkg, extension_tables, codelists)
    meta = _metadata(WANSAO)
    std, findings = effective_standard(meta, pkg, standard)
    return pkg, meta, std, findings


def test_no_extension_gives_the_core_standard(standard, tmp_path):
    std, findings = effective_standard(_metadata(), tmp_path, standard)
    assert std is standard and findings == []


def test_extension_adds_fields_and_a_table(standard, tmp_path):
    pkg, meta, std, findings = _package(tmp_path, standard)
    assert [f for f in findings if f.severity == "ERROR"] == []
    assert isinstance(std, ExtendedStandard)
    core_fields = standard.field_names("meetings")
    assert std.field_names("meetings") == core_fields + ["wansao_members_present", "wansao_theme"]
    assert std.extension_fields("meetings") == ["wansao_members_present", "wansao_theme"]
    assert "wansao_pairings" in std.tables and "wansao_pairings" not in standard.tables
    assert std.codelist("wansao_theme").closed and std.codelist("wansao_theme").codes[1] == "courtyard"
    assert std.version == standard.version and std.catalogue == standard.catalogue
    # The core standard object itself is untouched.
    assert standard.field_names("meetings") == core_fields
    # The package profile accepts the new table as a resource name.
    names = std.profile["properties"]["resources"]["items"]["properties"]["name"]["enum"]
    assert "wansao_pairings" in names
    assert "wansao_pairings" not in standard.profile["properties"]["resources"]["items"]["properties"]["name"]["enum"]
    assert std.extensions[0]["fields"] == {"meetings": ["wansao_members_present", "wansao_theme"]}
    assert std.extensions[0]["tables"] == ["wansao_pairings"]


def test_extended_package_is_written_and_passes_frictionless(standard, tmp_path):
    """Extension columns are written in schema order and checked by their own constraints."""
    import frictionless

    pkg, meta, std, _ = _package(tmp_path, standard)
    write_package(pkg, meta, _rows(std), std=std)
    header = (pkg / "data" / "meetings.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[-2:] == ["wansao_members_present", "wansao_theme"]
    report = frictionless.Package(str(pkg / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # The extension's constraints are enforced: a theme outside its closed list fails.
    rows = _rows(std)
    rows["meetings"][0]["wansao_theme"] = "not_a_theme"
    write_package(pkg, meta, rows, std=std)
    report = frictionless.Package(str(pkg / "datapackage.json")).validate()
    assert not report.valid
    assert "constraint-error" in [e[1] for e in report.flatten(["fieldName", "type"])]


def test_extended_package_validates_with_jiceng(standard, tmp_path):
    validation = pytest.importorskip("jiceng.validation")
    pkg, meta, std, _ = _package(tmp_path, standard)
    write_package(pkg, meta, _rows(std), std=std)
    report = validation.validate(pkg)
    errors = [(f.code, f.resource, f.field) for f in report.errors]
    assert report.valid, errors
    # The same package without its extension declaration has columns the standard does not know.
    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    descriptor.pop("extensions")
    (pkg / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    assert not validation.validate(pkg).valid


def _errors(findings) -> list[str]:
    return [f.code for f in findings if f.severity == "ERROR"]


def test_redefining_a_core_field_is_an_error(standard, tmp_path):
    bad = {"meetings": {"name": "meetings", "fields": [_field("participants", "string")]}}
    pkg, meta, std, findings = _package(tmp_path, standard, bad, None)
    assert "EXTENSION_REDEFINES_FIELD" in _errors(findings)
    hit = next(f for f in findings if f.code == "EXTENSION_REDEFINES_FIELD")
    assert (hit.resource, hit.field, hit.value) == ("meetings", "participants", "wansao")
    assert "participants" in hit.message_zh and "participants" in hit.message_en
    # The core definition is kept.
    assert std.fields("meetings") == standard.fields("meetings")


def test_relaxing_a_core_constraint_is_an_error(standard, tmp_path):
    bad = {"meetings": {"name": "meetings", "fields": [{"name": "mode", "constraints": {"required": False}},
                                                       {"name": "participants", "constraints": {"minimum": -5}}]}}
    _, _, std, findings = _package(tmp_path, standard, bad, None)
    assert _errors(findings) == ["EXTENSION_RELAXES_CONSTRAINT", "EXTENSION_RELAXES_CONSTRAINT"]
    assert std.fields("meetings") == standard.fields("meetings")


def test_adding_codes_to_a_core_closed_list_is_an_error(standard, tmp_path):
    core_form = next(f for f in standard.fields("meetings") if f["name"] == "mode")
    enum = core_form["constraints"]["enum"] + ["wansao_council"]
    bad = {"meetings": {"name": "meetings", "fields": [{"name": "mode", "constraints": {"enum": enum}}]}}
    _, _, _, findings = _package(tmp_path, standard, bad, None)
    assert _errors(findings) == ["EXTENSION_RELAXES_CONSTRAINT"]


def test_tightening_a_core_field_is_allowed(standard, tmp_path):
    tight = {"meetings": {"name": "meetings", "fields": [{"name": "participants", "constraints": {"required": True}}]}}
    _, _, std, findings = _package(tmp_path, standard, tight, None)
    assert _errors(findings) == []
    field = next(f for f in std.fields("meetings") if f["name"] == "participants")
    assert field["constraints"]["required"] is True and field["extension_constraints"] == "wansao"


def test_restating_a_core_table_without_some_fields_is_removal(standard, tmp_path):
    restated = [f for f in standard.fields("meetings") if f["name"] != "women_participants"]
    bad = {"meetings": {"name": "meetings", "fields": restated + [_field("wansao_note", "string")]}}
    _, _, std, findings = _package(tmp_path, standard, bad, None)
    assert _errors(findings) == ["EXTENSION_REMOVES_FIELD"]
    assert "women_participants" in std.field_names("meetings"), "the core field stays"


def test_changing_a_core_primary_key_is_an_error(standard, tmp_path):
    bad = {"meetings": {"name": "meetings", "primaryKey": ["meeting_date"], "fields": [_field("wansao_note", "string")]}}
    _, _, _, findings = _package(tmp_path, standard, bad, None)
    assert _errors(findings) == ["EXTENSION_REDEFINES_TABLE"]


def test_personal_data_field_is_an_error(standard, tmp_path):
    bad = {"meetings": {"name": "meetings", "fields": [_field("chair_phone", "string")]}}
    _, _, std, findings = _package(tmp_path, standard, bad, None)
    assert _errors(findings) == ["EXTENSION_PERSONAL_FIELD"]
    assert "chair_phone" not in std.field_names("meetings")


def test_redefining_a_core_codelist_is_an_error(standard, tmp_path):
    _, _, std, findings = _package(tmp_path, standard, {"meetings": {"name": "meetings", "fields": []}},
                                   {"gender": (True, ["female", "male", "x"])})
    assert _errors(findings) == ["EXTENSION_REDEFINES_CODELIST"]
    assert std.codelist("gender").codes == standard.codelist("gender").codes


def test_bad_declarations(standard, tmp_path):
    cases = [
        ({"extensions": "wansao"}, "EXTENSION_DECLARATION"),
        ({"extensions": [{"name": "wansao"}]}, "EXTENSION_DECLARATION"),
        ({"extensions": [{"name": "wansao", "path": "../elsewhere"}]}, "EXTENSION_DECLARATION"),
        ({"extensions": [{"name": "wansao", "path": "extensions/missing"}]}, "EXTENSION_NOT_FOUND"),
    ]
    for descriptor, code in cases:
        std, findings = effective_standard(descriptor, tmp_path, standard)
        assert _errors(findings) == [code], descriptor
        assert all(f.message_zh and f.message_en for f in findings)


def test_unreadable_extension_file(standard, tmp_path):
    folder = tmp_path / "extensions" / "wansao" / "tables"
    folder.mkdir(parents=True)
    (folder / "meetings.json").write_text("{not json", encoding="utf-8")
    std, findings = effective_standard({"extensions": WANSAO}, tmp_path, standard)
    assert _errors(findings) == ["EXTENSION_UNREADABLE"]
    assert std.field_names("meetings") == standard.field_names("meetings")


def test_missing_translation_is_a_warning(standard, tmp_path):
    ext = {"meetings": {"name": "meetings", "fields": [{"name": "wansao_note", "type": "string"}]}}
    _, _, std, findings = _package(tmp_path, standard, ext, None)
    assert [(f.code, f.severity) for f in findings] == [("EXTENSION_MISSING_TRANSLATION", "WARNING")]
    assert "wansao_note" in std.field_names("meetings")
