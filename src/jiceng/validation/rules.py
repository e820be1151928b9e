"""The standard's rules beyond Table Schema, read from validators/<table>.yaml and run with pandera.

A rule is data: a stable code, a severity, a kind and its parameters, a bilingual message and a
failing and a passing example (validators/README.md). Each kind below turns its parameters
into a polars expression over the table's typed rows (joined with other tables for cross-table
kinds); every rule becomes a pandera-polars Check on the column it reports on, and pandera's
failure cases give the rows. A cell that is empty or not of its type never fails a rule: rules
judge values, Table Schema judges their presence and type.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..findings import Finding
from ..standard import Standard
from .collect import Collector

SEVERITIES = ("ERROR", "WARNING", "INFO")
OPS = {"le": "<=", "lt": "<", "ge": ">=", "gt": ">", "eq": "=", "ne": "≠"}
UNIT_SCALE = {"percent": 100, "per_1000_residents": 1000, "per_100_residents": 100}


@dataclass
class Rule:
    table: str
    code: str
    severity: str
    kind: str
    params: dict
    message: dict
    examples: dict = field(default_factory=dict)
    field: str | None = None
    source: str = ""

    @property
    def message_zh(self) -> str:
        return str(self.message.get("zh", ""))

    @property
    def message_en(self) -> str:
        return str(self.message.get("en", ""))


class RuleError(ValueError):
    pass


# ---------------------------------------------------------------- loading


def rules_dir(std: Standard) -> Path | None:
    """validators/ of the standard; for a bare schemas folder the one beside it; else the
    installed standard's."""
    from ..standard import current

    for candidate in (std.rules_dir, std.schemas_dir.parent / "validators"):
        if candidate.is_dir():
            return candidate
    try:
        fallback = current().rules_dir
    except Exception:
        return None
    return fallback if fallback.is_dir() else None


