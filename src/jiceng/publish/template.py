"""The Excel/WPS workbook of the standard: a template to fill in, or a package written back into it.

Sheets: instructions, metadata, one sheet per table (named by its title, column titles in
row 1, field names in hidden row 2, data from row 3) and a hidden sheet of codelists that
the dropdowns read from (Excel limits a typed-in list to 255 characters).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..standard import Standard, current
from .layout import (
    BOOLEAN_LABELS, BOOLEAN_LIST, CODELISTS, FIRST_DATA_ROW, HEADER_ROW, INSTRUCTIONS, META_COLUMNS,
    META_FIRST_ROW, METADATA, NAME_ROW, MetaKey, field_title, metadata_keys, required_tables, table_order,
    table_title,
)
from .normalise import INT_RE, NUM_RE, ISO_DATE_RE, format_number

MAX_ROW = 1048576
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS = {"integer": "0", "number": "General", "date": "yyyy-mm-dd"}
TEXT = "@"
BOLD = Font(bold=True)
REQUIRED = Font(bold=True, color="C00000")
GREY = Font(color="808080", italic=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# Array metadata typed as plain text become a one-item list with the text under this key.
ARRAY_ITEM_KEY = {"licenses": "name", "sources": "title"}


class TableChoiceError(ValueError):
    """--tables named something that is not a table of the standard."""


def resolve_tables(std: Standard, names: Iterable[str] | None) -> list[str]:
    """Tables for a workbook, in workbook order; the required ones are always included."""
    order = table_order(std)
    if not names:
        return order
    from .normalise import header_key

    lookup = {}
    for t in std.tables:
        for key in (t, table_title(std, t, "zh"), table_title(std, t, "en")):
            lookup[header_key(key)] = t
    chosen, unknown = set(required_tables(std)), []
    for name in names:
        for part in str(name).replace(",", ",").split(","):
            if part.strip():
                table = lookup.get(header_key(part))
                if table:
                    chosen.add(table)
                else:
                    unknown.append(part.strip())
    if unknown:
        raise TableChoiceError(
            f"不是标准中的数据表 / not tables of the standard: {', '.join(unknown)}; "
            f"可选 / choose from: {', '.join(order)}")
    return [t for t in order if t in chosen]


def set_text(cell, value: str) -> None:
    """Write a string so that Excel/WPS never runs it as a formula (=, +, -, @ stay text)."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def _codelists_used(std: Standard, tables: list[str], meta: list[MetaKey]) -> list[str]:
    names: list[str] = []
    for t in tables:
        for f in std.fields(t):
            if f.get("codelist") and f["codelist"] not in names:
                names.append(f["codelist"])
    for m in meta:
        if m.codelist and m.codelist not in names:
            names.append(m.codelist)
    return names


def _list_name(codelist: str) -> str:
    return f"jiceng_{codelist}".replace("-", "_")


