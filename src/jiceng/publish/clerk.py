"""An import's findings as a clerk needs them, and the clerk's own workbook with every problem marked.

`problems(result)` joins the importer's notes and the validator's findings into one list, each
with its sheet and cell (A1 style), the column's Chinese title, the value as typed (through the
redaction gate), what is wrong and how to fix it. `annotate(...)` writes the workbook as the
clerk sent it with every problem cell filled in colour and commented (zh, en), and a first sheet
问题清单 listing the problems with links to their cells. No formula is ever written.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..findings import Finding
from ..validation.report import Clerk, redact
from .importer import ImportResult

SEVERITY_WORDS = {"ERROR": ("错误", "error"), "WARNING": ("警告", "warning"), "INFO": ("提示", "note")}
_ORDER = {"ERROR": 0, "WARNING": 1, "INFO": 2}
ISSUES_SHEET = {"zh": "问题清单", "en": "Problems"}
FILLS = {"ERROR": "FFC7CE", "WARNING": "FFEB9C", "INFO": "DDEBF7"}
MAX_ANNOTATED = 5000  # cells marked in the workbook; the list sheet says how many more there were


@dataclass
class Problem:
    severity: str
    code: str
    message_zh: str
    message_en: str
    table: str | None = None
    table_zh: str | None = None
    field: str | None = None
    field_zh: str | None = None
    field_en: str | None = None
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None  # row in the sheet or file
    value: str | None = None
    hint_zh: str | None = None
    hint_en: str | None = None
    source: str = "validate"  # "import" (reading the workbook) or "validate" (the standard's checks)

    def to_dict(self) -> dict:
        return asdict(self)

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en

    def hint(self, lang: str) -> str | None:
        return self.hint_zh if lang == "zh" else self.hint_en


def _col_of(result: ImportResult, table: str | None, field: str | None) -> int | None:
    if not table or not field:
        return None
    return result.columns.get(table, {}).get(field)


def problems(result: ImportResult, clerk: Clerk | None = None) -> list[Problem]:
    """Every problem of an import, errors first, then by sheet and row."""
    from .workbook import col_letters

    clerk = clerk or Clerk()
    out: list[Problem] = []

    def titles(f: Finding) -> dict:
        x = clerk.explain(f)
        return {"table_zh": x["table_zh"], "field_zh": x["field_zh"], "field_en": x["field_en"],
                "hint_zh": x["hint_zh"], "hint_en": x["hint_en"]}

    for f in result.findings:
        sheet = result.row_sources.get(f.resource, (None, []))[0] if f.resource else None
        col = _col_of(result, f.resource, f.field)
        cell = f"{col_letters(col)}{f.row}" if col and f.row else None
        out.append(Problem(f.severity, f.code, f.message_zh, f.message_en, f.resource, field=f.field, sheet=sheet,
                           cell=cell, row=f.row, value=redact(f.value), source="import", **titles(f)))
    report = result.report
    if report is not None:
        for f in report.shown_errors:
            sheet, cell, row = None, None, None
            if f.resource and f.row is not None:
                where = result.source_row(f.resource, f.row)
                if where:
                    sheet, row = where
                    col = _col_of(result, f.resource, f.field)
                    cell = f"{col_letters(col)}{row}" if col else None
            zh, en = clerk.message(f.code, f.resource, f.field, redact(f.value), f.message_zh, f.message_en)
            out.append(Problem(f.severity, f.code, zh, en, f.resource, field=f.field, sheet=sheet,
                               cell=cell, row=row, value=redact(f.value), **titles(f)))
    # a value the import kept as typed and the validator then refused is one problem, said once
    checked = {(p.sheet, p.cell) for p in out if p.source == "validate" and p.cell}
    out = [p for p in out if not (p.source == "import" and p.code in ("publish.value_kept",) and (p.sheet, p.cell) in checked)]
    out.sort(key=lambda p: (_ORDER.get(p.severity, 9), p.sheet or "", p.row or 0))
    return out


def problems_json(result: ImportResult, items: list[Problem]) -> str:
    """The report of an import as JSON: the validator's contract plus the clerk's view."""
    data = result.report.to_dict() if result.report is not None else {
        "valid": False, "schema_version": None, "package": None, "counts": {}, "errors": []}
    data["import"] = {
        "source": result.source.name,
        "rows": result.rows,
        "refused": result.refused,
        "normalisations": len(result.changes),
        "problems": [p.to_dict() for p in items],
    }
    data["exit_code"] = result.exit_code
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _text(cell, value: str) -> None:
    from .template import set_text

    set_text(cell, value)


def annotate(workbook: str | Path, items: list[Problem], out: str | Path, lang: str = "zh") -> Path:
    """The clerk's workbook with every problem cell filled and commented, and a first sheet
    listing the problems with links to their cells."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    wb = openpyxl.load_workbook(workbook)
    name = ISSUES_SHEET[lang]
    if name in wb.sheetnames:  # annotating an annotated workbook again
        del wb[name]
    ws = wb.create_sheet(name, 0)
    zh = lang == "zh"
    heads = (["序号", "严重程度", "工作表", "单元格", "列", "值", "问题", "怎么改", "代码"] if zh else
             ["No.", "Severity", "Sheet", "Cell", "Column", "Value", "Problem", "How to fix", "Code"])
    for c, h in enumerate(heads, start=1):
        cell = ws.cell(1, c)
        _text(cell, h)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    by_cell: dict[tuple[str, str], list[Problem]] = {}
    for p in items:
        if p.sheet in wb.sheetnames and p.cell:
            by_cell.setdefault((p.sheet, p.cell), []).append(p)
    for r, p in enumerate(items, start=2):
        col_title = (p.field_zh if zh else p.field_en) or p.field or ""
        row = [str(r - 1), SEVERITY_WORDS.get(p.severity, (p.severity,) * 2)[0 if zh else 1], p.sheet or "", p.cell or "",
               col_title, p.value or "", p.message(lang), p.hint(lang) or "", p.code]
        for c, v in enumerate(row, start=1):
            _text(ws.cell(r, c), v)
        if p.sheet in wb.sheetnames:
            target = ws.cell(r, 4 if p.cell else 3)
            target.hyperlink = Hyperlink(ref=target.coordinate, location=f"'{p.sheet}'!{p.cell or 'A1'}",
                                         display=p.cell or p.sheet)
            target.font = Font(color="0563C1", underline="single")
        ws.cell(r, 2).fill = PatternFill("solid", fgColor=FILLS.get(p.severity, "FFFFFF"))
    for c, width in enumerate((6, 9, 14, 8, 16, 20, 60, 50, 28), start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = width
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=8):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for n, ((sheet, ref), found) in enumerate(by_cell.items()):
        if n >= MAX_ANNOTATED:
            break
        target = wb[sheet][ref]
        worst = min(found, key=lambda p: _ORDER.get(p.severity, 9)).severity
        target.fill = PatternFill("solid", fgColor=FILLS.get(worst, "FFFFFF"))
        text = "\n".join(f"{p.message_zh}" + (f"(怎么改:{p.hint_zh})" if p.hint_zh else "") for p in found) + "\n—\n" + \
            "\n".join(f"{p.message_en}" + (f" (how to fix: {p.hint_en})" if p.hint_en else "") for p in found)
        comment = Comment(text[:30000], "jiceng")
        comment.width, comment.height = 320, 160
        target.comment = comment
    wb.active = 0
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