def load_rules(std: Standard) -> tuple[list[Rule], list[tuple[str, str, str]]]:
    """Every rule of validators/, and problems (where, zh, en) found while reading them."""
    import yaml

    folder = rules_dir(std)
    rules: list[Rule] = []
    problems: list[tuple[str, str, str]] = []
    if folder is None:
        return rules, problems
    seen: dict[str, str] = {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ten times faster
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.append((path.name, f"无法读取:{type(exc).__name__}", f"cannot be read: {type(exc).__name__}"))
            continue
        if not isinstance(data, dict) or not isinstance(data.get("rules", []), list):
            problems.append((path.name, "应为含 table 和 rules 的映射", "must be a mapping with table and rules"))
            continue
        table = str(data.get("table") or path.stem)
        for i, item in enumerate(data.get("rules") or []):
            where = f"{path.name} #{i + 1}"
            if not isinstance(item, dict):
                problems.append((where, "规则应为映射", "a rule must be a mapping"))
                continue
            code = str(item.get("code") or "")
            where = f"{path.name} {code or '#' + str(i + 1)}"
            rule = Rule(table, code, str(item.get("severity", "")).upper(), str(item.get("kind", "")),
                        item.get("params") if isinstance(item.get("params"), dict) else {},
                        item.get("message") if isinstance(item.get("message"), dict) else {},
                        item.get("examples") if isinstance(item.get("examples"), dict) else {},
                        item.get("field"), path.name)
            issues = lint_rule(std, rule)
            if code in seen:
                issues.append((f"代码 {code} 与 {seen[code]} 重复", f"code {code} repeats {seen[code]}"))
            if issues:
                for zh, en in issues:
                    problems.append((where, zh, en))
                continue
            seen[code] = path.name
            rules.append(rule)
    return rules, problems


def lint_rule(std: Standard, rule: Rule) -> list[tuple[str, str]]:
    """Problems of one rule definition: missing parts, unknown kind, tables, columns, codelists."""
    out = []
    import re

    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", rule.code):
        out.append(("code 应为大写英文和下划线", "code must be upper-case letters, digits and underscores"))
    if rule.severity not in SEVERITIES:
        out.append((f"severity 应为 {'/'.join(SEVERITIES)}", f"severity must be one of {', '.join(SEVERITIES)}"))
    for lang in ("zh", "en"):
        if not str(rule.message.get(lang, "")).strip():
            out.append((f"缺少 message.{lang}", f"missing message.{lang}"))
    if rule.table not in std.tables:
        out.append((f"表 {rule.table} 不在标准中", f"table {rule.table} is not in the standard"))
        return out
    kind = KINDS.get(rule.kind)
    if kind is None:
        out.append((f"未知的 kind {rule.kind!r}", f"unknown kind {rule.kind!r}"))
        return out
    try:
        refs = kind.refs(rule.table, rule.params)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        out.append((f"params 不完整或有误:{exc}", f"params incomplete or wrong: {exc}"))
        return out
    for table, columns in refs.get("columns", {}).items():
        if table not in std.tables:
            out.append((f"引用的表 {table} 不在标准中", f"refers to table {table}, not in the standard"))
            continue
        names = set(std.field_names(table))
        for c in columns:
            if c not in names:
                out.append((f"引用的字段 {table}.{c} 不存在", f"refers to field {table}.{c}, which does not exist"))
    for cl in refs.get("codelists", []):
        if cl not in std.codelists:
            out.append((f"引用的代码表 {cl} 不存在", f"refers to codelist {cl}, which does not exist"))
    for cl, attribute in refs.get("attributes", []):
        rows = std.codelists[cl].rows if cl in std.codelists else []
        if rows and attribute not in rows[0]:
            out.append((f"代码表 {cl} 没有列 {attribute}", f"codelist {cl} has no column {attribute}"))
    if rule.field is not None and rule.field not in std.field_names(rule.table):
        out.append((f"field {rule.field} 不存在", f"field {rule.field} does not exist"))
    for case in ("fail", "pass"):
        if not rule.examples.get(case):
            out.append((f"缺少 examples.{case}", f"missing examples.{case}"))
    return out


# ---------------------------------------------------------------- running


class Context:
    """Typed frames of the package's tables, for the rules."""

    def __init__(self, std: Standard, frames: dict[str, pl.DataFrame], raws: dict[str, pl.DataFrame] | None = None):
        self.std = std
        self.frames = frames
        self.raws = raws or {}

    def has(self, table: str) -> bool:
        return table in self.frames

    def lazy(self, table: str) -> pl.LazyFrame:
        return self.frames[table].lazy()

    def raw(self, table: str) -> pl.DataFrame | None:
        return self.raws.get(table)


def rule_field(rule: Rule) -> str:
    return rule.field or KINDS[rule.kind].field(rule.params)


def run_rules(std: Standard, checked: dict, out: Collector, rules: list[Rule] | None = None) -> None:
    """Run every rule whose table is in the package; add their findings to `out`."""
    if rules is None:
        rules, problems = load_rules(std)
        merged: dict[str, tuple[list, list]] = {}
        for where, zh, en in problems:
            merged.setdefault(where, ([], []))
            merged[where][0].append(zh)
            merged[where][1].append(en)
        for where, (zh, en) in merged.items():
            out.add("RULE_DEFINITION_INVALID", f"规则 {where}:{';'.join(zh)}", f"rule {where}: {'; '.join(en)}", value=where)
    frames = {name: c.typed for name, c in checked.items()}
    run_on_frames(Context(std, frames, _RawText(checked)), rules, out)


class _RawText(dict):
    """Tables' text as typed, made only for the tables a rule asks it of (Checked.raw)."""

    def __init__(self, checked: dict):
        super().__init__()
        self._checked = checked

    def get(self, table, default=None):
        if table not in self and table in self._checked:
            self[table] = self._checked[table].raw
        return super().get(table, default)


def run_on_frames(ctx: Context, rules: list[Rule], out: Collector) -> None:
    from .structure import pandera_polars

    pa = pandera_polars()
    import pandera.errors as pe

    by_table: dict[str, list[Rule]] = {}
    for rule in rules:
        if ctx.has(rule.table) and KINDS[rule.kind].applies(ctx, rule.table, rule.params):
            by_table.setdefault(rule.table, []).append(rule)
    for table, table_rules in by_table.items():
        frame = ctx.frames[table]
        if frame.height == 0:
            continue
        values: dict[str, pl.DataFrame] = {}
        columns: dict[str, list] = {}
        index: dict[str, list[Rule]] = {}
        for rule in table_rules:
            fname = rule_field(rule)
            columns.setdefault(fname, []).append(pa.Check(_check_fn(ctx, rule, values), name=rule.code, error=rule.code))
            index.setdefault(fname, []).append(rule)
        schema = pa.DataFrameSchema({f: pa.Column(None, checks=c, nullable=True, required=False) for f, c in columns.items()},
                                    name=table)
        try:
            schema.validate(frame, lazy=True)
            continue
        except pe.SchemaErrors as exc:
            cases = exc.failure_cases
        for (column, number), part in cases.group_by(["column", "check_number"], maintain_order=True):
            rule = index[column][int(number)]
            idx = part["index"].drop_nulls().cast(pl.Int64).unique().sort()
            if idx.len() == 0 or part["index"].null_count():
                out.add("RULE_FAILED", f"规则 {rule.code} 无法执行", f"rule {rule.code} could not be run", resource=table,
                        field=column, value=rule.code)
                if idx.len() == 0:
                    continue
            shown = values.get(rule.code)
            vals = None
            if shown is not None:  # display values for the failing rows that are listed, only now
                listed = idx if out.max_per_group is None else idx.head(max(out.max_per_group, 1))
                vals = shown.select(pl.col("value").gather(listed.cast(pl.UInt32))).collect().get_column("value").to_list()
                vals += [None] * (idx.len() - len(vals))
            out.add_rows(rule.code, (idx + 2).to_list(), vals, severity=rule.severity, message_zh=rule.message_zh,
                         message_en=rule.message_en, resource=table, field=column)


def _check_fn(ctx: Context, rule: Rule, values: dict):
    kind = KINDS[rule.kind]

    def check(data):
        # The mask only: polars leaves the display value out of this query (projection
        # pushdown); it is computed for the failing rows once the mask says which they are.
        result = kind.evaluate(ctx, rule.table, rule.params, data.lazyframe)
        values[rule.code] = result
        return result.select(pl.col("ok"))
    return check


# ---------------------------------------------------------------- examples


def frame_from_rows(std: Standard, table: str, rows: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed, raw) frames of `table` from example rows; columns not given are empty."""
    from .structure import DTYPES, cast_column

    typed, raw = {}, {}
    for fdef in std.fields(table):
        name = fdef["name"]
        texts = [_text(r.get(name)) for r in rows]
        series = pl.Series(name, texts, dtype=pl.String)
        cast = cast_column(fdef, series)
        if cast.type_error.any():
            raise RuleError(f"example value of {table}.{name} is not of type {fdef.get('type')}")
        typed[name] = cast.typed.cast(DTYPES.get(fdef.get("type", "string"), pl.String))
        raw[name] = series
    return pl.DataFrame(typed), pl.DataFrame(raw)


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def example_tables(rule: Rule, case: str) -> dict[str, list[dict]]:
    data = rule.examples.get(case)
    if isinstance(data, list):
        return {rule.table: data}
    if isinstance(data, dict):
        return {t: list(rows) for t, rows in data.items()}
    raise RuleError(f"examples.{case} must be a list of rows or a mapping of tables to rows")


def run_example(std: Standard, rule: Rule, case: str) -> list[Finding]:
    """Findings of `rule` alone on its failing or passing example."""
    frames, raws = {}, {}
    for table, rows in example_tables(rule, case).items():
        frames[table], raws[table] = frame_from_rows(std, table, rows)
    out = Collector(max_per_group=None)
    run_on_frames(Context(std, frames, raws), [rule], out)
    return [f for g in out.groups.values() for f in g.findings]


# ---------------------------------------------------------------- helpers for the kinds


def _cols(params: dict, key: str = "columns") -> list[str]:
    value = params.get(key)
    if value is None and key == "columns" and "column" in params:
        value = params["column"]
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key} must name one or more columns")
    return value


def _sum(columns: list[str]) -> pl.Expr:
    """Sum of the columns; null when all are empty (an empty part of a sum counts as 0)."""
    if len(columns) == 1:
        return pl.col(columns[0])
    return pl.when(pl.all_horizontal([pl.col(c).is_null() for c in columns])).then(None) \
        .otherwise(pl.sum_horizontal([pl.col(c) for c in columns]))


def _show(*parts: tuple[str, pl.Expr]) -> pl.Expr:
    """'name=value, …' for the finding's value."""
    exprs = []
    for i, (label, expr) in enumerate(parts):
        exprs.append(pl.lit(("" if i == 0 else ", ") + f"{label}="))
        exprs.append(expr.cast(pl.String).fill_null("∅"))
    return pl.concat_str(exprs)


def _compare(left: pl.Expr, op: str, right: pl.Expr) -> pl.Expr:
    return {"le": left <= right, "lt": left < right, "ge": left >= right, "gt": left > right,
            "eq": left == right, "ne": left != right}[op]


def _other(params: dict) -> dict:
    other = params.get("other") if "other" in params else params.get("limit")
    if not isinstance(other, dict) or not isinstance(other.get("table"), str) or not isinstance(other.get("keys"), dict) \
            or not isinstance(other.get("column"), str):
        raise ValueError("other must give table, keys {local: remote} and column")
    return other


def _join_other(ctx: Context, table: str, other: dict, lf: pl.LazyFrame, alias: str) -> pl.LazyFrame:
    """lf with column `alias`: the other table's column for each row (aggregated when `agg`)."""
    on: dict = other["keys"]
    local, remote = list(on), [on[k] for k in on]
    right = ctx.lazy(other["table"]) if ctx.has(other["table"]) else None
    agg = other.get("agg")
    if right is None:
        return lf.with_columns(pl.lit(None).alias(alias))
    keyed = [pl.col(r).cast(pl.String).alias(f"__k{i}") for i, r in enumerate(remote)]
    if agg:
        value = {"sum": pl.col(other["column"]).sum(), "count": pl.len(), "max": pl.col(other["column"]).max(),
                 "min": pl.col(other["column"]).min(), "n_unique": pl.col(other["column"]).drop_nulls().n_unique()}[agg]
        if agg in ("sum", "max", "min"):  # an empty cell among the rows: the total is not known
            value = pl.when(pl.col(other["column"]).null_count() > 0).then(None).otherwise(value)
        right = right.with_columns(keyed).filter(pl.all_horizontal([pl.col(f"__k{i}").is_not_null() for i in range(len(remote))])) \
            .group_by([f"__k{i}" for i in range(len(remote))]).agg(value.alias(alias))
    else:
        right = right.with_columns(keyed).select([f"__k{i}" for i in range(len(remote))] + [pl.col(other["column"]).alias(alias)]) \
            .unique(subset=[f"__k{i}" for i in range(len(remote))], keep="first", maintain_order=True)
    left = lf.with_columns([pl.col(c).cast(pl.String).alias(f"__k{i}") for i, c in enumerate(local)])
    joined = left.join(right, on=[f"__k{i}" for i in range(len(remote))], how="left", maintain_order="left")
    return joined.drop([f"__k{i}" for i in range(len(remote))])


def _table_columns(table: str, *names) -> dict:
    return {table: [n for n in names if n]}


class Kind:
    """One kind of rule: what it refers to (for checking rule files), which column it reports
    on, and its evaluation: a frame with `ok` (false = finding, null = not applicable) and `value`."""

    def refs(self, table: str, params: dict) -> dict:
        raise NotImplementedError

    def field(self, params: dict) -> str:
        raise NotImplementedError

    def applies(self, ctx: Context, table: str, params: dict) -> bool:
        return True

    def evaluate(self, ctx: Context, table: str, params: dict, lf: pl.LazyFrame) -> pl.LazyFrame:
        raise NotImplementedError


class DateOrder(Kind):
    """params: start, end — end is not before start (both given)."""

    def refs(self, table, p):
        return {"columns": _table_columns(table, str(p["start"]), str(p["end"]))}

    def field(self, p):
        return p["end"]

    def evaluate(self, ctx, table, p, lf):
        s, e = pl.col(p["start"]), pl.col(p["end"])
        return lf.select((e >= s).alias("ok"), _show((p["start"], s), (p["end"], e)).alias("value"))


class AtMost(Kind):
    """params: columns (summed), limit — a column of the same row or a number."""

    def refs(self, table, p):
        cols = _cols(p)
        limit = p["limit"]
        if not isinstance(limit, (str, int, float)) or isinstance(limit, bool):
            raise ValueError("limit must be a column or a number")
        return {"columns": _table_columns(table, *cols, limit if isinstance(limit, str) else None)}

    def field(self, p):
        return _cols(p)[0]

    def evaluate(self, ctx, table, p, lf):
        cols = _cols(p)
        limit = pl.col(p["limit"]) if isinstance(p["limit"], str) else pl.lit(p["limit"])
        total = _sum(cols)
        parts = [(c, pl.col(c)) for c in cols] + [(p["limit"] if isinstance(p["limit"], str) else "limit", limit)]
        return lf.select((total <= limit).alias("ok"), _show(*parts).alias("value"))


class LookupCompare(Kind):
    """params: columns (summed, this row), op (le lt ge gt eq ne), other {table, keys {local: remote},
    column, agg?} — compares with the other table's value for the row, or its aggregate."""

    def refs(self, table, p):
        other = _other(p)
        if p.get("op") not in OPS:
            raise ValueError(f"op must be one of {', '.join(OPS)}")
        if other.get("agg") not in (None, "sum", "count", "max", "min", "n_unique"):
            raise ValueError("agg must be sum, count, max, min or n_unique")
        cols = {table: _cols(p) + list(other["keys"])}
        cols.setdefault(other["table"], []).extend([other["keys"][k] for k in other["keys"]] + [other["column"]])
        return {"columns": cols}

    def field(self, p):
        return _cols(p)[0]

    def applies(self, ctx, table, p):
        return ctx.has(_other(p)["table"])

    def evaluate(self, ctx, table, p, lf):
        other = _other(p)
        cols = _cols(p)
        joined = _join_other(ctx, table, other, lf, "__other")
        label = f"{other['table']}.{other['column']}" if not other.get("agg") else f"{other.get('agg')}({other['table']}.{other['column']})"
        parts = [(c, pl.col(c)) for c in cols] + [(label, pl.col("__other"))]
        return joined.select(_compare(_sum(cols), p["op"], pl.col("__other")).alias("ok"), _show(*parts).alias("value"))


class AggregateAtMost(Kind):
    """params: group_by [columns], agg (sum count n_unique), column, limit — a number or
    {table, keys {local: remote}, column}. Reported once per group, on its first row."""

    def refs(self, table, p):
        group = _cols(p, "group_by")
        if p.get("agg") not in ("sum", "count", "n_unique"):
            raise ValueError("agg must be sum, count or n_unique")
        cols = {table: group + ([p["column"]] if p.get("column") else [])}
        limit = p["limit"]
        if isinstance(limit, dict):
            other = _other({"other": limit})
            cols[table] = cols[table] + list(other["keys"])
            cols.setdefault(other["table"], []).extend([other["keys"][k] for k in other["keys"]] + [other["column"]])
        elif not isinstance(limit, (int, float)) or isinstance(limit, bool):
            raise ValueError("limit must be a number or {table, on, column}")
        return {"columns": cols}

    def field(self, p):
        return p.get("column") or _cols(p, "group_by")[0]

    def applies(self, ctx, table, p):
        return not isinstance(p["limit"], dict) or ctx.has(p["limit"]["table"])

    def evaluate(self, ctx, table, p, lf):
        # One row per group (a group-by over the keyed rows), judged there, and the judgement
        # put back on each group's first row: no window and no join over every row, so that a
        # table of ten million rows needs memory for its groups only.
        group = _cols(p, "group_by")
        agg = {"sum": pl.col(p.get("column", "")).sum() if p.get("column") else None,
               "count": pl.len(),
               "n_unique": pl.col(p.get("column", "")).drop_nulls().n_unique() if p.get("column") else None}[p["agg"]]
        from .structure import occurs_twice

        keyed = pl.all_horizontal([pl.col(g).is_not_null() for g in group])
        limit = p["limit"]
        local = [k for k in (limit["keys"] if isinstance(limit, dict) else []) if k not in group]
        # Most groups are one row: rows whose key hash occurs once are their own group (judged
        # row by row); only the others are grouped, exactly, by their values (a hash collision
        # only sends a row to the exact path).
        frame = lf.with_row_index("__i").collect()
        n = frame.height
        several = occurs_twice(frame.select(group).hash_rows())
        column = p.get("column")
        one = {"sum": pl.col(column).fill_null(0) if column else None, "count": pl.lit(1, dtype=pl.UInt32),
               "n_unique": pl.col(column).is_not_null().cast(pl.UInt32) if column else None}[p["agg"]]
        grouped = frame.lazy().filter(keyed & pl.lit(several)).group_by(group).agg(
            agg.alias("__agg"), pl.col("__i").min().alias("__i"), *[pl.col(k).sort_by("__i").first() for k in local])
        single = frame.lazy().filter(keyed & ~pl.lit(several)).select(*group, one.alias("__agg"), "__i", *local)
        groups = pl.concat([grouped, single], how="vertical_relaxed")
        if isinstance(limit, dict):
            groups = _join_other(ctx, table, limit, groups, "__limit")
            label = f"{limit['table']}.{limit['column']}"
        else:
            groups = groups.with_columns(pl.lit(limit).alias("__limit"))
            label = "limit"
        parts = [(g, pl.col(g)) for g in group] + [(f"{p['agg']}({p.get('column', '')})", pl.col("__agg")), (label, pl.col("__limit"))]
        within = pl.col("__agg") <= pl.col("__limit")
        # two queries, so that polars reads only what each needs: the judgement of every group,
        # then the display values of the failing groups only
        judged = groups.select("__i", within.alias("ok")).collect()
        failing = groups.filter(within.not_()).select("__i", _show(*parts).alias("value")).collect()
        ok = pl.repeat(None, n, dtype=pl.Boolean, eager=True).scatter(judged.get_column("__i").cast(pl.Int64),
                                                                     judged.get_column("ok"))
        value = pl.repeat(None, n, dtype=pl.String, eager=True).scatter(failing.get_column("__i").cast(pl.Int64),
                                                                       failing.get_column("value"))
        return pl.LazyFrame([ok.alias("ok"), value.alias("value")])


_TESTS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "empty_or_in", "between", "empty", "flag", "not_flag")


