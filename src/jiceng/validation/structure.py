"""Table Schema checks on one resource, vectorised with polars, finding what `frictionless
validate` finds on the same data (same rows, fields and kinds of error).

Every cell is read as text. Each field is cast with a fast polars cast on the values that are
plainly of the type (e.g. `^-?[0-9]{1,18}$` for integers); the few other distinct values are
decided in Python with frictionless' own rules (Python `int`, `Decimal`, `strptime`), so that
" 7", "１２" or "2023-5-9" are judged exactly as frictionless judges them. A failed cast is a
type error, never a crash. Constraints (pattern, codelist, minimum, …) run as pandera-polars
checks generated from the schema in schemas/; required, unique and keys are vectorised here.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

import polars as pl

from .collect import Collector
from .reading import MAX_CELL_CHARS, Parsed

DTYPES = {"string": pl.String, "integer": pl.Int64, "number": pl.Float64, "date": pl.Date, "boolean": pl.Boolean}
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]
INT64_MAX = 2 ** 63 - 1

_FAST = {
    "integer": r"^-?[0-9]{1,18}$",
    "number": r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$",
    "date": r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$",
}


# ---------------------------------------------------------------- pandera without pandas


class _NoPandas:
    """A finder that reports pandas as absent (pandera supports installs with polars only)."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


def pandera_polars():
    """pandera.polars. When pandas is not loaded yet (the command line, a script that only
    validates), pandera is imported as in an install without pandas: validating needs polars
    only, and importing pandas would double the start-up time. `jiceng.load` (pandas) restores
    pandera's pandas backends (see restore_pandera_pandas)."""
    if "pandera.polars" in sys.modules or "pandas" in sys.modules:
        import pandera.polars as pa
        return pa
    global _WITHOUT_PANDAS
    _WITHOUT_PANDAS = True
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        import pandera.errors  # noqa: F401
        import pandera.polars as pa
        try:  # pandera looks for its pandas backends on the first check: not found, and remembered
            from pandera.backends.register_checks import _load_get_backend_types_from_mro
            _load_get_backend_types_from_mro()
        except Exception:  # pragma: no cover - another pandera version
            pass
    finally:
        sys.meta_path.remove(finder)
    return pa


_WITHOUT_PANDAS = False  # pandera was imported as in an install without pandas


def restore_pandera_pandas() -> None:
    """Once pandas is imported: let pandera find its pandas backends again (only needed when
    pandera was imported without them)."""
    if not _WITHOUT_PANDAS:
        return
    try:
        from pandera.backends.register_checks import _load_get_backend_types_from_mro
        _load_get_backend_types_from_mro.cache_clear()
    except Exception:  # pragma: no cover
        pass


# ---------------------------------------------------------------- reading one cell as frictionless does


def python_reader(fdef: dict) -> Callable[[str], tuple[bool, object]]:
    """(is of the type, typed value) for one text cell, following frictionless v5 exactly."""
    ftype = fdef.get("type", "string")
    fmt = str(fdef.get("format") or "default").removeprefix("fmt:")
    if ftype == "integer":
        strip = None if fdef.get("bareNumber", True) else re.compile(r"((^[^-\d]*)|(\D*$))")

        def read_int(cell: str):
            s = cell.strip()
            if strip:
                s = strip.sub("", s)
            try:
                return True, int(s)
            except (ValueError, TypeError):
                return False, None
        return read_int
    if ftype == "number":
        strip = None if fdef.get("bareNumber", True) else re.compile(r"((^[^-\d]*)|(\D*$))")
        group, decimal = fdef.get("groupChar"), fdef.get("decimalChar")
        processed = any(k in fdef for k in ("groupChar", "decimalChar", "bareNumber"))

        def read_number(cell: str):
            s = cell.strip()
            if processed:
                if strip:
                    s = strip.sub("", s)
                s = s.replace(group or "", "") if group else s
                if decimal and decimal != "." and "." in s:
                    return False, None
                s = s.replace(decimal or ".", ".")
            try:
                value = Decimal(s)
            except Exception:
                return False, None
            try:
                return True, float(value)
            except (ValueError, OverflowError):
                return True, float("nan")
        return read_number
    if ftype == "date" and fmt != "any":
        pattern = "%Y-%m-%d" if fmt == "default" else fmt

        def read_date(cell: str):
            try:
                return True, dt.datetime.strptime(cell, pattern).date()
            except (ValueError, TypeError):
                return False, None
        return read_date
    if ftype == "boolean":
        mapping = {v: True for v in fdef.get("trueValues", DEFAULT_TRUE)}
        mapping.update({v: False for v in fdef.get("falseValues", DEFAULT_FALSE)})
        return lambda cell: (cell in mapping, mapping.get(cell))
    if ftype == "string" and fmt == "default":
        return lambda cell: (True, cell)
    if ftype == "yearmonth":
        return _read_yearmonth
    return _frictionless_reader(fdef)


def _read_yearmonth(cell: str):
    """frictionless' yearmonth: "YYYY-MM" split on "-", both parts Python integers, month 1–12;
    the value as "YYYY-MM" text (sorts as dates do)."""
    try:
        year, month = cell.split("-")
        year, month = int(year), int(month)
    except Exception:
        return False, None
    if month < 1 or month > 12:
        return False, None
    return True, f"{year:04d}-{month:02d}"


