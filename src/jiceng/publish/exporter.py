"""A data package back into the template's workbook, so that a locality can correct and re-import it."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..findings import Finding
from ..standard import Standard, current
from .template import FORMULA_STARTS, build_workbook


class ExportRefused(Exception):
    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(f.message_en for f in findings))
        self.findings = findings


def _refuse(code: str, zh: str, en: str, **kw) -> ExportRefused:
    return ExportRefused([Finding(code, "ERROR", zh, en, **kw)])


def read_package(package_dir: Path, std: Standard) -> tuple[dict, dict[str, list[dict]]]:
    """(descriptor, table -> rows of text) of a package whose resources are tables of the standard."""
    from ..validation.reading import special_file

    descriptor_path = package_dir / "datapackage.json"
    kind = special_file(descriptor_path)
    if kind:  # a pipe would block for ever, a device never ends: never opened
        raise _refuse("INPUT_SPECIAL_FILE", f"{descriptor_path} 不是普通文件({kind}),不会打开",
                      f"{descriptor_path} is not a regular file ({kind}); it is not opened")
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _refuse("publish.unreadable", f"{package_dir} 中没有 datapackage.json", f"no datapackage.json in {package_dir}")
    except RecursionError:
        raise _refuse("publish.unreadable", f"{descriptor_path} 嵌套过深,无法读取", f"{descriptor_path} is nested too deeply to read")
    except (OSError, ValueError) as exc:
        raise _refuse("publish.unreadable", f"无法读取 {descriptor_path}:{exc}", f"cannot read {descriptor_path}: {exc}")
    if not isinstance(descriptor, dict):
        raise _refuse("publish.unreadable", f"{descriptor_path} 不是 JSON 对象", f"{descriptor_path} is not a JSON object")
    tables: dict[str, list[dict]] = {}
    root = package_dir.resolve()
    csv.field_size_limit(2 ** 31 - 1)  # long cells are read, then refused with a message
    resources = descriptor.get("resources", [])
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise _refuse("publish.unreadable", f"{descriptor_path} 的 resources 不是对象列表",
                      f"the resources of {descriptor_path} are not a list of objects")
    for res in resources:
        name = res.get("name")
        if name not in std.tables:
            raise _refuse("publish.unknown_table", f"资源 {name} 不是标准中的数据表,无法放入模板",
                          f"resource {name} is not a table of the standard; it has no place in the workbook")
        path = (package_dir / str(res.get("path", ""))).resolve()
        if root not in path.parents or not path.is_file():
            raise _refuse("publish.unreadable", f"资源 {name} 的文件 {res.get('path')} 不存在",
                          f"file {res.get('path')} of resource {name} does not exist", resource=name)
        try:
            text = path.read_text(encoding=res.get("encoding") or "utf-8")
        except (UnicodeDecodeError, LookupError) as exc:
            raise _refuse("publish.encoding", f"无法按 {res.get('encoding') or 'utf-8'} 读取 {path.name}:{exc}",
                          f"cannot decode {path.name}: {exc}", resource=name)
        text = text.removeprefix("\ufeff")
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, [])
        fields = std.field_names(name)
        extra = [h for h in header if h not in fields]
        if extra:
            raise _refuse("publish.extra_columns",
                          f"{path.name} 有标准以外的列 {', '.join(extra)},导出会丢失它们,已停止",
                          f"{path.name} has columns outside the standard ({', '.join(extra)}); exporting would lose them",
                          resource=name)
        tables[name] = [dict(zip(header, row)) for row in reader if row]
    return descriptor, tables


EXCEL_CELL_LIMIT = 32767  # characters a spreadsheet cell holds


def _check_cell_lengths(tables: dict[str, list[dict]], std: Standard) -> None:
    """Refuse (never truncate) a value longer than a spreadsheet cell can hold."""
    from .layout import field_title, table_title

    too_long = []
    for table, rows in tables.items():
        titles = {f["name"]: field_title(f, "zh") for f in std.fields(table)}
        for i, row in enumerate(rows, start=2):
            for name, value in row.items():
                if value is not None and len(value) > EXCEL_CELL_LIMIT:
                    too_long.append((table, i, name, len(value), titles.get(name, name)))
    if too_long:
        findings = [Finding(
            "publish.cell_too_long", "ERROR",
            f"“{table_title(std, t, 'zh')}”({t})第 {r} 行“{title}”({f})有 {n:,} 个字符,超过 Excel/WPS 单元格的上限 "
            f"{EXCEL_CELL_LIMIT:,},导出会截断它,已停止;请缩短该值或把它移到附件中",
            f"{t} row {r} field {f} holds {n:,} characters, more than the {EXCEL_CELL_LIMIT:,} a spreadsheet cell takes; "
            f"exporting would cut it, so nothing was written; shorten the value or move it to an attachment",
            resource=t, row=r, field=f) for t, r, f, n, title in too_long[:20]]
        raise ExportRefused(findings)


def export_package(package_dir: str | Path, out: str | Path, lang: str = "zh", std: Standard | None = None,
                   force: bool = False) -> Path:
    """Write the package at `package_dir` as a filled template workbook at `out`.

    The workbook is written to a temporary file beside `out` and renamed into place when complete;
    an existing file is replaced only with `force`. A value longer than a cell can hold refuses the
    export (nothing is ever cut)."""
    import os
    import tempfile

    std = std or current()
    package_dir, out = Path(package_dir), Path(out)
    if out.exists() and not force:
        raise _refuse("publish.output_exists", f"{out} 已经存在,未作改动;要替换它请加 --force",
                      f"{out} already exists, left untouched; add --force to replace it")
    if out.exists() and not out.is_file():
        raise _refuse("publish.output", f"{out} 不是文件", f"{out} is not a file")
    descriptor, tables = read_package(package_dir, std)
    _check_cell_lengths(tables, std)
    builder = build_workbook(std, None, lang)
    builder.fill_metadata({k: v for k, v in descriptor.items() if k != "resources"})
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".xlsx", dir=out.parent)
        os.close(fd)
        tmp = Path(name)
        save_streaming(builder, tables, tmp)
        os.replace(tmp, out)
    except ValueError as exc:
        if exc.args and isinstance(exc.args[0], tuple):
            zh, en = exc.args[0]
            raise _refuse("publish.illegal_character", zh, en)
        raise
    except OSError as exc:
        raise _refuse("publish.output", f"无法写入 {out}:{exc}", f"cannot write {out}: {exc}")
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return out


def _copy_cell(target_ws, cell):
    """A template cell as a write-only cell of the streaming workbook: value, type and style."""
    from copy import copy

    from openpyxl.cell import WriteOnlyCell

    new = WriteOnlyCell(target_ws, value=cell.value)
    if cell.data_type == "s" and isinstance(cell.value, str):
        new.data_type = "s"
    if cell.has_style:
        new.font, new.fill, new.border = copy(cell.font), copy(cell.fill), copy(cell.border)
        new.alignment, new.protection = copy(cell.alignment), copy(cell.protection)
        new.number_format = cell.number_format
        new.quotePrefix = cell.quotePrefix
    return new


def save_streaming(builder, tables: dict[str, list[dict]], out: Path) -> None:
    """The template the builder made (small, in memory) followed by the tables' rows, written with
    openpyxl's write-only mode: rows go to the file as they are made, so memory stays flat."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils.exceptions import IllegalCharacterError

    from .layout import FIRST_DATA_ROW, table_title

    src = builder.wb
    std, lang = builder.std, builder.lang
    by_title = {table_title(std, t, lang): t for t in builder.tables}
    wb = Workbook(write_only=True)
    for name, defined in src.defined_names.items():
        wb.defined_names[name] = defined
    for ws in src.worksheets:
        wo = wb.create_sheet(ws.title)
        wo.sheet_state = ws.sheet_state
        wo.freeze_panes = ws.freeze_panes
        for key, dim in ws.column_dimensions.items():
            new = wo.column_dimensions[key]
            new.width, new.hidden = dim.width, dim.hidden
            if dim.has_style:
                new.number_format = dim.number_format
        for idx, dim in ws.row_dimensions.items():
            new = wo.row_dimensions[idx]
            new.height, new.hidden = dim.height, dim.hidden
        for dv in ws.data_validations.dataValidation:
            wo.data_validations.append(dv)
        written = 0
        for row in ws.iter_rows():
            wo.append([_copy_cell(wo, c) for c in row])
            written += 1
        table = by_title.get(ws.title)
        if table is None or table not in tables:
            continue
        while written < FIRST_DATA_ROW - 1:
            wo.append([])
            written += 1
        fields = std.fields(table)
        for r, row in enumerate(tables[table], start=FIRST_DATA_ROW):
            cells = []
            for f in fields:
                text = row.get(f["name"]) or ""
                if text == "":
                    cells.append(None)
                    continue
                cell = WriteOnlyCell(wo)
                try:
                    builder._write(cell, f, text)
                except IllegalCharacterError:
                    raise ValueError((
                        f"“{table}”第 {r - FIRST_DATA_ROW + 2} 行 {f['name']} 含有 Excel 不能保存的控制字符",
                        f"{table} row {r - FIRST_DATA_ROW + 2} field {f['name']} holds control characters Excel cannot store"))
                cells.append(cell)
            wo.append(cells)
    wb.save(out)


def formula_cells(path: str | Path) -> list[str]:
    """Cells of a workbook that Excel/WPS would run as formulas (for checking an export)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)
                                             and cell.data_type != "s"):
                    found.append(f"{ws.title}!{cell.coordinate}")
    return found
