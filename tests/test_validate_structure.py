"""Structure and Table Schema checks: the corpus of broken packages, compared with frictionless."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from jiceng.validation import validate
from jiceng.validation.codes import CODES

HERE = Path(__file__).parent
import broken_corpus as corpus  # tests/fixtures/broken, put on sys.path by conftest.py

HEADER = {"blank-header", "extra-label", "missing-label", "blank-label", "duplicate-label", "incorrect-label", "source-error"}
ROW_LEVEL = {"blank-row", "primary-key", "foreign-key", "extra-cell"}


def ours(report) -> Counter:
    out = Counter()
    for f in report.errors:
        kind = CODES[f.code].frictionless if f.code in CODES else None
        if kind is None:
            continue
        row = None if kind in HEADER else f.row
        field = None if kind in ROW_LEVEL or kind == "source-error" or kind == "extra-label" else f.field
        out[(f.resource, kind, row, field)] += 1
    return out


def theirs(path: Path) -> Counter:
    import frictionless

    report = frictionless.validate(str(path / "datapackage.json"), limit_errors=100_000)
    out = Counter()
    for task in report.tasks:
        for e in task.errors:
            kind = e.type
            row = None if kind in HEADER else getattr(e, "row_number", None)
            field = None if kind in ROW_LEVEL or kind in ("source-error", "extra-label") else (getattr(e, "field_name", None) or None)
            out[(task.name, kind, row, field)] += 1
    return out


CASES = corpus.cases(__import__("jiceng").current())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case, tmp_path, standard):
    pkg = corpus.build(case, tmp_path / case.name, standard)
    report = validate(pkg, max_per_group=None)
    codes = report.codes()
    assert case.expected <= codes, f"missing {case.expected - codes}; got {sorted(codes)}"
    if not case.expected:
        assert report.valid, report.to_text("en")
    else:
        assert not report.valid and report.exit_code == 1
    if case.compare:
        mine, fl = ours(report), theirs(pkg)
        assert mine == fl, f"only ours: {mine - fl}\nonly frictionless: {fl - mine}"


def _edit_table(schemas: Path, table: str, edit) -> None:
    import json

    path = schemas / "tables" / f"{table}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def test_missing_values_as_frictionless(tmp_path, schemas_copy):
    """Schemas may declare other missing values; an empty cell is then a value (frictionless)."""
    from jiceng.standard import Standard

    _edit_table(schemas_copy, "cases", lambda d: d.update(missingValues=["NA"]))
    std = Standard.from_schemas(schemas_copy)
    text = corpus.table_csv(std, "cases", 4, {1: {"hours_to_close": "NA", "resident_rating": ""},
                                              2: {"category": "NA"}, 3: {"grid_id": "", "meeting_id": "NA"}})
    pkg = corpus.build(corpus.Case("mv", {"cases": text}, set()), tmp_path / "pkg", std)
    report = validate(pkg, standard=std, max_per_group=None)
    mine, fl = ours(report), theirs(pkg)
    assert mine == fl, f"only ours: {mine - fl}\nonly frictionless: {fl - mine}"
    assert ("cases", "type-error", 3, "resident_rating") in mine  # "" is not missing: not an integer
    assert ("cases", "constraint-error", 4, "category") in mine  # "NA" is missing: required


def test_deprecated_fields_and_codes(tmp_path, schemas_copy):
    from jiceng.standard import Standard

    def deprecate(d):
        for f in d["fields"]:
            if f["name"] == "handling_level":
                f["deprecated"] = {"since": "1.1.0", "replacement": "a future field"}
    _edit_table(schemas_copy, "cases", deprecate)
    source = schemas_copy / "codelists" / "case_source.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",deprecated"] + [line + (",1.1.0" if line.startswith("hotline,") else ",") for line in lines[1:]]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    std = Standard.from_schemas(schemas_copy)
    text = corpus.table_csv(std, "cases", 3, {1: {"source": "hotline"}, 2: {"source": "hotline"}})
    pkg = corpus.build(corpus.Case("dep", {"cases": text}, set()), tmp_path / "pkg", std)
    report = validate(pkg, standard=std)
    [field] = report.by_code("DEPRECATED_FIELD")
    assert (field.resource, field.field, field.severity, field.row) == ("cases", "handling_level", "WARNING", 2)
    assert "1.1.0" in field.message_zh and "a future field" in field.message_en
    assert [(f.row, f.value) for f in report.by_code("DEPRECATED_CODE")] == [(3, "hotline"), (4, "hotline")]
    assert report.valid  # warnings only
    plain = validate(pkg)
    assert not {"DEPRECATED_FIELD", "DEPRECATED_CODE"} & plain.codes()


def test_local_code_in_open_codelist_is_a_note(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 2, {1: {"category": "noise_complaint_local"}})
    pkg = corpus.build(corpus.Case("open", {"cases": text}, set()), tmp_path / "pkg", standard)
    report = validate(pkg)
    [note] = report.by_code("CODE_NOT_IN_OPEN_CODELIST")
    assert (note.severity, note.row, note.value) == ("INFO", 3, "noise_complaint_local") and report.valid


def _embedded(pkg: Path, table: str, edit) -> None:
    import json

    data = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    edit(next(r for r in data["resources"] if r["name"] == table))
    (pkg / "datapackage.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _field(resource: dict, name: str) -> dict:
    return next(f for f in resource["schema"]["fields"] if f["name"] == name)


@pytest.mark.parametrize("edit", [
    lambda r: _field(r, "resident_rating").update(type="string"),
    lambda r: _field(r, "resident_rating")["constraints"].pop("maximum"),
    lambda r: _field(r, "category")["constraints"].pop("required"),
    lambda r: _field(r, "source")["constraints"]["enum"].append("wechat"),
    lambda r: r["schema"].update(missingValues=["", "NA"]),
], ids=["type", "maximum-removed", "required-removed", "enum-widened", "missing-values"])
def test_embedded_schema_cannot_loosen_the_standard(tmp_path, standard, edit):
    """A package cannot loosen a constraint by editing its copy of the schema: an ERROR, and the
    data is still checked against the standard."""
    text = corpus.table_csv(standard, "cases", 2, {1: {"source": "wechat"}})
    pkg = corpus.build(corpus.Case("emb", {"cases": text}, set()), tmp_path / "pkg", standard)
    _embedded(pkg, "cases", edit)
    report = validate(pkg)
    assert [f.resource for f in report.by_code("RESOURCE_SCHEMA_LOOSENED")] == ["cases"]
    assert "NOT_IN_CODELIST" in report.codes() and not report.valid


def test_embedded_schema_tighter_or_out_of_order_is_a_warning(tmp_path, standard):
    """An older copy of a codelist (tighter) or a schema not in the file's order: a WARNING only."""
    pkg = corpus.build(corpus.Case("emb", {"cases": corpus.table_csv(standard, "cases", 2)}, set()), tmp_path / "pkg", standard)
    _embedded(pkg, "cases", lambda r: _field(r, "source")["constraints"]["enum"].remove("wechat")
              if "wechat" in _field(r, "source")["constraints"]["enum"] else _field(r, "source")["constraints"]["enum"].pop())
    report = validate(pkg)
    assert [f.resource for f in report.by_code("RESOURCE_SCHEMA_DIFFERS")] == ["cases"] and report.valid
    assert not report.by_code("RESOURCE_SCHEMA_LOOSENED")

    reordered = corpus.Case("ro", {"cases": corpus._reorder(corpus.table_csv(standard, "cases", 2))}, set())
    report = validate(corpus.build(reordered, tmp_path / "ro", standard))  # the schema keeps the standard's order
    assert [f.resource for f in report.by_code("RESOURCE_SCHEMA_DIFFERS")] == ["cases"] and report.valid