def _frictionless_reader(fdef: dict):
    """Types the standard does not use (year, datetime, string formats…): frictionless itself."""
    from frictionless import Field

    descriptor = {k: v for k, v in fdef.items() if k in ("name", "type", "format", "trueValues", "falseValues",
                                                          "bareNumber", "groupChar", "decimalChar", "floatNumber")}
    reader = Field.from_descriptor(descriptor).create_value_reader()

    def read(cell: str):
        try:
            value = reader(cell)
        except Exception:
            return False, None
        return value is not None, (None if value is None else str(value))
    return read


def constraint_value(fdef: dict, value):
    """A constraint's bound as the field's type (frictionless casts it with the field's reader)."""
    ftype = fdef.get("type", "string")
    if isinstance(value, str) and ftype in ("integer", "number", "date", "boolean"):
        ok, typed = python_reader(fdef)(value)
        return typed if ok else value
    if ftype == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


# ---------------------------------------------------------------- casting a column


@dataclass
class Cast:
    typed: pl.Series
    type_error: pl.Series  # bool
    big: dict  # text -> int: integers beyond 64 bits (valid, checked in Python)
    odd: list = field(default_factory=list)  # numbers frictionless reads but Table Schema does not write so


# Numbers as Table Schema writes them (ASCII digits, an optional minus, a point, an exponent),
# finite. frictionless also reads what Python's int() and Decimal() read (full-width digits,
# `1_000`, `+5`, ` 5`, `inf`, `NaN`): those are of the type, but not written as the standard asks.
CANONICAL = {
    "integer": re.compile(r"-?[0-9]+"),
    "number": re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"),
}


def cast_column(fdef: dict, raw: pl.Series) -> Cast:
    ftype = fdef.get("type", "string")
    fmt = str(fdef.get("format") or "default").removeprefix("fmt:")
    n = raw.len()
    no_error = pl.repeat(False, n, dtype=pl.Boolean, eager=True)
    dtype = DTYPES.get(ftype, pl.String)
    if ftype == "string" and fmt == "default":
        return Cast(raw, no_error, {})
    if ftype == "boolean":
        trues, falses = fdef.get("trueValues", DEFAULT_TRUE), fdef.get("falseValues", DEFAULT_FALSE)
        typed = pl.select(pl.when(raw.is_in(trues)).then(True).when(raw.is_in(falses)).then(False)
                          .otherwise(None).alias(raw.name)).to_series()
        return Cast(typed, raw.is_not_null() & typed.is_null(), {})
    fast_ok = ftype in _FAST and (ftype != "date" or fmt == "default") and \
        not any(k in fdef for k in ("groupChar", "decimalChar", "bareNumber"))
    if fast_ok:
        plain = raw.str.contains(_FAST[ftype])
        if ftype == "date":
            fast = raw.str.to_date("%Y-%m-%d", strict=False)
        else:
            fast = raw.cast(dtype, strict=False)
        fast = pl.select(pl.when(plain).then(fast).otherwise(None).alias(raw.name)).to_series()
    else:
        fast = pl.Series(raw.name, [None] * n, dtype=dtype)
    todo = raw.is_not_null() & fast.is_null()
    overflow = []  # e.g. 1e999: of the pattern, but not a finite number
    if fast_ok and ftype == "number":
        inf = fast.is_infinite().fill_null(False)
        if inf.any():
            overflow = raw.filter(inf).unique().to_list()
    if not todo.any():
        return Cast(fast, no_error, {}, overflow)
    reader = python_reader(fdef)
    keys = raw.filter(todo).unique().to_list()
    oks, values, big, odd = [], [], {}, list(overflow)
    canonical = CANONICAL.get(ftype) if fast_ok else None
    for key in keys:
        ok, value = reader(key)
        if ok and ftype == "integer" and abs(value) > INT64_MAX:
            big[key] = value
            value = None
        if ok and canonical is not None and (not canonical.fullmatch(key) or (ftype == "number" and not math.isfinite(value))):
            odd.append(key)
        oks.append(ok)
        values.append(value)
    slow_value = raw.replace_strict(keys, values, default=None, return_dtype=dtype)
    slow_ok = raw.replace_strict(keys, oks, default=True, return_dtype=pl.Boolean)
    typed = pl.select(pl.when(todo).then(slow_value).otherwise(fast).alias(raw.name)).to_series()
    return Cast(typed, todo & ~slow_ok, big, odd)


# ---------------------------------------------------------------- constraints as pandera checks


