"""Indicators of loaded packages: computed from records with the catalogue's definitions, and reported.

Every computed value comes from an indicator's `computation` in schemas/indicators.json, read by
a small interpreter of its TERM language (table, agg, column, duration, where) and of its survey
specification; no indicator has code of its own here. Which records count in a period is the
indicator's `period_rule` (dated events by their date; people, grids and teams by whether they
were active at any time in the period), applied to the package's period (jiceng.periods).

Levels: by default each package's own locality; `by="locality"` adds every sub-locality the
records reach (communities of a street, village groups of a village), `by="grid"` every grid
for the indicators the catalogue defines at grid level. Every row says its level, so a village
is never compared with a county by accident.

Reported values are the rows of a package's `indicators` table, with every dimension and
attribute (note, value qualifier, bounds, status …) kept. Local indicators (codes a package
declares itself) stay apart: `catalogue` is False and they are never compared across packages.

An undefined value (a zero denominator, nothing to take a median of, a table the package does
not carry, records not attributed below the package's locality) is NaN or no row, never 0.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from .load import Package, PackageSet, _isna, _province_of, _concat_typed, province_label
from .periods import Period, PeriodError, parse_period
from .standard import Standard

# Breakdown dimensions of the observation table (schemas/tables/indicators.json); empty = total.
DIMENSIONS = ["sex", "age_band", "urban_rural", "locality_level", "compound_type", "case_category", "case_source",
              "facility_kind", "community_role", "participant_category", "coverage_subject"]
# Attributes of reported observations, kept as published.
ATTRIBUTES = ["obs_status", "unit_multiplier", "decimals", "published_value", "transformation", "base_period",
              "published_date"]

COLUMNS = [
    "package", "level", "locality_id", "locality_name", "grid_id", "province_code", "province",
    "period", "period_start", "period_end", "indicator_code", "indicator_zh", "indicator_en", "catalogue",
    "method", "origin", *DIMENSIONS, "survey_id", "value", "value_qualifier", "lower_bound", "upper_bound",
    "numerator", "denominator", "unit", "n_valid", "n_effective", "n_dont_know", "n_not_applicable", "n_refused",
    "ci_low", "ci_high", "coverage", "comparability", "survey_verdict", *ATTRIBUTES, "source", "note",
]
NUMERIC = ["value", "lower_bound", "upper_bound", "numerator", "denominator", "n_valid", "n_effective", "n_dont_know",
           "n_not_applicable", "n_refused", "ci_low", "ci_high", "coverage"]

# Which record column gives a breakdown dimension.
DIMENSION_COLUMNS = {"sex": "gender", "age_band": "age_band", "case_category": "category", "case_source": "source",
                     "participant_category": "participant_category"}

# Virtual tables of the TERM language: name -> table whose schema it follows.
VIRTUAL_TABLES = {"survey_responses": "survey_counts", "meeting_headcounts": "meetings"}
SURVEY_TABLE = "surveys"
SURVEY_KEY = "survey_id"
NOT_VALID = {"dont_know": "n_dont_know", "not_applicable": "n_not_applicable", "refused": "n_refused"}

# How tables without a locality reach one (child column, parent table, parent key).
LOCALITY_VIA = {
    "grid_staff": ("grid_id", "grids", "grid_id"),
    "meeting_participation": ("meeting_id", "meetings", "meeting_id"),
    "agenda_items": ("meeting_id", "meetings", "meeting_id"),
    "agenda_ratings": ("item_id", "agenda_items", "item_id"),
    "service_records": ("volunteer_id", "volunteers", "volunteer_id"),
    "survey_answers": ("survey_id", "surveys", "survey_id"),
    "survey_counts": ("survey_id", "surveys", "survey_id"),
    "grid_ratings": ("grid_id", "grids", "grid_id"),
}
GRID_VIA = {"meeting_participation": ("meeting_id", "meetings", "meeting_id"),
            "agenda_items": ("meeting_id", "meetings", "meeting_id"),
            "agenda_ratings": ("item_id", "agenda_items", "item_id")}

Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95 % interval


class IndicatorError(ValueError):
    """A computation cannot be carried out on a package (e.g. a column not readable as numbers)."""


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as fractions in [0, 1]; NaN when n is 0 or missing.

    With weights pass the weighted share × n_eff as `successes` and Kish's n_eff as `n`."""
    if _isna(n) or _isna(successes) or n <= 0:
        return (math.nan, math.nan)
    p = min(max(successes / n, 0.0), 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def kish_n(weights) -> float:
    """Kish's effective sample size (Σw)² / Σw²."""
    w = [float(x) for x in weights if not _isna(x)]
    s2 = sum(x * x for x in w)
    return (sum(w) ** 2 / s2) if s2 > 0 else math.nan


# --------------------------------------------------------------------------- scopes

class _Undefined(Exception):
    """The term has no value in this scope (a table or column it needs is absent, or not attributable)."""


def package_period(pkg: Package) -> Period | None:
    """The package's period (open intervals end on its published_date), or None when absent or unreadable."""
    text = pkg.descriptor.get("period")
    if not text:
        return None
    try:
        return parse_period(str(text), published=pkg.descriptor.get("published_date") or None)
    except (PeriodError, ValueError):
        return None


@dataclass
class _Package:
    """Per-package caches shared by every scope."""

    pkg: Package
    period: Period | None
    cache: dict = field(default_factory=dict)

    @property
    def std(self) -> Standard:
        return self.pkg.standard

    # ---- localities
    def parents(self) -> dict:
        if "parents" not in self.cache:
            loc = self.pkg.tables.get("localities")
            parents = {}
            if loc is not None and "locality_id" in loc:
                for lid, par in zip(loc["locality_id"], loc.get("parent_id", pd.Series(None, index=loc.index))):
                    if not _isna(lid):
                        parents[str(lid)] = None if _isna(par) else str(par)
            self.cache["parents"] = parents
        return self.cache["parents"]

    def levels(self) -> dict:
        if "levels" not in self.cache:
            loc = self.pkg.tables.get("localities")
            out = {}
            if loc is not None and "level" in loc:
                out = {str(a): (None if _isna(b) else str(b)) for a, b in zip(loc["locality_id"], loc["level"]) if not _isna(a)}
            self.cache["levels"] = out
        return self.cache["levels"]

    def descends(self, lid, root) -> bool:
        """Whether locality `lid` is `root` or below it."""
        parents = self.parents()
        seen = set()
        while lid is not None and lid not in seen:
            if lid == root:
                return True
            seen.add(lid)
            lid = parents.get(lid)
        return False

    def locality_of(self, table: str) -> pd.Series:
        """The locality each row of a table belongs to (through its grid, meeting, survey … when it has none)."""
        key = ("loc", table)
        if key not in self.cache:
            df = self.raw(table)
            if "locality_id" in df.columns:
                out = df["locality_id"].astype("string")
            elif table == "grids" or (table not in LOCALITY_VIA and "grid_id" in df.columns):
                out = self._through(df, "grid_id", "grids", "grid_id", "locality_id")
            elif table in LOCALITY_VIA:
                child, parent, pkey = LOCALITY_VIA[table]
                if child in df.columns and parent in self.pkg.tables:
                    parent_loc = self.locality_of(parent)
                    pdf = self.raw(parent)
                    mapping = dict(zip(pdf[pkey].astype("string"), parent_loc))
                    out = df[child].astype("string").map(mapping).astype("string")
                else:
                    out = pd.Series(pd.NA, index=df.index, dtype="string")
            else:
                out = pd.Series(pd.NA, index=df.index, dtype="string")
            self.cache[key] = out
        return self.cache[key]

    def _through(self, df, child, parent, pkey, column) -> pd.Series:
        if child not in df.columns or parent not in self.pkg.tables:
            return pd.Series(pd.NA, index=df.index, dtype="string")
        pdf = self.pkg.tables[parent]
        if pkey not in pdf.columns or column not in pdf.columns:
            return pd.Series(pd.NA, index=df.index, dtype="string")
        mapping = dict(zip(pdf[pkey].astype("string"), pdf[column].astype("string")))
        return df[child].astype("string").map(mapping).astype("string")

    def grid_of(self, table: str) -> pd.Series | None:
        """The grid each row belongs to, or None when the table has no grid."""
        key = ("grid", table)
        if key not in self.cache:
            df = self.raw(table)
            out = None
            if table == "grids":
                out = df["grid_id"].astype("string")
            elif "grid_id" in df.columns:
                out = df["grid_id"].astype("string")
            elif table in GRID_VIA:
                child, parent, pkey = GRID_VIA[table]
                parent_grid = self.grid_of(parent) if parent in self.pkg.tables else None
                if parent_grid is not None and child in df.columns:
                    pdf = self.raw(parent)
                    mapping = dict(zip(pdf[pkey].astype("string"), parent_grid))
                    out = df[child].astype("string").map(mapping).astype("string")
            self.cache[key] = out
        return self.cache[key]

    def top_grid(self) -> dict:
        """grid_id -> its top-level grid (a micro-grid belongs to its parent grid)."""
        if "top" not in self.cache:
            grids = self.pkg.tables.get("grids")
            out = {}
            if grids is not None and "grid_id" in grids:
                parent = dict(zip(grids["grid_id"].astype("string"),
                                  grids.get("parent_grid_id", pd.Series(pd.NA, index=grids.index)).astype("string")))
                for g in parent:
                    top, seen = g, set()
                    while not _isna(parent.get(top)) and parent.get(top) in parent and top not in seen:
                        seen.add(top)
                        top = parent[top]
                    out[g] = top
            self.cache["top"] = out
        return self.cache["top"]

    # ---- frames
    def raw(self, table: str) -> pd.DataFrame:
        if table in VIRTUAL_TABLES:
            key = ("virtual", table)
            if key not in self.cache:
                self.cache[key] = self._virtual(table)
            return self.cache[key]
        if table not in self.pkg.tables:
            raise _Undefined(table)
        return self.pkg.tables[table]

    def _virtual(self, table: str) -> pd.DataFrame:
        if table == "survey_responses":
            frames = []
            for part in ("survey_counts", "survey_answers"):
                if part in self.pkg.tables:
                    df = self.pkg.tables[part].copy()
                    if part == "survey_answers":
                        df["count"] = 1
                    frames.append(df[[c for c in ("survey_id", "question_code", "response", "count") if c in df.columns]])
            if not frames:
                raise _Undefined(table)
            return _concat_typed(frames)
        if table == "meeting_headcounts":
            return self._headcounts()
        raise _Undefined(table)

    def _headcounts(self) -> pd.DataFrame:
        """One row per meeting: participants and women from its participation rows where it has any,
        else from the meeting's own counts (NaN when unknown)."""
        meetings = self.pkg.tables.get("meetings")
        if meetings is None:
            raise _Undefined("meetings")
        part = self.pkg.tables.get("meeting_participation")
        sums = {}
        if part is not None and "meeting_id" in part:
            for mid, rows in part.groupby(part["meeting_id"].astype("string"), sort=False):
                p = rows["participants"] if "participants" in rows else pd.Series(dtype="float64")
                w = rows["women"] if "women" in rows else pd.Series(dtype="float64")
                total = float(p.sum()) if p.notna().any() else math.nan
                women = float(w.sum()) if len(w) and w.notna().all() else math.nan
                sums[str(mid)] = (total, women)
        out = pd.DataFrame({
            "meeting_id": meetings["meeting_id"].astype("string"),
            "locality_id": meetings["locality_id"].astype("string") if "locality_id" in meetings else pd.NA,
            "grid_id": meetings["grid_id"].astype("string") if "grid_id" in meetings else pd.NA,
            "meeting_date": meetings["meeting_date"] if "meeting_date" in meetings else pd.NaT,
            "period": meetings["period"].astype("string") if "period" in meetings else pd.NA,
        })
        own_p = meetings["participants"].astype("float64") if "participants" in meetings else pd.Series(math.nan, index=meetings.index)
        own_w = meetings["women_participants"].astype("float64") if "women_participants" in meetings else pd.Series(math.nan, index=meetings.index)
        ps, ws, src = [], [], []
        for mid, op, ow in zip(out["meeting_id"], own_p, own_w):
            if mid in sums:
                ps.append(sums[mid][0]); ws.append(sums[mid][1]); src.append("participation")
            else:
                ps.append(op); ws.append(ow); src.append("meeting" if not _isna(op) else "")
        out["participants"] = pd.Series(ps, index=out.index, dtype="float64")
        out["women"] = pd.Series(ws, index=out.index, dtype="float64")
        out["source"] = src
        return out


@dataclass
class _Scope:
    """Where an indicator is computed: a package, a period, and a unit (a locality subtree or a grid)."""

    p: _Package
    level: str               # "locality" or "grid"
    unit: str | None         # locality_id or grid_id
    root: bool               # the package's own locality: every record counts
    period: Period | None

    cache: dict = field(default_factory=dict)

    def frame(self, table: str, clause: dict | None) -> pd.DataFrame:
        key = ("frame", table, json.dumps(clause, sort_keys=True))
        if key in self.cache:
            return self.cache[key]
        df = self.p.raw(table)
        mask = pd.Series(True, index=df.index)
        if not self.root:
            ukey = ("unit", table)
            if ukey not in self.cache:
                try:
                    self.cache[ukey] = self._unit_mask(table, df)
                except _Undefined as exc:
                    self.cache[ukey] = exc
            if isinstance(self.cache[ukey], _Undefined):
                raise self.cache[ukey]
            mask &= self.cache[ukey]
        if clause and self.period is not None:
            pkey = ("period", table, json.dumps(clause, sort_keys=True), self.period.normalised)
            if pkey not in self.p.cache:
                try:
                    self.p.cache[pkey] = self._period_mask(table, df, clause)
                except _Undefined as exc:
                    self.p.cache[pkey] = exc
            if isinstance(self.p.cache[pkey], _Undefined):
                raise self.p.cache[pkey]
            mask &= self.p.cache[pkey]
        out = df[mask.fillna(False).astype(bool)]
        self.cache[key] = out
        return out

    def _unit_mask(self, table: str, df: pd.DataFrame) -> pd.Series:
        if self.level == "grid":
            grid = self.p.grid_of(table)
            if grid is None:
                raise _Undefined(f"{table}: no grid")
            top = self.p.top_grid()
            return grid.map(lambda g: (not _isna(g)) and top.get(g, g) == self.unit).astype(bool)
        loc = self.p.locality_of(table)
        root = self.p.pkg.locality_id
        # a table all of whose records sit at the package's own locality is not broken down: undefined below it
        key = ("below", table)
        if key not in self.p.cache:
            self.p.cache[key] = any((not _isna(v)) and v != root and self.p.descends(v, root) for v in loc.dropna().unique())
        if not self.p.cache[key] and table != "localities":
            raise _Undefined(f"{table}: not attributed below the package's locality")
        return loc.map(lambda v: (not _isna(v)) and self.p.descends(v, self.unit)).astype(bool)

    def _period_mask(self, table: str, df: pd.DataFrame, clause: dict) -> pd.Series:
        per = self.period
        start = pd.Timestamp(per.start)
        end = pd.Timestamp(per.end) if per.end is not None else pd.Timestamp.max
        if clause.get("none"):
            return pd.Series(True, index=df.index)
        if "survey" in clause:
            surveys = self.p.raw(SURVEY_TABLE) if SURVEY_TABLE in self.p.pkg.tables else None
            if surveys is None or SURVEY_KEY not in df.columns:
                return pd.Series(True, index=df.index)
            inside = surveys[self._period_mask(SURVEY_TABLE, surveys, _table_clause(SURVEY_TABLE))][SURVEY_KEY]
            return df[SURVEY_KEY].astype("string").isin(set(inside.astype("string")))
        if "event" in clause:
            col = clause["event"]
            values, frame = self._values(table, df, col, clause.get("via"))
            if values is None:
                raise _Undefined(f"{table}.{col}")
            if pd.api.types.is_integer_dtype(values) or col == "year":
                years = pd.to_numeric(values, errors="coerce")
                return (years >= per.start.year) & (years <= (per.end.year if per.end else 9999))
            dates = _dates(values)
            inside = (dates >= start) & (dates <= end)
            own = clause.get("period_field")
            if own and own in df.columns and dates.isna().any():
                # an undated record (e.g. a meeting published with its period only) counts when its period lies in ours
                undated = dates.isna() & _periods_within(df[own], per)
                inside = inside.fillna(False) | undated
            return inside
        if "active" in clause:
            s_col, e_col = clause["active"]
            ok = pd.Series(True, index=df.index)
            if s_col and s_col in df.columns:
                s = _dates(df[s_col])
                ok &= s.isna() | (s <= end)
            if e_col and e_col in df.columns:
                e = _dates(df[e_col], last=True)
                ok &= e.isna() | (e >= start)
            if clause.get("undated") is not True and s_col and s_col in df.columns and e_col and e_col in df.columns:
                pass
            flag = clause.get("flag")
            if flag and flag in df.columns:
                ok &= ~(df[flag].astype("boolean") == False).fillna(False)  # noqa: E712 - nullable boolean
            return ok
        if "within" in clause:
            col = clause["within"]
            if col not in df.columns:
                raise _Undefined(f"{table}.{col}")

            return _periods_within(df[col], per)
        raise IndicatorError(f"未知的期间规则 / unknown period rule for {table}: {clause!r}")

    def _values(self, table, df, col, via):
        """The column `col` for each row, following `via` [[table, key], …] through parent tables."""
        if not via:
            return (df[col] if col in df.columns else None), df
        first_key = via[0][1]
        if first_key not in df.columns:
            return None, df
        keys = df[first_key].astype("string")
        for i, (parent, key) in enumerate(via):
            pdf = self.p.pkg.tables.get(parent)
            if pdf is None or key not in pdf.columns:
                return None, df
            target = via[i + 1][1] if i + 1 < len(via) else col
            if target not in pdf.columns:
                return None, df
            mapping = dict(zip(pdf[key].astype("string"), pdf[target]))
            keys = keys.map(mapping)
            if i + 1 < len(via):
                keys = keys.astype("string")
        return keys, df


def _periods_within(texts: pd.Series, per: Period) -> pd.Series:
    """Whether each row's own period (text) lies inside `per`; an empty or unreadable one does not."""
    def within(text) -> bool:
        if _isna(text):
            return False
        try:
            q = parse_period(str(text))
        except (PeriodError, ValueError):
            return False
        return q.start >= per.start and (per.end is None or (q.end is not None and q.end <= per.end))
    return texts.map(within).astype(bool)


def _dates(values: pd.Series, last: bool = False) -> pd.Series:
    """Dates of a date column, or of a text column of periods (e.g. a year-month: its first or last day)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    out = []
    for v in values:
        if _isna(v):
            out.append(pd.NaT)
            continue
        try:
            p = parse_period(str(v))
            out.append(pd.Timestamp(p.end if last and p.end else p.start))
        except (PeriodError, ValueError):
            out.append(pd.NaT)
    return pd.Series(out, index=values.index, dtype="datetime64[us]")


_DEFAULT_CLAUSES: dict = {}


def _table_clause(table: str) -> dict | None:
    """The period clause most indicators use for `table` (from the catalogue), for joins such as surveys."""
    return _DEFAULT_CLAUSES.get(table, {"active": ["start_date", "end_date"], "undated": True} if table == SURVEY_TABLE else None)


# --------------------------------------------------------------------------- the TERM interpreter

def _codelist_of(std: Standard, table: str, column: str) -> str | None:
    schema_table = VIRTUAL_TABLES.get(table, table)
    for f in std.tables.get(schema_table, {}).get("fields", []):
        if f["name"] == column:
            return f.get("codelist")
    if table == "meeting_headcounts":
        return None
    return None


def _mask(scope: _Scope, table: str, df: pd.DataFrame, where: dict) -> pd.Series:
    std = scope.p.std
    mask = pd.Series(True, index=df.index)
    for column, cond in where.items():
        if column not in df.columns:
            raise _Undefined(f"{table}.{column}")
        values = df[column]
        if isinstance(cond, list):
            hit = values.isin(cond)
        elif "flag" in cond:
            name = _codelist_of(std, table, column)
            if not name:
                raise IndicatorError(f"{table}.{column} 没有代码表,无法按标记筛选 / has no codelist to take flag {cond['flag']!r} from")
            hit = values.isin(std.codelists[name].flagged(cond["flag"]))
        elif "by_period_end" in cond:
            # e.g. closed by the end of the period (no date: taken as closed in it)
            if scope.period is None or scope.period.end is None:
                hit = pd.Series(True, index=df.index)
            else:
                d = _dates(values)
                hit = d.isna() | (d <= pd.Timestamp(scope.period.end))
        elif "survey_field" in cond:
            surveys = scope.p.raw(SURVEY_TABLE)
            if SURVEY_KEY not in df.columns or cond["survey_field"] not in surveys.columns:
                raise _Undefined(f"{table}.{SURVEY_KEY}")
            listed = {}
            for sid, codes in zip(surveys[SURVEY_KEY], surveys[cond["survey_field"]]):
                listed[sid] = set() if _isna(codes) else {c.strip() for c in str(codes).split(",")}
            hit = pd.Series([(not _isna(v)) and v in listed.get(s, ()) for s, v in zip(df[SURVEY_KEY], values)],
                            index=df.index)
        else:
            raise IndicatorError(f"未知的筛选条件 / unknown condition on {table}.{column}: {cond!r}")
        mask &= hit.fillna(False).astype(bool)
    return mask


def _numbers(series: pd.Series, where: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        raise IndicatorError(f"{where} 不是数值列,无法计算 / {where} is not a numeric column")
    return series.dropna().astype("float64")


def _durations(rows: pd.DataFrame, spec: dict, table: str) -> pd.Series:
    """Closing time per row: hours where recorded, else whole days between the dates (× 24), in the spec's unit."""
    hours_col = spec.get("hours")
    start, end = spec.get("between", [None, None])
    hours = rows[hours_col].astype("float64") if hours_col and hours_col in rows.columns else pd.Series(math.nan, index=rows.index)
    if not spec.get("hours_only") and start in rows.columns and end in rows.columns:
        if not (pd.api.types.is_datetime64_any_dtype(rows[start]) and pd.api.types.is_datetime64_any_dtype(rows[end])):
            raise IndicatorError(f"{table}.{start}/{end} 不是日期列 / are not date columns")
        days = (rows[end] - rows[start]).dt.days.astype("float64")
        hours = hours.where(hours.notna(), days * 24)
    elif spec.get("hours_only") and (not hours_col or hours_col not in rows.columns):
        raise _Undefined(f"{table}.{hours_col}")
    values = hours if spec.get("unit", "days") == "hours" else hours / 24
    return values


def evaluate_term(pkg, term: dict, indicator: dict | None = None) -> float:
    """The value of one TERM on a package (its own locality and period); NaN when undefined."""
    scope = pkg if isinstance(pkg, _Scope) else _root_scope(pkg)
    try:
        return _evaluate(scope, term, indicator or {})
    except _Undefined:
        return math.nan


def _clause(indicator: dict, table: str) -> dict | None:
    rule = indicator.get("period_rule") or {}
    return (rule.get("tables") or {}).get(table)


def _cached(store: dict, key, make):
    if key not in store:
        try:
            store[key] = make()
        except _Undefined as exc:
            store[key] = exc
    if isinstance(store[key], _Undefined):
        raise store[key]
    return store[key]


def _term_mask(scope: _Scope, term: dict, indicator: dict):
    """Boolean numpy mask over the table's rows: in the scope and period, meeting `where`, in the breakdown."""
    import numpy as np

    table = term["table"]
    clause = _clause(indicator, table)
    ckey = json.dumps(clause, sort_keys=True)
    wkey = json.dumps(term.get("where", {}), sort_keys=True)
    df = scope.p.raw(table)

    def frame_mask():
        idx = scope.frame(table, clause).index
        return df.index.isin(idx)

    mask = _cached(scope.cache, ("fmask", table, ckey), frame_mask)
    where = _cached(scope.p.cache, ("where", table, wkey, scope.period.normalised if scope.period else None),
                    lambda: _mask(scope, table, df, term.get("where", {})).to_numpy(dtype=bool))
    mask = mask & where
    if "breakdown" in term:
        column, code = term["breakdown"]
        if column not in df.columns:
            raise _Undefined(f"{table}.{column}")
        b = _cached(scope.p.cache, ("bd", table, column, code),
                    lambda: (df[column].astype("object") == code).fillna(False).to_numpy(dtype=bool))
        mask = mask & b
    return df, mask


def _floats(scope: _Scope, table: str, column: str):
    df = scope.p.raw(table)
    if column not in df.columns:
        raise _Undefined(f"{table}.{column}")

    def make():
        series = df[column]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            raise IndicatorError(f"{table}.{column} 不是数值列,无法计算 / {table}.{column} is not a numeric column")
        return series.astype("float64").to_numpy()
    return _cached(scope.p.cache, ("floats", table, column), make)


def _evaluate(scope: _Scope, term: dict, indicator: dict) -> float:
    import numpy as np

    table, agg, column = term["table"], term["agg"], term.get("column")
    if agg == "root":  # a value of the scope's own locality
        df = scope.p.raw(table)
        if column not in df.columns or "locality_id" not in df.columns or scope.level != "locality":
            raise _Undefined(f"{table}.{column}")
        row = df[df["locality_id"] == scope.unit]
        if row.empty:
            return math.nan
        value = _numbers(row[column], f"{table}.{column}")
        return float(value.iloc[0]) if len(value) else math.nan
    df, mask = _term_mask(scope, term, indicator)
    if "duration" in term:
        spec = {k: v for k, v in term["duration"].items() if k != "at_most"}
        durations = _cached(scope.p.cache, ("dur", table, json.dumps(spec, sort_keys=True)),
                            lambda: _durations(df, spec, table).to_numpy(dtype="float64"))
        values = durations[mask]
        values = values[~np.isnan(values)]
        if "at_most" in term["duration"]:
            values = values[values <= term["duration"]["at_most"] + 1e-9]
        if agg == "count":
            return float(len(values))
    elif agg == "count":
        return float(mask.sum())
    elif agg == "ballot":
        rows = df[mask]
        if column not in rows.columns:
            raise _Undefined(f"{table}.{column}")
        groups = [g for g in term.get("group_by", []) if g in rows.columns]
        total, any_value = 0.0, False
        for _, part in (rows.groupby([rows[g].astype("object") for g in groups], dropna=False) if groups else [(None, rows)]):
            figures = set(_numbers(part[column], f"{table}.{column}").tolist())
            if len(figures) > 1:
                return math.nan  # one ballot, two turnouts: no value
            if figures:
                total += figures.pop()
                any_value = True
        return total if any_value else math.nan
    else:
        values = _floats(scope, table, column)
        if term.get("paired"):
            mask = mask & ~np.isnan(_floats(scope, table, term["paired"]))
        values = values[mask]
        values = values[~np.isnan(values)]
    if len(values) == 0:  # nothing to add up or average: undefined, not 0
        return math.nan
    if agg == "sum":
        return float(values.sum())
    if agg == "mean":
        return float(values.mean())
    if agg == "median":
        return float(np.median(values))
    if agg == "max":
        return float(values.max())
    raise IndicatorError(f"未知的汇总方式 / unknown agg {agg!r}")


def _tables_of(term: dict) -> list[str]:
    table = term["table"]
    if table == "survey_responses":
        return ["survey_counts", "survey_answers"]
    if table == "meeting_headcounts":
        return ["meetings"]
    return [table]


def _carries(pkg: Package, computation: dict) -> bool:
    """Whether the package has the records an indicator is computed from (any part of a virtual table)."""
    if "survey" in computation:
        return SURVEY_TABLE in pkg.tables and ("survey_answers" in pkg.tables or "survey_counts" in pkg.tables)
    for key in ("numerator", "denominator"):
        term = computation.get(key)
        if term and not any(t in pkg.tables for t in _tables_of(term)):
            return False
    return True


def _blank() -> dict:
    return {k: math.nan for k in NUMERIC}


def _compute_terms(scope: _Scope, indicator: dict, breakdown=None) -> dict:
    comp = indicator["computation"]
    scale = comp.get("scale", 1)
    out = _blank()

    def term(key):
        t = dict(comp[key])
        if breakdown:
            t["breakdown"] = breakdown
        return t

    num = _evaluate(scope, term("numerator"), indicator)
    if "denominator" in comp:
        den = _evaluate(scope, term("denominator"), indicator)
        out["numerator"], out["denominator"] = num, den
        if not (_isna(num) or _isna(den) or den == 0):
            out["value"] = num / den * scale
    elif not _isna(num):
        out["value"] = num * scale
    if comp.get("coverage"):
        t = comp["numerator"]
        frame = scope.frame(t["table"], _clause(indicator, t["table"]))
        if len(frame):
            known = frame[t["column"]].notna()
            if t.get("paired"):
                known &= frame[t["paired"]].notna()
            out["coverage"] = float(known.mean() * 100)
    return out


def compute(pkg: Package, indicator: dict) -> dict:
    """One indicator on one package's own locality and period: value, numerator, denominator, n_valid, CI …

    Survey indicators give the pooled value when the package's surveys may be pooled (NaN otherwise;
    see `indicators` for the per-survey rows)."""
    scope = _root_scope(pkg)
    if "survey" in indicator["computation"]:
        rows = _survey_results(scope, indicator)
        pooled = [r for r in rows if r["survey_id"] is None and not r.get("_dims")]
        return {k: v for k, v in (pooled[0] if pooled else _blank()).items() if k in NUMERIC}
    try:
        return _compute_terms(scope, indicator)
    except _Undefined:
        return _blank()


def _root_scope(pkg: Package) -> _Scope:
    p = _Package(pkg, package_period(pkg))
    return _Scope(p, "locality", pkg.locality_id, True, p.period)


# --------------------------------------------------------------------------- surveys

def _survey_info(scope: _Scope) -> pd.DataFrame:
    surveys = scope.frame(SURVEY_TABLE, _table_clause(SURVEY_TABLE))
    return surveys


def _positive_codes(std: Standard, spec: dict, survey: dict) -> set:
    pos = spec.get("positive", {})
    if "codes" in pos:
        return set(pos["codes"])
    if "flag" in pos:
        return set(std.codelists["response_option"].flagged(pos["flag"]))
    if "survey_field" in pos:
        codes = survey.get(pos["survey_field"])
        return set() if _isna(codes) or codes is None else {c.strip() for c in str(codes).split(",")}
    return set()


@dataclass
class _Tally:
    positive: float = 0.0       # weighted positive answers
    valid: float = 0.0          # weighted valid answers
    n_valid: int = 0            # unweighted valid answers
    w: list = field(default_factory=list)
    not_valid: dict = field(default_factory=lambda: {k: 0 for k in NOT_VALID})
    share_pos: float = math.nan  # shares publication: positive share of valid shares
    shares_only: bool = False
    weighted: bool = False

    def add(self, other: "_Tally") -> None:
        self.positive += other.positive
        self.valid += other.valid
        self.n_valid += other.n_valid
        self.w += other.w
        for k in self.not_valid:
            self.not_valid[k] += other.not_valid[k]
        self.weighted = self.weighted or other.weighted

    @property
    def share(self) -> float:
        if self.shares_only:
            return self.share_pos
        return self.positive / self.valid if self.valid > 0 else math.nan

    @property
    def n_eff(self) -> float:
        if self.shares_only:
            return math.nan
        return kish_n(self.w) if self.weighted else float(self.n_valid)


def _tally(std: Standard, answers: pd.DataFrame | None, counts: pd.DataFrame | None, question: str, positive: set,
           breakdown=None) -> _Tally | None:
    valid_codes = set(std.codelists["response_option"].flagged("valid"))
    t = _Tally()
    seen = False
    if answers is not None and len(answers):
        a = answers[answers["question_code"].astype("object") == question]
        if breakdown:
            col, code = breakdown
            a = a[(a[col].astype("string") == code).fillna(False)] if col in a.columns else a.iloc[0:0]
        if len(a):
            seen = True
            resp = a["response"].astype("string")
            weights = a["weight"].astype("float64") if "weight" in a.columns else pd.Series(math.nan, index=a.index)
            t.weighted = bool(weights.notna().all()) and len(weights) > 0
            w = weights if t.weighted else pd.Series(1.0, index=a.index)
            is_valid = resp.isin(valid_codes).fillna(False)
            t.valid = float(w[is_valid].sum())
            t.positive = float(w[is_valid & resp.isin(positive).fillna(False)].sum())
            t.n_valid = int(is_valid.sum())
            t.w = w[is_valid].tolist()
            for code in NOT_VALID:
                t.not_valid[code] = int((resp == code).fillna(False).sum())
            return t
    if counts is not None and len(counts) and not breakdown:
        c = counts[counts["question_code"].astype("object") == question]
        if len(c):
            seen = True
            resp = c["response"].astype("string")
            n = c["count"].astype("float64") if "count" in c.columns else pd.Series(math.nan, index=c.index)
            if n.notna().any():
                is_valid = resp.isin(valid_codes).fillna(False)
                t.valid = float(n[is_valid].sum())
                t.positive = float(n[is_valid & resp.isin(positive).fillna(False)].sum())
                t.n_valid = int(t.valid)
                t.w = [1.0] * t.n_valid
                for code in NOT_VALID:
                    t.not_valid[code] = int(n[(resp == code).fillna(False)].sum())
            else:  # shares only: no sample size, no interval
                share = c["share"].astype("float64") if "share" in c.columns else pd.Series(math.nan, index=c.index)
                is_valid = resp.isin(valid_codes).fillna(False)
                valid_share = share[is_valid].sum()
                t.shares_only = True
                t.share_pos = float(share[is_valid & resp.isin(positive).fillna(False)].sum() / valid_share) if valid_share > 0 else math.nan
                t.not_valid = {k: math.nan for k in NOT_VALID}
            return t
    return t if seen else None


def _combine(std: Standard, spec: dict, tallies: list[_Tally | None]) -> dict:
    """Value, bounds and counts from one tally per question (all questions needed for a mean)."""
    out = _blank()
    if not tallies or any(t is None for t in tallies):
        return out
    shares = [t.share for t in tallies]
    if any(_isna(s) for s in shares):
        return out
    value = sum(shares) / len(shares)
    out["value"] = value
    if len(tallies) == 1:
        t = tallies[0]
        out["numerator"], out["denominator"] = (math.nan, math.nan) if t.shares_only else (t.positive, t.valid)
    out["n_valid"] = math.nan if tallies[0].shares_only else float(min(t.n_valid for t in tallies))
    out["n_effective"] = float(min(t.n_eff for t in tallies)) if not tallies[0].shares_only else math.nan
    for code, column in NOT_VALID.items():
        vals = [t.not_valid.get(code) for t in tallies]
        out[column] = math.nan if any(_isna(v) for v in vals) else float(sum(vals))
    if not any(t.shares_only for t in tallies):
        # Wilson on each question (Kish n when weighted); the mean of the bounds for a mean of shares
        # (conservative: as if the answers to the questions were perfectly correlated)
        bounds = [wilson_interval(t.share * t.n_eff, t.n_eff) for t in tallies]
        out["ci_low"] = sum(b[0] for b in bounds) / len(bounds)
        out["ci_high"] = sum(b[1] for b in bounds) / len(bounds)
    return out


def _pool_key(std: Standard, spec: dict, survey: dict, questions_seen: tuple) -> tuple:
    scales = {r["code"]: r.get("scale") for r in std.codelists["survey_question"].rows}
    return (survey.get("mode"), survey.get("conductor"), tuple(scales.get(q) for q in spec["questions"]), questions_seen,
            tuple(sorted(_positive_codes(std, spec, survey))), bool(survey.get("_weighted")), bool(survey.get("_shares")))


POOL_PARTS = [("mode", "调查方式", "mode"), ("conductor", "实施方", "conductor"), ("scale", "量表", "scale"),
              ("questions", "题目", "questions"), ("positive", "“满意”口径", "satisfied definition"),
              ("weighted", "加权", "weighting"), ("shares", "只有百分比", "shares-only publication")]


def _survey_results(scope: _Scope, indicator: dict) -> list[dict]:
    """Per-survey results of a survey indicator, and the pooled one when the surveys may be pooled."""
    std = scope.p.std
    spec = indicator["computation"]["survey"]
    scale = indicator["computation"].get("scale", 100)
    try:
        surveys = _survey_info(scope)
    except _Undefined:
        return []
    groups = scope.p.cache.get("survey_groups")
    if groups is None:
        groups = {}
        for part in ("survey_answers", "survey_counts"):
            t = scope.p.pkg.tables.get(part)
            if t is not None and len(t):
                groups[part] = {str(k): g for k, g in t.groupby(t[SURVEY_KEY].astype("object"), dropna=True)}
            else:
                groups[part] = {}
        scope.p.cache["survey_groups"] = groups
    results, keys, tallies_by = [], {}, {}
    dims = [d for d in indicator.get("dimensions", []) if d in ("sex", "age_band")]
    for survey in surveys.to_dict("records"):
        sid = str(survey[SURVEY_KEY])
        a = groups["survey_answers"].get(sid)
        c = groups["survey_counts"].get(sid)
        if a is not None and len(a) and c is not None and len(c):
            c = None  # published twice (a validator error): the answers are used, never both
        positive = _positive_codes(std, spec, survey)
        tallies = [_tally(std, a, c, q, positive) for q in spec["questions"]]
        if all(t is None for t in tallies):
            continue
        survey["_weighted"] = any(t is not None and t.weighted for t in tallies)
        survey["_shares"] = any(t is not None and t.shares_only for t in tallies)
        row = _combine(std, spec, tallies)
        _scale_row(row, scale, spec)
        row.update(survey_id=sid, _survey=survey)
        results.append(row)
        seen = tuple(q for q, t in zip(spec["questions"], tallies) if t is not None)
        keys[sid] = _pool_key(std, spec, survey, seen)
        tallies_by[sid] = tallies
        for dim in dims:
            column = DIMENSION_COLUMNS[dim]
            if a is None or not len(a) or column not in a.columns:
                continue
            for code in sorted(a[column].dropna().astype("string").unique()):
                sub = _combine(std, spec, [_tally(std, a, None, q, positive, (column, code)) for q in spec["questions"]])
                if _isna(sub["value"]):
                    continue
                _scale_row(sub, scale, spec)
                sub.update(survey_id=sid, _survey=survey, _dims={dim: code})
                results.append(sub)
    if not keys:
        return results
    distinct = set(keys.values())
    if len(distinct) == 1 and not next(iter(distinct))[-1]:
        total = [None] * len(spec["questions"])
        for sid, tallies in tallies_by.items():
            for i, t in enumerate(tallies):
                if t is None:
                    continue
                if total[i] is None:
                    total[i] = _Tally()
                total[i].add(t)
        pooled = _combine(std, spec, total)
        _scale_row(pooled, scale, spec)
        n = len(keys)
        pooled.update(survey_id=None, _note=(None if n == 1 else (f"合并 {n} 项方法相同的调查 / {n} surveys pooled: "
                                                                 f"{', '.join(sorted(keys))}")))
        results.append(pooled)
    else:
        reasons = _pool_reasons(list(keys.values()))
        zh = ";".join(f"{z}不同" if z != "只有百分比" else "有调查只公布百分比" for z, _ in reasons)
        en = "; ".join(f"{e} differs" if e != "shares-only publication" else "a survey publishes shares only" for _, e in reasons)
        for r in results:
            r["_note"] = f"未与其他调查合并:{zh} / not pooled with the other surveys: {en}"
    return results


def _pool_reasons(keys: list[tuple]) -> list[tuple[str, str]]:
    out = []
    for i, (_, zh, en) in enumerate(POOL_PARTS):
        if len({k[i] for k in keys}) > 1 or (POOL_PARTS[i][0] == "shares" and any(k[i] for k in keys)):
            out.append((zh, en))
    return out


def _scale_row(row: dict, scale: float, spec: dict) -> None:
    if spec.get("value") == "n_valid":
        row["value"] = row["n_valid"]
        for k in ("numerator", "denominator", "ci_low", "ci_high"):
            row[k] = math.nan
        return
    for k in ("value", "ci_low", "ci_high"):
        if not _isna(row[k]):
            row[k] = row[k] * scale


def survey_verdicts(data, *, lang: str = "zh") -> pd.DataFrame:
    """Per survey: how its SDG-labelled questions compare with the official SDG 16.6.2 and 16.7.2
    question sets — strict (the official set, wording and scale), modelled (only modelled on them:
    not SDG-comparable) or not comparable — with the reasons, in Chinese and English."""
    rows = []
    for pkg in _packages(data):
        std = pkg.standard
        bank = {r["code"]: r for r in std.codelists["survey_question"].rows}
        surveys = pkg.tables.get(SURVEY_TABLE)
        if surveys is None:
            continue
        for survey in surveys.to_dict("records"):
            sid = str(survey[SURVEY_KEY])
            asked = set()
            for part in ("survey_answers", "survey_counts"):
                t = pkg.tables.get(part)
                if t is not None and len(t):
                    asked |= set(t[t[SURVEY_KEY].astype("string") == sid]["question_code"].dropna().astype("string"))
            verdict, zh, en = _verdict(bank, asked)
            rows.append({"package": pkg.name, "survey_id": sid, "title": survey.get("title"), "mode": survey.get("mode"),
                         "conductor": survey.get("conductor"), "publication": survey.get("publication"),
                         "verdict": verdict, "reasons_zh": zh, "reasons_en": en})
    return pd.DataFrame(rows, columns=["package", "survey_id", "title", "mode", "conductor", "publication", "verdict",
                                       "reasons_zh", "reasons_en"])


def _verdict(bank: dict, asked: set) -> tuple[str, str, str]:
    strict = {}
    for code, r in bank.items():
        if r.get("sdg_set") == "strict":
            key = (r["sdg"], r.get("service") or "")
            strict.setdefault(key, set()).add(code)
    complete, partial = [], []
    for (sdg, service), codes in sorted(strict.items()):
        got = codes & asked
        name = f"{sdg} {service}".strip()
        if got == codes:
            complete.append(name)
        elif got:
            partial.append((name, len(got), len(codes)))
    modelled = sorted(q for q in asked if bank.get(q, {}).get("sdg_set") == "modelled")
    zh, en = [], []
    if complete:
        zh.append("官方题组完整:" + "、".join(complete))
        en.append("official question set complete: " + ", ".join(complete))
    for name, got, of in partial:
        zh.append(f"{name} 官方题组不完整({got}/{of} 题),不计算")
        en.append(f"{name} official set incomplete ({got} of {of} questions), not computed")
    if modelled:
        zh.append("参照SDG的题目(量表或措辞与官方不同,不可与SDG比较):" + "、".join(modelled))
        en.append("questions modelled on the SDGs (scale or wording differ from the official ones, not SDG-comparable): "
                  + ", ".join(modelled))
    if complete:
        verdict = "strict"
    elif modelled:
        verdict = "modelled"
    else:
        verdict = "not_comparable"
        zh.append("没有SDG题目")
        en.append("no SDG questions")
    return verdict, ";".join(zh), "; ".join(en)


# --------------------------------------------------------------------------- the tidy table

def _packages(data) -> list[Package]:
    if isinstance(data, Package):
        return [data]
    if isinstance(data, PackageSet):
        return list(data.packages)
    raise TypeError("indicators() 需要 jiceng.load 或 jiceng.load_many 的结果 / "
                    "indicators() takes what jiceng.load or jiceng.load_many returns")


def _comparability(ind: dict) -> str | None:
    if ind.get("sdg_comparable") is True:
        return "sdg_strict"
    if ind.get("sdg") and ind.get("sdg_comparable") is False:
        return "sdg_modelled_not_comparable"
    return None


def _scopes(p: _Package, by: str) -> list[_Scope]:
    pkg = p.pkg
    if by == "package":
        return [_Scope(p, "locality", pkg.locality_id, True, p.period)]
    if by == "locality":
        out = [_Scope(p, "locality", pkg.locality_id, True, p.period)]
        reached = set(p.parents())
        for table in pkg.tables:
            if table == "indicators":
                continue
            try:
                reached |= set(p.locality_of(table).dropna().unique())
            except _Undefined:
                pass
        subs = sorted(lid for lid in reached if lid != pkg.locality_id and p.descends(lid, pkg.locality_id))
        return out + [_Scope(p, "locality", lid, False, p.period) for lid in subs]
    if by == "grid":
        grids = pkg.tables.get("grids")
        if grids is None or "grid_id" not in grids:
            return []
        level = grids["grid_level"].astype("string") if "grid_level" in grids else pd.Series("grid", index=grids.index)
        keep = (level == "grid").fillna(False)
        if p.period is not None:  # grids dissolved before the period (or drawn after it) have no rows
            probe = _Scope(p, "locality", pkg.locality_id, True, p.period)
            keep &= probe._period_mask("grids", grids, _table_clause("grids") or {"active": ["valid_from", "valid_to"]}).fillna(False)
        ids = grids["grid_id"][keep].astype("string")
        return [_Scope(p, "grid", g, False, p.period) for g in ids]
    raise ValueError(f"by 须为 package、locality 或 grid / by must be 'package', 'locality' or 'grid', not {by!r}")


def _scope_fields(scope: _Scope, names: dict, lang: str) -> dict:
    pkg = scope.p.pkg
    std = pkg.standard
    per = scope.period
    if scope.level == "grid":
        grids = pkg.tables["grids"]
        row = grids[grids["grid_id"].astype("string") == scope.unit].iloc[0]
        lid = None if _isna(row.get("locality_id")) else str(row.get("locality_id"))
        grid_name = row.get("name")
        level, locality_id, grid_id = "grid", lid, scope.unit
        locality_name = names.get(lid)
        if not _isna(grid_name):
            locality_name = f"{locality_name or ''}·{grid_name}" if locality_name else str(grid_name)
    else:
        locality_id, grid_id = scope.unit, None
        level = scope.p.levels().get(scope.unit) or pkg.descriptor.get("locality_level") or "locality"
        locality_name = names.get(scope.unit, pkg.locality_name if scope.root else None)
    province = _province_of(std, locality_id, pkg.province_code)
    return {"package": pkg.name, "level": level, "locality_id": locality_id, "locality_name": locality_name,
            "grid_id": grid_id, "province_code": province, "province": province_label(std, province, lang),
            "period": pkg.period, "period_start": per.start.isoformat() if per else None,
            "period_end": per.end.isoformat() if per and per.end else None}


def _breakdowns(scope: _Scope, ind: dict) -> list[tuple[str, str, str]]:
    """(dimension, record column, code) pairs for an indicator's declared dimensions where records allow."""
    comp = ind["computation"]
    terms = [comp[k] for k in ("numerator", "denominator") if comp.get(k)]
    if not terms or any(t["agg"] == "root" for t in terms):
        return []
    out = []
    for dim in ind.get("dimensions", []):
        column = DIMENSION_COLUMNS.get(dim)
        if not column or any(column in (t.get("where") or {}) for t in terms):
            continue
        codes = None
        for t in terms:
            try:
                df = scope.p.raw(t["table"])
            except _Undefined:
                codes = None
                break
            if column not in df.columns:
                codes = None
                break
            try:
                frame = scope.frame(t["table"], _clause(ind, t["table"]))
            except _Undefined:
                codes = None
                break
            here = set(frame[column].dropna().astype("string"))
            codes = here if codes is None else codes | here
        for code in sorted(codes or ()):
            out.append((dim, column, code))
    return out


def _computed_rows(p: _Package, by: str, lang: str, codes=None) -> list[dict]:
    pkg = p.pkg
    if pkg.descriptor.get("records") == "excerpt":
        # excerpts quoted from reports are not all of a locality's records: counting them would mislead
        return []
    std = pkg.standard
    names = pkg.locality_names(lang)
    rows = []
    for scope in _scopes(p, by):
        base = _scope_fields(scope, names, lang)
        for ind in std.catalogue:
            comp = ind.get("computation")
            if not comp or not _carries(pkg, comp) or (codes is not None and ind["code"] not in codes):
                continue
            if scope.level == "grid" and "grid" not in ind.get("levels", ["locality"]):
                continue
            common = {**base, "indicator_code": ind["code"], "indicator_zh": ind["zh"]["title"],
                      "indicator_en": ind["title"], "catalogue": True, "method": "computed", "origin": "records",
                      "value_qualifier": "exact", "unit": ind["unit"], "comparability": _comparability(ind),
                      "source": f"jiceng {std.version}: {ind['formula']}"}
            if "survey" in comp:
                if scope.level == "grid":
                    continue
                for r in _survey_results(scope, ind):
                    survey = r.pop("_survey", None)
                    dims = r.pop("_dims", None) or {}
                    note = r.pop("_note", None)
                    sid = r.pop("survey_id")
                    if sid is None and not survey and dims:
                        continue
                    row = {**common, **r, **dims, "survey_id": sid, "note": note}
                    if survey is not None:
                        row["survey_verdict"] = _verdict({x["code"]: x for x in std.codelists["survey_question"].rows},
                                                         _asked(pkg, sid))[0]
                        if survey.get("_shares"):
                            row["note"] = ((note + " ") if note else "") + \
                                "只公布百分比,无样本量,不计算置信区间 / shares only: no sample size, no interval"
                    rows.append(row)
                continue
            try:
                result = _compute_terms(scope, ind)
            except _Undefined:
                if not scope.root:
                    continue  # not attributable below the package's locality: no row
                result = _blank()
            rows.append({**common, **result})
            if scope.level == "locality":
                for dim, column, code in _breakdowns(scope, ind):
                    try:
                        sub = _compute_terms(scope, ind, breakdown=(column, code))
                    except _Undefined:
                        continue
                    rows.append({**common, **sub, dim: code})
    return rows


_ASKED: dict = {}


def _asked(pkg: Package, sid: str) -> set:
    key = (id(pkg), sid)
    if key in _ASKED:
        return _ASKED[key]
    asked = set()
    for part in ("survey_answers", "survey_counts"):
        t = pkg.tables.get(part)
        if t is not None and len(t):
            asked |= set(t[t[SURVEY_KEY].astype("string") == sid]["question_code"].dropna().astype("string"))
    _ASKED[key] = asked
    return asked


def local_indicators(pkg: Package) -> dict:
    """code -> definition of the local indicators a package declares in datapackage.json."""
    out = {}
    for item in pkg.descriptor.get("local_indicators") or []:
        if isinstance(item, dict) and item.get("code"):
            out[str(item["code"])] = item
    return out


def _reported_rows(p: _Package, lang: str) -> list[dict]:
    pkg = p.pkg
    table = pkg.tables.get("indicators")
    if table is None or table.empty:
        return []
    std = pkg.standard
    names = pkg.locality_names(lang)
    local = local_indicators(pkg)
    levels = p.levels()
    rows = []
    for rec in table.to_dict("records"):
        rec = {k: (None if _isna(v) else v) for k, v in rec.items()}
        code = str(rec.get("indicator_code"))
        ind = std.indicator_by_code.get(code)
        if ind is not None:
            zh, en = ind["zh"]["title"], ind["title"]
        else:
            item = local.get(code, {})
            zh, en = (item.get("zh") or {}).get("title") or item.get("title"), item.get("title")
        lid = rec.get("locality_id")
        province = _province_of(std, lid, pkg.province_code)
        value, num, den = (_float(rec.get(k)) for k in ("value", "numerator", "denominator"))
        n_valid = low = high = math.nan
        if ind and ind.get("interval") == "wilson" and not _isna(den) and not _isna(value):
            # the interval of a reported rate: from its numerator, else from the value itself
            scale = (ind.get("computation") or {}).get("scale", 100)
            successes = num if not _isna(num) else value / scale * den
            n_valid = den
            low, high = (x * scale for x in wilson_interval(successes, den))
        period = rec.get("period")
        try:
            per = parse_period(str(period), published=rec.get("published_date") and str(rec.get("published_date"))[:10]) \
                if period else None
        except (PeriodError, ValueError):
            per = None
        published = rec.get("published_date")
        row = {
            "package": pkg.name, "level": levels.get(str(lid)) or ("locality" if lid else None), "locality_id": lid,
            "locality_name": names.get(lid), "grid_id": None,
            "province_code": province, "province": province_label(std, province, lang),
            "period": period, "period_start": per.start.isoformat() if per and not per.open_start else None,
            "period_end": per.end.isoformat() if per and per.end else None,
            "indicator_code": code, "indicator_zh": zh, "indicator_en": en, "catalogue": ind is not None,
            "method": rec.get("method") or "reported", "origin": "package", "value": value,
            "value_qualifier": rec.get("value_qualifier"), "lower_bound": _float(rec.get("lower_bound")),
            "upper_bound": _float(rec.get("upper_bound")), "numerator": num, "denominator": den,
            "unit": rec.get("unit"), "n_valid": n_valid, "ci_low": low, "ci_high": high,
            "comparability": _comparability(ind) if ind else "local", "source": rec.get("source"), "note": rec.get("note"),
        }
        for d in DIMENSIONS:
            row[d] = rec.get(d)
        for a in ATTRIBUTES:
            row[a] = rec.get(a)
        if published is not None and hasattr(published, "date"):
            row["published_date"] = published.date().isoformat()
        rows.append(row)
    return rows


def _float(v) -> float:
    return math.nan if v is None or _isna(v) else float(v)


def indicators(data, *, by: str = "package", lang: str = "zh", codes=None) -> pd.DataFrame:
    """Tidy indicator table of a `Package` or `PackageSet` (from `jiceng.load` / `jiceng.load_many`).

    One row per package × level × unit × period × indicator × method × breakdown (× survey for
    survey rates). Rows with origin "records" are computed from the package's records with the
    catalogue's definitions and period rules; rows with origin "package" are the package's
    `indicators` table as published (every dimension, attribute and note kept; local indicators
    have `catalogue` False).

    `by`: "package" (default) the package's own locality; "locality" also every sub-locality
    reached through grids and records; "grid" every top-level grid, for indicators the catalogue
    defines at grid level. `level` says what each row describes (community, township, grid …).
    `lang` picks the language of the province and locality names; `codes` limits the table to
    those indicators.
    """
    packages = _packages(data)
    codes = None if codes is None else ({codes} if isinstance(codes, str) else set(codes))
    if by not in ("package", "locality", "grid"):
        raise ValueError(f"by 须为 package、locality 或 grid / by must be 'package', 'locality' or 'grid', not {by!r}")
    rows = []
    for pkg in packages:
        p = _Package(pkg, package_period(pkg))
        _remember_clauses(pkg.standard)
        rows += _computed_rows(p, by, lang, codes)
        if by != "grid":
            rows += [r for r in _reported_rows(p, lang) if codes is None or r["indicator_code"] in codes]
    df = pd.DataFrame(rows, columns=COLUMNS)
    if df.empty:
        return df
    order = {code: i for i, code in enumerate(packages[0].standard.indicator_by_code)}
    df["_order"] = df["indicator_code"].map(order).fillna(len(order))
    df["_method"] = (df["origin"] == "package").astype(int)
    df["_local"] = (~df["catalogue"].astype(bool)).astype(int)
    pkg_order = {p.name: i for i, p in enumerate(packages)}
    df["_pkg"] = df["package"].map(pkg_order)
    df["_root"] = (df["locality_id"] != df["package"].map({p.name: p.locality_id for p in packages})).astype(int)
    df["_dims"] = df[DIMENSIONS].notna().sum(axis=1)
    df["_survey"] = df["survey_id"].notna().astype(int)
    df = df.sort_values(["_pkg", "_local", "_root", "locality_id", "grid_id", "period", "_order", "_method", "_survey",
                         "survey_id", "_dims"], kind="stable", na_position="first")
    df = df.drop(columns=["_order", "_method", "_pkg", "_local", "_root", "_dims", "_survey"]).reset_index(drop=True)
    for c in NUMERIC:
        df[c] = df[c].astype("float64")
    df["catalogue"] = df["catalogue"].astype(bool)
    return df


def _remember_clauses(std: Standard) -> None:
    if SURVEY_TABLE in _DEFAULT_CLAUSES:
        return
    for ind in std.catalogue:
        for table, clause in ((ind.get("period_rule") or {}).get("tables") or {}).items():
            _DEFAULT_CLAUSES.setdefault(table, clause)


def comparable(df: pd.DataFrame, code: str, *, level: str | None = None, totals: bool = True) -> pd.DataFrame:
    """The rows of one catalogue indicator that may be compared across packages: one level only
    (the most common one unless `level` is given), totals only unless `totals=False`, and never a
    local indicator (those mean something different in each package)."""
    rows = df[df["indicator_code"] == code]
    if len(rows) and not rows["catalogue"].all():
        raise ValueError(f"{code} 是数据包自定义的本地指标,不能跨数据包比较 / {code} is a local indicator of a package; "
                         "it is never compared across packages")
    if totals:
        rows = rows[rows[DIMENSIONS].isna().all(axis=1)]
    if level is None and len(rows):
        level = rows["level"].mode().iloc[0]
    if level is not None:
        rows = rows[rows["level"] == level]
    return rows


def _published_decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def _consistent(reported: float, computed: float, qualifier: str | None, lower=math.nan, upper=math.nan) -> bool | None:
    """Whether a computed value agrees with a reported one, as the reported qualifier reads."""
    if qualifier == "range" and not (_isna(lower) or _isna(upper) or _isna(computed)):
        return lower <= computed <= upper
    if _isna(reported) or _isna(computed):
        return None
    if qualifier in ("over", "at_least"):
        return computed >= reported
    if qualifier in ("under", "at_most"):
        return computed <= reported
    if qualifier == "approx":
        return abs(computed - reported) <= 0.1 * abs(reported)
    # exact: equal once rounded as the reported figure was
    return abs(computed - reported) <= 0.5 * 10 ** -_published_decimals(reported) + 1e-9


def indicator_gaps(df: pd.DataFrame) -> pd.DataFrame:
    """Reported against computed values where both exist for one package, locality, period,
    indicator and breakdown (catalogue indicators only; survey rates: the pooled value).

    Columns: reported, computed, difference (computed − reported), relative_difference
    (difference ÷ reported) and consistent (computed agrees with the reported figure as its
    qualifier reads it: rounded equal for exact, within 10 % for approx, at least / at most for
    over / under, inside the bounds for a range).
    """
    keys = ["package", "locality_id", "period", "indicator_code"]
    dims = [d for d in DIMENSIONS if d in df.columns]
    rep = df[(df["origin"] == "package") & (df["method"] == "reported") & df["catalogue"].astype(bool)]
    comp = df[(df["origin"] == "records") & df["survey_id"].isna()]
    rep = rep[keys + dims + ["locality_name", "province", "indicator_zh", "indicator_en", "unit", "value",
                             "value_qualifier", "lower_bound", "upper_bound", "note"]]
    left = rep.rename(columns={"value": "reported"})
    right = comp[keys + dims + ["value"]].rename(columns={"value": "computed"})
    for d in dims:
        left[d] = left[d].astype("object").where(left[d].notna(), "")
        right[d] = right[d].astype("object").where(right[d].notna(), "")
    both = left.merge(right, on=keys + dims, how="inner")
    for d in dims:
        both[d] = both[d].replace("", None)
    both["difference"] = both["computed"] - both["reported"]
    both["relative_difference"] = both["difference"] / both["reported"].where(both["reported"] != 0)
    both["consistent"] = [_consistent(r, c, q, lo, hi) for r, c, q, lo, hi in
                          zip(both["reported"], both["computed"], both["value_qualifier"], both["lower_bound"], both["upper_bound"])]
    return both.reset_index(drop=True)


def reported_vs_computed(df: pd.DataFrame) -> pd.DataFrame:
    """Alias of `indicator_gaps`."""
    return indicator_gaps(df)
