"""Indicators of loaded packages: computed from records with the catalogue's definitions, and reported.

Every computed value comes from an indicator's `computation` in schemas/indicators.json,
read by a small interpreter of its TERM language (table, agg, column, days_between, where);
no indicator has code of its own here. Reported values are the rows of a package's
`indicators` table. An undefined value (a zero denominator, nothing to take a median of, a
table the package does not carry) is NaN, never 0.
"""
from __future__ import annotations

import math

import pandas as pd

from .load import Package, PackageSet, _isna, _province_of, _concat_typed, province_label
from .standard import Standard

COLUMNS = [
    "package", "locality_id", "locality_name", "province_code", "province", "period",
    "indicator_code", "indicator_zh", "indicator_en", "method", "origin", "value", "value_qualifier",
    "numerator", "denominator", "unit", "n_valid", "ci_low", "ci_high", "source",
]

# Virtual tables of the TERM language: name -> (table whose schema it follows, [(table, constant columns)]).
# survey_responses: each answer counts once, each aggregate count row counts `count` times.
VIRTUAL_TABLES = {
    "survey_responses": ("survey_counts", [("survey_counts", {}), ("survey_answers", {"count": 1})]),
}
# Surveys listing per-survey codes for {"survey_field": ...} conditions.
SURVEY_TABLE = "surveys"
SURVEY_KEY = "survey_id"

Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95 % interval