def _test(ctx: Context, table: str, column: str, test: dict) -> pl.Expr:
    c = pl.col(column)
    parts = []
    for op, value in test.items():
        if op in ("eq", "ne", "lt", "le", "gt", "ge"):
            parts.append(_compare(c, op, pl.lit(value)))
        elif op == "in":
            parts.append(c.is_in(list(value)))
        elif op == "not_in":
            parts.append(~c.is_in(list(value)))
        elif op == "empty_or_in":  # e.g. an optional attribute whose empty cell means its default
            parts.append(c.is_null() | c.is_in(list(value)))
        elif op == "between":
            parts.append((c >= value[0]) & (c <= value[1]))
        elif op == "empty":
            parts.append(c.is_null() if value else c.is_not_null())
        elif op in ("flag", "not_flag"):
            fdef = next(f for f in ctx.std.fields(table) if f["name"] == column)
            flagged = ctx.std.codelists[fdef["codelist"]].flagged(value)
            parts.append(c.is_in(flagged) if op == "flag" else (c.is_not_null() & ~c.is_in(flagged)))
    return pl.all_horizontal(parts)


class Condition(Kind):
    """params: when {column: test}, require {column: test} — where every `when` test holds, every
    `require` test must hold (without `require`: `when` itself is the finding). Tests: eq ne lt le
    gt ge in not_in between empty (true/false) flag not_flag (a codelist's true/false column)."""

    def refs(self, table, p):
        when, require = p.get("when") or {}, p.get("require") or {}
        if not isinstance(when, dict) or not isinstance(require, dict) or not when:
            raise ValueError("when must map columns to tests; require likewise")
        for test in list(when.values()) + list(require.values()):
            if not isinstance(test, dict) or not test or any(op not in _TESTS for op in test):
                raise ValueError(f"a test is a mapping of {', '.join(_TESTS)}")
        return {"columns": _table_columns(table, *when, *require)}

    def field(self, p):
        require = p.get("require") or {}
        return next(iter(require)) if require else list(p["when"])[-1]

    def evaluate(self, ctx, table, p, lf):
        when, require = p.get("when") or {}, p.get("require") or {}
        holds = pl.all_horizontal([_test(ctx, table, c, t).fill_null(False) for c, t in when.items()])
        # an empty cell never fails a rule: a required column left empty is not judged, unless the test is about
        # emptiness or the rule is about a missing value (a `when` test `empty: true`)
        about_missing = any(isinstance(t, dict) and t.get("empty") is True for t in when.values())
        blank = [pl.col(c).is_null() for c, t in require.items() if not any("empty" in op for op in t)]
        if blank and not about_missing:
            holds = holds & ~pl.any_horizontal(blank)
        needed = pl.all_horizontal([_test(ctx, table, c, t).fill_null(False) for c, t in require.items()]) if require else pl.lit(False)
        columns = list(dict.fromkeys(list(when) + list(require)))
        return lf.select(pl.when(holds).then(needed).otherwise(None).alias("ok"),
                         _show(*[(c, pl.col(c)) for c in columns]).alias("value"))


