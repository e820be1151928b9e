"""Turning what clerks type into the standard's values, one cell at a time.

Each cell gives an `Outcome`: the value to write, the kinds of normalisation applied (empty
when the value was already in the standard's form) and, when the value cannot be
normalised, a bilingual problem. A value that cannot be normalised is kept as typed: the
importer reports it and the validator then says what is wrong with it. Nothing is guessed:
a value is only changed when exactly one reading of it is possible.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..standard import Codelist, Standard
from .layout import BOOLEAN_LABELS, field_title

# Kinds of normalisation, with the words used in reports.
KINDS = {
    "trim": ("去除首尾空格", "leading/trailing spaces removed"),
    "fullwidth": ("全角转半角", "full-width characters to ASCII"),
    "boolean": ("是/否转为布尔值", "yes/no to boolean"),
    "percent": ("去除百分号", "percent sign removed"),
    "date": ("日期改为 YYYY-MM-DD", "date to YYYY-MM-DD"),
    "excel_date": ("Excel 日期序号转为日期", "Excel serial number to date"),
    "date_cell": ("日期单元格转为文本", "date cell to text"),
    "thousands": ("去除千位分隔符", "thousands separators removed"),
    "number": ("数字写法", "number written plainly"),
    "label": ("名称转为代码", "label to code"),
    "code_case": ("代码大小写", "code letter case"),
    "formula": ("公式取计算结果", "formula replaced by its value"),
    "leading_zeros": ("按单元格格式补回前导零", "leading zeros restored from the cell format"),
    "derived": ("由表中数据推出", "derived from the data"),
    "option": ("来自命令行参数", "from a command-line option"),
}

# Full-width ASCII (！ to ～), the ideographic space, the minus sign and the ideographic full stop.
_FOLD = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0x2212: 0x2D, 0x3002: 0x2E}

INT_RE = re.compile(r"^[+-]?\d+$")
NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
INT_POINT_ZERO_RE = re.compile(r"^([+-]?\d+)\.0+$")
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DATE_RES = (
    re.compile(r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[T ]0{1,2}:00(:00(\.0+)?)?$"),
)
SERIAL_RE = re.compile(r"^(\d{5})(\.0+)?$")
OPEN_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")

# Literals Frictionless already reads as booleans: kept as they are.
BOOL_LITERALS = {"true", "false", "True", "False", "TRUE", "FALSE", "1", "0"}
_TRUE = {"是", "对", "有", "真", "√", "✓", "✔", "y", "yes", "t", "true", "是的"}
_FALSE = {"否", "错", "無", "无", "没有", "假", "×", "✗", "✘", "n", "no", "f", "false", "不是"}
BOOL_WORDS = {w: "true" for w in _TRUE} | {w: "false" for w in _FALSE}
for _lang in BOOLEAN_LABELS:
    BOOL_WORDS[BOOLEAN_LABELS[_lang][0].casefold()] = "true"
    BOOL_WORDS[BOOLEAN_LABELS[_lang][1].casefold()] = "false"

EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_SERIAL = 2958465  # 9999-12-31


def strip(text: str) -> str:
    return text.strip().strip("\u200b\ufeff").strip()


def fold(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII."""
    return text.translate(_FOLD)


def header_key(text) -> str:
    """How headers, sheet names and labels are compared: folded, spaces collapsed, no '*', any case."""
    text = " ".join(fold(str(text)).split())
    return text.strip("*").strip().casefold()