def test_schema_restricted_to_the_files_columns_is_accepted(tmp_path, standard):
    """The writer's form: the standard's fields restricted to the file's columns, in file order."""
    for name, text in (("ro", corpus._reorder(corpus.table_csv(standard, "cases", 3))),
                       ("ab", corpus._drop_column(corpus.table_csv(standard, "cases", 3), "handling_level"))):
        pkg = corpus.build(corpus.Case(name, {"cases": text}, set(), restrict=True), tmp_path / name, standard)
        report = validate(pkg)
        assert report.valid and not {"RESOURCE_SCHEMA_DIFFERS", "RESOURCE_SCHEMA_LOOSENED", "HEADER_MISSING_LABEL"} & report.codes(), \
            report.to_text("en")


def test_absent_required_and_listed_optional_columns(tmp_path, standard):
    """A required field must have a column; an optional one may be absent unless the package's own
    schema says it is there."""
    text = corpus._drop_column(corpus._drop_column(corpus.table_csv(standard, "cases", 3), "category"), "handling_level")
    report = validate(corpus.build(corpus.Case("a", {"cases": text}, set()), tmp_path / "a", standard), max_per_group=None)
    assert sorted(f.field for f in report.by_code("HEADER_MISSING_LABEL")) == ["category", "handling_level"]
    report = validate(corpus.build(corpus.Case("b", {"cases": text}, set(), restrict=True), tmp_path / "b", standard))
    assert [f.field for f in report.by_code("HEADER_MISSING_LABEL")] == ["category"]
    assert not report.by_code("REQUIRED_MISSING")  # the column is missing, not each cell


