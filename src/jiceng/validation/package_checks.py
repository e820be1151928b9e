"""Checks that need the whole package: its period, and records of several tables at once.

- RECORD_OUTSIDE_PERIOD (WARNING): dated records (cases, meetings, service records, points
  transactions, surveys, livelihood projects) whose date falls outside the package's `period`,
  one finding per record, counted per table; such records do not count in indicators of the
  period (the catalogue's period rules).
- ACTIVE_RANGE_INCONSISTENT (WARNING): a record dated outside the active or valid range of the
  record it belongs to (a staff member serving a grid before it existed or after it was
  dissolved, a case or meeting in a dissolved grid, service before the volunteer registered, a
  volunteer registered before the team was founded, a micro-grid older than its grid).
- SURVEY_PUBLISHED_TWICE (ERROR): a survey published both as answers and as counts (it would be
  counted twice); reported at both places.
- LOCAL_QUESTION_UNDECLARED (WARNING): a local question code x_… that datapackage.json does not
  declare in `local_questions`.
"""
from __future__ import annotations


import polars as pl

from ..periods import PeriodError, parse_period
from .collect import Collector

# table -> (date column, zh, en) of dated events checked against the package period
EVENTS = {
    "cases": "reported_date",
    "meetings": "meeting_date",
    "service_records": "service_date",
    "points_transactions": "transaction_date",
    "surveys": "end_date",
    "livelihood_projects": "year",
}
# (table, start column, end column or None, parent table, key column, parent key, parent start, parent end, zh, en)
RANGES = [
    ("grid_staff", "start_date", "end_date", "grids", "grid_id", "grid_id", "valid_from", "valid_to",
     "在岗期间超出所属网格的有效期", "serves outside the valid range of its grid"),
    ("cases", "reported_date", None, "grids", "grid_id", "grid_id", "valid_from", "valid_to",
     "受理日期不在所属网格的有效期内", "reported outside the valid range of its grid"),
    ("meetings", "meeting_date", None, "grids", "grid_id", "grid_id", "valid_from", "valid_to",
     "会议日期不在所属网格的有效期内", "held outside the valid range of its grid"),
    ("service_records", "service_date", None, "volunteers", "volunteer_id", "volunteer_id", "registered_date", None,
     "服务日期早于志愿者登记日期", "service dated before the volunteer registered"),
    ("volunteers", "registered_date", None, "volunteer_teams", "team_id", "team_id", "founded_date", None,
     "登记日期早于志愿服务队成立日期", "registered before the team was founded"),
    ("grids", "valid_from", "valid_to", "grids", "parent_grid_id", "grid_id", "valid_from", "valid_to",
     "微网格的有效期超出上级网格的有效期", "valid outside the valid range of its parent grid"),
]

# the other columns these checks read (besides EVENTS and RANGES), for validation/needs.py
NEEDS = {"survey_answers": ["survey_id", "question_code"], "survey_counts": ["survey_id", "question_code"],
         "localities": ["locality_id"]}


def _frame(checked: dict, table: str) -> pl.DataFrame | None:
    c = checked.get(table)
    return None if c is None else c.typed


def run_package_checks(descriptor: dict, checked: dict, std, out: Collector) -> None:
    frames = {name: _frame(checked, name) for name in checked}
    _outside_period(descriptor, frames, out)
    _ranges(frames, out)
    _survey_twice(frames, out)
    _local_questions(descriptor, frames, out)


def _outside_period(descriptor: dict, frames: dict, out: Collector) -> None:
    text = descriptor.get("period")
    if not isinstance(text, str):
        return
    try:
        period = parse_period(text, published=descriptor.get("published_date") or None)
    except (PeriodError, ValueError):
        return  # reported by the metadata check
    for table, column in EVENTS.items():
        df = frames.get(table)
        if df is None or column not in df.columns or df.height == 0:
            continue
        values = df.get_column(column)
        if values.dtype == pl.Date:
            low = values < period.start
            high = (values > period.end) if period.end is not None else pl.Series([False] * df.height)
        elif values.dtype.is_integer():
            low = values < period.start.year
            high = (values > period.end.year) if period.end is not None else pl.Series([False] * df.height)
        else:
            continue
        bad = (low | high).fill_null(False)
        n = int(bad.sum())
        if not n:
            continue
        rows = (bad.arg_true() + 2).to_list()
        shown = values.filter(bad).cast(pl.String).to_list()
        out.add_rows("RECORD_OUTSIDE_PERIOD", rows, shown, severity="WARNING", resource=table, field=column,
                     message_zh=f"{n} 条记录的日期不在数据包期间 {text}({period.normalised})内,不计入该期间的指标",
                     message_en=f"{n} records are dated outside the package period {text} ({period.normalised}); "
                                "they do not count in the period's indicators")


