"""The package writer: explicit CSV dialect, schemas restricted to the written columns, and
packages that plain `frictionless validate` reads as `jiceng validate` does."""
from __future__ import annotations

import csv
import json

import pytest

from jiceng.package import CSV_DIALECT, resource_descriptor, resource_schema, write_package
from jiceng.validation import validate

import broken_corpus as corpus  # tests/fixtures/broken, put on sys.path by conftest.py


def _rows(std, table: str, n: int, **edits) -> list[dict]:
    rows = [corpus.valid_row(std, table, i) for i in range(n)]
    for i, values in edits.items():
        rows[int(i.removeprefix("r"))].update(values)
    return rows


def _package(std, tmp_path, cases_rows, **kwargs):
    tables = {"localities": _rows(std, "localities", 1), "grids": _rows(std, "grids", 2), "cases": cases_rows}
    return write_package(tmp_path / "pkg", corpus.METADATA | {"schema_version": std.version}, tables, std, **kwargs)


def _frictionless(pkg) -> tuple[bool, list]:
    import frictionless

    report = frictionless.validate(str(pkg / "datapackage.json"))
    return report.valid, [(t.name, e.type, getattr(e, "row_number", None), getattr(e, "field_name", None))
                          for t in report.tasks for e in t.errors]


def test_every_resource_declares_its_dialect_and_schema(standard, tmp_path):
    pkg = _package(standard, tmp_path, _rows(standard, "cases", 2))
    data = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    for res in data["resources"]:
        assert res["dialect"] == CSV_DIALECT
        with open(pkg / res["path"], encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert [f["name"] for f in res["schema"]["fields"]] == header
        assert header == standard.field_names(res["name"])  # all columns by default


@pytest.mark.parametrize("text", ["道路;维修;排水", "a|b|c", "一\t二\t三", '说"明";,|\t混合'])
def test_free_text_with_delimiters_passes_both_tools(standard, tmp_path, text):
    """frictionless guesses `;`, `|` or a tab from free text unless the dialect is declared."""
    grids = _rows(standard, "grids", 6)
    for row in grids:
        row["source"] = text
    tables = {"localities": _rows(standard, "localities", 1), "grids": grids, "cases": _rows(standard, "cases", 2)}
    pkg = write_package(tmp_path / "pkg", corpus.METADATA | {"schema_version": standard.version}, tables, standard)
    assert validate(pkg).valid
    ok, errors = _frictionless(pkg)
    assert ok, errors


def test_quote_all_file_with_empty_required_cell_fails_both_tools_alike(standard, tmp_path):
    """A quoted empty cell "" is missing, for jiceng as for frictionless."""
    pkg = _package(standard, tmp_path, _rows(standard, "cases", 3))
    path = pkg / "data" / "cases.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    k = rows[0].index("category")
    rows[2][k] = ""
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    assert '""' in path.read_text(encoding="utf-8")
    report = validate(pkg, max_per_group=None)
    ok, errors = _frictionless(pkg)
    assert not ok and not report.valid
    assert [(f.resource, f.row, f.field) for f in report.by_code("REQUIRED_MISSING")] == [("cases", 3, "category")]
    assert [(t, r, f) for t, kind, r, f in errors] == [("cases", 3, "category")]


def _res(descriptor: dict, name: str) -> dict:
    return next(r for r in descriptor["resources"] if r["name"] == name)


def test_omit_empty_optional_columns_only_when_asked(standard, tmp_path):
    rows = _rows(standard, "cases", 3)
    optional = [f["name"] for f in standard.fields("cases") if not (f.get("constraints") or {}).get("required")]
    empty = [n for n in optional if n not in ("grid_id", "closed_date", "handling_level")]
    for row in rows:
        row.update({n: None for n in empty})
    rows[1]["handling_level"] = rows[2]["handling_level"] = ""  # empty in some rows only: kept
    pkg = write_package(tmp_path / "full", corpus.METADATA | {"schema_version": standard.version},
                        {"localities": _rows(standard, "localities", 1), "cases": rows}, standard)
    full = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in _res(full, "cases")["schema"]["fields"]] == standard.field_names("cases")
    pkg = write_package(tmp_path / "lean", corpus.METADATA | {"schema_version": standard.version},
                        {"localities": _rows(standard, "localities", 1), "cases": rows}, standard, omit_empty_optional=True)
    lean = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    names = [f["name"] for f in _res(lean, "cases")["schema"]["fields"]]
    assert not set(empty) & set(names) and names == [n for n in standard.field_names("cases") if n not in empty]
    with open(pkg / "data" / "cases.csv", encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == names
    report = validate(pkg)
    assert report.valid, report.to_text("en")
    ok, errors = _frictionless(pkg)
    assert ok, errors


def test_resource_descriptor_for_importers(standard):
    names = standard.field_names("cases")
    columns = [names[3], names[0], *names[4:6], names[1]]
    res = resource_descriptor(standard, "cases", ["cases", "grids"], columns)
    assert res["dialect"] == CSV_DIALECT and res["path"] == "data/cases.csv"
    assert [f["name"] for f in res["schema"]["fields"]] == columns
    # foreign keys over columns the file lacks, or to tables the package lacks, are left out
    for fk in res["schema"].get("foreignKeys", []):
        fields = [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
        assert set(fields) <= set(columns) and fk["reference"]["resource"] in ("cases", "grids")
    with pytest.raises(ValueError):
        resource_schema(standard, "cases", ["cases"], ["case_id", "no_such_field"])