class IndicatorError(ValueError):
    """A computation cannot be carried out on a package (e.g. a column not readable as numbers)."""


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as fractions in [0, 1]; NaN when n is 0 or missing."""
    if _isna(n) or _isna(successes) or n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


# --------------------------------------------------------------------------- the TERM interpreter

class _Undefined(Exception):
    """The term has no value for this package (a table or column it needs is absent)."""


def _frame(pkg: Package, table: str) -> pd.DataFrame:
    if table in VIRTUAL_TABLES:
        like, parts = VIRTUAL_TABLES[table]
        names = pkg.standard.field_names(like)
        frames = []
        for part, constants in parts:
            if part in pkg.tables:
                df = pkg.tables[part].copy()
                for column, value in constants.items():
                    df[column] = value
                frames.append(df[[c for c in names if c in df.columns]])
        if not frames:
            raise _Undefined(table)
        return _concat_typed(frames)
    if table not in pkg.tables:
        raise _Undefined(table)
    return pkg.tables[table]


def _codelist_of(std: Standard, table: str, column: str) -> str | None:
    schema_table = VIRTUAL_TABLES[table][0] if table in VIRTUAL_TABLES else table
    for f in std.tables.get(schema_table, {}).get("fields", []):
        if f["name"] == column:
            return f.get("codelist")
    return None


def _mask(pkg: Package, table: str, df: pd.DataFrame, where: dict) -> pd.Series:
    std = pkg.standard
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
        elif "survey_field" in cond:
            # codes listed per survey, e.g. which responses a survey counts as satisfied
            surveys = _frame(pkg, SURVEY_TABLE)
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


def evaluate_term(pkg: Package, term: dict) -> float:
    """The value of one TERM on a package; NaN when undefined."""
    try:
        return _evaluate(pkg, term)
    except _Undefined:
        return math.nan


def _evaluate(pkg: Package, term: dict) -> float:
    table, agg, column = term["table"], term["agg"], term.get("column")
    df = _frame(pkg, table)
    if agg == "root":  # a value of the package's own locality
        if column not in df.columns or "locality_id" not in df.columns:
            raise _Undefined(f"{table}.{column}")
        row = df[df["locality_id"] == pkg.locality_id]
        if row.empty:
            return math.nan
        value = _numbers(row[column], f"{table}.{column}")
        return float(value.iloc[0]) if len(value) else math.nan
    rows = df[_mask(pkg, table, df, term.get("where", {}))]
    if agg == "count":
        return float(len(rows))
    if "days_between" in term:
        start, end = term["days_between"]
        if start not in rows.columns or end not in rows.columns:
            raise _Undefined(f"{table}.{start}/{end}")
        if not (pd.api.types.is_datetime64_any_dtype(rows[start]) and pd.api.types.is_datetime64_any_dtype(rows[end])):
            raise IndicatorError(f"{table}.{start}/{end} 不是日期列 / are not date columns")
        values = (rows[end] - rows[start]).dt.days.dropna().astype("float64")
    else:
        if column not in rows.columns:
            raise _Undefined(f"{table}.{column}")
        values = _numbers(rows[column], f"{table}.{column}")
    if values.empty:  # nothing to add up or average: undefined, not 0
        return math.nan
    if agg == "sum":
        return float(values.sum())
    if agg == "mean":
        return float(values.mean())
    if agg == "median":
        return float(values.median())
    if agg == "max":
        return float(values.max())
    raise IndicatorError(f"未知的汇总方式 / unknown agg {agg!r}")


def _tables_of(term: dict) -> list[str]:
    table = term["table"]
    if table in VIRTUAL_TABLES:
        return [t for t, _ in VIRTUAL_TABLES[table][1]]
    return [table]


def _carries(pkg: Package, computation: dict) -> bool:
    """Whether the package has the records an indicator is computed from (any part of a virtual table)."""
    for key in ("numerator", "denominator"):
        term = computation.get(key)
        if term and not any(t in pkg.tables for t in _tables_of(term)):
            return False
    return True


def compute(pkg: Package, indicator: dict) -> dict:
    """One indicator on one package: value, numerator, denominator, n_valid, CI (NaN where undefined)."""
    comp = indicator["computation"]
    scale = comp.get("scale", 1)
    num = evaluate_term(pkg, comp["numerator"])
    out = {"value": math.nan, "numerator": math.nan, "denominator": math.nan,
           "n_valid": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    if "denominator" in comp:
        den = evaluate_term(pkg, comp["denominator"])
        out["numerator"], out["denominator"] = num, den
        if not (_isna(num) or _isna(den) or den == 0):
            out["value"] = num / den * scale
        if indicator.get("interval") == "wilson" and not _isna(den):
            out["n_valid"] = den
            low, high = wilson_interval(num, den)
            out["ci_low"], out["ci_high"] = low * scale, high * scale
    elif not _isna(num):
        out["value"] = num * scale
    return out


# --------------------------------------------------------------------------- the tidy table

def _names(std: Standard, code: str) -> tuple[str | None, str | None, dict | None]:
    ind = std.indicator_by_code.get(code)
    if ind is None:
        return None, None, None
    return ind["zh"]["title"], ind["title"], ind


def _computed_rows(pkg: Package, lang: str) -> list[dict]:
    if pkg.descriptor.get("records") == "excerpt":
        # excerpts quoted from reports are not all of a locality's records: counting them would mislead
        return []
    std = pkg.standard
    rows = []
    names = pkg.locality_names(lang)
    for ind in std.catalogue:
        comp = ind.get("computation")
        if not comp or not _carries(pkg, comp):
            continue
        rows.append({
            "package": pkg.name, "locality_id": pkg.locality_id,
            "locality_name": names.get(pkg.locality_id, pkg.locality_name),
            "province_code": pkg.province_code, "province": province_label(std, pkg.province_code, lang),
            "period": pkg.period, "indicator_code": ind["code"], "indicator_zh": ind["zh"]["title"],
            "indicator_en": ind["title"], "method": "computed", "origin": "records",
            "value_qualifier": "exact", "unit": ind["unit"],
            "source": f"jiceng {std.version}: {ind['formula']}",
            **compute(pkg, ind),
        })
    return rows


def _reported_rows(pkg: Package, lang: str) -> list[dict]:
    table = pkg.tables.get("indicators")
    if table is None or table.empty:
        return []
    std = pkg.standard
    names = pkg.locality_names(lang)
    rows = []
    for rec in table.to_dict("records"):
        rec = {k: (None if _isna(v) else v) for k, v in rec.items()}
        code = str(rec.get("indicator_code"))
        zh, en, ind = _names(std, code)
        province = _province_of(std, rec.get("locality_id"), pkg.province_code)
        value, num, den = (_float(rec.get(k)) for k in ("value", "numerator", "denominator"))
        n_valid = low = high = math.nan
        if ind and ind.get("interval") == "wilson" and not _isna(den):
            # the interval of a reported rate: from its numerator, else from the value itself
            scale = (ind.get("computation") or {}).get("scale", 100)
            successes = num if not _isna(num) else value / scale * den
            n_valid = den
            low, high = (x * scale for x in wilson_interval(successes, den))
        rows.append({
            "package": pkg.name, "locality_id": rec.get("locality_id"),
            "locality_name": names.get(rec.get("locality_id")),
            "province_code": province, "province": province_label(std, province, lang),
            "period": rec.get("period"), "indicator_code": code, "indicator_zh": zh, "indicator_en": en,
            "method": rec.get("method") or "reported", "origin": "package", "value": value,
            "value_qualifier": rec.get("value_qualifier"), "numerator": num, "denominator": den,
            "unit": rec.get("unit"), "n_valid": n_valid, "ci_low": low, "ci_high": high,
            "source": rec.get("source"),
        })
    return rows


def _float(v) -> float:
    return math.nan if v is None or _isna(v) else float(v)


def indicators(data, *, lang: str = "zh") -> pd.DataFrame:
    """Tidy indicator table of a `Package` or `PackageSet` (from `jiceng.load` / `jiceng.load_many`).

    One row per package × locality × period × indicator × method. Rows with method
    "computed" and origin "records" are computed here from the package's records with the
    catalogue's definitions, for the package's own locality and period; rows with origin
    "package" are the package's `indicators` table as published. `lang` picks the language of
    the province and locality names.
    """
    if isinstance(data, Package):
        packages = [data]
    elif isinstance(data, PackageSet):
        packages = list(data.packages)
    else:
        raise TypeError("indicators() 需要 jiceng.load 或 jiceng.load_many 的结果 / "
                        "indicators() takes what jiceng.load or jiceng.load_many returns")
    rows = []
    for pkg in packages:
        rows += _computed_rows(pkg, lang)
        rows += _reported_rows(pkg, lang)
    df = pd.DataFrame(rows, columns=COLUMNS)
    if df.empty:
        return df
    order = {code: i for i, code in enumerate(packages[0].standard.indicator_by_code)}
    df["_order"] = df["indicator_code"].map(order).fillna(len(order))
    df["_method"] = (df["origin"] == "package").astype(int)
    pkg_order = {p.name: i for i, p in enumerate(packages)}
    df["_pkg"] = df["package"].map(pkg_order)
    df = df.sort_values(["_pkg", "locality_id", "period", "_order", "_method"], kind="stable")
    df = df.drop(columns=["_order", "_method", "_pkg"]).reset_index(drop=True)
    for c in ("value", "numerator", "denominator", "n_valid", "ci_low", "ci_high"):
        df[c] = df[c].astype("float64")
    return df


def _published_decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def _consistent(reported: float, computed: float, qualifier: str | None) -> bool | None:
    """Whether a computed value agrees with a reported one, as the reported qualifier reads."""
    if _isna(reported) or _isna(computed):
        return None
    if qualifier == "over":
        return computed >= reported
    if qualifier == "under":
        return computed <= reported
    if qualifier == "approx":
        return abs(computed - reported) <= 0.1 * abs(reported)
    # exact: equal once rounded as the reported figure was
    return abs(computed - reported) <= 0.5 * 10 ** -_published_decimals(reported) + 1e-9


def indicator_gaps(df: pd.DataFrame) -> pd.DataFrame:
    """Reported against computed values where both exist for one package, locality, period and indicator.

    Columns: reported, computed, difference (computed − reported), relative_difference
    (difference ÷ reported) and consistent (computed agrees with the reported figure as its
    qualifier reads it: rounded equal for exact, within 10 % for approx, at least / at most
    for over / under).
    """
    keys = ["package", "locality_id", "period", "indicator_code"]
    rep = df[(df["origin"] == "package") & (df["method"] == "reported")]
    comp = df[df["origin"] == "records"]
    rep = rep[keys + ["locality_name", "province", "indicator_zh", "indicator_en", "unit", "value", "value_qualifier"]]
    both = rep.rename(columns={"value": "reported"}).merge(
        comp[keys + ["value"]].rename(columns={"value": "computed"}), on=keys, how="inner")
    both["difference"] = both["computed"] - both["reported"]
    both["relative_difference"] = both["difference"] / both["reported"].where(both["reported"] != 0)
    both["consistent"] = [_consistent(r, c, q) for r, c, q in zip(both["reported"], both["computed"], both["value_qualifier"])]
    return both.reset_index(drop=True)


def reported_vs_computed(df: pd.DataFrame) -> pd.DataFrame:
    """Alias of `indicator_gaps`."""
    return indicator_gaps(df)
