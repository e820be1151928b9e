"""Publishers' tools: template, import (with normalisation and refusals), export, round trip."""
from __future__ import annotations

import csv
import io
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.package import write_package
from jiceng.publish import export_package, import_path, write_template
from jiceng.publish.exporter import formula_cells
from jiceng.publish.layout import metadata_keys, required_tables, table_title
from jiceng.publish.normalise import FieldSpec, TableSpec, normalise_value

REPO = Path(__file__).resolve().parents[1]
PACKAGES = sorted(p for p in (REPO / "datapackages").glob("*") if (p / "datapackage.json").is_file())
runner = CliRunner()

LOC = "330102003001"
META = {
    "name": "test-pkg", "title": "测试数据包", "locality_id": LOC, "locality_name": "测试社区",
    "province_code": "33", "period": "2023", "publisher": {"name": "测试街道办事处"},
    "licenses": [{"name": "CC-BY-4.0"}],
}


# -- helpers --------------------------------------------------------------------------------

def _field(std, table, name):
    return next(f for f in std.fields(table) if f["name"] == name)


def _spec(std, table, name):
    return FieldSpec.from_field(std, _field(std, table, name))


def _template(tmp_path, **kw) -> Path:
    return write_template(tmp_path / "template.xlsx", **kw)


def _sheet(wb, std, table):
    return wb[table_title(std, table, "zh")]


def _fill(path: Path, std, data: dict[str, list[dict]], meta: dict | None = None, save_as: Path | None = None) -> Path:
    """Type rows into a template the way a clerk would: by column, from row 3."""
    wb = openpyxl.load_workbook(path)
    for table, rows in data.items():
        ws = _sheet(wb, std, table)
        cols = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
        for r, row in enumerate(rows, start=3):
            for name, value in row.items():
                ws.cell(r, cols[name]).value = value
    ws = wb["元数据"]
    keys = {ws.cell(r, 2).value: r for r in range(2, ws.max_row + 1)}
    for key, value in (meta if meta is not None else {
        "name": "test-pkg", "title": "测试数据包", "locality_id": LOC, "locality_name": "测试社区",
        "province_code": "浙江省", "period": "2023", "publisher.name": "测试街道办事处", "licenses": "CC-BY-4.0",
    }).items():
        ws.cell(keys[key], 3).value = value
    out = save_as or path
    wb.save(out)
    return out


LOCALITY_ROW = {"locality_id": LOC, "name": "测试社区", "level": "社区"}


def _csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _codes(result):
    return [f.code for f in result.findings]


# -- the template ---------------------------------------------------------------------------

def test_template_sheets_headers_and_hidden_field_row(tmp_path, standard):
    wb = openpyxl.load_workbook(_template(tmp_path))
    names = wb.sheetnames
    assert names[0] == "填写说明" and names[1] == "元数据" and names[-1] == "代码表"
    assert wb["代码表"].sheet_state == "hidden"
    assert sorted(names[2:-1]) == sorted(table_title(standard, t, "zh") for t in standard.tables)
    for table in standard.tables:
        ws = _sheet(wb, standard, table)
        fields = standard.fields(table)
        assert [ws.cell(2, c).value for c in range(1, len(fields) + 1)] == standard.field_names(table)
        assert ws.cell(2, len(fields) + 1).value is None
        assert ws.row_dimensions[2].hidden
        titles = [ws.cell(1, c).value.rstrip("*") for c in range(1, len(fields) + 1)]
        assert titles == [f["zh"]["title"] for f in fields]
        for c, f in enumerate(fields, start=1):
            required = bool(f.get("constraints", {}).get("required"))
            assert ws.cell(1, c).value.endswith("*") == required, (table, f["name"])


def _validations(ws):
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.min_col] = dv
    return out


def _list_values(wb, defined_name):
    ref = wb.defined_names[defined_name].attr_text
    sheet, cells = ref.split("!")
    ws = wb[sheet.strip("'")]
    return [c[0].value for c in ws[cells.replace("$", "")]]


def test_template_dropdowns_formats_and_hints(tmp_path, standard):
    wb = openpyxl.load_workbook(_template(tmp_path))
    for table in standard.tables:
        ws = _sheet(wb, standard, table)
        dvs = _validations(ws)
        for c, f in enumerate(standard.fields(table), start=1):
            dv = dvs[c]
            assert {r.min_row for r in dv.sqref.ranges} == {3}
            assert f["zh"]["description"][:20] in dv.prompt, (table, f["name"])
            letter = openpyxl.utils.get_column_letter(c)
            fmt = ws.column_dimensions[letter].number_format
            if f.get("codelist"):
                assert dv.type == "list", (table, f["name"])
                cl = standard.codelist(f["codelist"])
                assert _list_values(wb, dv.formula1) == [r["zh"] for r in cl.rows]
                assert (dv.errorStyle == "warning") == cl.closed
            elif f["type"] == "boolean":
                assert dv.type == "list" and _list_values(wb, dv.formula1) == ["是", "否"]
            if f["type"] == "string":
                assert fmt == "@", (table, f["name"])  # codes and ids keep their leading zeros
            elif f["type"] == "date":
                assert fmt == "yyyy-mm-dd"
            elif f["type"] == "integer":
                assert fmt == "0"


