"""Reading a workbook (.xlsx) quickly and within bounded memory.

Cell values come from python-calamine (Rust, fast). What calamine does not say is read by a
streaming pass over each sheet's XML, chunk by chunk, with byte-level regular expressions: the
extent of the cells holding values (checked *before* calamine builds its dense table, so a
value at XFD1048576 is refused instead of allocating 17 billion cells), hidden rows and columns,
formulas, Excel error values, merged ranges and the number formats that change a value's
meaning (percent, zero-padded). openpyxl stays for writing.

Nothing here evaluates anything: formulas are read as text, their saved results as values.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# Bounds: the dense table calamine builds costs about 32 bytes a cell.
MAX_SHEET_CELLS = 10_000_000
MAX_SHEET_XML_BYTES = 2 * 1024 ** 3  # decompressed XML of one sheet
MAX_SHEETS = 200
CHUNK = 8 * 1024 * 1024
MAX_CARRY = 64 * 1024 * 1024  # one row may not be longer than this

_ATTR = re.compile(rb'([A-Za-z:]+)="([^"]*)"')
_ROW_HIDDEN = re.compile(rb'<row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_R = re.compile(rb'\br="([0-9]+)"')
_COL = re.compile(rb'<col\b[^>]*?/?>')
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?"')
# a cell holding something: an opening <c ...> tag that is not self-closing
_VALUE_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>/]*>')
_VALUE_CELL_FAST = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>/]*>')
_VALUE_COL_FAST = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"[^>/]*>')
_FORMULA = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>/]*>\s*<f\b([^>]*?)(?:/>|>([^<]*)</f>)')
_ERROR = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\bt="e"[^>/]*>')


class WorkbookError(Exception):
    """The workbook cannot be read: (code, zh, en)."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in (letters.decode() if isinstance(letters, bytes) else letters):
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _attrs(tag: bytes) -> dict[str, str]:
    return {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(tag)}


@dataclass
class SheetScan:
    max_row: int = 0
    max_col: int = 0
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: set[tuple[int, int]] = field(default_factory=set)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # only the formats that matter
    merged: list[tuple[int, int, int, int, str]] = field(default_factory=list)


def _interesting_formats(zf: zipfile.ZipFile, styles_path: str | None) -> dict[str, str]:
    """Style index -> number format, for the formats that change what a number means."""
    if not styles_path or styles_path not in zf.namelist():
        return {}
    info = zf.getinfo(styles_path)
    if info.file_size > 64 * 1024 * 1024:
        return {}
    data = zf.read(styles_path)
    custom = {a.get("numFmtId"): a.get("formatCode", "") for a in
              (_attrs(m) for m in re.findall(rb'<numFmt\b[^>]*>', data))}
    builtin = {"9": "0%", "10": "0.00%", "1": "0"}
    m = re.search(rb'<cellXfs\b.*?</cellXfs>', data, re.S)
    out: dict[str, str] = {}
    if not m:
        return out
    for i, xf in enumerate(re.findall(rb'<xf\b[^>]*>', m.group(0))):
        fid = _attrs(xf).get("numFmtId", "0")
        fmt = custom.get(fid) or builtin.get(fid, "")
        plain = re.sub(r'"[^"]*"|\\.', "", fmt)
        if "%" in plain or re.fullmatch(r"0{2,}", fmt):
            out[str(i)] = fmt
    return out


