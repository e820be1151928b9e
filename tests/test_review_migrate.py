"""`jiceng migrate`: an example package of an older version, made here, upgraded with declarative steps."""
import csv
import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.package import write_package
from jiceng.review.migrate import MigrationError, find_chain, load_migration, migrate_package
from jiceng.review.diff import open_standard

runner = CliRunner()
LOC = "430302000000"

CHAIN = {
    "0.8.0__0.9.0.yaml": """
from: 0.8.0
to: 0.9.0
description: {zh: 民情事项表改名, en: issues renamed to cases}
steps:
  - {op: rename_table, from: issues, to: cases}
""",
    "0.9.0__1.0.0.yaml": """
from: 0.9.0
to: 1.0.0
description: {zh: 来源字段改名并统一代码;会议增加形式, en: source renamed and recoded; meetings gain a mode}
steps:
  - {op: rename_field, table: cases, from: origin, to: source}
  - {op: map_codes, table: cases, field: source, map: {phone: hotline, web: online}}
  - {op: add_default, table: meetings, field: mode, value: offline}
  - {op: split_field, table: grids, field: valid_period, into: [valid_from, valid_to], separator: "/"}
  - {op: merge_fields, table: localities, fields: [note_a, note_b], into: note, separator: "; "}
  - {op: drop_field, table: meetings, field: legacy_flag}
""",
}