def test_template_long_lists_are_ranges_not_inline(tmp_path, standard):
    """Excel refuses typed-in lists over 255 characters: every dropdown reads a range."""
    wb = openpyxl.load_workbook(_template(tmp_path))
    ws = _sheet(wb, standard, "indicators")
    dv = _validations(ws)[standard.field_names("indicators").index("indicator_code") + 1]
    assert not dv.formula1.startswith('"')
    assert len(_list_values(wb, dv.formula1)) == len(standard.catalogue)
    assert sum(len(v) + 1 for v in _list_values(wb, dv.formula1)) > 255


def test_template_instructions_and_metadata(tmp_path, standard):
    wb = openpyxl.load_workbook(_template(tmp_path))
    text = "\n".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "jiceng import" in text and "合并单元格" in text
    for table in required_tables(standard):
        row = next(r for r in wb["填写说明"].iter_rows(values_only=True) if r[1] == table)
        assert row[2] == "必填"
    ws = wb["元数据"]
    keys = [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)]
    assert keys == [m.key for m in metadata_keys(standard)]
    for key in ("locality_id", "locality_name", "province_code", "period", "publisher.name", "licenses", "title", "name"):
        assert key in keys
    assert ws.cell(keys.index("schema_version") + 2, 3).value == standard.version
    province_cell = f"C{keys.index('province_code') + 2}"
    dv = next(dv for dv in ws.data_validations.dataValidation if province_cell in dv.sqref)
    assert dv.type == "list" and "浙江省" in _list_values(wb, dv.formula1)
    assert formula_cells(tmp_path / "template.xlsx") == []