class RatioConsistent(Kind):
    """params: value, numerator, denominator, code (indicator code column), qualifier (optional),
    decimals and multiplier (optional columns: the published precision), last_digit_units (default
    0.5). value = numerator / denominator × scale (the catalogue's, else by unit), within
    last_digit_units of the published last digit (0.5: rounding only; 1.5 also accepts a figure
    truncated or off by one in its last digit); the precision is the published decimals (in the
    published unit, 10^multiplier) where given, else the digits written; 'approx' allows 5 %,
    'over'/'at_least' and 'under'/'at_most' one side."""

    def refs(self, table, p):
        return {"columns": _table_columns(table, p["value"], p["numerator"], p["denominator"], p["code"], p.get("qualifier"),
                                          p.get("unit"), p.get("decimals"), p.get("multiplier"))}

    def field(self, p):
        return p["value"]

    def evaluate(self, ctx, table, p, lf):
        scales = {}
        for code, ind in ctx.std.indicator_by_code.items():
            comp = ind.get("computation") or {}
            scales[code] = float(comp.get("scale", UNIT_SCALE.get(ind.get("unit"), 1)) if comp else UNIT_SCALE.get(ind.get("unit"), 1))
        raw = ctx.raw(table)
        decimals = None
        if raw is not None and p["value"] in raw.columns:
            decimals = raw.get_column(p["value"]).str.extract(r"\.([0-9]+)$", 1).str.len_chars().fill_null(0)
        lf = lf.with_columns(pl.col(p["code"]).replace_strict(list(scales), list(scales.values()), default=1.0,
                                                              return_dtype=pl.Float64).alias("__scale"))
        lf = lf.with_columns((decimals if decimals is not None else pl.lit(0)).alias("__dec")) if decimals is not None \
            else lf.with_columns(pl.lit(0).alias("__dec"))
        num, den, val = pl.col(p["numerator"]).cast(pl.Float64), pl.col(p["denominator"]).cast(pl.Float64), pl.col(p["value"]).cast(pl.Float64)
        expected = num / den * pl.col("__scale").abs()
        # Precision of the published figure, in the value's unit: 10^-(decimals written), or
        # 10^(multiplier - decimals) where the publication's precision is declared.
        exponent = -pl.col("__dec").cast(pl.Float64)
        if p.get("decimals"):
            mult = pl.col(p["multiplier"]).cast(pl.Float64).fill_null(0.0) if p.get("multiplier") else pl.lit(0.0)
            exponent = pl.when(pl.col(p["decimals"]).is_not_null()).then(mult - pl.col(p["decimals"]).cast(pl.Float64)).otherwise(exponent)
        tol = float(p.get("last_digit_units", 0.5)) * pl.lit(10.0).pow(exponent) + 1e-9 * expected.abs()
        if p.get("qualifier"):
            q = pl.col(p["qualifier"])
            ok = (pl.when(q == "approx").then((val - expected).abs() <= pl.max_horizontal(tol, 0.05 * expected.abs()))
                  .when(q.is_in(["over", "at_least"])).then(val <= expected + tol)
                  .when(q.is_in(["under", "at_most"])).then(val >= expected - tol)
                  .when(q == "range").then(None)
                  .otherwise((val - expected).abs() <= tol))
        else:
            ok = (val - expected).abs() <= tol
        applicable = num.is_not_null() & den.is_not_null() & (den > 0) & val.is_not_null() & pl.col(p["code"]).is_not_null()
        shown = _show((p["value"], pl.col(p["value"])), (p["numerator"], pl.col(p["numerator"])),
                      (p["denominator"], pl.col(p["denominator"])), ("expected", expected.round(4)))
        return lf.select(pl.when(applicable).then(ok).otherwise(None).alias("ok"), shown.alias("value"))