def format_number(x) -> str:
    """A number as the package writes it: integers without '.0', other floats in shortest form."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, Decimal):
        text = format(x, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if x != x or x in (float("inf"), float("-inf")):
        return repr(x)
    return str(int(x)) if x.is_integer() else repr(x)


def display(raw) -> str:
    """A raw cell value as the clerk sees it, for reports."""
    if raw is None:
        return ""
    if isinstance(raw, (int, float, Decimal)):
        return format_number(raw)
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    if isinstance(raw, (dt.date, dt.time)):
        return raw.isoformat()
    return str(raw)


@dataclass
class Outcome:
    value: str
    kinds: tuple[str, ...] = ()
    problem: tuple[str, str] | None = None  # (zh, en) when the value could not be normalised
    before: str | None = None  # how the clerk saw the cell, when not plain str(raw)
    code: str = "publish.value_kept"  # the finding code when there is a problem


class CodeIndex:
    """Finds the code of a codelist entry from its code, its Chinese label or its English label."""

    def __init__(self, codelist: Codelist):
        self.codelist = codelist
        self.codes = set(codelist.codes)
        self._by_key: dict[str, set[tuple[str, str]]] = {}
        for row in codelist.rows:
            self._add(row["code"], row["code"], "code_case")
            self._add(row.get("zh", ""), row["code"], "label")
            self._add(row.get("en", ""), row["code"], "label")

    def _add(self, text: str, code: str, kind: str) -> None:
        if text:
            self._by_key.setdefault(header_key(text), set()).add((code, kind))
            # a label's closing remark is optional: "综合网格(大网格)" is also "综合网格"
            short = re.sub(r"\s*[((][^()()]*[))]$", "", text)
            if kind == "label" and short and short != text:
                self._by_key.setdefault(header_key(short), set()).add((code, kind))

    def lookup(self, text: str) -> tuple[str | None, str | None, list[str]]:
        """(code, kind, candidates): code is None when nothing or several codes match."""
        hits = self._by_key.get(header_key(text), set())
        codes = sorted({c for c, _ in hits})
        if len(codes) == 1:
            kinds = {k for _, k in hits}
            return codes[0], ("code_case" if "code_case" in kinds else "label"), codes
        return None, None, codes


@dataclass
class FieldSpec:
    """What the normaliser needs to know about one field (or one metadata key)."""

    name: str
    type: str
    title: str
    codelist: Codelist | None = None
    free_text: bool = True  # free text keeps full-width punctuation (，。) as typed
    index: CodeIndex | None = field(default=None, repr=False)
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.codelist is not None and self.index is None:
            self.index = CodeIndex(self.codelist)

    @classmethod
    def from_field(cls, std: Standard, f: dict) -> "FieldSpec":
        cons = f.get("constraints", {})
        codelist = std.codelists.get(f["codelist"]) if f.get("codelist") else None
        free = f.get("type", "string") == "string" and not (codelist or cons.get("pattern") or cons.get("enum"))
        return cls(f["name"], f.get("type", "string"), field_title(f, "zh"), codelist, free)


class TableSpec:
    """Field specs of a table, plus which rows count their numbers in percent.

    A row is in percent when the table has a unit field (a codelist with an entry labelled
    "%") and that row's unit is such an entry: there, "90%" means 90.
    """

    def __init__(self, std: Standard, table: str):
        self.table = table
        self.fields = [FieldSpec.from_field(std, f) for f in std.fields(table)]
        self.by_name = {s.name: s for s in self.fields}
        self.numeric = [s for s in self.fields if s.type in ("number", "integer")]
        self.plain = [s for s in self.fields if s.type not in ("number", "integer")]
        self.unit_field: str | None = None
        self.percent_codes: set[str] = set()
        for spec in self.fields:
            if spec.codelist is None:
                continue
            pct = {r["code"] for r in spec.codelist.rows if fold(r.get("zh", "")).strip() == "%"}
            if pct:
                self.unit_field, self.percent_codes = spec.name, pct
                break

    def normalise_row(self, cells: dict) -> dict[str, Outcome]:
        """cells: field -> (raw value, number format). Returns field -> Outcome."""
        out: dict[str, Outcome] = {}
        numeric = self.numeric
        for spec in self.plain:
            cell = cells.get(spec.name)
            if cell is not None:
                out[spec.name] = normalise_value(spec, *cell)
        percent_row = bool(self.unit_field and self.unit_field in out
                           and out[self.unit_field].value in self.percent_codes)
        for spec in numeric:
            if spec.name in cells:
                out[spec.name] = o = normalise_value(spec, *cells[spec.name], percent_row=percent_row)
                if percent_row and o.problem is None and spec.type == "number" and _fraction(o.value):
                    out[spec.name] = _as_fraction(o)
        return out

    def normalise_columns(self, columns: dict[str, list]) -> dict[str, list[Outcome]]:
        """The same as `normalise_row` for whole columns of plain values (no number formats):
        field -> raw values in row order; returns field -> outcomes in row order."""
        out: dict[str, list[Outcome]] = {}
        nv = normalise_value
        for spec in self.plain:
            vals = columns.get(spec.name)
            if vals is not None:
                out[spec.name] = [nv(spec, v) for v in vals]
        percent = None
        if self.unit_field and self.unit_field in out:
            codes = self.percent_codes
            percent = [o.value in codes for o in out[self.unit_field]]
        for spec in self.numeric:
            vals = columns.get(spec.name)
            if vals is None:
                continue
            if percent is None or not any(percent):
                out[spec.name] = [nv(spec, v) for v in vals]
                continue
            res = []
            for v, pct in zip(vals, percent):
                o = nv(spec, v, None, pct)
                if pct and o.problem is None and spec.type == "number" and _fraction(o.value):
                    o = _as_fraction(o)
                res.append(o)
            out[spec.name] = res
        return out


def _as_fraction(o: Outcome) -> Outcome:
    """0.985 in a percent row: almost always 98.5 % typed as a fraction; said, kept as typed."""
    new = Outcome(o.value, o.kinds, None, o.before)
    new.problem = _problem(
        f"单位是 %,但“{o.value}”像是小数写法;如果是 {_times100(o.value)}%,请填 {_times100(o.value)}(已按原样保留)",
        f"the unit is percent but '{o.value}' looks like a fraction; if it means {_times100(o.value)}%, "
        f"type {_times100(o.value)} (kept as typed)")
    new.code = "publish.percent_fraction"
    return new


_CACHE_SIZE = 50_000  # outcomes remembered per field: repeated values (codes, dates) are normalised once


def normalise_value(spec: FieldSpec, raw, number_format: str | None = None, percent_row: bool = False) -> Outcome:
    """The outcome of one cell; the same (value, format) of a field gives the same outcome, remembered.
    Callers must not change the outcome they get."""
    cache = spec.cache
    key = (raw.__class__, raw, number_format, percent_row)
    try:
        return cache[key]
    except KeyError:
        pass
    except TypeError:  # not hashable
        return _normalise(spec, raw, number_format, percent_row)
    out = _normalise(spec, raw, number_format, percent_row)
    if len(cache) < _CACHE_SIZE:
        cache[key] = out
    return out


def _normalise(spec: FieldSpec, raw, number_format: str | None, percent_row: bool) -> Outcome:
    if raw is None:
        return Outcome("")
    if isinstance(raw, bool):
        return _from_bool(spec, raw)
    if isinstance(raw, (dt.datetime, dt.date, dt.time)):
        return _from_datetime(spec, raw)
    if isinstance(raw, (int, float, Decimal)):
        return _from_number(spec, raw, number_format or "General", percent_row)
    return _from_text(spec, str(raw), percent_row)


def _fraction(text: str) -> bool:
    try:
        x = float(text)
    except ValueError:
        return False
    return 0 < x < 1


def _times100(text: str) -> str:
    return format_number(Decimal(text) * 100)


def _problem(zh: str, en: str) -> tuple[str, str]:
    return (zh, en)


def _type_words(spec: FieldSpec) -> tuple[str, str]:
    return {
        "integer": ("整数", "a whole number"),
        "number": ("数字", "a number"),
        "date": ("日期", "a date"),
        "boolean": ("是/否", "yes or no"),
    }.get(spec.type, ("文本", "text"))


def _cannot(spec: FieldSpec, value: str, hint_zh: str = "", hint_en: str = "") -> tuple[str, str]:
    zh, en = _type_words(spec)
    return _problem(f"“{value}”不能识别为{zh},已按原样保留{hint_zh}",
                    f"'{value}' is not {en}; kept as typed{hint_en}")


def _from_bool(spec: FieldSpec, b: bool) -> Outcome:
    if spec.type == "boolean":
        return Outcome("true" if b else "false")
    text = "TRUE" if b else "FALSE"
    return Outcome(text, problem=_cannot(spec, text))


def _from_datetime(spec: FieldSpec, d) -> Outcome:
    if isinstance(d, dt.time):
        return Outcome(d.isoformat(), problem=_cannot(spec, d.isoformat()))
    midnight = not isinstance(d, dt.datetime) or d.time() == dt.time(0)
    day = d.date() if isinstance(d, dt.datetime) else d
    if not midnight:
        text = d.isoformat(sep=" ")
        return Outcome(text, problem=_problem(f"“{text}”带有时刻,日期字段只能填日期,已按原样保留",
                                              f"'{text}' has a time of day; a date field takes a date only; kept as typed"))
    if spec.type == "date":
        return Outcome(day.isoformat())
    if spec.type == "string":
        return Outcome(day.isoformat(), ("date_cell",), before=display(d))
    return Outcome(day.isoformat(), problem=_cannot(spec, day.isoformat()))


def _serial_date(n: int) -> str | None:
    if 61 <= n <= MAX_SERIAL:  # serials below 61 fall before Excel's phantom 1900-02-29
        return (EXCEL_EPOCH + dt.timedelta(days=n)).isoformat()
    return None


def _percent_number_format(fmt: str) -> bool:
    return "%" in re.sub(r'"[^"]*"|\\.', "", fmt)


def _from_number(spec: FieldSpec, x, fmt: str, percent_row: bool) -> Outcome:
    shown = format_number(x)
    if spec.type in ("number", "integer") and _percent_number_format(fmt):
        # The cell shows "90%" and holds 0.9: read it as the clerk typed it.
        typed = format_number(Decimal(repr(x)) * 100) + "%"
        out = _from_text(spec, typed, percent_row)
        out.before = typed
        return out
    if spec.type == "integer":
        if isinstance(x, float) and not x.is_integer():
            return Outcome(shown, problem=_cannot(spec, shown))
        return Outcome(str(int(x)))
    if spec.type == "number":
        return Outcome(shown)
    if spec.type == "date":
        if float(x).is_integer() and (day := _serial_date(int(x))):
            return Outcome(day, ("excel_date",), before=shown)
        return Outcome(shown, problem=_cannot(spec, shown))
    if spec.type == "boolean":
        if x in (0, 1):
            return Outcome("true" if x == 1 else "false", ("boolean",), before=shown)
        return Outcome(shown, problem=_cannot(spec, shown))
    if spec.type == "string":
        kinds: list[str] = []
        zeros = re.fullmatch(r"0+", fmt or "")
        if zeros and float(x).is_integer() and x >= 0 and len(fmt) > len(shown):
            shown, kinds = shown.zfill(len(fmt)), ["leading_zeros"]
        if spec.index is not None:
            out = _code(spec, shown, kinds)
            if out.kinds:
                out.before = format_number(x)
            return out
        return Outcome(shown, tuple(kinds), before=format_number(x) if kinds else None)
    return Outcome(shown)


def _from_text(spec: FieldSpec, raw: str, percent_row: bool) -> Outcome:
    kinds: list[str] = []
    s = strip(raw)
    if s != raw:
        kinds.append("trim")
    if not spec.free_text:
        folded = fold(s)
        if folded != s:
            kinds.append("fullwidth")
            s = folded
    if s == "":
        return Outcome("", tuple(kinds))
    t = spec.type
    if t in ("integer", "number"):
        return _number_text(spec, s, kinds, percent_row)
    if t == "boolean":
        if s in ("true", "false"):
            return Outcome(s, tuple(kinds))
        if s in BOOL_LITERALS:  # TRUE / False / 1 / 0: one spelling in the package, counted
            return Outcome("true" if s in ("True", "TRUE", "1") else "false", tuple(kinds + ["boolean"]))
        word = BOOL_WORDS.get(s.casefold())
        if word:
            return Outcome(word, tuple(kinds + ["boolean"]))
        return Outcome(s, tuple(kinds), _cannot(spec, s, ";请填“是”或“否”", "; use 是/否 (yes/no)"))
    if t == "date":
        return _date_text(spec, s, kinds)
    if t == "string" and spec.index is not None:
        return _code(spec, s, kinds)
    return Outcome(s, tuple(kinds))


def _number_text(spec: FieldSpec, s: str, kinds: list[str], percent_row: bool) -> Outcome:
    pattern = INT_RE if spec.type == "integer" else NUM_RE

    def plain(text: str, kinds: list[str]) -> tuple[str | None, list[str]]:
        if pattern.match(text):
            return text, kinds
        if THOUSANDS_RE.match(text) and pattern.match(text.replace(",", "")):
            return text.replace(",", ""), kinds + ["thousands"]
        m = INT_POINT_ZERO_RE.match(text)
        if spec.type == "integer" and m:
            return m.group(1), kinds + ["number"]
        return None, kinds

    value, new_kinds = plain(s, kinds)
    if value is not None:
        return Outcome(value, tuple(new_kinds))
    if s.endswith("%"):
        value, new_kinds = plain(s[:-1].strip(), kinds)
        if value is not None and percent_row:
            return Outcome(value, tuple(new_kinds + ["percent"]))
        if value is not None:
            return Outcome(s, tuple(kinds), _problem(
                f"“{s}”带百分号,但该行的单位不是 %;请在单位列选 % 或去掉百分号,已按原样保留",
                f"'{s}' has a percent sign but the row's unit is not percent; set the unit to % or drop the sign; kept as typed"))
    return Outcome(s, tuple(kinds), _cannot(spec, s))


def _date_text(spec: FieldSpec, s: str, kinds: list[str]) -> Outcome:
    def valid(y: str, m: str, d: str) -> str | None:
        try:
            return dt.date(int(y), int(m), int(d)).isoformat()
        except ValueError:
            return None

    m = ISO_DATE_RE.match(s)
    if m:
        if valid(*m.groups()):
            return Outcome(s, tuple(kinds))
        return Outcome(s, tuple(kinds), _problem(f"“{s}”不是存在的日期,已按原样保留",
                                                 f"'{s}' is not a real date; kept as typed"))
    for regex in DATE_RES:
        m = regex.match(s)
        if m:
            day = valid(*m.groups()[:3])
            if day:
                return Outcome(day, tuple(kinds + ["date"]))
            return Outcome(s, tuple(kinds), _problem(f"“{s}”不是存在的日期,已按原样保留",
                                                     f"'{s}' is not a real date; kept as typed"))
    m = SERIAL_RE.match(s)
    if m and (day := _serial_date(int(m.group(1)))):
        return Outcome(day, tuple(kinds + ["excel_date"]))
    return Outcome(s, tuple(kinds), _cannot(spec, s, ";请写成 2023-05-09", "; write it as 2023-05-09"))


def _code(spec: FieldSpec, s: str, kinds: list[str]) -> Outcome:
    index = spec.index
    if s in index.codes:
        return Outcome(s, tuple(kinds))
    code, kind, candidates = index.lookup(s)
    if code is not None:
        return Outcome(code, tuple(kinds + [kind]))
    meta = index.codelist.meta
    name_zh = meta.get("zh", {}).get("title", index.codelist.name)
    if len(candidates) > 1:
        return Outcome(s, tuple(kinds), _problem(
            f"“{s}”对应代码表“{name_zh}”中的多个代码({', '.join(candidates)}),无法确定,已按原样保留",
            f"'{s}' matches several codes of codelist {index.codelist.name} ({', '.join(candidates)}); kept as typed"))
    if not index.codelist.closed and OPEN_CODE_RE.match(s):
        return Outcome(s, tuple(kinds))  # a local code of an open list: the validator judges it
    return Outcome(s, tuple(kinds), _problem(
        f"“{s}”不是代码表“{name_zh}”中的代码或名称,已按原样保留",
        f"'{s}' is neither a code nor a label of codelist {index.codelist.name}; kept as typed"))