def test_template_english_and_table_choice(tmp_path, standard):
    wb = openpyxl.load_workbook(write_template(tmp_path / "en.xlsx", tables=["cases", "网格"], lang="en"))
    expected = [table_title(standard, t, "en") for t in ("localities", "grids", "cases")]
    assert wb.sheetnames == ["Instructions", "Metadata", *expected, "Codelists"]
    ws = wb["Cases"]
    assert ws.cell(1, 1).value.rstrip("*") == _field(standard, "cases", "case_id")["title"]
    result = runner.invoke(app, ["template", "--tables", "nosuch", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "nosuch" in result.output


# -- normalisation, value by value ----------------------------------------------------------

@pytest.mark.parametrize("typed,expected", [
    ("是", "true"), ("否", "false"), ("对", "true"), ("错", "false"), ("Y", "true"), ("n", "false"),
    (" 是 ", "true"), ("Yes", "true"),
])
def test_booleans(standard, typed, expected):
    out = normalise_value(_spec(standard, "grids", "has_party_branch"), typed)
    assert out.value == expected and "boolean" in out.kinds and out.problem is None


def test_boolean_literals_are_kept_and_nonsense_reported(standard):
    spec = _spec(standard, "grids", "has_party_branch")
    assert normalise_value(spec, "true").kinds == ()
    assert normalise_value(spec, True).value == "true"
    out = normalise_value(spec, "也许")
    assert out.value == "也许" and out.problem


def test_percent_only_in_percent_rows(standard):
    spec = TableSpec(standard, "indicators")
    pct = spec.normalise_row({"unit": ("%", None), "value": ("90%", None)})
    assert pct["unit"].value == "percent" and pct["value"].value == "90" and "percent" in pct["value"].kinds
    count = spec.normalise_row({"unit": ("count", None), "value": ("90%", None)})
    assert count["value"].value == "90%" and count["value"].problem  # kept as typed, reported
    # a cell formatted as percent holds 0.9 and shows 90%
    cell = spec.normalise_row({"unit": ("percent", None), "value": (0.905, "0.0%")})
    assert cell["value"].value == "90.5" and cell["value"].before == "90.5%"


def test_full_width_digits_and_punctuation(standard):
    out = normalise_value(_spec(standard, "grids", "households"), "１２３")
    assert out.value == "123" and out.kinds == ("fullwidth",)
    out = normalise_value(_spec(standard, "cases", "case_id"), "Ｃ００１")
    assert out.value == "C001"
    # free text keeps Chinese punctuation
    out = normalise_value(_spec(standard, "grids", "name"), "第１网格，东区")
    assert out.value == "第１网格，东区" and out.kinds == ()


@pytest.mark.parametrize("typed,kind", [
    ("2023年5月9日", "date"), ("2023/5/9", "date"), ("2023.5.9", "date"), ("2023-5-9", "date"),
    ("２０２３年５月９日", "date"), ("20230509", "date"), ("45055", "excel_date"), (45055, "excel_date"),
])
def test_dates(standard, typed, kind):
    out = normalise_value(_spec(standard, "cases", "reported_date"), typed)
    assert out.value == "2023-05-09" and kind in out.kinds and out.problem is None


def test_date_cells_and_bad_dates(standard):
    spec = _spec(standard, "cases", "reported_date")
    assert normalise_value(spec, dt.datetime(2023, 5, 9)).value == "2023-05-09"
    for bad in ("2023年2月30日", "明天", "23/5/9"):
        out = normalise_value(spec, bad)
        assert out.value == bad and out.problem, bad
    out = normalise_value(spec, dt.datetime(2023, 5, 9, 14, 30))
    assert out.problem and "14:30" in out.value


def test_spaces_trimmed(standard):
    out = normalise_value(_spec(standard, "grids", "name"), "  第1网格\u3000")
    assert out.value == "第1网格" and out.kinds == ("trim",)


def test_labels_to_codes(standard):
    for table, name in (("grid_staff", "gender"), ("cases", "status"), ("cases", "category"), ("localities", "urban_rural_class")):
        spec = _spec(standard, table, name)
        for row in spec.codelist.rows:
            for label in (row["zh"], row["en"], row["en"].upper()):
                out = normalise_value(spec, label)
                assert out.value == row["code"], (name, label)
                assert out.kinds in ((), ("label",), ("code_case",)), (name, label)
            assert normalise_value(spec, row["code"]).kinds == ()
    # a number typed in a code column finds its code
    assert normalise_value(_spec(standard, "localities", "urban_rural_class"), 111).value == "111"


def test_unknown_codes_kept(standard):
    closed = normalise_value(_spec(standard, "cases", "status"), "差不多办完了")
    assert closed.value == "差不多办完了" and closed.problem
    open_list = normalise_value(_spec(standard, "cases", "category"), "local_thing")
    assert open_list.value == "local_thing" and open_list.problem is None  # a local code of an open list


def test_numbers(standard):
    spec = _spec(standard, "localities", "households")
    assert normalise_value(spec, "1,302").value == "1302"
    assert normalise_value(spec, "1，302").value == "1302"
    assert normalise_value(spec, 1302.0).value == "1302"
    out = normalise_value(spec, "约1300户")
    assert out.value == "约1300户" and out.problem
    points = _spec(standard, "points_transactions", "points")
    assert normalise_value(points, "-5").value == "-5" and normalise_value(points, "－５").value == "-5"


def test_leading_zeros_from_cell_format(standard):
    out = normalise_value(_spec(standard, "cases", "case_id"), 7, "0000")
    assert out.value == "0007" and out.kinds == ("leading_zeros",)


# -- import of a filled workbook ------------------------------------------------------------

def test_import_filled_template(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {
        "localities": [LOCALITY_ROW],
        "grids": [
            {"grid_id": "G01", "locality_id": LOC, "grid_level": "网格", "grid_kind": "综合网格",
             "households": "1,302", "has_party_branch": "是", "has_meeting_venue": "否",
             "valid_from": "2023年5月9日"},
            {"grid_id": " G02 ", "locality_id": LOC, "grid_level": "grid", "grid_kind": "comprehensive",
             "households": 45, "has_party_branch": "Y", "valid_from": dt.datetime(2023, 5, 10)},
        ],
        "cases": [
            {"case_id": "C001", "locality_id": LOC, "grid_id": "G01", "reported_date": "2023/5/9",
             "category": "环境卫生", "source": "网格巡查", "status": "已解决", "closed_date": "明天"},
        ],
    })
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert not result.refused, result.findings
    grids = _csv_rows(tmp_path / "pkg" / "data" / "grids.csv")
    assert [g["grid_id"] for g in grids] == ["G01", "G02"]
    assert grids[0]["households"] == "1302" and grids[0]["has_party_branch"] == "true"
    assert grids[0]["has_meeting_venue"] == "false" and grids[0]["valid_from"] == "2023-05-09"
    assert grids[0]["grid_kind"] == "comprehensive" and grids[1]["valid_from"] == "2023-05-10"
    changes = {(c.table, c.row, c.field): (c.before, c.after) for c in result.changes}
    assert changes[("grids", 3, "valid_from")] == ("2023年5月9日", "2023-05-09")
    assert changes[("grids", 4, "grid_id")] == (" G02 ", "G02")
    assert changes[("grids", 3, "households")] == ("1,302", "1302")
    assert changes[("metadata", 9, "province_code")] == ("浙江省", "33")
    case = _csv_rows(tmp_path / "pkg" / "data" / "cases.csv")[0]
    assert case["closed_date"] == "明天"  # kept as typed ...
    kept = [f for f in result.findings if f.code == "publish.value_kept"]
    assert [(f.resource, f.row, f.field, f.value) for f in kept] == [("cases", 3, "closed_date", "明天")]  # ... and reported
    descriptor = json.loads((tmp_path / "pkg" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["province_code"] == "33" and descriptor["licenses"] == [{"name": "CC-BY-4.0"}]
    assert descriptor["publisher"] == {"name": "测试街道办事处"} and descriptor["schema_version"] == standard.version


def test_formula_cells_use_their_value_or_are_kept(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {
        "localities": [LOCALITY_ROW],
        "grids": [{"grid_id": "G01", "locality_id": LOC, "grid_level": "grid", "grid_kind": "comprehensive",
                   "households": "=10*3"}],
    })
    result = import_path(path, tmp_path / "pkg", validate=False)
    # openpyxl saves no computed value: the formula is kept as its text and reported
    assert _csv_rows(tmp_path / "pkg" / "data" / "grids.csv")[0]["households"] == "=10*3"
    assert any(f.code == "publish.value_kept" and f.field == "households" for f in result.findings)


def _save_computed_value(path: Path, formula: str, value: str) -> None:
    """Store a computed value beside a formula, as Excel/WPS do when they save a file."""
    import zipfile

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{value}</v>".encode())
            zout.writestr(item, data)
    tmp.replace(path)


def test_formula_with_saved_value_uses_the_value(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {
        "localities": [LOCALITY_ROW],
        "grids": [{"grid_id": "G01", "locality_id": LOC, "grid_level": "grid", "grid_kind": "comprehensive",
                   "households": "=10*3"}],
    })
    _save_computed_value(path, "10*3", "30")
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert _csv_rows(tmp_path / "pkg" / "data" / "grids.csv")[0]["households"] == "30"
    change = next(c for c in result.changes if c.field == "households")
    assert (change.before, change.after, change.kinds) == ("=10*3", "30", ("formula",))


def test_metadata_from_options_and_derived(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW]}, meta={"title": "测试"})
    result = import_path(path, tmp_path / "pkg", validate=False, overrides={
        "locality_id": LOC, "period": "2023", "publisher.name": "测试街道", "licenses": "CC-BY-4.0"})
    d = json.loads((tmp_path / "pkg" / "datapackage.json").read_text(encoding="utf-8"))
    assert d["locality_id"] == LOC and d["period"] == "2023" and d["publisher"]["name"] == "测试街道"
    assert d["province_code"] == "33" and d["locality_name"] == "测试社区" and d["name"] == f"{LOC}-2023"
    derived = {c.field for c in result.changes if c.kinds == ("derived",)}
    assert derived == {"province_code", "locality_name", "name"}


# -- refusals and warnings ------------------------------------------------------------------

def _import_cli(src, out):
    return runner.invoke(app, ["import", str(src), "-o", str(out), "--no-validate"])


def test_merged_header_cells_refused(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW]})
    wb = openpyxl.load_workbook(path)
    _sheet(wb, standard, "cases").merge_cells("A1:B1")
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert result.refused and result.exit_code == 2 and not (tmp_path / "pkg").exists()
    f = next(f for f in result.findings if f.code == "publish.merged_header")
    assert "民情事项" in f.message_zh and "A1:B1" in f.message_zh and "A1:B1" in f.message_en
    cli = _import_cli(path, tmp_path / "pkg2")
    assert cli.exit_code == 2 and "A1:B1" in cli.output and "Traceback" not in cli.output