class PairedRowsAtMost(Kind):
    """params: category (column), value (column), match [columns], pairs [[small, large], …] — in
    rows that share `match`, the value of category `small` is at most that of `large`."""

    def refs(self, table, p):
        pairs = p["pairs"]
        if not isinstance(pairs, list) or not all(isinstance(x, list) and len(x) == 2 for x in pairs):
            raise ValueError("pairs must be a list of [small, large]")
        return {"columns": _table_columns(table, p["category"], p["value"], *_cols(p, "match"))}

    def field(self, p):
        return p["value"]

    def evaluate(self, ctx, table, p, lf):
        match = _cols(p, "match")
        small = {a: b for a, b in p["pairs"]}
        lf = lf.with_columns(pl.col(p["category"]).replace_strict(list(small), list(small.values()), default=None,
                                                                 return_dtype=pl.String).alias("__large"))
        right = lf.select([pl.col(m).cast(pl.String).alias(f"__m{i}") for i, m in enumerate(match)]
                          + [pl.col(p["category"]).alias("__large"), pl.col(p["value"]).alias("__limit")]) \
            .unique(subset=[f"__m{i}" for i in range(len(match))] + ["__large"], keep="first", maintain_order=True)
        left = lf.with_columns([pl.col(m).cast(pl.String).alias(f"__m{i}") for i, m in enumerate(match)])
        joined = left.join(right, on=[f"__m{i}" for i in range(len(match))] + ["__large"], how="left", maintain_order="left")
        ok = pl.when(pl.col("__large").is_not_null()).then(pl.col(p["value"]) <= pl.col("__limit")).otherwise(None)
        shown = _show((p["category"], pl.col(p["category"])), (p["value"], pl.col(p["value"])),
                      ("limit", pl.concat_str([pl.col("__large"), pl.lit("="), pl.col("__limit").cast(pl.String)])))
        return joined.select(ok.alias("ok"), shown.alias("value"))


