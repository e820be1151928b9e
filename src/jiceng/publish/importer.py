"""Reading a filled workbook (.xlsx) or a folder of CSV files into a data package.

Steps: read every sheet/file into a grid of raw cells; find which table each holds and which
column is which field; normalise every value (listing each change); write the package with
`write_package`; validate it. Problems that make the input unreadable (merged header cells,
an unrecognised sheet holding data, two sheets for one table, an undecodable file) refuse the
import before anything is written.
"""
from __future__ import annotations

import csv
import io
import json
import re
from operator import attrgetter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from ..findings import Finding
from ..package import write_package
from ..standard import Standard, current
from .layout import (
    CODELISTS, INSTRUCTIONS, META_COLUMNS, METADATA, MetaKey, field_title, metadata_keys, required_tables,
    table_title,
)
from .normalise import FieldSpec, Outcome, TableSpec, display, header_key, normalise_value
from .template import ARRAY_ITEM_KEY

HEADER_SEARCH_ROWS = 10
META_TABLE = "metadata"  # how metadata changes are labelled in reports


class ImportRefused(Exception):
    """The input cannot be read as it is; `findings` say what and where."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(f.message_en for f in findings))
        self.findings = findings


@dataclass
class Change:
    """One normalisation: in `table`, at `row` of `source` (sheet or file), `field` went from before to after."""

    table: str
    source: str
    row: int | None
    field: str
    before: str
    after: str
    kinds: tuple[str, ...]


@dataclass
class ImportResult:
    source: Path
    package_dir: Path | None = None
    rows: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    report: object | None = None  # the validator's report
    refused: bool = False
    # table -> (sheet or file name, its row numbers in package order): row k of the package's
    # CSV (header = 1) came from source row rows[k - 2]
    row_sources: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    columns: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> field -> column (1-based)
    source_kind: str = "sheet"  # "sheet" (workbook) or "csv" (folder)

    def locate(self, table: str, csv_row: int, field_name: str | None = None) -> tuple[str, str | None] | None:
        """(sheet or file, cell such as F5) of a validator finding on row `csv_row` of `table`."""
        where = self.source_row(table, csv_row)
        if where is None:
            return None
        source, row = where
        col = self.columns.get(table, {}).get(field_name) if field_name else None
        if col is None:
            return source, None
        from .workbook import col_letters

        return source, f"{col_letters(col)}{row}"

    def source_row(self, table: str, csv_row: int) -> tuple[str, int] | None:
        """Where row `csv_row` of the package's CSV of `table` was in the workbook or CSV file."""
        source, rows = self.row_sources.get(table, ("", []))
        if 2 <= csv_row < len(rows) + 2:
            return source, rows[csv_row - 2]
        return None

    @property
    def exit_code(self) -> int:
        if self.refused:
            return 2
        if any(f.severity == "ERROR" for f in self.findings):
            return 1
        if self.report is not None and not getattr(self.report, "valid", True):
            return 1
        return 0


# -- grids: what was read, before any interpretation ----------------------------------------

@dataclass
class RawCell:
    value: object = None
    number_format: str | None = None
    formula: str | None = None  # the formula text when the cell holds a formula
    error: bool = False  # an Excel error value such as #N/A


@dataclass
class Grid:
    source: str  # sheet name or file name
    kind: str  # "sheet" or "csv"
    rows: list[list]  # raw values; None for an empty cell
    merged: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # min_row, min_col, max_row, max_col, "A1:C1"
    hidden: bool = False
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> number format that matters
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> formula text
    errors: set[tuple[int, int]] = field(default_factory=set)  # cells holding an Excel error value
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)

    def cell(self, row: int, col: int) -> RawCell:
        return RawCell(self.value(row, col), self.formats.get((row, col)), self.formulas.get((row, col)),
                       (row, col) in self.errors)

    def ref(self, row: int, col: int) -> str:
        from .workbook import col_letters

        return f"{col_letters(col)}{row}"

    def where(self, row: int, col: int | None = None) -> tuple[str, str]:
        """(zh, en) description of a place: sheet 民情事项 cell C5, or file cases.csv row 5 column 3."""
        if self.kind == "sheet":
            if col is None:
                return f"工作表“{self.source}”第 {row} 行", f"sheet '{self.source}' row {row}"
            ref = self.ref(row, col)
            return f"工作表“{self.source}”单元格 {ref}", f"sheet '{self.source}' cell {ref}"
        if col is None:
            return f"文件 {self.source} 第 {row} 行", f"file {self.source} row {row}"
        return f"文件 {self.source} 第 {row} 行第 {col} 列", f"file {self.source} row {row} column {col}"

    def value(self, row: int, col: int):
        if 1 <= row <= len(self.rows) and 1 <= col <= len(self.rows[row - 1]):
            return self.rows[row - 1][col - 1]
        return None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def shown(value) -> str:
    """A value as reports show it: as typed (full-width digits stay full-width), with ID numbers,
    mobile numbers and likely names masked by the project's redaction gate."""
    from ..validation.report import redact

    return redact(display(value))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _finding(code: str, severity: str, zh: str, en: str, **kw) -> Finding:
    return Finding(code, severity, zh, en, **kw)