def test_merged_data_cells_refused(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW, {**LOCALITY_ROW, "locality_id": LOC[:-1] + "2"}]})
    wb = openpyxl.load_workbook(path)
    _sheet(wb, standard, "localities").merge_cells("C3:C4")
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert result.refused and any(f.code == "publish.merged_cells" and "C3:C4" in f.message_en for f in result.findings)


def test_renamed_sheet_recognised_with_warning(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW]})
    wb = openpyxl.load_workbook(path)
    _sheet(wb, standard, "localities").title = "我的地方表"
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert not result.refused
    f = next(f for f in result.findings if f.code == "publish.renamed_sheet")
    assert "我的地方表" in f.message_zh and f.resource == "localities"
    assert _csv_rows(tmp_path / "pkg" / "data" / "localities.csv")[0]["locality_id"] == LOC


def test_unrecognisable_sheet_refused(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW]})
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("汇总")
    ws["A1"], ws["B1"], ws["A2"] = "项目", "合计", "网格数"
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert result.refused
    f = next(f for f in result.findings if f.code == "publish.unknown_sheet")
    assert "汇总" in f.message_zh and "汇总" in f.message_en


def test_missing_sheet_and_missing_required_table(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"grids": [
        {"grid_id": "G01", "locality_id": LOC, "grid_level": "grid", "grid_kind": "comprehensive"}]})
    wb = openpyxl.load_workbook(path)
    del wb[table_title(standard, "localities", "zh")]
    del wb[table_title(standard, "cases", "zh")]
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert not result.refused and set(result.rows) == {"grids"}
    assert any(f.code == "publish.required_table" and f.resource == "localities" for f in result.findings)


def test_hidden_sheet_warned_and_imported(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW], "grids": [
        {"grid_id": "G01", "locality_id": LOC, "grid_level": "grid", "grid_kind": "comprehensive"}]})
    wb = openpyxl.load_workbook(path)
    _sheet(wb, standard, "grids").sheet_state = "hidden"
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    f = next(f for f in result.findings if f.code == "publish.hidden_sheet")
    assert "网格" in f.message_zh and f.severity == "WARNING"
    assert result.rows["grids"] == 1


def test_blank_rows_skipped_with_warning(tmp_path, standard):
    grid = {"locality_id": LOC, "grid_level": "grid", "grid_kind": "comprehensive"}
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW], "grids": [
        {"grid_id": "G01", **grid}, {}, {"grid_id": "   "}, {"grid_id": "G02", **grid}]})
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert [g["grid_id"] for g in _csv_rows(tmp_path / "pkg" / "data" / "grids.csv")] == ["G01", "G02"]
    f = next(f for f in result.findings if f.code == "publish.blank_rows")
    assert "4-5" in f.message_zh and "网格" in f.message_zh


def test_title_rows_above_header_warned(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW]})
    wb = openpyxl.load_workbook(path)
    ws = _sheet(wb, standard, "localities")
    ws.insert_rows(1)
    ws["A1"] = "某某社区基本情况表"
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert result.rows["localities"] == 1
    f = next(f for f in result.findings if f.code == "publish.title_rows")
    assert "某某社区基本情况表" in f.message_zh


def test_unknown_column_reported(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW]})
    wb = openpyxl.load_workbook(path)
    ws = _sheet(wb, standard, "localities")
    col = ws.max_column + 1
    ws.cell(1, col).value = "联系人电话"
    ws.cell(3, col).value = "13800000000"
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    f = next(f for f in result.findings if f.code == "publish.unknown_column")
    letter = openpyxl.utils.get_column_letter(col)
    assert f"{letter}1" in f.message_zh and "联系人电话" in f.message_zh and "1 个值未导入" in f.message_zh
    assert "联系人电话" not in (tmp_path / "pkg" / "data" / "localities.csv").read_text(encoding="utf-8")