class ListInCodelist(Kind):
    """params: column, codelist, separator (default ",") — every listed code is in the codelist."""

    def refs(self, table, p):
        return {"columns": _table_columns(table, p["column"]), "codelists": [p["codelist"]]}

    def field(self, p):
        return p["column"]

    def evaluate(self, ctx, table, p, lf):
        codes = ctx.std.codelists[p["codelist"]].codes
        items = pl.col(p["column"]).str.split(p.get("separator", ","))
        ok = items.list.eval(pl.element().str.strip_chars().is_in(codes)).list.all()
        return lf.select(ok.alias("ok"), pl.col(p["column"]).alias("value"))


def _attribute(ctx: Context, codelist: str, attribute: str) -> dict:
    return {r["code"]: r.get(attribute) for r in ctx.std.codelists[codelist].rows}


class CodelistAttributeMatch(Kind):
    """params: column, codelist, attribute, other_column, other_codelist, other_attribute, wildcard —
    the attribute of this row's code equals that of the other column's code (or is the wildcard)."""

    def refs(self, table, p):
        return {"columns": _table_columns(table, p["column"], p["other_column"]),
                "codelists": [p["codelist"], p["other_codelist"]],
                "attributes": [(p["codelist"], p["attribute"]), (p["other_codelist"], p["other_attribute"])]}

    def field(self, p):
        return p["column"]

    def evaluate(self, ctx, table, p, lf):
        mine = _attribute(ctx, p["codelist"], p["attribute"])
        theirs = _attribute(ctx, p["other_codelist"], p["other_attribute"])
        a = pl.col(p["column"]).replace_strict(list(mine), [str(v) for v in mine.values()], default=None, return_dtype=pl.String)
        b = pl.col(p["other_column"]).replace_strict(list(theirs), [str(v) for v in theirs.values()], default=None, return_dtype=pl.String)
        wildcard = p.get("wildcard")
        same = (a == b) | (a == pl.lit(wildcard)) if wildcard else (a == b)
        ok = pl.when(a.is_null() | b.is_null()).then(None).otherwise(same)
        return lf.select(ok.alias("ok"), _show((p["column"], pl.col(p["column"])), (p["other_column"], pl.col(p["other_column"]))).alias("value"))