def polars_pattern(pattern: str) -> str:
    """The regular expression for polars that accepts what frictionless accepts:
    re.compile('^' + pattern + '$').match(cell) — anchored at the start only by match(), and a `$`
    that also matches before a final newline (Python's rule), written here as (?:\\n?\\z)."""
    p = "^" + pattern + "$"
    out, i, in_class, class_start = [], 0, False, 0
    while i < len(p):
        ch = p[i]
        if ch == "\\" and i + 1 < len(p):
            out.append(p[i:i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]" and i > class_start:
                in_class = False
            out.append(ch)
        elif ch == "[":
            in_class = True
            class_start = i + 1 + (1 if p[i + 1:i + 2] == "^" else 0)
            out.append(ch)
        elif ch == "$":
            out.append(r"(?:\n?\z)")
        else:
            out.append(ch)
        i += 1
    return "^(?:" + "".join(out) + ")"


def _pattern_expr(col: pl.Expr, pattern: str) -> pl.Expr | None:
    """None if polars' regex engine cannot compile the pattern (look-arounds, \\Z): then Python
    decides element by element."""
    rx = polars_pattern(pattern)
    try:
        pl.Series([""]).str.contains(rx)
    except pl.exceptions.PolarsError:
        return None
    return col.str.contains(rx)


def _bound_expr(col: pl.Expr, op: str, bound, is_float: bool) -> pl.Expr:
    expr = {"minimum": col >= bound, "maximum": col <= bound,
            "exclusiveMinimum": col > bound, "exclusiveMaximum": col < bound}[op]
    # NaN is neither below nor above a bound: it is reported as not a number the standard writes
    return expr | col.is_nan() if is_float else expr


CHECKED_CONSTRAINTS = ("minLength", "maxLength", "pattern", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_SUPPORTED = {
    "string": {"minLength", "maxLength", "pattern", "enum"},
    "integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"},
    "date": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"},
    "boolean": {"enum"},
}


def constraint_exprs(fdef: dict) -> list[tuple[str, pl.Expr]]:
    """(constraint name, polars expression: true where the cell passes, null where empty) for each
    constraint of the field that the vectorised path checks, over the typed column."""
    ftype = fdef.get("type", "string")
    if ftype not in _SUPPORTED or (ftype == "string" and str(fdef.get("format") or "default") != "default"):
        return []
    col = pl.col(fdef["name"])
    cons = fdef.get("constraints") or {}
    out = []
    for name in CHECKED_CONSTRAINTS:
        if name not in cons or name not in _SUPPORTED[ftype]:
            continue
        value = cons[name]
        if name == "pattern":
            expr = _pattern_expr(col, str(value))
            if expr is None:  # a pattern polars cannot run: Python's re, value by value
                rx = re.compile(f"^{value}$")
                expr = col.map_elements(lambda v, rx=rx: rx.match(v) is not None, return_dtype=pl.Boolean)
        elif name == "enum":
            expr = col.is_in([constraint_value(fdef, v) for v in value])
        elif name in ("minLength", "maxLength"):
            expr = col.str.len_chars() >= int(value) if name == "minLength" else col.str.len_chars() <= int(value)
        else:
            expr = _bound_expr(col, name, constraint_value(fdef, value), ftype == "number")
        out.append((name, expr))
    return out


def run_constraints(table: str, schema: dict, typed: pl.DataFrame) -> list[tuple[str, str, pl.Series]]:
    """(field, constraint, failing row indices). Every constraint of the table is one expression
    of a single polars query (one pass, run in parallel), executed as one pandera check on the
    table; only when it fails are the failing rows of each constraint picked out."""
    pa = pandera_polars()
    import pandera.errors as pe

    exprs = []
    for fdef in schema.get("fields", []):
        if fdef["name"] not in typed.columns:
            continue
        for cname, expr in constraint_exprs(fdef):
            exprs.append((fdef["name"], cname, expr.fill_null(True).alias(f"{len(exprs)}")))
    if not exprs or typed.height == 0:
        return []
    masks: dict = {}

    def all_constraints(data):
        frame = data.lazyframe.select([e for _, _, e in exprs]).collect()
        masks["frame"] = frame
        return frame.lazy().select(pl.all_horizontal(pl.all()).alias("ok"))

    check = pa.Check(all_constraints, name="table_schema_constraints")
    try:
        pa.DataFrameSchema(checks=[check], name=table).validate(typed, lazy=True)
        return []
    except pe.SchemaErrors:
        frame = masks.get("frame")
        if frame is None:
            raise
    out = []
    for i, (fname, cname, _) in enumerate(exprs):
        failing = ~frame.get_column(str(i))
        if failing.any():
            out.append((fname, cname, failing.arg_true().cast(pl.Int64)))
    return out


# ---------------------------------------------------------------- one resource


@dataclass
class Checked:
    """A resource after the structural checks: typed values for the rules and the key checks."""

    name: str
    schema: dict
    typed: pl.DataFrame  # every schema field, typed; null where missing, absent or not of the type
    raw_text: pl.DataFrame  # the schema fields as text (missing values as null); see `raw`
    expected: list = field(default_factory=list)  # per column of the file: the field it is read as, or None
    blank: pl.Series | None = None
    header: "Header | None" = None
    extra: pl.DataFrame | None = None  # the file's columns outside the schema, as text (for jiceng.load)
    keys_checked: set = field(default_factory=set)  # foreign keys (by position) already checked batch by batch

    @property
    def height(self) -> int:
        return self.typed.height

    @property
    def raw(self) -> pl.DataFrame:
        """Every schema field as text. A table read in batches keeps the text of its text fields
        only (the same strings as its typed values); the others are written from their typed
        values when asked for, so that a large table is not held twice."""
        missing = [c for c in self.typed.columns if c not in self.raw_text.columns]
        if not missing:
            return self.raw_text
        return self.raw_text.with_columns([self.typed.get_column(c).cast(pl.String) for c in missing]) \
            .select(self.typed.columns)

    def text(self, names: list[str]) -> pl.DataFrame:
        """Only the named fields as text (see `raw`)."""
        return pl.DataFrame([self.raw_text.get_column(n) if n in self.raw_text.columns
                             else self.typed.get_column(n).cast(pl.String) for n in names])

    def present(self, name: str) -> bool:
        return name in self.expected


def missing_values(schema: dict, fdef: dict | None = None) -> list[str]:
    if fdef is not None and "missingValues" in fdef:
        return [str(v) for v in fdef["missingValues"]]
    return [str(v) for v in schema.get("missingValues", [""])]


def rows_of(mask: pl.Series) -> pl.Series:
    """Spreadsheet row numbers (header = 1) of the data rows where mask is true."""
    return mask.arg_true() + 2


def _suggestion(label: str, fdef: dict, fields: list[dict]) -> tuple[str, str]:
    names = {f["name"]: f for f in fields}
    titles = {(f.get("zh") or {}).get("title"): f["name"] for f in fields}
    titles.update({f.get("title"): f["name"] for f in fields})
    if label in names:
        return f";{label} 是另一个字段,列的顺序可能不对", f"; {label} is another field: the columns may be out of order"
    if label in titles:
        return (f";“{label}”是字段 {titles[label]} 的标题,表头应使用字段名",
                f"; '{label}' is the title of field {titles[label]}: the header must use field names")
    if label.lower().replace(" ", "_") == fdef["name"]:
        return "(大小写或空格不同)", " (differs in case or spaces)"
    return "", ""


def _header_hint(labels: list[str], fields: list[dict]) -> tuple[str, str] | None:
    """One sentence for the usual header mistakes, so that the user need not read them all."""
    names = [f["name"] for f in fields]
    known = set(names)
    if all(label in known for label in labels):
        return None
    titles = {(f.get("zh") or {}).get("title") for f in fields} | {f.get("title") for f in fields}
    if sum(label in titles for label in labels) >= max(2, len(labels) // 2):
        return ("表头用的是字段标题(如中文名),请改用英文字段名(见填报模板第一行)",
                "the header uses field titles (e.g. Chinese names): use the English field names (first row of the template)")
    return None


@dataclass
class Header:
    """How the header's columns pair with the schema's fields."""

    fields: list[str | None]  # per column: the field it is read as, or None (a column outside the standard)
    names: list[str]  # per column: the field's name, or the label as frictionless names an extra column
    errors: int = 0  # header findings reported

    def position(self, field_name: str) -> int | None:
        try:
            return self.fields.index(field_name)
        except ValueError:
            return None


def check_header(name: str, labels: list[str], fields: list[dict], out: Collector,
                 reference: list[str] | None = None) -> Header:
    """Header findings. Columns pair with fields by name, in any order. A column whose label is
    blank, repeated or not a field pairs, as frictionless pairs it, with the field the package's
    own schema (`reference`: the field names of the schema in datapackage.json, in order) lists
    at its position, when that field is not in the header under its name; otherwise it is a
    column outside the standard. A required field must have a column; an optional one may be
    absent, unless the package's own schema lists it (then the file and its description
    disagree, as frictionless reports too)."""
    known = {f["name"]: f for f in fields}
    by_name: dict[str, int] = {}
    for pos, label in enumerate(labels):
        if label and label in known and label not in by_name:
            by_name[label] = pos
    paired = dict(by_name)
    col_field: list[str | None] = [None] * len(labels)
    for fname, pos in by_name.items():
        col_field[pos] = fname
    errors = 0
    ref = list(reference) if reference is not None else None
    for pos, label in enumerate(labels):
        if col_field[pos] is not None:
            continue
        target = ref[pos] if ref is not None and pos < len(ref) else None
        if target is not None and (target not in known or target in paired):
            target = None
        errors += 1
        if target is None and (ref is not None and pos >= len(ref)):
            out.add("HEADER_EXTRA_LABEL", f"第 {pos + 1} 列“{label}”不是标准中的字段",
                    f"column {pos + 1} '{label}' is not a field of the standard", resource=name, row=1, value=label)
        elif not label:
            out.add("HEADER_BLANK_LABEL", f"第 {pos + 1} 列表头为空" + (f",应为 {target}" if target else ""),
                    f"header of column {pos + 1} is blank" + (f"; expected {target}" if target else ""),
                    resource=name, row=1, field=target)
        elif label in labels[:pos]:
            out.add("HEADER_DUPLICATE_LABEL", f"第 {pos + 1} 列表头“{label}”与第 {labels.index(label) + 1} 列重复",
                    f"header of column {pos + 1} '{label}' repeats column {labels.index(label) + 1}",
                    resource=name, row=1, field=target, value=label)
        elif target is not None:
            zh, en = _suggestion(label, known[target], fields)
            out.add("HEADER_INCORRECT_LABEL", f"第 {pos + 1} 列表头“{label}”应为 {target}{zh}",
                    f"header of column {pos + 1} is '{label}'; expected {target}{en}",
                    resource=name, row=1, field=target, value=label)
        else:
            zh, en = _suggestion_unknown(label, fields)
            out.add("HEADER_EXTRA_LABEL", f"第 {pos + 1} 列“{label}”不是标准中的字段{zh}",
                    f"column {pos + 1} '{label}' is not a field of the standard{en}", resource=name, row=1, value=label)
        if target is not None:
            paired[target] = pos
            col_field[pos] = target
    listed = set(ref or [])
    for fdef in fields:
        fname = fdef["name"]
        if fname in paired:
            continue
        required = bool((fdef.get("constraints") or {}).get("required"))
        if required or fname in listed:
            errors += 1
            why_zh = "必填字段" if required else "datapackage.json 中的表结构列出了该字段"
            why_en = "a required field" if required else "the schema in datapackage.json lists it"
            out.add("HEADER_MISSING_LABEL", f"缺少列 {fname}({why_zh})", f"column {fname} is missing ({why_en})",
                    resource=name, row=1, field=fname)
    hint = _header_hint(labels, fields)
    if hint:
        out.add("HEADER_HINT", hint[0], hint[1], resource=name, row=1)
    names: list[str] = []
    used = set(f for f in col_field if f)
    for pos, label in enumerate(labels):
        if col_field[pos] is not None:
            names.append(col_field[pos])
            continue
        candidate, suffix = label, 2  # frictionless names extra columns after their labels, deduplicated
        while candidate in used:
            candidate, suffix = f"{label}{suffix}", suffix + 1
        used.add(candidate)
        names.append(candidate)
    return Header(col_field, names, errors)


def _suggestion_unknown(label: str, fields: list[dict]) -> tuple[str, str]:
    titles = {(f.get("zh") or {}).get("title"): f["name"] for f in fields}
    titles.update({f.get("title"): f["name"] for f in fields})
    if label in titles:
        return (f";“{label}”是字段 {titles[label]} 的标题,表头应使用字段名",
                f"; '{label}' is the title of field {titles[label]}: the header must use field names")
    lowered = {f["name"]: f["name"] for f in fields}
    key = label.strip().lower().replace(" ", "_")
    if key in lowered:
        return f"(应为 {key},大小写或空格不同)", f" (expected {key}: differs in case or spaces)"
    return "", ""


def check_resource(name: str, parsed: Parsed, schema: dict, out: Collector, codelists: dict | None = None,
                   reference: list[str] | None = None, keys: bool = True) -> Checked:
    """All Table Schema findings of one parsed resource, and its typed rows (none when the file is
    empty or its header row blank: columns cannot then be paired with fields). `reference`: the
    field names of the resource's schema in datapackage.json, in order (see check_header)."""
    header = resource_header(name, parsed, schema, out, reference)
    if header is None:
        return _empty(name, schema, schema.get("fields", []))
    return check_rows(name, parsed, header, schema, out, codelists, keys=keys)


def resource_header(name: str, parsed: Parsed, schema: dict, out: Collector,
                    reference: list[str] | None = None) -> Header | None:
    """The header's findings and how its columns pair with fields; None when the file is empty or
    its header row blank (columns cannot then be paired with fields)."""
    if parsed.labels is None:
        out.add("RESOURCE_EMPTY", "文件为空(连表头都没有)", "the file is empty (not even a header)", resource=name)
        return None
    if not parsed.labels:
        out.add("HEADER_BLANK", "第 1 行(表头)为空;请删除表头之前的空行", "row 1 (the header) is blank; remove blank lines before the header",
                resource=name, row=1)
        return None
    return check_header(name, parsed.labels, schema.get("fields", []), out, reference)


def check_rows(name: str, parsed: Parsed, header: Header, schema: dict, out: Collector, codelists: dict | None = None,
               keys: bool = True) -> Checked:
    """The findings of the data rows of `parsed` (a whole file or one batch of it), their columns
    paired with fields by `header`. `keys`: also check unique values and the primary key (False
    for a batch: they are checked once the batches are combined, see combine)."""
    fields = schema.get("fields", [])
    cells, n_cells = parsed.cells, parsed.n_cells
    height = cells.height
    width = cells.width
    n_labels = len(header.fields)

    def column(pos: int) -> pl.Series:
        if pos < width:
            return cells.get_column(str(pos))
        return pl.Series(str(pos), [None] * height, dtype=pl.String)

    fdefs = {f["name"]: f for f in fields}
    # Missing values are null from here on (empty and absent cells are null already).
    raws: dict[int, pl.Series] = {}
    for pos in range(n_labels):
        fdef = fdefs.get(header.fields[pos] or "")
        raws[pos] = _apply_missing_values(column(pos), n_cells, pos, missing_values(schema, fdef)).alias(header.names[pos])

    # Blank rows replace every other finding of the row (frictionless does the same).
    blank = pl.DataFrame(list(raws.values())).select(pl.all_horizontal(pl.all().is_null()).alias("b")).to_series()
    out.add_rows("ROW_BLANK", rows_of(blank), resource=name,
                 message_zh="空行(所有单元格都为空)", message_en="blank row (every cell empty)")
    filled = ~blank

    for pos in range(n_labels, width):
        extra = (n_cells > pos) & filled
        if extra.any():
            out.add_rows("CELL_EXTRA", rows_of(extra), column(pos).filter(extra), resource=name,
                         message_zh=f"第 {pos + 1} 列在表头之外", message_en=f"cell in column {pos + 1}, beyond the header")
    for pos in range(n_labels):
        short = (n_cells <= pos) & filled
        if short.any():
            fname = header.names[pos]
            out.add_rows("CELL_MISSING", rows_of(short), resource=name, field=fname,
                         message_zh=f"该行没有第 {pos + 1} 列({fname})", message_en=f"the row has no column {pos + 1} ({fname})")
    for pos in range(width):
        col = column(pos)
        huge = (col.str.len_bytes() > MAX_CELL_CHARS).fill_null(False)
        if huge.any():
            huge = huge & (col.str.len_chars() > MAX_CELL_CHARS) & filled
            out.add_rows("CELL_TOO_LARGE", rows_of(huge), col.filter(huge).str.slice(0, 40), resource=name,
                         field=header.fields[pos] if pos < n_labels else None)

    typed_cols, raw_cols = {}, {}
    for fdef in fields:
        fname = fdef["name"]
        dtype = DTYPES.get(fdef.get("type", "string"), pl.String)
        pos = header.position(fname)
        if pos is None:
            raw_cols[fname] = pl.Series(fname, [None] * height, dtype=pl.String)
            typed_cols[fname] = pl.Series(fname, [None] * height, dtype=dtype)
            continue
        raw = raws[pos].alias(fname)
        raw_cols[fname] = raw
        cast = cast_column(fdef, raw)
        typed_cols[fname] = cast.typed.alias(fname)
        bad = cast.type_error
        if bad.any():
            out.add_rows("TYPE_ERROR", rows_of(bad), raw.filter(bad), resource=name, field=fname,
                         message_zh=f"不是{_type_zh(fdef)}", message_en=f"not {_type_en(fdef)}")
        if cast.odd:
            odd = raw.is_in(cast.odd).fill_null(False) & filled
            if odd.any():
                out.add_rows("NUMBER_NOT_CANONICAL", rows_of(odd), raw.filter(odd), resource=name, field=fname,
                             message_zh="数字应使用半角数字书写,不带正号、空格、千位分隔符或下划线,也不能是 inf、NaN",
                             message_en="write numbers with ASCII digits, without a plus sign, spaces, separators or "
                                        "underscores, and not inf or NaN")
        cons = fdef.get("constraints") or {}
        if cons.get("required"):
            req = raw.is_null() & filled
            if req.any():
                out.add_rows("REQUIRED_MISSING", rows_of(req), resource=name, field=fname,
                             message_zh=f"必填字段 {fname} 为空", message_en=f"required field {fname} is empty")
        if cast.big:
            _check_big(name, fdef, raw, cast.big, out)
        if (fdef.get("type") not in DTYPES or (fdef.get("type") == "string" and str(fdef.get("format") or "default") != "default")) \
                and set(cons) - {"required"}:
            _check_cells_python(name, fdef, raw, out)
    typed = pl.DataFrame(typed_cols)
    rawdf = pl.DataFrame(raw_cols)

    from .collect import Discard

    # (reading without validating, for jiceng.load: the constraints do not change the values)
    for fname, constraint, idx in ([] if isinstance(out, Discard) else run_constraints(name, schema, typed)):
        fdef = fdefs[fname]
        code, zh, en = constraint_message(fdef, constraint, codelists)
        out.add_rows(code, idx + 2, rawdf.get_column(fname).gather(idx), resource=name, field=fname,
                     message_zh=zh, message_en=en)

    extra = pl.DataFrame([raws[pos] for pos in range(n_labels) if header.fields[pos] is None]) \
        if None in header.fields else None
    checked = Checked(name, schema, typed, rawdf, list(header.fields), blank, header, extra)
    if keys and not isinstance(out, Discard):
        check_unique_and_primary_key(checked, out)
    return checked


def combine(parts: list[Checked]) -> Checked:
    """One table from its batches, in order, with the columns the batches kept (see Checked.raw
    for fields whose text was not kept)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    typed = pl.concat([p.typed for p in parts], rechunk=False)
    raw = pl.concat([p.raw_text for p in parts], rechunk=False)
    blank = pl.concat([p.blank for p in parts if p.blank is not None], rechunk=False) if first.blank is not None else None
    extra = pl.concat([p.extra for p in parts], how="diagonal_relaxed", rechunk=False) if first.extra is not None else None
    return Checked(first.name, first.schema, typed, raw, first.expected, blank, first.header, extra)


def _apply_missing_values(col: pl.Series, n_cells: pl.Series, pos: int, mv: list[str]) -> pl.Series:
    """The column with the schema's missing values as null. Parsing leaves empty cells null; where
    "" is not a missing value, a present empty cell is the empty string."""
    if "" not in mv:
        present_empty = col.is_null() & (n_cells > pos)
        if present_empty.any():
            col = pl.select(pl.when(present_empty).then(pl.lit("")).otherwise(col)).to_series()
    other = [v for v in mv if v != ""]
    if other:
        col = pl.select(pl.when(col.is_in(other)).then(None).otherwise(col)).to_series()
    return col


def _empty(name: str, schema: dict, fields: list[dict]) -> Checked:
    typed = pl.DataFrame({f["name"]: pl.Series([], dtype=DTYPES.get(f.get("type", "string"), pl.String)) for f in fields})
    raw = pl.DataFrame({f["name"]: pl.Series([], dtype=pl.String) for f in fields})
    return Checked(name, schema, typed, raw, [], pl.Series([], dtype=pl.Boolean))


_TYPE_ZH = {"integer": "整数", "number": "数字", "date": "日期(YYYY-MM-DD)", "boolean": "布尔值(true/false)", "string": "文本"}
_TYPE_EN = {"integer": "an integer", "number": "a number", "date": "a date (YYYY-MM-DD)", "boolean": "a boolean (true/false)", "string": "text"}


def _type_zh(fdef: dict) -> str:
    t = fdef.get("type", "string")
    if t == "date" and str(fdef.get("format") or "default") not in ("default", "any"):
        return f"日期(格式 {fdef['format']})"
    return _TYPE_ZH.get(t, t)


def _type_en(fdef: dict) -> str:
    t = fdef.get("type", "string")
    if t == "date" and str(fdef.get("format") or "default") not in ("default", "any"):
        return f"a date in format {fdef['format']}"
    return _TYPE_EN.get(t, f"of type {t}")


def constraint_message(fdef: dict, constraint: str, codelists: dict | None) -> tuple[str, str, str]:
    from .codes import CONSTRAINT_CODES

    cons = fdef.get("constraints") or {}
    value = cons.get(constraint)
    code = CONSTRAINT_CODES[constraint]
    if constraint == "pattern":
        return code, f"不符合格式 {value}", f"does not match pattern {value}"
    if constraint == "enum":
        cl = fdef.get("codelist")
        shown = ", ".join(map(str, value[:8])) + (" …" if len(value) > 8 else "")
        if cl:
            return code, f"不在代码表 {cl} 中(可用代码:{shown})", f"not in codelist {cl} (codes: {shown})"
        return code, f"不在允许值中({shown})", f"not one of the allowed values ({shown})"
    zh_op = {"minimum": "小于最小值", "maximum": "大于最大值", "exclusiveMinimum": "应大于", "exclusiveMaximum": "应小于",
             "minLength": "短于最小长度", "maxLength": "长于最大长度"}[constraint]
    en_op = {"minimum": "below the minimum", "maximum": "above the maximum", "exclusiveMinimum": "must be greater than",
             "exclusiveMaximum": "must be less than", "minLength": "shorter than", "maxLength": "longer than"}[constraint]
    return code, f"{zh_op} {value}", f"{en_op} {value}"


def _check_big(name: str, fdef: dict, raw: pl.Series, big: dict, out: Collector) -> None:
    """Integers beyond 64 bits: valid for frictionless, so bounds and enum are checked in Python."""
    cons = fdef.get("constraints") or {}
    for text, value in big.items():
        rows = rows_of((raw == text).fill_null(False))
        for constraint, ok in (("minimum", lambda b: value >= b), ("maximum", lambda b: value <= b),
                               ("exclusiveMinimum", lambda b: value > b), ("exclusiveMaximum", lambda b: value < b),
                               ("enum", lambda e: value in e)):
            if constraint in cons and not ok(cons[constraint]):
                code, zh, en = constraint_message(fdef, constraint, None)
                out.add_rows(code, rows, [text] * len(rows), resource=name, field=fdef["name"], message_zh=zh, message_en=en)


def _check_cells_python(name: str, fdef: dict, raw: pl.Series, out: Collector) -> None:
    """Types and formats the vectorised path does not cover: frictionless' cell reader, per distinct value."""
    from frictionless import Field

    descriptor = {k: v for k, v in fdef.items() if k not in ("title", "description", "zh", "example", "codelist", "privacy")}
    reader = Field.from_descriptor(descriptor).create_cell_reader()
    notes_by_value = {}
    for value in raw.drop_nulls().unique().to_list():
        _, notes = reader(value)
        if notes:
            notes_by_value[value] = notes
    for value, notes in notes_by_value.items():
        rows = rows_of((raw == value).fill_null(False))
        for constraint in notes:
            if constraint == "type" or constraint == "required":
                continue
            if constraint in ("pattern", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength"):
                code, zh, en = constraint_message(fdef, constraint, None)
                out.add_rows(code, rows, [value] * len(rows), resource=name, field=fdef["name"], message_zh=zh, message_en=en)


def check_unique_and_primary_key(checked: Checked, out: Collector) -> None:
    """frictionless: a unique value or a primary key seen in an earlier row (empty values and
    all-empty keys are not compared; an all-empty key is its own error)."""
    name, typed, schema = checked.name, checked.typed, checked.schema
    if typed.height == 0:
        return
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else list(pk)
    repeats: dict[str, pl.Series] = {}
    for fdef in schema.get("fields", []):
        fname = fdef["name"]
        if not (fdef.get("constraints") or {}).get("unique") or not checked.present(fname):
            continue
        col = typed.get_column(fname)
        repeats[fname] = _repeated(col)
        dup = col.is_not_null() & repeats[fname]
        if dup.any():
            first = _first_rows(typed.select(fname), [fname], dup)
            out.add_rows("DUPLICATE_VALUE", rows_of(dup), checked.text([fname]).get_column(fname).filter(dup), resource=name, field=fname,
                         message_zh=f"{fname} 应唯一,但与之前的行重复", message_en=f"{fname} must be unique but repeats an earlier row",
                         suffixes=[(f"(首次出现于第 {r} 行)", f" (first in row {r})") for r in first])
    if not pk or not all(checked.present(k) for k in pk):
        return
    keys = typed.select(pk)
    all_null = keys.select(pl.all_horizontal(pl.all().is_null())).to_series()
    out.add_rows("PRIMARY_KEY_BLANK", rows_of(all_null), resource=name, field=pk[0] if len(pk) == 1 else None,
                 message_zh=f"主键({', '.join(pk)})为空", message_en=f"primary key ({', '.join(pk)}) is empty")
    if len(pk) == 1 and pk[0] in repeats:
        repeated = repeats[pk[0]]  # computed above for the unique constraint
    elif len(pk) == 1:
        repeated = _repeated(keys.to_series())
    else:
        repeated = _repeated(keys.select(pl.struct(pk)).to_series(), keys.hash_rows())
    dup = repeated & ~all_null
    if dup.any():
        first = _first_rows(keys, pk, dup)
        values = checked.text(pk).filter(dup).select(pl.concat_str([pl.col(k).fill_null("") for k in pk], separator=", ")).to_series()
        out.add_rows("PRIMARY_KEY_DUPLICATE", rows_of(dup), values, resource=name, field=pk[0] if len(pk) == 1 else None,
                     message_zh=f"主键({', '.join(pk)})重复", message_en=f"primary key ({', '.join(pk)}) repeats",
                     suffixes=[(f"(首次出现于第 {r} 行)", f" (first in row {r})") for r in first])


def occurs_twice(hashes: pl.Series) -> pl.Series:
    """True where the 64-bit value occurs more than once. Sorted neighbours rather than a hash
    table: for ten million values this needs a fraction of the memory and time."""
    ordered = hashes.sort()
    twice = ordered.filter(ordered == ordered.shift(1)).unique()
    del ordered
    if twice.len() == 0:
        return pl.repeat(False, hashes.len(), dtype=pl.Boolean, eager=True)
    return hashes.is_in(twice.implode())


def _repeated(values: pl.Series, hashes: pl.Series | None = None) -> pl.Series:
    """True where the value (null included) was seen in an earlier row. Decided on 64-bit hashes
    first, which is several times faster than on text; only the rows whose hash repeats are
    compared by value, so that a hash collision never makes a finding."""
    hashes = values.hash() if hashes is None else hashes
    maybe = occurs_twice(hashes)
    if not maybe.any():
        return pl.repeat(False, values.len(), dtype=pl.Boolean, eager=True)
    idx = maybe.arg_true()
    exact = ~values.gather(idx).is_first_distinct()
    out = pl.repeat(False, values.len(), dtype=pl.Boolean, eager=True)
    return out.scatter(idx.filter(exact), True)


def _first_rows(keys: pl.DataFrame, names: list[str], dup: pl.Series) -> list[int]:
    """For each repeated row, the spreadsheet row of the key's first occurrence (only the
    repeated keys are looked up)."""
    indexed = keys.with_row_index("__i")
    repeated = indexed.filter(dup).select(names).unique()
    first = indexed.join(repeated, on=names, how="semi", nulls_equal=True).group_by(names).agg(pl.col("__i").min().alias("__first"))
    rows = indexed.filter(dup).join(first, on=names, how="left", nulls_equal=True, maintain_order="left")
    return (rows.get_column("__first") + 2).to_list()


# ---------------------------------------------------------------- foreign keys across resources


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def check_foreign_keys(checked: dict[str, Checked], in_package: set[str], out: Collector) -> None:
    """Each foreign key whose fields the resource has: values not all empty must appear in the
    referenced table (frictionless: typed tuples, the reference's empty tuples left out). Keys a
    table read in batches checked already (Checked.keys_checked) are not checked again."""
    for name, table in checked.items():
        for i, fk in enumerate(table.schema.get("foreignKeys", []) or []):
            if i not in table.keys_checked:
                check_foreign_key(name, table, fk, checked, in_package, out)


def check_foreign_key(name: str, table: Checked, fk: dict, checked: dict[str, Checked], in_package: set[str],
                      out: Collector, lookups: dict | None = None) -> None:
    """One foreign key of `table` (a whole table, or one batch of it with a shifted collector).
    `lookups`: the referenced keys made for earlier batches, kept there for the next ones."""
    fields = _as_list(fk.get("fields"))
    ref = fk.get("reference") or {}
    target = ref.get("resource") or name
    ref_fields = _as_list(ref.get("fields"))
    if not fields or len(fields) != len(ref_fields) or not all(table.present(f) for f in fields):
        return
    values = table.typed.select(fields)
    used = ~values.select(pl.all_horizontal(pl.all().is_null())).to_series()
    if not used.any():
        return
    source = checked.get(target)
    if source is None:
        if target not in in_package:
            out.add("FOREIGN_KEY_NOT_CHECKED", f"{', '.join(fields)} 引用表 {target},但数据包中没有该表",
                    f"{', '.join(fields)} refers to table {target}, which the package does not hold",
                    resource=name, field=fields[0])
        return
    key = (target, tuple(ref_fields), tuple(fields), tuple(values.schema.values()))
    lookup = lookups.get(key) if lookups is not None else None
    if lookup is None:
        lookup = source.typed.select([pl.col(rf).alias(f) for rf, f in zip(ref_fields, fields)])
        lookup = lookup.filter(~pl.all_horizontal(pl.all().is_null())).unique()
        lookup = lookup.with_columns([pl.col(f).cast(pl.String) for f in fields if lookup.schema[f] != values.schema[f]])
        if lookups is not None:
            lookups[key] = lookup
    values = values.with_columns([pl.col(f).cast(pl.String) for f in fields if lookup.schema[f] != values.schema[f]])
    probe = values.with_row_index("__i").filter(used)
    missing = probe.join(lookup, on=fields, how="anti", nulls_equal=True, maintain_order="left")
    if missing.height:
        idx = missing.get_column("__i")
        shown = table.text(fields)[idx].select(pl.concat_str([pl.col(f).fill_null("") for f in fields], separator=", "))
        out.add_rows("FOREIGN_KEY_MISSING", (idx + 2).to_list(), shown.to_series().to_list(), resource=name,
                     field=fields[0] if len(fields) == 1 else None,
                     message_zh=f"{', '.join(fields)} 在表 {target} 的 {', '.join(ref_fields)} 中找不到",
                     message_en=f"{', '.join(fields)} not found in {target}.{', '.join(ref_fields)}")