def test_missing_required_column_warned(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW]})
    wb = openpyxl.load_workbook(path)
    ws = _sheet(wb, standard, "localities")
    ws.delete_cols(standard.field_names("localities").index("level") + 1)
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    f = next(f for f in result.findings if f.code == "publish.missing_column")
    assert f.field == "level" and "层级" in f.message_zh
    assert _csv_rows(tmp_path / "pkg" / "data" / "localities.csv")[0]["level"] == ""


def test_reports_mask_personal_numbers(tmp_path, standard):
    mobile = "13912345678"
    path = _fill(_template(tmp_path), standard, {"localities": [{**LOCALITY_ROW, "reference_date": mobile}]})
    result = import_path(path, tmp_path / "pkg", validate=False)
    kept = next(f for f in result.findings if f.code == "publish.value_kept")
    assert kept.field == "reference_date" and mobile not in kept.message_zh + kept.message_en + kept.value
    # the package itself keeps the value as typed, for the validator to flag
    assert _csv_rows(tmp_path / "pkg" / "data" / "localities.csv")[0]["reference_date"] == mobile


def test_duplicate_column_refused(tmp_path, standard):
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW]})
    wb = openpyxl.load_workbook(path)
    ws = _sheet(wb, standard, "localities")
    col = ws.max_column + 1
    ws.cell(1, col).value = "名称"
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert result.refused and any(f.code == "publish.duplicate_column" for f in result.findings)


def test_not_a_workbook_and_bad_output(tmp_path, standard):
    bad = tmp_path / "data.xlsx"
    bad.write_text("这不是工作簿", encoding="utf-8")
    cli = _import_cli(bad, tmp_path / "pkg")
    assert cli.exit_code == 2 and "data.xlsx" in cli.output and "Traceback" not in cli.output
    cli = _import_cli(tmp_path / "nothing.xlsx", tmp_path / "pkg")
    assert cli.exit_code == 2
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("x")
    path = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW]})
    result = import_path(path, tmp_path / "busy", validate=False)
    assert result.refused and (tmp_path / "busy" / "notes.txt").exists()


# -- CSV folders ----------------------------------------------------------------------------

def test_gbk_csv_folder(tmp_path, standard):
    folder = tmp_path / "csv"
    folder.mkdir()
    loc_titles = [f["zh"]["title"] for f in standard.fields("localities")[:4]]
    (folder / "地方.csv").write_bytes(
        (",".join(loc_titles) + "\r\n" + f"{LOC},测试社区,Test,社区\r\n").encode("gbk"))
    (folder / "grids.csv").write_bytes(
        "grid_id,locality_id,grid_level,grid_kind,households,has_party_branch,valid_from\n"
        f"G01,{LOC},网格,综合网格,１２０,是,2023年5月9日\n".encode("gb18030"))
    (folder / "元数据.csv").write_text("键,值\ntitle,测试\nperiod,2023\n", encoding="utf-8-sig")
    # plain UTF-8 without BOM, English column titles, an English file name
    team_titles = [_field(standard, "volunteer_teams", n)["title"] for n in ("team_id", "locality_id", "name", "focus")]
    (folder / "Volunteer teams.csv").write_text(
        ",".join(team_titles) + f"\nT01,{LOC},巡逻队,{standard.codelist('volunteer_focus').rows[0]['en']}\n", encoding="utf-8")
    result = import_path(folder, tmp_path / "pkg", validate=False, overrides={"locality_id": LOC})
    assert not result.refused, result.findings
    loc = _csv_rows(tmp_path / "pkg" / "data" / "localities.csv")[0]
    assert loc["name"] == "测试社区" and loc["level"] == "community"
    grid = _csv_rows(tmp_path / "pkg" / "data" / "grids.csv")[0]
    assert grid["households"] == "120" and grid["has_party_branch"] == "true" and grid["valid_from"] == "2023-05-09"
    assert sum(f.code == "publish.encoding" for f in result.findings) == 2
    team = _csv_rows(tmp_path / "pkg" / "data" / "volunteer_teams.csv")[0]
    assert team["name"] == "巡逻队" and team["focus"] == standard.codelist("volunteer_focus").codes[0]
    d = json.loads((tmp_path / "pkg" / "datapackage.json").read_text(encoding="utf-8"))
    assert d["title"] == "测试" and d["period"] == "2023"
    assert {c.source for c in result.changes if c.table == "grids"} == {"grids.csv"}


def test_undecodable_csv_refused(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "grids.csv").write_bytes(b"grid_id\n\xff\xff\xff\n")
    result = import_path(folder, tmp_path / "pkg", validate=False)
    assert result.refused and "grids.csv" in result.findings[0].message_zh


# -- export, formula safety, round trip -----------------------------------------------------