@pytest.fixture
def schemas(schemas_copy, standard) -> Path:
    """A copy of schemas/ at version 1.0.0 with test migrations from 0.8.0."""
    info = json.loads((schemas_copy / "standard.json").read_text(encoding="utf-8"))
    info["version"] = "1.0.0"
    (schemas_copy / "standard.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    (schemas_copy / "migrations").mkdir(exist_ok=True)
    for name, text in CHAIN.items():
        (schemas_copy / "migrations" / name).write_text(text.lstrip(), encoding="utf-8")
    return schemas_copy


def _rows() -> dict:
    return {
        "localities": [{"locality_id": "430300000000", "name": "湘潭市", "level": "prefecture"},
                       {"locality_id": LOC, "name": "雨湖区", "level": "county", "parent_id": "430300000000"}],
        "grids": [{"grid_id": f"G{i}", "locality_id": LOC, "grid_level": "grid", "grid_kind": "comprehensive",
                   "valid_from": "2022-01-01", "valid_to": "2022-12-31" if i < 3 else ""} for i in range(1, 5)],
        "meetings": [{"meeting_id": f"M{i}", "locality_id": LOC, "meeting_date": "2022-05-20", "form": "council_hall",
                      "mode": "online" if i == 1 else "offline"} for i in range(1, 4)],
        "cases": [{"case_id": f"C{i}", "locality_id": LOC, "grid_id": "G1", "reported_date": "2022-03-01",
                   "category": "environment", "source": src, "status": "received"}
                  for i, src in enumerate(["hotline", "online", "patrol", "hotline"], start=1)],
    }


def _rewrite(path: Path, transform) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows = [transform(dict(r)) for r in rows]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _old_package(folder: Path, standard) -> Path:
    """A package as a 0.8.0 publisher wrote it: table issues, column origin with old codes, no meeting
    mode but a legacy flag, grid validity in one column, locality notes in two."""
    meta = {"name": "test-yuhu", "title": "雨湖区测试", "locality_id": LOC, "locality_name": "雨湖区",
            "province_code": "43", "period": "2022", "publisher": {"name": "测试 test"},
            "licenses": [{"name": "CC-BY-4.0"}]}
    write_package(folder, meta, _rows(), std=standard)
    data = folder / "data"

    def case(r):
        r["origin"] = {"hotline": "phone", "online": "web"}.get(r.pop("source"), "patrol")
        return r

    def meeting(r):
        r.pop("mode")
        r["legacy_flag"] = ""
        return r

    def grid(r):
        r["valid_period"] = f"{r.pop('valid_from')}/{r.pop('valid_to')}".rstrip("/")
        return r

    def locality(r):
        r.pop("note")
        r["note_a"], r["note_b"] = ("旧备注", "第二条") if r["locality_id"] == LOC else ("", "")
        return r

    _rewrite(data / "cases.csv", case)
    (data / "cases.csv").rename(data / "issues.csv")
    _rewrite(data / "meetings.csv", meeting)
    _rewrite(data / "grids.csv", grid)
    _rewrite(data / "localities.csv", locality)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["schema_version"] = "0.8.0"
    for res in descriptor["resources"]:
        res.pop("schema")
        if res["name"] == "cases":
            res.update(name="issues", path="data/issues.csv")
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    (folder / "README.md").write_text("说明 notes\n", encoding="utf-8")
    return folder


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _digest(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_chain_is_found_and_files_are_checked(schemas):
    chain = find_chain(schemas / "migrations", "0.8.0", "1.0.0")
    assert [p.name for p in chain] == ["0.8.0__0.9.0.yaml", "0.9.0__1.0.0.yaml"]
    with pytest.raises(MigrationError, match="no migration path from 0.7.0"):
        find_chain(schemas / "migrations", "0.7.0", "1.0.0")
    bad = schemas / "migrations" / "0.9.0__0.9.1.yaml"
    bad.write_text("from: 0.9.0\nto: 0.9.1\nsteps:\n  - {op: rename_column, table: cases}\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="unknown op 'rename_column'"):
        load_migration(bad)
    bad.write_text("from: 0.9.0\nto: 0.9.1\nsteps:\n  - {op: rename_field, table: cases}\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="lacks"):
        load_migration(bad)


def test_migrate_old_package_with_the_command(schemas, standard, tmp_path):
    old = _old_package(tmp_path / "old", standard)
    before = _digest(old)
    out = tmp_path / "new"
    result = runner.invoke(app, ["migrate", str(old), "--to", "1.0.0", "--schemas", str(schemas), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "0.8.0 → 1.0.0" in text and "0.8.0→0.9.0" in text and "0.9.0→1.0.0" in text
    assert "rename_table issues" in text
    assert "map_codes cases.source" in text and "(3 行 / rows)" in text  # phone ×2, web ×1
    assert "add_default meetings.mode" in text
    assert "drop_field meetings.legacy_flag" in text and "values of 0 rows removed" in text

    assert _digest(old) == before, "the input package is not modified"
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["schema_version"] == "1.0.0"
    assert sorted(r["name"] for r in descriptor["resources"]) == ["cases", "grids", "localities", "meetings"]
    std = open_standard(schemas)
    assert all(r["schema"]["fields"] == std.fields(r["name"]) for r in descriptor["resources"])
    assert (out / "README.md").read_text(encoding="utf-8") == "说明 notes\n", "other files travel along"
    assert not (out / "data" / "issues.csv").exists()

    assert [r["source"] for r in _read(out / "data" / "cases.csv")] == ["hotline", "online", "patrol", "hotline"]
    assert [r["mode"] for r in _read(out / "data" / "meetings.csv")] == ["offline"] * 3
    grids = _read(out / "data" / "grids.csv")
    assert [(g["valid_from"], g["valid_to"]) for g in grids] == [("2022-01-01", "2022-12-31")] * 2 + [("2022-01-01", "")] * 2
    notes = {r["locality_id"]: r["note"] for r in _read(out / "data" / "localities.csv")}
    assert notes == {"430300000000": "", LOC: "旧备注; 第二条"}

    import frictionless
    report = frictionless.Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_migrated_package_passes_the_validator(schemas, standard, tmp_path):
    validation = pytest.importorskip("jiceng.validation")
    if not hasattr(validation, "validate"):
        pytest.skip("jiceng.validation.validate is not available")
    old = _old_package(tmp_path / "old", standard)
    std = open_standard(schemas)
    migrate_package(old, std, "1.0.0", tmp_path / "new")
    report = validation.validate(tmp_path / "new", standard=std)
    assert report.valid, [(f.code, f.resource, f.row, f.field) for f in report.errors]


def test_data_without_a_place_is_never_dropped(schemas, standard, tmp_path):
    """Without the drop_field step, the legacy column has no place in 1.0.0: the migration stops."""
    path = schemas / "migrations" / "0.9.0__1.0.0.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - {op: drop_field, table: meetings, field: legacy_flag}\n", ""),
                    encoding="utf-8")
    old = _old_package(tmp_path / "old", standard)
    result = runner.invoke(app, ["migrate", str(old), "--schemas", str(schemas), "-o", str(tmp_path / "new")])
    assert result.exit_code == 2
    assert "legacy_flag" in result.output and "nothing is dropped silently" in result.output and "数据不会被丢弃" in result.output
    assert not (tmp_path / "new").exists()


def test_in_place(schemas, standard, tmp_path):
    old = _old_package(tmp_path / "old", standard)
    result = runner.invoke(app, ["migrate", str(old), "--schemas", str(schemas), "--in-place", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["chain"] == ["0.8.0→0.9.0", "0.9.0→1.0.0"]
    assert json.loads((old / "datapackage.json").read_text(encoding="utf-8"))["schema_version"] == "1.0.0"
    assert not (old / "data" / "issues.csv").exists() and (old / "data" / "cases.csv").exists()


def test_bad_requests_are_refused(schemas, standard, tmp_path):
    old = _old_package(tmp_path / "old", standard)
    cases = [
        (["migrate", str(old), "--schemas", str(schemas)], "-o"),
        (["migrate", str(old), "--schemas", str(schemas), "--to", "2.0.0", "-o", str(tmp_path / "x")], "2.0.0"),
        (["migrate", str(tmp_path / "nothing"), "--schemas", str(schemas), "-o", str(tmp_path / "y")], "datapackage.json"),
        (["migrate", str(old), "--schemas", str(schemas), "-o", str(old)], "not empty"),
    ]
    for args, needle in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert needle in result.output and "✗" in result.output
    descriptor = json.loads((old / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["schema_version"] = "0.7.0"
    (old / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = runner.invoke(app, ["migrate", str(old), "--schemas", str(schemas), "-o", str(tmp_path / "z")])
    assert result.exit_code == 2 and "no migration path from 0.7.0 to 1.0.0" in result.output


def test_migrations_in_the_standard_are_valid(standard):
    """Every migration shipped in schemas/migrations/ loads, and leads to a version not above the current."""
    from jiceng.review.diff import parse_version

    for path in sorted((standard.schemas_dir / "migrations").glob("*__*.yaml")):
        spec = load_migration(path)
        assert parse_version(str(spec["to"])) <= parse_version(standard.version), path.name


def test_migrated_but_invalid_exits_1(schemas, standard, tmp_path):
    """Without the add_default step the required meetings.mode stays empty: written, but reported invalid."""
    pytest.importorskip("jiceng.validation")
    path = schemas / "migrations" / "0.9.0__1.0.0.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - {op: add_default, table: meetings, field: mode, value: offline}\n", ""),
                    encoding="utf-8")
    old = _old_package(tmp_path / "old", standard)
    result = runner.invoke(app, ["migrate", str(old), "--schemas", str(schemas), "-o", str(tmp_path / "new")])
    assert result.exit_code == 1, result.output
    assert "✗ 校验 / validation: 3 错误 errors" in result.output
    assert (tmp_path / "new" / "datapackage.json").is_file()