def read_workbook(path: Path) -> list[Grid]:
    """Every worksheet as a grid of raw values, read with python-calamine (see `workbook.py`)."""
    from .workbook import WorkbookError, read_sheets

    try:
        sheets = read_sheets(path)
    except WorkbookError as exc:
        raise ImportRefused([_finding(exc.code, "ERROR", exc.zh, exc.en)])
    grids = []
    for sd in sheets:
        scan = sd.scan
        grids.append(Grid(sd.name, "sheet", sd.rows, scan.merged, hidden=sd.hidden, formats=scan.formats,
                          formulas=scan.formulas, errors=scan.errors, hidden_rows=scan.hidden_rows,
                          hidden_cols=scan.hidden_cols))
    return grids


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030/GBK"
    except UnicodeDecodeError as exc:
        raise ImportRefused([_finding(
            "publish.encoding", "ERROR",
            f"文件 {name} 既不是 UTF-8 也不是 GBK/GB18030 编码(第 {exc.start} 字节),无法读取;请另存为 UTF-8 CSV",
            f"file {name} is neither UTF-8 nor GBK/GB18030 (byte {exc.start}); save it as UTF-8 CSV")])


def read_csv_folder(folder: Path) -> tuple[list[Grid], list[Finding]]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise ImportRefused([_finding(
            "publish.unreadable", "ERROR", f"文件夹 {folder} 中没有 CSV 文件", f"no CSV files in folder {folder}")])
    grids, notes = [], []
    for path in files:
        text, encoding = _decode(path.read_bytes(), path.name)
        if encoding != "UTF-8":
            notes.append(_finding("publish.encoding", "INFO", f"文件 {path.name} 按 {encoding} 编码读取",
                                  f"file {path.name} read as {encoding}", resource=path.stem))
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        csv.field_size_limit(2 ** 31 - 1)  # cells of any size are read; the validator reports huge ones
        rows = [[v if v != "" else None for v in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        grids.append(Grid(path.name, "csv", rows))
    return grids, notes


# -- recognising sheets and columns ---------------------------------------------------------

class Names:
    """Lookups from what a person may have typed (Chinese/English titles, names) to tables and fields."""

    def __init__(self, std: Standard):
        self.std = std
        self.tables: dict[str, str] = {}
        self.fields: dict[str, dict[str, str]] = {}
        self.titled: dict[str, dict[str, set[str]]] = {}
        for t in std.tables:
            for key in (t, table_title(std, t, "zh"), table_title(std, t, "en")):
                self.tables[header_key(key)] = t
            lookup, every = {}, {}
            for f in std.fields(t):
                for key in (f["name"], field_title(f, "zh"), field_title(f, "en")):
                    lookup[header_key(key)] = f["name"]
                    every.setdefault(header_key(key), set()).add(f["name"])
            self.fields[t] = lookup
            self.titled[t] = every  # a title two fields share names both
        self.helpers = {header_key(n): "instructions" for n in INSTRUCTIONS.values()}
        self.helpers |= {header_key(n): "codelists" for n in CODELISTS.values()}
        self.helpers |= {header_key(n): "metadata" for n in METADATA.values()}

    def sheet(self, name: str) -> tuple[str, str | None]:
        """('table', name) | ('metadata'|'instructions'|'codelists', None) | ('unknown', None)."""
        key = header_key(Path(name).stem if name.lower().endswith(".csv") else name)
        if key in self.tables:
            return "table", self.tables[key]
        if key in self.helpers:
            return self.helpers[key], None
        return "unknown", None

    def guess_table(self, grid: Grid) -> str | None:
        """The one table whose field names or titles fill a header row of an unrecognised sheet."""
        best: list[tuple[float, str]] = []
        for r in range(1, min(HEADER_SEARCH_ROWS, len(grid.rows)) + 1):
            cells = [header_key(v) for v in grid.rows[r - 1] if not _blank(v)]
            if len(cells) < 2:
                continue
            for t, lookup in self.fields.items():
                hits = {lookup[c] for c in cells if c in lookup}
                if len(hits) == len(cells):  # every title is a field of t
                    best.append((len(hits) / len(self.std.fields(t)), t))
        if not best:
            return None
        best.sort(reverse=True)
        top = [t for score, t in best if score == best[0][0]]
        return top[0] if len(set(top)) == 1 else None


@dataclass
class TableData:
    table: str
    grid: Grid
    columns: dict[int, str]  # column -> field
    data_rows: list[int]  # sheet/file row numbers holding data


def _locate_table(grid: Grid, table: str, names: Names, findings: list[Finding], fatal: list[Finding]) -> TableData | None:
    lookup = names.fields[table]
    field_names = set(names.std.field_names(table))
    # header row: the first of the top rows that names the most fields
    best_row, best_hits = 0, 0
    for r in range(1, min(HEADER_SEARCH_ROWS, len(grid.rows)) + 1):
        hits = sum(1 for v in grid.rows[r - 1] if not _blank(v) and header_key(v) in lookup)
        if hits > best_hits:
            best_row, best_hits = r, hits
    if best_hits == 0:
        if all(_blank(v) for row in grid.rows for v in row):
            return None
        zh, en = grid.where(1)
        fatal.append(_finding(
            "publish.no_header", "ERROR",
            f"{zh}:前 {HEADER_SEARCH_ROWS} 行中找不到“{table_title(names.std, table, 'zh')}”的列标题;请保留模板第一行的列标题",
            f"{en}: no column titles of table {table} in the first {HEADER_SEARCH_ROWS} rows; keep the template's titles in row 1",
            resource=table))
        return None
    header = best_row
    # the hidden row of field names, when present, is the authority on which column is which
    name_row = None
    below = list(grid.rows[header]) if header < len(grid.rows) else []
    below_keys = [str(v).strip() for v in below if not _blank(v)]
    if below_keys and all(k in field_names for k in below_keys):
        name_row = header + 1
    data_start = (name_row or header) + 1

    for (r1, c1, r2, c2, coord) in grid.merged:
        if r1 < data_start:
            zh, en = grid.where(r1, c1)
            fatal.append(_finding(
                "publish.merged_header", "ERROR",
                f"{zh}:标题区域有合并单元格 {coord};请取消合并,每列只保留一个列标题",
                f"{en}: merged header cells {coord}; unmerge them so that each column has exactly one title",
                resource=table))
        else:
            zh, en = grid.where(r1, c1)
            fatal.append(_finding(
                "publish.merged_cells", "ERROR",
                f"{zh}:数据区域有合并单元格 {coord},合并后只有左上角有值;请取消合并并在每行填上值",
                f"{en}: merged data cells {coord} hold a value only in their top-left cell; unmerge and fill every row",
                resource=table))
    for r in range(1, header):
        texts = [(c, v) for c, v in enumerate(grid.rows[r - 1], start=1) if not _blank(v)]
        if texts:
            zh, en = grid.where(r, texts[0][0])
            above = shown("、".join(str(v) for _, v in texts)[:80])
            findings.append(_finding(
                "publish.title_rows", "WARNING",
                f"{zh}:列标题在第 {header} 行,其上方的内容“{above}”未导入",
                f"{en}: the column titles are in row {header}; '{above}' above them was not imported",
                resource=table, row=r))

    columns: dict[int, str] = {}
    unknown: dict[int, str] = {}
    for c in range(1, grid.width + 1):
        head = grid.value(header, c)
        by_title = lookup.get(header_key(head)) if not _blank(head) else None
        by_name = str(grid.value(name_row, c)).strip() if name_row and not _blank(grid.value(name_row, c)) else None
        chosen = by_name or by_title
        if by_name and by_title and by_name != by_title and by_name not in names.titled[table].get(header_key(head), ()):
            zh, en = grid.where(header, c)
            findings.append(_finding(
                "publish.header_mismatch", "WARNING",
                f"{zh}:列标题“{head}”与隐藏行的字段名 {by_name} 不一致,按字段名 {by_name} 导入",
                f"{en}: title '{head}' disagrees with the hidden field name {by_name}; imported as {by_name}",
                resource=table, field=by_name))
        if chosen:
            if chosen in columns.values():
                first = next(col for col, f in columns.items() if f == chosen)
                zh, en = grid.where(header, c)
                zh1, en1 = grid.where(header, first)
                fatal.append(_finding(
                    "publish.duplicate_column", "ERROR",
                    f"{zh}:与 {zh1} 是同一字段 {chosen};请删除其中一列",
                    f"{en}: same field {chosen} as {en1}; delete one of the two columns",
                    resource=table, field=chosen))
            else:
                columns[c] = chosen
        elif not _blank(head):
            unknown[c] = str(head)

    data_rows, blank_rows = [], []
    for r in range(data_start, len(grid.rows) + 1):
        if all(_blank(v) for v in grid.rows[r - 1]) and not any(k[0] == r for k in grid.formulas):
            blank_rows.append(r)
        else:
            data_rows.append(r)
    last = data_rows[-1] if data_rows else 0
    inner_blank = [r for r in blank_rows if r < last]
    if inner_blank:
        place_zh = f"工作表“{grid.source}”" if grid.kind == "sheet" else f"文件 {grid.source} "
        place_en = f"sheet '{grid.source}'" if grid.kind == "sheet" else f"file {grid.source}"
        findings.append(_finding(
            "publish.blank_rows", "WARNING",
            f"{place_zh}第 {row_ranges(inner_blank)} 行是空行,已跳过;请删除空行",
            f"{place_en}: blank row(s) {row_ranges(inner_blank, lang='en')} skipped; delete blank rows",
            resource=table, row=inner_blank[0]))

    data_set = set(data_rows)
    hidden_rows = [r for r in grid.hidden_rows if r in data_set]
    if hidden_rows:
        findings.append(_finding(
            "publish.hidden_rows", "WARNING",
            f"工作表“{grid.source}”第 {row_ranges(hidden_rows)} 行是隐藏的,其内容已导入;如果不该发布,请删除这些行",
            f"sheet '{grid.source}': hidden row(s) {row_ranges(hidden_rows, lang='en')} were imported all the same; "
            f"delete them if they should not be published",
            resource=table, row=hidden_rows[0]))
    hidden_cols = [c for c in sorted(set(grid.hidden_cols)) if c in columns or any(
        c <= len(grid.rows[r - 1]) and not _blank(grid.rows[r - 1][c - 1]) for r in data_rows)]
    if hidden_cols:
        from .workbook import col_letters

        letters = "、".join(col_letters(c) for c in hidden_cols)
        findings.append(_finding(
            "publish.hidden_columns", "WARNING",
            f"工作表“{grid.source}”的 {letters} 列是隐藏的"
            + ("" if all(c in columns for c in hidden_cols) else "(其中不属于本表字段的列未导入)")
            + ";请取消隐藏并核对内容",
            f"sheet '{grid.source}': column(s) {letters.replace('、', ', ')} are hidden; unhide and check them"
            + ("" if all(c in columns for c in hidden_cols) else " (those that are not fields of the table were not imported)"),
            resource=table))

    for c in sorted(set(range(1, grid.width + 1)) - set(columns)):
        filled = [r for r in data_rows if c <= len(grid.rows[r - 1]) and not _blank(grid.rows[r - 1][c - 1])]
        if c not in unknown and not filled:
            continue
        zh, en = grid.where(header, c)
        title = shown(unknown.get(c, ""))
        findings.append(_finding(
            "publish.unknown_column", "WARNING",
            f"{zh}:列“{title}”不是“{table_title(names.std, table, 'zh')}”表的字段,该列的 {len(filled)} 个值未导入"
            + (f"(第 {row_ranges(filled)} 行)" if filled else ""),
            f"{en}: column '{title}' is not a field of table {table}; its {len(filled)} value(s) were not imported"
            + (f" (rows {row_ranges(filled, lang='en')})" if filled else ""),
            resource=table, value=title or None))
    if data_rows:
        for f in names.std.fields(table):
            if f.get("constraints", {}).get("required") and f["name"] not in columns.values():
                zh, en = grid.where(header)
                findings.append(_finding(
                    "publish.missing_column", "WARNING",
                    f"{zh}:缺少必填列“{field_title(f, 'zh')}”({f['name']})",
                    f"{en}: the required column {f['name']} ({field_title(f, 'en')}) is missing",
                    resource=table, field=f["name"]))
    return TableData(table, grid, columns, data_rows)


def row_ranges(rows: list[int], lang: str = "zh") -> str:
    """[3,4,5,9] -> '3-5、9' (zh) or '3-5, 9' (en)."""
    parts, start, prev = [], None, None
    for r in rows:
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            parts.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = r
    if start is not None:
        parts.append(f"{start}-{prev}" if prev != start else str(start))
    return ("、" if lang == "zh" else ", ").join(parts)


# -- metadata -------------------------------------------------------------------------------

def _meta_columns(grid: Grid) -> dict[str, int]:
    words = {
        "label": {"项目", "item"}, "key": {"键", "key"}, "value": {"值", "value", "值(请填写)", "value (fill in)"},
        "help": {"说明", "notes"}, "encoding": {"编码", "encoding"},
    }
    found = {}
    for c in range(1, grid.width + 1):
        k = header_key(grid.value(1, c)) if not _blank(grid.value(1, c)) else ""
        for name, options in words.items():
            if k in {header_key(o) for o in options}:
                found[name] = c
    if "key" in found and "value" in found:
        return found
    if grid.kind == "csv" and grid.width == 2:  # a plain key,value file
        return {"key": 1, "value": 2}
    return dict(META_COLUMNS)


def _read_metadata(grid: Grid, std: Standard, changes: list[Change], findings: list[Finding]) -> dict:
    cols = _meta_columns(grid)
    keys = {m.key: m for m in metadata_keys(std)}
    by_label = {}
    for m in keys.values():
        for lang in ("zh", "en"):
            by_label[header_key(m.label(lang))] = m.key
    out: dict = {}
    for r in range(2, len(grid.rows) + 1):
        key_cell = grid.value(r, cols["key"])
        label_cell = grid.value(r, cols["label"]) if "label" in cols else None
        raw_cell = grid.cell(r, cols["value"])
        key = str(key_cell).strip() if not _blank(key_cell) else by_label.get(header_key(label_cell or ""), "")
        if _blank(raw_cell.value):
            continue
        if not key:
            zh, en = grid.where(r, cols["value"])
            findings.append(_finding(
                "publish.metadata_key", "WARNING", f"{zh}:值“{shown(raw_cell.value)}”没有对应的键,未导入",
                f"{en}: value '{shown(raw_cell.value)}' has no key; not imported", resource=META_TABLE, row=r))
            continue
        encoding = grid.value(r, cols["encoding"]) if "encoding" in cols else None
        value = _meta_value(std, keys.get(key), key, raw_cell, encoding, grid, r, cols["value"], changes, findings)
        _set_nested(out, key, value)
    return out


def _meta_spec(std: Standard, m: MetaKey | None, key: str) -> FieldSpec:
    if m is None:
        return FieldSpec(key, "string", key)
    codelist = std.codelists.get(m.codelist) if m.codelist else None
    t = "boolean" if m.type == "boolean" else "string"
    return FieldSpec(key, t, m.label("zh"), codelist, free_text=not (m.pattern or codelist or m.type == "boolean"))


def _meta_value(std: Standard, m: MetaKey | None, key: str, raw: RawCell, encoding, grid: Grid, r: int, c: int,
                changes: list[Change], findings: list[Finding]):
    if str(encoding or "").strip().lower() == "json":
        try:
            return json.loads(str(raw.value))
        except ValueError as exc:
            zh, en = grid.where(r, c)
            findings.append(_finding(
                "publish.metadata_json", "WARNING", f"{zh}:{key} 的 JSON 无法解析({exc}),按文本保留",
                f"{en}: the JSON of {key} cannot be parsed ({exc}); kept as text", resource=META_TABLE, row=r))
            return str(raw.value)
    out = normalise_value(_meta_spec(std, m, key), raw.value, raw.number_format)
    _record(out, META_TABLE, grid, r, c, key, raw.value, changes, findings)
    value: object = out.value
    if m is not None and m.type == "boolean" and out.value in ("true", "false"):
        value = out.value == "true"
    if m is not None and m.type == "array":
        text = out.value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                pass
        value = [{ARRAY_ITEM_KEY.get(key, "title"): out.value}]
    return value


def _set_nested(out: dict, key: str, value) -> None:
    parts = key.split(".")
    target = out
    for part in parts[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    target[parts[-1]] = value


# -- normalising rows -----------------------------------------------------------------------

def _record(out: Outcome, table: str, grid: Grid, row: int, col: int, field_name: str, raw,
            changes: list[Change], findings: list[Finding], formula: str | None = None) -> None:
    before = formula if formula is not None else (out.before if out.before is not None else display(raw))
    kinds = (("formula",) if formula is not None else ()) + out.kinds
    if kinds and before != out.value:
        changes.append(Change(table, grid.source, row, field_name, before, out.value, kinds))
    if out.problem:
        zh, en = grid.where(row, col)
        zh_problem, en_problem = (p.replace(out.value, shown(out.value)) if out.value else p for p in out.problem)
        findings.append(_finding(
            out.code, "WARNING", f"{zh}({field_name}):{zh_problem}", f"{en} ({field_name}): {en_problem}",
            resource=table, row=row, field=field_name, value=shown(before)))


def _rows_of(data: TableData, spec: TableSpec, changes: list[Change], findings: list[Finding]) -> list[dict]:
    grid = data.grid
    special_rows = {r for r, _ in grid.formats} | {r for r, _ in grid.formulas} | {r for r, _ in grid.errors}
    cols = list(data.columns.items())
    names = [name for _, name in cols]
    # the usual rows (plain values, no formats, formulas or errors): normalised column by column
    plain_rows = [r for r in data.data_rows if r not in special_rows]
    lines = [grid.rows[r - 1] for r in plain_rows]
    columns = {name: [line[c - 1] if c <= len(line) else None for line in lines] for c, name in cols}
    outcomes = spec.normalise_columns(columns)
    new_changes: list[Change] = []
    new_findings: list[Finding] = []
    order = {name: i for i, name in enumerate(names)}
    values = {}
    for c, name in cols:
        outs, raws = outcomes[name], columns[name]
        for i, out in enumerate(outs):
            if out.kinds or out.problem:
                _record(out, data.table, grid, plain_rows[i], c, name, raws[i], new_changes, new_findings)
        values[name] = [o.value for o in outs]
    # recorded column by column; a stable sort by row gives row by row, columns in order, as the sheet reads
    new_changes.sort(key=attrgetter("row"))
    new_findings.sort(key=lambda f: f.row or 0)
    plain = [dict(zip(names, t)) for t in zip(*(values[n] for n in names))] if names else [{} for _ in plain_rows]
    if not special_rows:
        changes.extend(new_changes)
        findings.extend(new_findings)
        return plain
    rows = []
    by_row = dict(zip(plain_rows, plain))
    for r in data.data_rows:
        if r in by_row:
            rows.append(by_row[r])
            continue
        raws = {c: grid.cell(r, c) for c in data.columns}
        cells = {name: (raws[c].value, raws[c].number_format) for c, name in cols}
        outcomes = spec.normalise_row(cells)
        row = {}
        for c, name in cols:
            raw = raws[c]
            out = outcomes[name]
            if raw.formula is not None and _blank(raw.value):
                # a formula never computed (the file was not saved by Excel/WPS): keep its text
                out = Outcome(raw.formula, problem=(
                    "公式没有保存的计算结果,已按公式原文保留;请在 Excel/WPS 中打开并保存,或改为直接填写数值",
                    "the formula has no saved result; kept as its text; open and save the file in Excel/WPS "
                    "or type the value"))
                _record(out, data.table, grid, r, c, name, raw.formula, new_changes, new_findings)
            elif raw.error:
                out = Outcome(display(raw.value), problem=(
                    f"单元格是 Excel 错误值 {raw.value},已按原样保留", f"the cell holds the Excel error {raw.value}; kept as is"))
                _record(out, data.table, grid, r, c, name, raw.value, new_changes, new_findings)
            else:
                _record(out, data.table, grid, r, c, name, raw.value, new_changes, new_findings, formula=raw.formula)
            row[name] = out.value
        rows.append(row)
    new_changes.sort(key=lambda ch: (ch.row, order.get(ch.field, 0)))
    new_findings.sort(key=lambda f: (f.row or 0, order.get(f.field, 0)))
    changes.extend(new_changes)
    findings.extend(new_findings)
    return rows


# -- the whole import -----------------------------------------------------------------------

def read_source(src: Path, std: Standard) -> tuple[dict[str, list[dict]], dict, list[Change], list[Finding], dict, dict]:
    """Tables (table -> rows of text), metadata, changes, findings, where each table's rows
    came from (table -> (source, row numbers)) and which column holds which field
    (table -> field -> column); raises ImportRefused."""
    findings: list[Finding] = []
    if src.is_dir():
        grids, notes = read_csv_folder(src)
        findings += notes
    elif src.is_file():
        if src.suffix.lower() not in (".xlsx", ".xlsm"):
            raise ImportRefused([_finding(
                "publish.unreadable", "ERROR",
                f"{src.name} 不是 .xlsx 工作簿;WPS/Excel 请另存为 .xlsx,或导出为 CSV 放在一个文件夹中",
                f"{src.name} is not an .xlsx workbook; save it as .xlsx, or export CSV files into a folder")])
        grids = read_workbook(src)
    else:
        raise ImportRefused([_finding("publish.unreadable", "ERROR", f"找不到 {src}", f"{src} does not exist")])

    names = Names(std)
    fatal: list[Finding] = []
    located: dict[str, TableData] = {}
    meta_grid: Grid | None = None
    for grid in grids:
        kind, table = names.sheet(grid.source)
        empty = all(_blank(v) for row in grid.rows for v in row)
        if kind in ("instructions", "codelists"):
            continue
        if kind == "unknown" and not empty and _looks_like_instructions(grid, std):
            continue
        if kind == "unknown" and not empty:
            table = names.guess_table(grid)
            if table:
                kind = "table"
                findings.append(_finding(
                    "publish.renamed_sheet", "WARNING",
                    f"“{grid.source}”不是模板中的表名,按其列标题识别为“{table_title(std, table, 'zh')}”表并导入;"
                    f"请把它改回“{table_title(std, table, 'zh')}”",
                    f"'{grid.source}' is not a sheet name of the template; its columns identify it as table {table}, "
                    f"imported as such; rename it back to '{table_title(std, table, 'zh')}'",
                    resource=table))
            elif _looks_like_metadata(grid, std):
                kind = "metadata"
                findings.append(_finding(
                    "publish.renamed_sheet", "WARNING",
                    f"“{grid.source}”按内容识别为元数据表;请把它改回“{METADATA['zh']}”",
                    f"'{grid.source}' is read as the metadata sheet by its content; rename it back to '{METADATA['zh']}'"))
            else:
                fatal.append(_finding(
                    "publish.unknown_sheet", "ERROR",
                    f"“{grid.source}”不是模板中的表名,内容也无法识别,未导入;请改成以下表名之一,或删除它:"
                    + "、".join(table_title(std, t, "zh") for t in std.tables),
                    f"'{grid.source}' is neither a sheet of the template nor recognisable by its columns; rename it "
                    f"to one of: {', '.join(table_title(std, t, 'en') for t in std.tables)}, or delete it"))
                continue
        if kind == "unknown":
            continue
        if grid.hidden and not empty:
            findings.append(_finding(
                "publish.hidden_sheet", "WARNING",
                f"工作表“{grid.source}”是隐藏的,其内容仍已导入;如果不该发布,请删除该表",
                f"sheet '{grid.source}' is hidden; its content was imported all the same; delete it if it should not be published",
                resource=table))
        if kind == "metadata":
            if meta_grid is not None and not empty:
                fatal.append(_finding(
                    "publish.duplicate_sheet", "ERROR", f"“{meta_grid.source}”和“{grid.source}”都是元数据表;请只保留一个",
                    f"both '{meta_grid.source}' and '{grid.source}' are metadata sheets; keep one"))
            if not empty:
                meta_grid = grid
            continue
        data = _locate_table(grid, table, names, findings, fatal)
        if data is None:
            continue
        if table in located:
            fatal.append(_finding(
                "publish.duplicate_sheet", "ERROR",
                f"“{located[table].grid.source}”和“{grid.source}”都是“{table_title(std, table, 'zh')}”表;请合并成一个",
                f"both '{located[table].grid.source}' and '{grid.source}' hold table {table}; merge them into one",
                resource=table))
            continue
        located[table] = data
    if fatal:
        raise ImportRefused(fatal)

    changes: list[Change] = []
    metadata = _read_metadata(meta_grid, std, changes, findings) if meta_grid else {}
    tables: dict[str, list[dict]] = {}
    empty_sheets = []
    for table in std.tables:  # the standard's order
        if table not in located:
            continue
        data = located[table]
        if not data.data_rows:
            empty_sheets.append(data.grid.source)
            continue
        tables[table] = _rows_of(data, TableSpec(std, table), changes, findings)
    if empty_sheets:
        findings.append(_finding(
            "publish.empty_table", "INFO", f"没有数据行、不进入数据包的表:{'、'.join(empty_sheets)}",
            f"sheets without data rows, left out of the package: {', '.join(empty_sheets)}"))
    sources = {t: (located[t].grid.source, located[t].data_rows) for t in tables}
    columns = {t: {name: c for c, name in located[t].columns.items()} for t in tables}
    for table in required_tables(std):
        if table not in tables:
            findings.append(_finding(
                "publish.required_table", "WARNING",
                f"缺少必填的“{table_title(std, table, 'zh')}”表(或该表为空)",
                f"the required table {table} ({table_title(std, table, 'zh')}) is missing or empty", resource=table))
    return tables, metadata, changes, findings, sources, columns


def _looks_like_instructions(grid: Grid, std: Standard) -> bool:
    """The template's instructions sheet under another name: its first cell is the standard's title."""
    first = str(grid.value(1, 1) or "")
    titles = [std.info.get("title", ""), std.info.get("zh", {}).get("title", "")]
    return any(t and first.startswith(t) for t in titles)


def _looks_like_metadata(grid: Grid, std: Standard) -> bool:
    keys = {m.key for m in metadata_keys(std)}
    col = META_COLUMNS["key"]
    hits = sum(1 for r in range(1, len(grid.rows) + 1) if str(grid.value(r, col) or "").strip() in keys)
    return hits >= 3


def complete_metadata(metadata: dict, tables: Mapping[str, list[dict]], overrides: Mapping[str, object],
                      std: Standard, changes: list[Change], findings: list[Finding]) -> dict:
    """Apply command-line values, then derive what the data itself says (province from the
    locality id, the locality's name from its row, a machine name) when still missing."""
    meta = json.loads(json.dumps(metadata))
    keys = {m.key: m for m in metadata_keys(std)}
    for key, value in overrides.items():
        if value is None or value == "":
            continue
        m = keys.get(key)
        spec = _meta_spec(std, m, key)
        out = normalise_value(spec, value)
        new: object = out.value
        if m is not None and m.type == "array":
            new = [{ARRAY_ITEM_KEY.get(key, "title"): out.value}]
        old = _get_nested(meta, key)
        if old not in (None, "") and old != new:
            findings.append(_finding(
                "publish.metadata_option", "INFO", f"元数据 {key}:命令行参数“{display(value)}”代替了工作簿中的“{display(old)}”",
                f"metadata {key}: the option value '{display(value)}' replaces '{display(old)}' from the workbook"))
        _set_nested(meta, key, new)
    locality = meta.get("locality_id")
    if isinstance(locality, str) and locality:
        if not meta.get("province_code") and re.match(r"^\d{2}", locality):
            meta["province_code"] = locality[:2]
            changes.append(Change(META_TABLE, "", None, "province_code", "", locality[:2], ("derived",)))
        if not meta.get("locality_name"):
            for table, rows in tables.items():
                names = [f["name"] for f in std.fields(table)]
                if std.table(table).get("primaryKey") == ["locality_id"] and "name" in names:
                    for row in rows:
                        if row.get("locality_id") == locality and row.get("name"):
                            meta["locality_name"] = row["name"]
                            changes.append(Change(META_TABLE, "", None, "locality_name", "", row["name"], ("derived",)))
                            break
        if not meta.get("name") and meta.get("period"):
            name = re.sub(r"[^a-z0-9._-]+", "-", f"{locality}-{meta['period']}".lower()).strip("-")
            meta["name"] = name
            changes.append(Change(META_TABLE, "", None, "name", "", name, ("derived",)))
    missing = [m.key for m in keys.values() if m.required and m.key != "schema_version"
               and _get_nested(meta, m.key) in (None, "", [])]
    for key in missing:
        findings.append(_finding(
            "publish.metadata_missing", "WARNING",
            f"元数据缺少 {key}({keys[key].label('zh')});请在“{METADATA['zh']}”表中填写,或用命令行参数给出",
            f"metadata lacks {key}; fill it in on the '{METADATA['en']}' sheet or give it as an option",
            field=key))
    return meta


def _get_nested(meta: dict, key: str):
    target = meta
    for part in key.split("."):
        if not isinstance(target, dict):
            return None
        target = target.get(part)
    return target


def _check_output(out: Path, force: bool) -> None:
    """Refuse an output that is a file, a folder holding something other than a package, or an
    existing package unless `force`: nothing there is touched before the new package is complete."""
    if out.exists() and not out.is_dir():
        raise ImportRefused([_finding("publish.output", "ERROR", f"{out} 是一个文件,不是文件夹", f"{out} is a file, not a folder")])
    if not out.exists() or not any(out.iterdir()):
        return
    if not (out / "datapackage.json").is_file():
        raise ImportRefused([_finding(
            "publish.output", "ERROR", f"文件夹 {out} 不是空的,也不是数据包;请换一个输出文件夹",
            f"folder {out} is neither empty nor a data package; choose another output folder")])
    if not force:
        raise ImportRefused([_finding(
            "publish.output_exists", "ERROR",
            f"{out} 已经有一个数据包,未作改动;要用新导入的数据替换它,请加 --force(替换只在新数据包完整写出后进行)",
            f"{out} already holds a package, left untouched; add --force to replace it (it is replaced only once the "
            f"new package is completely written)")])


def _staging_dir(out: Path) -> Path:
    """A private folder beside `out` (same file system, so the final move is a rename)."""
    import tempfile

    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.importing-", dir=out.parent))


def move_into_place(staged: Path, out: Path) -> None:
    """Replace `out` by the complete folder `staged`; the old `out` survives any failure."""
    import shutil
    import tempfile

    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()
    if not out.exists():
        staged.rename(out)
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    backup.rmdir()
    out.rename(backup)
    try:
        staged.rename(out)
    except OSError:
        backup.rename(out)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _validate(path: Path, std: Standard):
    """The validator's report on the written package."""
    from ..validation import validate

    return validate(path, standard=std)


def import_path(src: str | Path, out: str | Path, overrides: Mapping[str, object] | None = None,
                std: Standard | None = None, validate: bool = True, force: bool = False) -> ImportResult:
    """Import a workbook or CSV folder into the package folder `out`; never raises on bad input.

    The package is written into a private folder beside `out` and moved into place only when
    complete; an existing package at `out` is replaced only with `force`, and survives any failure."""
    import gc

    # Millions of small objects (cells, changes) and no reference cycles: the cyclic collector would
    # only walk the growing heap again and again (it cost a third of the time), so it pauses here.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import(src, out, overrides, std, validate, force)
    finally:
        if collecting:
            gc.enable()


def _import(src, out, overrides, std, validate, force) -> ImportResult:
    std = std or current()
    src, out = Path(src), Path(out)
    result = ImportResult(src)
    try:
        tables, metadata, changes, findings, sources, columns = read_source(src, std)
        metadata = complete_metadata(metadata, tables, overrides or {}, std, changes, findings)
        _check_output(out, force)
    except ImportRefused as exc:
        result.refused = True
        result.findings = exc.findings
        return result
    result.changes, result.findings, result.row_sources, result.columns = changes, findings, sources, columns
    result.source_kind = "csv" if src.is_dir() else "sheet"
    result.rows = {t: len(rows) for t, rows in tables.items()}
    if not tables:
        result.refused = True
        result.findings.append(_finding(
            "publish.no_data", "ERROR", f"{src.name} 中没有任何数据表的数据,未写出数据包",
            f"{src.name} holds no rows of any table; no package written"))
        return result
    import shutil

    staged = None
    try:
        staged = _staging_dir(out)
        write_package(staged, metadata, tables, std)
        move_into_place(staged, out)
    except Exception as exc:  # nothing half-written is left; an old package stays as it was
        if staged is not None and staged.exists():
            shutil.rmtree(staged, ignore_errors=True)
        result.refused = True
        result.findings.append(_finding("publish.output", "ERROR", f"无法写入 {out}:{exc},未作任何改动",
                                        f"cannot write {out}: {exc}; nothing was changed"))
        return result
    result.package_dir = out
    if validate:
        result.report = _validate(out, std)
        result.report.locate = result.locate
    return result


def write_changes_csv(changes: Iterable[Change], path: str | Path) -> Path:
    """Every normalisation, one per line, with the value as typed and as stored; UTF-8 with a
    byte-order mark so that Excel/WPS on Chinese Windows opens it correctly."""
    from .normalise import KINDS

    path = Path(path)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["table", "source", "row", "field", "before", "after", "kinds", "说明 / what"])
        for c in changes:
            w.writerow([c.table, c.source, c.row or "", c.field, _csv_safe(shown(c.before)), _csv_safe(shown(c.after)),
                        "+".join(c.kinds), ";".join(KINDS[k][0] for k in c.kinds) + " / " +
                        "; ".join(KINDS[k][1] for k in c.kinds)])
    return path


def _csv_safe(text: str) -> str:
    """A CSV cell Excel will not run as a formula."""
    return "'" + text if text and text[0] in "=+-@\t\r" and not re.fullmatch(r"[+-]?\d+(\.\d+)?", text) else text


@dataclass
class ChangeSummary:
    table: str
    source: str
    field: str
    kinds: tuple[str, ...]
    count: int
    examples: list[Change]


def summarise_changes(changes: Iterable[Change], examples: int = 2) -> list[ChangeSummary]:
    """Normalisations by table, column and kind, with counts and the first distinct examples."""
    groups: dict[tuple, ChangeSummary] = {}
    for c in changes:
        key = (c.table, c.source, c.field, c.kinds)
        g = groups.get(key)
        if g is None:
            g = groups[key] = ChangeSummary(c.table, c.source, c.field, c.kinds, 0, [])
        g.count += 1
        if len(g.examples) < examples and all((e.before, e.after) != (c.before, c.after) for e in g.examples):
            g.examples.append(c)
    return list(groups.values())