def _tricky_package(tmp_path, standard) -> Path:
    return write_package(tmp_path / "src", META, {
        "localities": [{"locality_id": LOC, "name": "测试社区", "level": "community", "urban_rural_class": "111",
                        "code_edition": "2023", "households": 1302, "reference_date": "2023-12-31"}],
        "grids": [{"grid_id": "G01", "locality_id": LOC, "grid_level": "grid", "grid_kind": "my_local_kind",
                   "name": "=HYPERLINK(\"http://x\")", "has_party_branch": True, "source": "+86 一号"},
                  {"grid_id": "007", "locality_id": LOC, "grid_level": "micro_grid", "grid_kind": "comprehensive",
                   "parent_grid_id": "G01", "name": "-第二网格", "has_party_branch": False, "source": "@sum(1)"}],
        "points_transactions": [{"transaction_id": "X1", "locality_id": LOC, "scheme": "energy_store",
                                 "holder_type": "household", "holder_id": "H1", "transaction_date": "2023-05-09",
                                 "kind": "redeemed", "points": -5, "reason": "volunteer_service"}],
        "indicators": [{"locality_id": LOC, "period": "2023", "indicator_code": "grids", "method": "reported",
                        "value": 12.5, "value_qualifier": "exact", "unit": "percent", "source": "测试"}],
    }, standard)


def _assert_same_package(a: Path, b: Path) -> None:
    da = json.loads((a / "datapackage.json").read_text(encoding="utf-8"))
    db = json.loads((b / "datapackage.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in da.items() if k != "resources"} == {k: v for k, v in db.items() if k != "resources"}
    assert [r["name"] for r in da["resources"]] == [r["name"] for r in db["resources"]]
    for ra, rb in zip(da["resources"], db["resources"]):
        ta = (a / ra["path"]).read_text(encoding="utf-8").replace("\r\n", "\n")
        tb = (b / rb["path"]).read_text(encoding="utf-8").replace("\r\n", "\n")
        assert ta == tb, ra["name"]


def test_export_keeps_formula_like_text_as_text(tmp_path, standard):
    src = _tricky_package(tmp_path, standard)
    out = export_package(src, tmp_path / "out.xlsx")
    assert formula_cells(out) == []
    wb = openpyxl.load_workbook(out)
    ws = _sheet(wb, standard, "grids")
    names = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    name_cell = ws.cell(3, names["name"])
    assert name_cell.value == '=HYPERLINK("http://x")' and name_cell.data_type == "s" and name_cell.quotePrefix
    assert ws.cell(4, names["grid_id"]).value == "007" and ws.cell(4, names["grid_id"]).data_type == "s"
    ws = _sheet(wb, standard, "points_transactions")
    points = ws.cell(3, standard.field_names("points_transactions").index("points") + 1)
    assert points.value == -5 and points.data_type == "n"  # negative numbers stay numbers
    back = import_path(out, tmp_path / "back", validate=False)
    assert not back.refused
    _assert_same_package(src, tmp_path / "back")


def test_export_refuses_columns_outside_the_standard(tmp_path, standard):
    src = _tricky_package(tmp_path, standard)
    path = src / "data" / "localities.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("locality_id,", "locality_id,extra,", 1), encoding="utf-8")
    cli = runner.invoke(app, ["export", str(src), "-o", str(tmp_path / "x.xlsx")])
    assert cli.exit_code == 2 and "extra" in cli.output
    cli = runner.invoke(app, ["export", str(tmp_path / "nowhere"), "-o", str(tmp_path / "x.xlsx")])
    assert cli.exit_code == 2 and "datapackage.json" in cli.output


def test_english_export_round_trip(tmp_path, standard):
    src = _tricky_package(tmp_path, standard)
    out = export_package(src, tmp_path / "en.xlsx", lang="en")
    assert "Grids" in openpyxl.load_workbook(out).sheetnames
    import_path(out, tmp_path / "back", validate=False)
    _assert_same_package(src, tmp_path / "back")


@pytest.mark.parametrize("package", PACKAGES, ids=[p.name for p in PACKAGES])
def test_round_trip_every_package(tmp_path, package):
    out = export_package(package, tmp_path / "export.xlsx")
    result = import_path(out, tmp_path / "back", validate=False)
    assert not result.refused and not [f for f in result.findings if f.severity != "INFO"], result.findings
    _assert_same_package(package, tmp_path / "back")


# -- the three commands, end to end ---------------------------------------------------------

def test_cli_template_fill_import(tmp_path, standard):
    template = tmp_path / "模板.xlsx"
    result = runner.invoke(app, ["template", "-o", str(template)])
    assert result.exit_code == 0, result.output
    _fill(template, standard, {"localities": [LOCALITY_ROW], "grids": [
        {"grid_id": "G01", "locality_id": LOC, "grid_level": "网格", "grid_kind": "综合网格",
         "valid_from": "2023年5月9日"}]})
    changes = tmp_path / "changes.csv"
    result = runner.invoke(app, ["import", str(template), "-o", str(tmp_path / "pkg"), "--no-validate",
                                 "--changes", str(changes)])
    assert result.exit_code == 0, result.output
    assert "“2023年5月9日” → “2023-05-09”" in result.output and "valid_from" in result.output
    with open(changes, encoding="utf-8-sig") as fh:
        listed = list(csv.DictReader(fh))
    assert {"table": "grids", "row": "3", "field": "valid_from", "before": "2023年5月9日", "after": "2023-05-09"}.items() \
        <= next(r for r in listed if r["field"] == "valid_from").items()
    result = runner.invoke(app, ["export", str(tmp_path / "pkg"), "-o", str(tmp_path / "again.xlsx")])
    assert result.exit_code == 0, result.output


def test_cli_import_validates_and_sets_exit_code(tmp_path, standard):
    grid = {"locality_id": LOC, "grid_level": "网格", "grid_kind": "综合网格"}
    good = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW], "grids": [
        {"grid_id": "G01", **grid}, {"grid_id": "G02", **grid}]})
    result = runner.invoke(app, ["import", str(good), "-o", str(tmp_path / "good")])
    assert result.exit_code == 0, result.output
    assert "✓" in result.output
    bad = _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW], "grids": [
        {"grid_id": "G01", **grid}, {}, {"grid_id": "G02", **grid, "households": "约300户"}]},
        save_as=tmp_path / "bad.xlsx")
    result = runner.invoke(app, ["import", str(bad), "-o", str(tmp_path / "bad")])
    assert result.exit_code == 1, result.output
    assert "约300户" in result.output and "households" in result.output
    # the report counts package rows; the import says which sheet row that was (row 3 of grids.csv = sheet row 5)
    assert "3→5" in result.output