class SignMatchesCodelist(Kind):
    """params: column (a number), code_column, codelist, attribute — the codelist's attribute is
    '+' (the number is not negative) or '-' (not positive) for the row's code."""

    def refs(self, table, p):
        return {"columns": _table_columns(table, p["column"], p["code_column"]), "codelists": [p["codelist"]],
                "attributes": [(p["codelist"], p["attribute"])]}

    def field(self, p):
        return p["column"]

    def evaluate(self, ctx, table, p, lf):
        sign = _attribute(ctx, p["codelist"], p["attribute"])
        s = pl.col(p["code_column"]).replace_strict(list(sign), [str(v) for v in sign.values()], default=None, return_dtype=pl.String)
        v = pl.col(p["column"])
        ok = pl.when(s == "+").then(v >= 0).when(s == "-").then(v <= 0).otherwise(None)
        return lf.select(ok.alias("ok"), _show((p["code_column"], pl.col(p["code_column"])), (p["column"], v)).alias("value"))


class PrefixInCodelist(Kind):
    """params: column, length, codelist — the first `length` characters are a code of the codelist."""

    def refs(self, table, p):
        int(p["length"])
        return {"columns": _table_columns(table, p["column"]), "codelists": [p["codelist"]]}

    def field(self, p):
        return p["column"]

    def evaluate(self, ctx, table, p, lf):
        codes = ctx.std.codelists[p["codelist"]].codes
        prefix = pl.col(p["column"]).str.slice(0, int(p["length"]))
        return lf.select(prefix.is_in(codes).alias("ok"), pl.col(p["column"]).alias("value"))