def scan_sheet(zf: zipfile.ZipFile, part: str, formats: dict[str, str], sheet: str) -> SheetScan:
    scan = SheetScan()
    styled = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\bs="(' +
                        b"|".join(re.escape(k.encode()) for k in formats) + rb')"[^>/]*>') if formats else None
    total = 0
    carry = b""
    in_sheet_data = False
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            total += len(chunk)
            if total > MAX_SHEET_XML_BYTES:
                raise WorkbookError("publish.sheet_too_large",
                                    f"工作表“{sheet}”解压后超过 {MAX_SHEET_XML_BYTES // 1024 ** 3} GiB,无法导入;请拆分成几个文件,或另存为 CSV",
                                    f"sheet '{sheet}' decompresses past {MAX_SHEET_XML_BYTES // 1024 ** 3} GiB; split it or save it as CSV")
            data = carry + chunk
            if chunk:
                cut = max(data.rfind(b"</row>"), data.rfind(b"<row "), data.rfind(b"</sheetData>"))
                if cut <= 0:
                    if len(data) > MAX_CARRY:
                        raise WorkbookError("publish.sheet_too_large",
                                            f"工作表“{sheet}”有一行超过 {MAX_CARRY // 1024 ** 2} MiB,无法导入",
                                            f"sheet '{sheet}' has a row longer than {MAX_CARRY // 1024 ** 2} MiB")
                    carry = data
                    continue
                data, carry = data[:cut], data[cut:]
            else:
                carry = b""
            if not in_sheet_data and b"<sheetData" in data:
                in_sheet_data = True
                for col in _COL.findall(data[:data.find(b"<sheetData")]):
                    a = _attrs(col)
                    if a.get("hidden") in ("1", "true"):
                        lo, hi = int(a.get("min", "0") or 0), int(a.get("max", "0") or 0)
                        scan.hidden_cols += list(range(lo, min(hi, lo + 16384) + 1))
            for tag in _ROW_HIDDEN.findall(data):
                r = _ROW_R.search(tag)
                if r:
                    scan.hidden_rows.append(int(r.group(1)))
            # extent of the cells holding values (self-closing <c .../> cells hold nothing): rows grow
            # through the file, so the last such cell of a chunk carries its largest row
            last = None
            for size in (65536, len(data)):
                for last in _VALUE_CELL_FAST.finditer(data[-size:]):
                    pass
                if last is not None or size >= len(data):
                    break
            if last is not None:
                scan.max_row = max(scan.max_row, int(last.group(2)))
            letters = set(_VALUE_COL_FAST.findall(data))
            if not letters and b"<c " in data:  # attributes in another order than Excel's and openpyxl's
                letters = {m.group(1) for m in _VALUE_CELL.finditer(data)}
                for m in _VALUE_CELL.finditer(data):
                    scan.max_row = max(scan.max_row, int(m.group(2)))
            if letters:
                scan.max_col = max(scan.max_col, max(col_number(x) for x in letters))
            if b"<f" in data:
                for letters, row, attrs, text in _FORMULA.findall(data):
                    scan.formulas[(int(row), col_number(letters))] = "=" + _unescape(text) if text else "=…"
            if b't="e"' in data:
                for letters, row in _ERROR.findall(data):
                    scan.errors.add((int(row), col_number(letters)))
            if styled is not None:
                for letters, row, s in styled.findall(data):
                    scan.formats[(int(row), col_number(letters))] = formats[s.decode()]
            for a, b in _MERGE.findall(data):
                r1, c1 = _ref(a)
                r2, c2 = _ref(b) if b else (r1, c1)
                coord = a.decode() + (":" + b.decode() if b else "")
                scan.merged.append((r1, c1, r2, c2, coord))
            if not chunk:
                break
    return scan


def _ref(ref: bytes) -> tuple[int, int]:
    m = re.match(rb"([A-Z]+)([0-9]+)", ref)
    return int(m.group(2)), col_number(m.group(1))


def _unescape(text: bytes) -> str:
    import html

    return html.unescape(text.decode("utf-8", "replace"))