# -- nothing lost, nothing silently changed; reports in the clerk's terms ---------------------

def _grids_book(tmp_path, standard, rows, name="book.xlsx"):
    grid = {"locality_id": LOC, "grid_level": "网格", "grid_kind": "综合网格"}
    return _fill(_template(tmp_path), standard, {"localities": [LOCALITY_ROW],
                                                 "grids": [{**grid, **row} for row in rows]},
                 save_as=tmp_path / name)


def test_import_never_replaces_a_package_without_force_and_keeps_it_on_failure(tmp_path, standard, monkeypatch):
    first = _grids_book(tmp_path, standard, [{"grid_id": "G01"}], "first.xlsx")
    assert not import_path(first, tmp_path / "pkg", validate=False).refused
    before = {p.name: p.read_bytes() for p in (tmp_path / "pkg").rglob("*") if p.is_file()}
    second = _grids_book(tmp_path, standard, [{"grid_id": "G01"}, {"grid_id": "G02"}], "second.xlsx")
    result = import_path(second, tmp_path / "pkg", validate=False)
    assert result.refused and result.findings[0].code == "publish.output_exists"
    assert {p.name: p.read_bytes() for p in (tmp_path / "pkg").rglob("*") if p.is_file()} == before
    # a failure while writing leaves the old package as it was and no half-written folder
    import jiceng.publish.importer as importer

    def broken(folder, *a, **kw):
        (Path(folder) / "data").mkdir(parents=True)
        (Path(folder) / "data" / "grids.csv").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(importer, "write_package", broken)
    result = import_path(second, tmp_path / "pkg", validate=False, force=True)
    assert result.refused and "disk full" in result.findings[-1].message_en
    assert {p.name: p.read_bytes() for p in (tmp_path / "pkg").rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".pkg")) == []
    monkeypatch.undo()
    result = import_path(second, tmp_path / "pkg", validate=False, force=True)
    assert not result.refused and len(_csv_rows(tmp_path / "pkg" / "data" / "grids.csv")) == 2
    cli = runner.invoke(app, ["import", str(first), "-o", str(tmp_path / "pkg"), "--no-validate"])
    assert cli.exit_code == 2 and "--force" in cli.output


def test_export_refuses_a_long_cell_and_an_existing_file(tmp_path, standard):
    meta = dict(META)
    write_package(tmp_path / "pkg", meta, {"localities": [{"locality_id": LOC, "name": "测试社区", "level": "community",
                                                            "note": "长" * 40000}]}, standard)
    with pytest.raises(Exception) as exc:
        export_package(tmp_path / "pkg", tmp_path / "out.xlsx")
    assert exc.value.findings[0].code == "publish.cell_too_long" and "40,000" in exc.value.findings[0].message_zh
    assert not (tmp_path / "out.xlsx").exists()
    write_package(tmp_path / "ok", meta, {"localities": [{"locality_id": LOC, "name": "测试社区", "level": "community"}]},
                  standard)
    (tmp_path / "exists.xlsx").write_bytes(b"mine")
    cli = runner.invoke(app, ["export", str(tmp_path / "ok"), "-o", str(tmp_path / "exists.xlsx")])
    assert cli.exit_code == 2 and (tmp_path / "exists.xlsx").read_bytes() == b"mine"
    cli = runner.invoke(app, ["export", str(tmp_path / "ok"), "-o", str(tmp_path / "exists.xlsx"), "--force"])
    assert cli.exit_code == 0 and openpyxl.load_workbook(tmp_path / "exists.xlsx")


def test_hidden_rows_and_columns_reported(tmp_path, standard):
    path = _grids_book(tmp_path, standard, [{"grid_id": "G01"}, {"grid_id": "G02"}, {"grid_id": "G03"}])
    wb = openpyxl.load_workbook(path)
    ws = _sheet(wb, standard, "grids")
    ws.row_dimensions[4].hidden = True
    ws.column_dimensions["D"].hidden = True
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    rows = next(f for f in result.findings if f.code == "publish.hidden_rows")
    assert "第 4 行" in rows.message_zh and rows.severity == "WARNING"
    cols = next(f for f in result.findings if f.code == "publish.hidden_columns")
    assert " D 列" in cols.message_zh
    assert result.rows["grids"] == 3  # imported all the same, and said so