class StartsWithColumn(Kind):
    """params: column, prefix_column, separator — a value holding the separator (a derived
    identifier) starts with the prefix column's value and the separator."""

    def refs(self, table, p):
        str(p["separator"])
        return {"columns": _table_columns(table, p["column"], p["prefix_column"])}

    def field(self, p):
        return p["column"]

    def evaluate(self, ctx, table, p, lf):
        c, parent, sep = pl.col(p["column"]), pl.col(p["prefix_column"]), p["separator"]
        derived = c.str.contains(sep, literal=True) & parent.is_not_null()
        ok = pl.when(derived).then(c.str.starts_with(pl.concat_str([parent, pl.lit(sep)]))).otherwise(None)
        return lf.select(ok.alias("ok"), _show((p["column"], c), (p["prefix_column"], parent)).alias("value"))


class CatalogueAttribute(Kind):
    """params: column, code_column, attribute, when (optional, tests as in `condition`) — the
    column equals the indicator catalogue's attribute (e.g. unit) for the row's indicator code."""

    def refs(self, table, p):
        when = p.get("when") or {}
        return {"columns": _table_columns(table, p["column"], p["code_column"], *when)}

    def field(self, p):
        return p["column"]

    def evaluate(self, ctx, table, p, lf):
        expected = {code: str(ind.get(p["attribute"])) for code, ind in ctx.std.indicator_by_code.items()
                    if ind.get(p["attribute"]) is not None}
        e = pl.col(p["code_column"]).replace_strict(list(expected), list(expected.values()), default=None, return_dtype=pl.String)
        holds = pl.all_horizontal([_test(ctx, table, c, t).fill_null(False) for c, t in (p.get("when") or {}).items()]) \
            if p.get("when") else pl.lit(True)
        ok = pl.when(e.is_null() | pl.col(p["column"]).is_null() | ~holds).then(None).otherwise(pl.col(p["column"]) == e)
        return lf.select(ok.alias("ok"), _show((p["code_column"], pl.col(p["code_column"])), (p["column"], pl.col(p["column"])),
                                                ("catalogue", e)).alias("value"))


class InCatalogue(Kind):
    """params: column — the code is an indicator of the catalogue or a local indicator the
    package declares in datapackage.json (local_indicators)."""

    def refs(self, table, p):
        return {"columns": _table_columns(table, p["column"])}

    def field(self, p):
        return p["column"]

    def evaluate(self, ctx, table, p, lf):
        c = pl.col(p["column"])
        ok = pl.when(c.is_null()).then(None).otherwise(c.is_in(list(ctx.std.indicator_by_code)))
        return lf.select(ok.alias("ok"), c.alias("value"))


class CatalogueDimension(Kind):
    """params: code_column, columns — a breakdown column holds a value only where the row's
    indicator declares that dimension in the catalogue (its `dimensions` list)."""

    def refs(self, table, p):
        return {"columns": _table_columns(table, p["code_column"], *_cols(p))}

    def field(self, p):
        return _cols(p)[0]

    def evaluate(self, ctx, table, p, lf):
        code = pl.col(p["code_column"])
        parts, used = [], []
        for column in _cols(p):
            allowed = [k for k, ind in ctx.std.indicator_by_code.items() if column in (ind.get("dimensions") or [])]
            parts.append(pl.col(column).is_null() | code.is_in(allowed))
            used.append(pl.col(column).is_not_null())
        applicable = code.is_not_null() & pl.any_horizontal(used)
        ok = pl.when(applicable).then(pl.all_horizontal(parts)).otherwise(None)
        return lf.select(ok.alias("ok"), _show((p["code_column"], code), *[(c, pl.col(c)) for c in _cols(p)]).alias("value"))


KINDS: dict[str, Kind] = {
    "date_order": DateOrder(),
    "at_most": AtMost(),
    "lookup_compare": LookupCompare(),
    "aggregate_at_most": AggregateAtMost(),
    "condition": Condition(),
    "ratio_consistent": RatioConsistent(),
    "paired_rows_at_most": PairedRowsAtMost(),
    "list_in_codelist": ListInCodelist(),
    "codelist_attribute_match": CodelistAttributeMatch(),
    "sign_matches_codelist": SignMatchesCodelist(),
    "prefix_in_codelist": PrefixInCodelist(),
    "starts_with_column": StartsWithColumn(),
    "catalogue_attribute": CatalogueAttribute(),
    "in_catalogue": InCatalogue(),
    "catalogue_dimension": CatalogueDimension(),
}


def kind_doc(kind: str) -> str:
    cls = type(KINDS[kind])
    return (cls.__doc__ or "").strip()