def _ranges(frames: dict, out: Collector) -> None:
    for table, start, end, parent, key, pkey, pstart, pend, zh, en in RANGES:
        df, pdf = frames.get(table), frames.get(parent)
        if df is None or pdf is None or df.height == 0 or key not in df.columns or pkey not in pdf.columns \
                or start not in df.columns or pstart not in pdf.columns:
            continue
        right = pdf.select([pl.col(pkey).cast(pl.String).alias("__k"), pl.col(pstart).alias("__ps")]
                           + ([pl.col(pend).alias("__pe")] if pend and pend in pdf.columns else [pl.lit(None, dtype=pl.Date).alias("__pe")]))
        right = right.unique(subset="__k", keep="first")
        # only the key and the dates of each row, in the table's order
        left = df.select([pl.col(key).cast(pl.String).alias("__k"), *{start, end or start} & set(df.columns)]).with_row_index("__i")
        j = left.join(right, on="__k", how="left", maintain_order="left")
        s = pl.col(start)
        e = pl.col(end) if end and end in df.columns else pl.col(start)
        if j.schema.get(start) != pl.Date or j.schema.get("__ps") != pl.Date:
            continue
        bad = ((pl.col("__ps").is_not_null() & s.is_not_null() & (s < pl.col("__ps")))
               | (pl.col("__pe").is_not_null() & e.is_not_null() & (e > pl.col("__pe")))
               | (pl.col("__pe").is_not_null() & s.is_not_null() & (s > pl.col("__pe"))))
        hits = j.filter(bad.fill_null(False))
        if hits.height == 0:
            continue
        shown = hits.select(pl.concat_str([pl.lit(f"{key}="), pl.col("__k"), pl.lit(f", {start}="),
                                           s.cast(pl.String).fill_null("∅"),
                                           pl.lit(f", {parent}.{pstart}="), pl.col("__ps").cast(pl.String).fill_null("∅"),
                                           pl.lit(f", {parent}.{pend or '-'}="), pl.col("__pe").cast(pl.String).fill_null("∅")]).alias("v"))
        out.add_rows("ACTIVE_RANGE_INCONSISTENT", (hits.get_column("__i") + 2).to_list(), shown.get_column("v").to_list(),
                     severity="WARNING", resource=table, field=start,
                     message_zh=f"{zh};指标按各记录自己的日期计入期间", message_en=f"{en}; indicators count each record by its own dates")


def _survey_twice(frames: dict, out: Collector) -> None:
    a, c = frames.get("survey_answers"), frames.get("survey_counts")
    if a is None or c is None or a.height == 0 or c.height == 0 or "survey_id" not in a.columns or "survey_id" not in c.columns:
        return
    both = set(a.get_column("survey_id").drop_nulls().to_list()) & set(c.get_column("survey_id").drop_nulls().to_list())
    for sid in sorted(both):
        ra = int(a.with_row_index("i").filter(pl.col("survey_id") == sid).get_column("i")[0]) + 2
        rc = int(c.with_row_index("i").filter(pl.col("survey_id") == sid).get_column("i")[0]) + 2
        out.add("SURVEY_PUBLISHED_TWICE", f"调查 {sid} 同时以答卷(survey_answers 第{ra}行起)和汇总数(survey_counts 第{rc}行起)发布,会被重复计算;只能二选一",
                f"survey {sid} is published both as answers (survey_answers row {ra} on) and as counts (survey_counts row {rc} on) "
                "and would be counted twice; publish one or the other", severity="ERROR", resource="survey_answers", row=ra,
                field="survey_id", value=sid)
        out.add("SURVEY_PUBLISHED_TWICE", f"调查 {sid} 同时以汇总数(survey_counts 第{rc}行起)和答卷(survey_answers 第{ra}行起)发布,会被重复计算;只能二选一",
                f"survey {sid} is published both as counts (survey_counts row {rc} on) and as answers (survey_answers row {ra} on) "
                "and would be counted twice; publish one or the other", severity="ERROR", resource="survey_counts", row=rc,
                field="survey_id", value=sid)


def _local_questions(descriptor: dict, frames: dict, out: Collector) -> None:
    declared = {str(q.get("code")) for q in descriptor.get("local_questions") or [] if isinstance(q, dict)}
    for table in ("survey_answers", "survey_counts"):
        df = frames.get(table)
        if df is None or "question_code" not in df.columns or df.height == 0:
            continue
        q = df.get_column("question_code")
        bad = (q.str.starts_with("x_") & ~q.is_in(list(declared))).fill_null(False)
        if bad.any():
            out.add_rows("LOCAL_QUESTION_UNDECLARED", (bad.arg_true() + 2).to_list(), q.filter(bad).to_list(),
                         severity="WARNING", resource=table, field="question_code",
                         message_zh="本地题目代码未在 datapackage.json 的 local_questions 中声明(题目、量表、措辞)",
                         message_en="local question code not declared in datapackage.json local_questions (wording, scale)")