class WorkbookBuilder:
    def __init__(self, std: Standard, tables: list[str], lang: str):
        self.std, self.tables, self.lang = std, tables, lang
        self.meta = metadata_keys(std)
        self.wb = Workbook()
        self.lists: dict[str, tuple[str, bool]] = {}  # list name -> (defined name, closed)
        self._labels: dict[str, dict[str, str]] = {}  # codelist -> code -> label, for writing rows

    # -- labels -------------------------------------------------------------------------------
    def label(self, codelist: str, code: str) -> str:
        return self.std.codelist(codelist).label(code, self.lang) or code

    def bool_label(self, value: bool) -> str:
        yes, no = BOOLEAN_LABELS[self.lang]
        return yes if value else no

    # -- sheets -------------------------------------------------------------------------------
    def build(self) -> Workbook:
        ws = self.wb.active
        ws.title = INSTRUCTIONS[self.lang]
        self._codelist_sheet()
        self._instructions(ws)
        self._metadata_sheet()
        for table in self.tables:
            self._table_sheet(table)
        # the codelist sheet goes last, hidden
        cl = self.wb[CODELISTS[self.lang]]
        self.wb.move_sheet(cl, offset=len(self.wb.sheetnames) - 1 - self.wb.sheetnames.index(cl.title))
        self.wb.active = 0
        return self.wb

    def _codelist_sheet(self) -> None:
        ws = self.wb.create_sheet(CODELISTS[self.lang])
        ws.sheet_state = "hidden"
        entries = [(BOOLEAN_LIST, "是/否" if self.lang == "zh" else "Yes/No", True,
                    [(BOOLEAN_LABELS[self.lang][0], "true"), (BOOLEAN_LABELS[self.lang][1], "false")])]
        for name in _codelists_used(self.std, self.tables, self.meta):
            cl = self.std.codelist(name)
            title = cl.meta.get("zh", {}).get("title") if self.lang == "zh" else cl.meta.get("title")
            entries.append((name, title or name, cl.closed, [(r[self.lang] or r["code"], r["code"]) for r in cl.rows]))
        for i, (name, title, closed, rows) in enumerate(entries):
            col_label, col_code = 2 * i + 1, 2 * i + 2
            set_text(ws.cell(1, col_label), name)
            set_text(ws.cell(2, col_label), title)
            set_text(ws.cell(2, col_code), "代码" if self.lang == "zh" else "code")
            for r, (label, code) in enumerate(rows, start=3):
                set_text(ws.cell(r, col_label), label)
                set_text(ws.cell(r, col_code), code)
            letter = get_column_letter(col_label)
            ref = f"{quote_sheetname(ws.title)}!${letter}$3:${letter}${2 + len(rows)}"
            defined = _list_name(name)
            self.wb.defined_names[defined] = DefinedName(defined, attr_text=ref)
            self.lists[name] = (defined, closed)
            ws.column_dimensions[letter].width = 24

    def _dropdown(self, ws, list_name: str, ref: str, title: str, prompt: str) -> None:
        defined, closed = self.lists[list_name]
        zh = self.lang == "zh"
        dv = DataValidation(
            type="list", formula1=defined, allow_blank=True, showInputMessage=True, showErrorMessage=True,
            errorStyle="warning" if closed else "information",
            promptTitle=title[:32], prompt=prompt[:255],
            errorTitle=("不在下拉列表中" if zh else "Not in the list")[:32],
            error=(("该值不在代码表中;请从下拉列表选择。" if closed else
                    "该值不在代码表中;开放代码表可以使用本地代码(小写英文字母、数字、下划线)。") if zh else
                   ("This value is not in the codelist; choose from the list." if closed else
                    "Not in the codelist; open lists accept local codes (lowercase letters, digits, _).")),
        )
        dv.add(ref)
        ws.add_data_validation(dv)

    def _hint(self, ws, ref: str, title: str, prompt: str) -> None:
        dv = DataValidation(type=None, allow_blank=True, showInputMessage=True, showErrorMessage=False,
                            promptTitle=title[:32], prompt=prompt[:255])
        dv.add(ref)
        ws.add_data_validation(dv)

    def field_prompt(self, f: dict, required: bool) -> str:
        zh = self.lang == "zh"
        parts = [f["zh"]["description"] if zh else f["description"]]
        if required:
            parts.append("必填。" if zh else "Required.")
        t = f.get("type", "string")
        cl = f.get("codelist")
        if cl:
            closed = self.std.codelist(cl).closed
            parts.append(("请从下拉列表选择。" if closed else "请从下拉列表选择,也可填本地代码。") if zh else
                         ("Choose from the list." if closed else "Choose from the list or type a local code."))
        elif t == "date":
            parts.append("日期,如 2023-05-09。" if zh else "A date, e.g. 2023-05-09.")
        elif t == "integer":
            parts.append("整数。" if zh else "A whole number.")
        elif t == "number":
            parts.append("数字。" if zh else "A number.")
        elif t == "boolean":
            parts.append("选“是”或“否”。" if zh else "Choose Yes or No.")
        cons = f.get("constraints", {})
        if "minimum" in cons or "maximum" in cons:
            lo, hi = cons.get("minimum", ""), cons.get("maximum", "")
            parts.append(f"范围 {lo}–{hi}。" if zh else f"Range {lo}–{hi}.")
        if f.get("privacy") == "pseudonymous":
            parts.append("只填化名编号,不填姓名、身份证号或电话。" if zh else
                         "A pseudonymous id only: never a name, ID number or phone number.")
        if f.get("example"):
            parts.append(f"例:{f['example']}" if zh else f"e.g. {f['example']}")
        return ("" if zh else " ").join(p for p in parts if p)

    def _table_sheet(self, table: str) -> None:
        ws = self.wb.create_sheet(table_title(self.std, table, self.lang))
        for col, f in enumerate(self.std.fields(table), start=1):
            required = bool(f.get("constraints", {}).get("required"))
            head = ws.cell(HEADER_ROW, col)
            set_text(head, field_title(f, self.lang) + ("*" if required else ""))
            head.font = REQUIRED if required else BOLD
            head.fill = HEADER_FILL
            head.alignment = Alignment(wrap_text=True, vertical="center")
            name_cell = ws.cell(NAME_ROW, col)
            set_text(name_cell, f["name"])
            name_cell.font = GREY
            letter = get_column_letter(col)
            t = f.get("type", "string")
            dim = ws.column_dimensions[letter]
            dim.number_format = NUMBER_FORMATS.get(t, TEXT)
            dim.width = max(10, min(40, 2 * len(field_title(f, self.lang)) + 4))
            ref = f"{letter}{FIRST_DATA_ROW}:{letter}{MAX_ROW}"
            prompt = self.field_prompt(f, required)
            if f.get("codelist"):
                self._dropdown(ws, f["codelist"], ref, field_title(f, self.lang), prompt)
            elif t == "boolean":
                self._dropdown(ws, BOOLEAN_LIST, ref, field_title(f, self.lang), prompt)
            else:
                self._hint(ws, ref, field_title(f, self.lang), prompt)
        ws.row_dimensions[NAME_ROW].hidden = True
        ws.row_dimensions[HEADER_ROW].height = 30
        ws.freeze_panes = f"A{FIRST_DATA_ROW}"

    def _metadata_sheet(self) -> None:
        zh = self.lang == "zh"
        ws = self.wb.create_sheet(METADATA[self.lang])
        heads = {"label": ("项目", "Item"), "key": ("键", "Key"), "value": ("值(请填写)", "Value (fill in)"),
                 "help": ("说明", "Notes"), "encoding": ("编码", "encoding")}
        for name, col in META_COLUMNS.items():
            cell = ws.cell(1, col)
            set_text(cell, heads[name][0 if zh else 1])
            cell.font, cell.fill = BOLD, HEADER_FILL
        for i, m in enumerate(self.meta):
            row = META_FIRST_ROW + i
            label = ws.cell(row, META_COLUMNS["label"])
            set_text(label, m.label(self.lang) + ("*" if m.required else ""))
            label.font = REQUIRED if m.required else BOLD
            set_text(ws.cell(row, META_COLUMNS["key"]), m.key)
            ws.cell(row, META_COLUMNS["key"]).font = GREY
            help_text = (m.description_zh if zh else m.description_en) + (
                (" 必填。" if zh else " Required.") if m.required else "")
            if m.key == "schema_version":
                help_text += " 由工具填写,请勿修改。" if zh else " Filled in by the tool; do not change."
            if m.type == "array":
                help_text += (" 填一项即可(如 CC-BY-4.0);多项请写 JSON 列表。" if zh else
                              " Type one item (e.g. CC-BY-4.0); several as a JSON list.")
            set_text(ws.cell(row, META_COLUMNS["help"]), help_text)
            value = ws.cell(row, META_COLUMNS["value"])
            value.number_format = TEXT
            ref = value.coordinate
            if m.codelist:
                self._dropdown(ws, m.codelist, ref, m.label(self.lang), help_text)
            elif m.type == "boolean":
                self._dropdown(ws, BOOLEAN_LIST, ref, m.label(self.lang), help_text)
            else:
                self._hint(ws, ref, m.label(self.lang), help_text)
            if m.key == "schema_version":
                set_text(value, self.std.version)
        ws.column_dimensions["A"].width = 26
        ws.column_dimensions["B"].width = 18
        ws.column_dimensions["C"].width = 40
        ws.column_dimensions["D"].width = 70
        ws.column_dimensions[get_column_letter(META_COLUMNS["encoding"])].hidden = True
        ws.freeze_panes = "A2"

    def _instructions(self, ws) -> None:
        zh = self.lang == "zh"
        std = self.std
        info = std.info
        title = info.get("zh", {}).get("title", info.get("title")) if zh else info.get("title")
        required = set(required_tables(std))
        lines: list[tuple[str, Font | None]] = [
            (f"{title} {std.version} — " + ("数据填报模板" if zh else "data template"), Font(bold=True, size=14)),
            ("", None),
        ]
        if zh:
            steps = [
                "填写步骤",
                f"1. 先填“{METADATA['zh']}”表:地方标识、地方名称、省份、期间、发布机构、许可协议等,带 * 的为必填。",
                "2. 每张数据表一个工作表,工作表名是数据表的中文名。请不要改工作表名、不要改第一行的列标题,"
                "也不要删除隐藏的第二行(字段名,导入时据此识别各列)。",
                "3. 从第 3 行起,每行一条记录。不要合并单元格,不要留空行,不要在表里加标题行、合计行或备注列。",
                "4. 列标题带 * 的为必填列。把鼠标放在单元格上可以看到该列的说明。",
                "5. 有下拉框的列请从下拉列表选择(也可以直接填英文代码);开放代码表还可以填本地代码"
                "(小写英文字母、数字和下划线)。",
                "6. 日期写成 2023-05-09;写成 2023年5月9日、2023/5/9、2023.5.9 也可以,导入时会统一转换。"
                "是/否 列填“是”或“否”。单位为 % 的指标可以写 90% 或 90。",
                "7. 标识、代码列是文本格式,开头的 0 会保留。",
                "8. 不得填写个人姓名、身份证号、电话号码或详细住址;涉及个人的记录只填化名编号。",
                "9. 用不到的数据表可以留空;留空的表不会进入数据包。",
                "10. 填好后保存,运行:jiceng import 本文件.xlsx -o 数据包文件夹 。"
                "工具会列出每一处自动转换(表、行、字段、原值 → 新值),无法识别的值按原样保留并报告,然后校验数据包。",
                "",
                "数据表一览",
            ]
        else:
            steps = [
                "How to fill it in",
                f"1. Fill in the '{METADATA['en']}' sheet first: locality id and name, province, period, publisher, "
                "licence; items marked * are required.",
                "2. Each table has its own sheet, named after the table. Do not rename sheets, do not change the "
                "column titles in row 1 and do not delete the hidden row 2 (field names, read by the importer).",
                "3. One record per row from row 3. No merged cells, no blank rows, no title, total or note rows.",
                "4. Columns marked * are required. Hover over a cell to see what the column means.",
                "5. Columns with a dropdown take a value from the list (or its English code); open lists also "
                "accept local codes (lowercase letters, digits and _).",
                "6. Dates as 2023-05-09 (2023/5/9 or 2023.5.9 also work). Yes/No columns take Yes or No. "
                "Indicators in % may be written 90% or 90.",
                "7. Identifier and code columns are text: leading zeros are kept.",
                "8. Never enter people's names, ID numbers, phone numbers or exact addresses; records about "
                "people carry pseudonymous ids only.",
                "9. Leave unused tables empty; empty tables are left out of the package.",
                "10. Save, then run: jiceng import this-file.xlsx -o PACKAGE_FOLDER . Every automatic change is "
                "listed (table, row, field, before → after); values that cannot be read are kept as typed and "
                "reported; the package is then validated.",
                "",
                "Tables",
            ]
        for i, text in enumerate(steps):
            lines.append((text, BOLD if i in (0, len(steps) - 1) else None))
        row = 1
        for text, font in lines:
            cell = ws.cell(row, 1)
            set_text(cell, text)
            if font:
                cell.font = font
            row += 1
        heads = ("工作表", "数据表", "是否必填", "说明", "字段数") if zh else ("Sheet", "Table", "Required", "Description", "Fields")
        for col, text in enumerate(heads, start=1):
            cell = ws.cell(row, col)
            set_text(cell, text)
            cell.font, cell.fill = BOLD, HEADER_FILL
        for table in self.tables:
            row += 1
            schema = std.table(table)
            is_required = table in required
            values = (
                table_title(std, table, self.lang),
                table,
                ("必填" if zh else "required") if is_required else ("按需填写" if zh else "optional"),
                schema["zh"]["description"] if zh else schema["description"],
                str(len(schema["fields"])),
            )
            for col, text in enumerate(values, start=1):
                set_text(ws.cell(row, col), text)
            if is_required:
                ws.cell(row, 3).font = REQUIRED
        ws.column_dimensions["A"].width = 22
        ws.column_dimensions["B"].width = 22
        ws.column_dimensions["C"].width = 12
        ws.column_dimensions["D"].width = 80

    # -- filling with a package (export) -------------------------------------------------------
    def fill_metadata(self, metadata: Mapping) -> None:
        ws = self.wb[METADATA[self.lang]]
        known = {m.key: i for i, m in enumerate(self.meta)}
        rows = {m.key: META_FIRST_ROW + i for i, m in enumerate(self.meta)}
        flat: dict[str, object] = {}
        for key, value in metadata.items():
            if key == "resources":
                continue
            subkeys = [k for k in known if k.startswith(key + ".")]
            if isinstance(value, dict) and subkeys:
                for sub, subvalue in value.items():
                    flat[f"{key}.{sub}"] = subvalue
            else:
                flat[key] = value
        next_row = META_FIRST_ROW + len(self.meta)
        for key, value in flat.items():
            if key in rows:
                row = rows[key]
                m = self.meta[known[key]]
            else:  # a key the profile does not list: kept, on a row of its own
                row, m = next_row, None
                next_row += 1
                set_text(ws.cell(row, META_COLUMNS["label"]), key)
                set_text(ws.cell(row, META_COLUMNS["key"]), key)
            cell = ws.cell(row, META_COLUMNS["value"])
            cell.number_format = TEXT
            text, is_json = self._meta_text(m, key, value)
            if text is None:
                cell.value = None
                continue
            set_text(cell, text)
            if is_json:
                set_text(ws.cell(row, META_COLUMNS["encoding"]), "json")

    def _meta_text(self, m: MetaKey | None, key: str, value) -> tuple[str | None, bool]:
        if value is None:
            return None, False
        if m is not None and m.codelist and isinstance(value, str):
            return self.label(m.codelist, value), False
        if m is not None and m.type == "boolean" and isinstance(value, bool):
            return self.bool_label(value), False
        if isinstance(value, str):
            return value, False
        item_key = ARRAY_ITEM_KEY.get(key)
        if (m is not None and m.type == "array" and isinstance(value, list) and len(value) == 1
                and item_key and value[0] == {item_key: value[0].get(item_key)}
                and isinstance(value[0][item_key], str) and not value[0][item_key].lstrip().startswith("[")):
            return value[0][item_key], False
        return json.dumps(value, ensure_ascii=False), True

    def fill_table(self, table: str, rows: list[Mapping[str, str]]) -> None:
        ws = self.wb[table_title(self.std, table, self.lang)]
        fields = self.std.fields(table)
        for r, row in enumerate(rows, start=FIRST_DATA_ROW):
            for c, f in enumerate(fields, start=1):
                text = row.get(f["name"]) or ""
                if text != "":
                    try:
                        self._write(ws.cell(r, c), f, text)
                    except IllegalCharacterError:
                        raise ValueError((
                            f"“{table}”第 {r - FIRST_DATA_ROW + 2} 行 {f['name']} 含有 Excel 不能保存的控制字符",
                            f"{table} row {r - FIRST_DATA_ROW + 2} field {f['name']} holds control characters Excel cannot store"))

    def _write(self, cell, f: dict, text: str) -> None:
        """One package value into a cell, typed so that reading it back gives the same text."""
        t = f.get("type", "string")
        if f.get("codelist"):
            labels = self._labels.get(f["codelist"])
            if labels is None:
                from .normalise import CodeIndex

                cl = self.std.codelist(f["codelist"])
                index = CodeIndex(cl)
                labels = {}
                for r in cl.rows:
                    label = cl.label(r["code"], self.lang)
                    # a label two codes share would not come back as this code: write the code itself
                    labels[r["code"]] = label if index.lookup(label)[0] == r["code"] else r["code"]
                self._labels[f["codelist"]] = labels
            set_text(cell, labels.get(text, text))
        elif t == "boolean" and text in ("true", "false"):
            set_text(cell, self.bool_label(text == "true"))
        elif t == "integer" and INT_RE.match(text) and str(int(text)) == text and abs(int(text)) < 10**15:
            cell.value = int(text)
        elif t == "number" and NUM_RE.match(text) and _canonical_float(text):
            cell.value = float(text)
        elif t == "date" and ISO_DATE_RE.match(text) and _date(text):
            cell.value = _date(text)
            cell.number_format = NUMBER_FORMATS["date"]
        else:
            set_text(cell, text)
            cell.number_format = TEXT


def _canonical_float(text: str) -> bool:
    try:
        x = float(text)
    except ValueError:
        return False
    return format_number(x) == text and abs(x) < 1e15


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def build_workbook(std: Standard | None = None, tables: Iterable[str] | None = None, lang: str = "zh") -> WorkbookBuilder:
    std = std or current()
    builder = WorkbookBuilder(std, resolve_tables(std, tables), lang)
    builder.build()
    return builder


def write_template(out: str | Path, tables: Iterable[str] | None = None, lang: str = "zh",
                   std: Standard | None = None) -> Path:
    """Write the empty template workbook to `out`."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    builder = build_workbook(std, tables, lang)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    builder.wb.save(out)
    return out