def _sheet_parts(zf: zipfile.ZipFile) -> tuple[dict[str, str], str | None]:
    """Sheet name -> its XML part, and the styles part, from workbook.xml and its relationships."""
    names = set(zf.namelist())
    wb_path = "xl/workbook.xml"
    for n in names:
        if n.lower() == "xl/workbook.xml":
            wb_path = n
    rels_path = str(PurePosixPath(wb_path).parent / "_rels" / (PurePosixPath(wb_path).name + ".rels"))
    if wb_path not in names or rels_path not in names:
        raise WorkbookError("publish.unreadable", "不是有效的 .xlsx 工作簿(缺少 workbook.xml)",
                            "not a valid .xlsx workbook (workbook.xml missing)")
    for p in (wb_path, rels_path):
        if zf.getinfo(p).file_size > 64 * 1024 * 1024:
            raise WorkbookError("publish.unreadable", "工作簿的目录部分过大,无法读取", "the workbook's index is too large to read")
    wb = zf.read(wb_path)
    rels = zf.read(rels_path)
    targets, styles = {}, None
    base = PurePosixPath(wb_path).parent
    for rel in re.findall(rb"<Relationship\b[^>]*>", rels):
        a = _attrs(rel)
        target = a.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else str(base / target)
        targets[a.get("Id")] = path
        if a.get("Type", "").endswith("/styles"):
            styles = path
    out = {}
    for sheet in re.findall(rb"<sheet\b[^>]*>", wb):
        a = _attrs(sheet)
        rid = a.get("r:id") or next((v for k, v in a.items() if k.endswith(":id")), None)
        if rid in targets:
            import html

            out[html.unescape(a.get("name", ""))] = targets[rid]
    return out, styles


@dataclass
class SheetData:
    name: str
    rows: list[list]  # raw values, 1-based rows/cols map to rows[r-1][c-1]; "" for an empty cell
    hidden: bool
    scan: SheetScan


def read_sheets(path: Path) -> list[SheetData]:
    """Every worksheet of the workbook at `path`; raises WorkbookError."""
    import python_calamine as pc

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookError("publish.unreadable", f"无法打开工作簿 {path.name}(不是有效的 .xlsx 文件):{exc}",
                            f"cannot open workbook {path.name} (not a valid .xlsx file): {exc}")
    with zf:
        if len(zf.infolist()) > 10_000:
            raise WorkbookError("ZIP_TOO_LARGE", "工作簿内的文件数超过 10,000,无法读取", "the workbook holds more than 10,000 parts")
        parts, styles = _sheet_parts(zf)
        if len(parts) > MAX_SHEETS:
            raise WorkbookError("publish.too_many_sheets", f"工作簿有 {len(parts)} 个工作表,超过上限 {MAX_SHEETS}",
                                f"the workbook has {len(parts)} sheets, more than {MAX_SHEETS}")
        formats = _interesting_formats(zf, styles)
        scans = {}
        for name, part in parts.items():
            if part not in zf.namelist():
                continue
            scan = scan_sheet(zf, part, formats, name)
            if scan.max_row * scan.max_col > MAX_SHEET_CELLS:
                far = f"{col_letters(scan.max_col)}{scan.max_row}"
                raise WorkbookError(
                    "publish.sheet_too_large",
                    f"工作表“{name}”的数据范围达到 {scan.max_row:,} 行 × {scan.max_col:,} 列(最远的有内容的单元格在 {far} 附近),"
                    f"超过导入上限 {MAX_SHEET_CELLS:,} 个单元格;请删除远处多余的内容,或把数据拆分成几个文件、另存为 CSV 文件夹导入",
                    f"sheet '{name}' spans {scan.max_row:,} rows × {scan.max_col:,} columns (the farthest cell holding "
                    f"something is near {far}), more than the {MAX_SHEET_CELLS:,} cells an import takes; delete the far "
                    f"content, or split the data or import it as a CSV folder")
            scans[name] = scan
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's own errors: damaged or password-protected files
        raise WorkbookError("publish.unreadable", f"无法打开工作簿 {path.name}:{exc}", f"cannot open workbook {path.name}: {exc}")
    out = []
    try:
        for meta in wb.sheets_metadata:
            if meta.name not in scans or "WorkSheet" not in str(meta.typ):
                continue
            try:
                sheet = wb.get_sheet_by_name(meta.name)
                values = sheet.to_python(skip_empty_area=False)
            except Exception as exc:
                raise WorkbookError("publish.unreadable", f"无法读取工作表“{meta.name}”:{exc}",
                                    f"cannot read sheet '{meta.name}': {exc}")
            rows = values  # an empty cell is "" (calamine's own value): blank like None everywhere
            while rows and all(v is None or v == "" for v in rows[-1]):
                rows.pop()
            out.append(SheetData(meta.name, rows, meta.visible != pc.SheetVisibleEnum.Visible, scans[meta.name]))
    finally:
        wb.close()
    return out