def test_a_far_cell_is_refused_before_reading(tmp_path, standard):
    path = _grids_book(tmp_path, standard, [{"grid_id": "G01"}])
    wb = openpyxl.load_workbook(path)
    _sheet(wb, standard, "grids")["XFD1048576"] = "远处"
    wb.save(path)
    result = import_path(path, tmp_path / "pkg", validate=False)
    assert result.refused and result.findings[0].code == "publish.sheet_too_large"
    assert "XFD1048576" in result.findings[0].message_zh


@pytest.mark.parametrize("typed,expected", [("TRUE", "true"), ("False", "false"), ("1", "true"), ("0", "false"),
                                            ("√", "true"), ("×", "false"), ("是", "true"), ("否", "false")])
def test_every_boolean_spelling_becomes_one_and_is_counted(standard, typed, expected):
    out = normalise_value(_spec(standard, "grids", "has_party_branch"), typed)
    assert out.value == expected and "boolean" in out.kinds


def test_percent_typed_as_a_fraction_is_reported(standard):
    spec = TableSpec(standard, "indicators")
    out = spec.normalise_row({"unit": ("percent", None), "value": ("0.985", None)})["value"]
    assert out.value == "0.985" and out.code == "publish.percent_fraction" and "98.5" in out.problem[0]
    assert spec.normalise_row({"unit": ("percent", None), "value": ("98.5", None)})["value"].problem is None
    assert spec.normalise_row({"unit": ("count", None), "value": ("0.5", None)})["value"].problem is None


def test_import_summary_changes_csv_and_annotated_workbook(tmp_path, standard):
    rows = [{"grid_id": "G01", "households": "１２", "has_party_branch": "TRUE"},
            {"grid_id": "G01", "households": "约300户", "grid_kind": "电话反映"}]
    rows += [{"grid_id": f"G{i:02d}", "has_party_branch": "1"} for i in range(3, 9)]
    path = _grids_book(tmp_path, standard, rows)
    changes, annotated = tmp_path / "改动.csv", tmp_path / "标注.xlsx"
    cli = runner.invoke(app, ["import", str(path), "-o", str(tmp_path / "pkg"), "--changes", str(changes),
                              "--annotate", str(annotated)])
    assert cli.exit_code == 1, cli.output
    out = cli.output
    # by table, column and kind with a count and at most two examples; what was typed is shown
    line = next(l for l in out.splitlines() if "has_party_branch" in l and "×" in l)
    assert "网格 (grids)" in line and "×7" in line
    assert "“１２” → “12”" in out
    assert out.count("“1” → “true”") == 1
    # the validator's findings in the clerk's terms: sheet and cell, column title, hint
    assert "“网格”H4" in out and "覆盖户数 [households]" in out and "怎么改" in out
    assert out.count("PRIMARY_KEY_DUPLICATE") == 1 and "DUPLICATE_VALUE" not in out
    raw = changes.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    listed = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {"before": "１２", "after": "12"}.items() <= next(r for r in listed if r["field"] == "households").items()
    wb = openpyxl.load_workbook(annotated)
    assert wb.sheetnames[0] == "问题清单"
    ws = wb["问题清单"]
    refs = {ws.cell(r, 4).value: ws.cell(r, 4).hyperlink for r in range(2, ws.max_row + 1)}
    assert refs["H4"].location == "'网格'!H4"
    cell = _sheet(wb, standard, "grids")["H4"]
    assert cell.value == "约300户" and cell.comment and "整数" in cell.comment.text
    assert formula_cells(annotated) == []


def test_json_report_in_clerk_terms(tmp_path, standard):
    path = _grids_book(tmp_path, standard, [{"grid_id": "G01", "households": "约300户"}])
    result = import_path(path, tmp_path / "pkg")
    text = result.report.to_json()
    assert "\\u" not in text
    data = json.loads(text)
    item = next(e for e in data["errors"] if e["field"] == "households")
    assert item["sheet"] == "网格" and item["cell"] == "H3" and item["field_zh"] == "覆盖户数"
    assert item["table_zh"] == "网格" and item["hint_zh"] and item["hint_en"]
    html = result.report.to_html()
    assert "覆盖户数 [households]" in html and "H3" in html and "网格 (grids)" in html


def test_importing_an_unchanged_export_prints_a_short_summary(tmp_path):
    package = REPO / "datapackages" / "zj-hangzhou-linli"
    book = export_package(package, tmp_path / "export.xlsx")
    result = runner.invoke(app, ["import", str(book), "-o", str(tmp_path / "pkg")])
    assert result.exit_code == 0, result.output[-2000:]
    # routine label -> code conversions are counted, not listed row by row
    assert len(result.output.encode()) < 40_000 and max(len(line) for line in result.output.splitlines()) < 600
    assert "×" in result.output and "例 e.g." in result.output


def test_a_repeated_key_is_reported_once(tmp_path, standard):
    path = _grids_book(tmp_path, standard, [{"grid_id": "G01"}, {"grid_id": "G01"}])
    report = import_path(path, tmp_path / "pkg").report
    assert {"PRIMARY_KEY_DUPLICATE", "DUPLICATE_VALUE"} <= report.codes()  # the Python API keeps both (frictionless parity)
    data = report.to_dict()
    codes = [e["code"] for e in data["errors"]]
    assert codes.count("PRIMARY_KEY_DUPLICATE") == 1 and "DUPLICATE_VALUE" not in codes
    assert data["counts"]["ERROR"] == 1 and "DUPLICATE_VALUE" not in report.to_text() + report.to_html()