def test_extra_column_stays_an_error_wherever_it_is(tmp_path, standard):
    rows = list(__import__("csv").reader(__import__("io").StringIO(corpus.table_csv(standard, "cases", 2))))
    for r, v in zip(rows, ["remark", "a", "b"]):
        r.insert(3, v)
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    report = validate(corpus.build(corpus.Case("x", {"cases": buf.getvalue()}, set()), tmp_path / "x", standard))
    assert [(f.code, f.value) for f in report.errors if f.code.startswith("HEADER_") and f.severity == "ERROR"] == \
        [("HEADER_EXTRA_LABEL", "remark")]
    assert not report.by_code("TYPE_ERROR")  # the other columns are still read by name


def test_python_and_polars_readers_agree(standard, tmp_path):
    """A multi-line cell sends the file to Python's csv module: same findings as without it."""
    edits = {1: {"resident_rating": "x"}, 2: {"source": "bad"}, 3: {"hours_to_close": "-2"}}
    plain = corpus.table_csv(standard, "cases", 5, edits)
    multiline = corpus.table_csv(standard, "cases", 5, {**edits, 4: {"category": "two\nlines"}})
    a = validate(corpus.build(corpus.Case("a", {"cases": plain}, set()), tmp_path / "a", standard), max_per_group=None)
    b = validate(corpus.build(corpus.Case("b", {"cases": multiline}, set()), tmp_path / "b", standard), max_per_group=None)
    key = lambda r: sorted((f.code, f.row, f.field) for f in r.errors if f.row != 6)  # noqa: E731
    assert key(a) == key(b)
    assert [(f.row, f.field) for f in b.by_code("PATTERN_MISMATCH")] == [(6, "category")]


def test_types_outside_the_vectorised_path_follow_frictionless(tmp_path, schemas_copy):
    """A type the standard does not use today (an extension could): frictionless' own reader decides."""
    from jiceng.standard import Standard

    def to_year(d):
        for f in d["fields"]:
            if f["name"] == "code_edition":
                f["type"] = "year"
                f["constraints"] = {"minimum": 1980}
    _edit_table(schemas_copy, "localities", to_year)
    std = Standard.from_schemas(schemas_copy)
    text = corpus.table_csv(std, "localities", 4, {0: {"code_edition": "2022"}, 1: {"code_edition": "19x0"},
                                                   2: {"code_edition": "1970"}, 3: {"code_edition": ""}})
    pkg = corpus.build(corpus.Case("year", {"localities": text}, set()), tmp_path / "pkg", std)
    report = validate(pkg, standard=std, max_per_group=None)
    mine, fl = ours(report), theirs(pkg)
    assert mine == fl, f"only ours: {mine - fl}\nonly frictionless: {fl - mine}"
    assert ("localities", "type-error", 3, "code_edition") in mine
    assert ("localities", "constraint-error", 4, "code_edition") in mine


def test_constraints_run_as_one_pandera_check_per_table(standard, monkeypatch):
    """One pass over the table: a single pandera check holding every constraint, then the failing
    rows of each constraint."""
    import polars as pl

    from jiceng.validation import structure

    made = []
    pa = structure.pandera_polars()
    original = pa.Check

    def counting(*args, **kwargs):
        made.append(kwargs.get("name"))
        return original(*args, **kwargs)

    monkeypatch.setattr(pa, "Check", counting)
    text = corpus.table_csv(standard, "cases", 5, {1: {"resident_rating": "9"}, 2: {"source": "x"}, 3: {"case_id": "a b"}})
    from jiceng.validation.reading import Source, parse_csv

    parsed = parse_csv(Source(data=text.encode()))
    from jiceng.validation.collect import Discard

    typed = structure.check_resource("cases", parsed, standard.table("cases"), Discard(), standard.codelists).typed
    made.clear()
    found = structure.run_constraints("cases", standard.table("cases"), typed)
    assert made == ["table_schema_constraints"]
    assert sorted((f, c, idx.to_list()) for f, c, idx in found) == [
        ("case_id", "pattern", [3]), ("resident_rating", "maximum", [1]), ("source", "enum", [2])]
    assert isinstance(typed, pl.DataFrame)
