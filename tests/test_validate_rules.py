"""Rules from validators/: each runs on its failing and passing example; definitions are checked;
rules run inside full package validation, across tables."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jiceng.standard import Standard, current
from jiceng.validation import validate
from jiceng.validation.codes import CODES
from jiceng.validation.rules import KINDS, load_rules, run_example
from jiceng.validation.rules_page import render_rules_html, render_rules_markdown

HERE = Path(__file__).parent
REPO = HERE.parent
import broken_corpus as corpus  # tests/fixtures/broken, put on sys.path by conftest.py

RULES, PROBLEMS = load_rules(current())


def test_rule_files_are_valid():
    assert PROBLEMS == []
    assert len(RULES) >= 30
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert not set(codes) & set(CODES), "rule codes must not reuse the validator's built-in codes"
    # The list: every family of rule is there.
    kinds = {r.kind for r in RULES}
    assert {"date_order", "at_most", "lookup_compare", "aggregate_at_most", "condition", "ratio_consistent"} <= kinds
    assert {"SERVICE_HOURS_OVER_24_PER_DAY", "MICRO_GRIDS_EXCEED_PARENT_HOUSEHOLDS", "VOTES_EXCEED_PARTICIPANTS",
            "COUNTS_EXCEED_RESPONSES", "INDICATOR_RATIO_INCONSISTENT", "SATISFACTION_100_ON_FEW_ANSWERS",
            "GRID_ZERO_HOUSEHOLDS", "INDICATOR_SOLVED_EXCEEDS_COLLECTED", "MEETING_WOMEN_EXCEED_PARTICIPANTS",
            "INDICATOR_PERCENT_OUT_OF_RANGE"} <= set(codes)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_examples(rule, standard):
    failing = run_example(standard, rule, "fail")
    assert [f for f in failing if f.code == rule.code], f"{rule.code} does not fire on its failing example"
    assert all(f.severity == rule.severity for f in failing if f.code == rule.code)
    assert all(f.message_zh == rule.message_zh and f.message_en == rule.message_en for f in failing)
    passing = run_example(standard, rule, "pass")
    assert passing == [], f"{rule.code} fires on its passing example: {passing}"


def _standard_with_rules(tmp_path: Path, files: dict[str, str]) -> Standard:
    shutil.copytree(REPO / "schemas", tmp_path / "std" / "schemas")
    shutil.copytree(REPO / "validators", tmp_path / "std" / "validators")
    for name, text in files.items():
        (tmp_path / "std" / "validators" / name).write_text(text, encoding="utf-8")
    return Standard(tmp_path / "std")


def test_broken_rule_definitions_are_reported_not_raised(tmp_path, standard):
    std = _standard_with_rules(tmp_path, {
        "cases.yaml": """table: cases
rules:
  - code: CASE_CLOSED_BEFORE_REPORTED
    severity: ERROR
    kind: date_order
    params: {start: reported_date, end: closed_date}
    message: {zh: "办结日期早于受理日期", en: "closed_date is before reported_date"}
    examples:
      fail: [{reported_date: "2023-05-09", closed_date: "2023-05-01"}]
      pass: [{reported_date: "2023-05-09", closed_date: "2023-05-10"}]
  - code: BAD_KIND
    severity: ERROR
    kind: no_such_kind
    message: {zh: "x", en: "x"}
  - code: BAD_COLUMN
    severity: FATAL
    kind: date_order
    params: {start: reported_date, end: closing_date}
    message: {zh: "x"}
""",
        "broken.yaml": "table: [unclosed",
    })
    rules, problems = load_rules(std)
    where = " ".join(p[0] for p in problems)
    assert "BAD_KIND" in where and "BAD_COLUMN" in where and "broken.yaml" in where
    texts = " ".join(p[2] for p in problems)
    assert "closing_date" in texts and "severity" in texts and "message.en" in texts
    case = corpus.Case("rule", {"cases": corpus.table_csv(standard, "cases", 2, {1: {"closed_date": "2023-05-01"}})}, set())
    pkg = corpus.build(case, tmp_path / "pkg", standard)
    report = validate(pkg, standard=std)
    assert report.count("RULE_DEFINITION_INVALID") == 3
    assert report.count("CASE_CLOSED_BEFORE_REPORTED") == 1  # the valid rule still runs
    assert report.exit_code == 1


def test_rules_run_in_package_validation_across_tables(tmp_path, standard):
    meeting = corpus.valid_row(standard, "meetings", 0)
    item = corpus.valid_row(standard, "agenda_items", 0)
    case = corpus.Case("cross", {
        "cases": corpus.table_csv(standard, "cases", 3, {1: {"reported_date": "2023-05-09", "closed_date": "2023-05-01"}}),
        "meetings": corpus.table_csv(standard, "meetings", 1, {0: {"participants": "20", "meeting_date": "2023-05-20"}}),
        "agenda_items": corpus.table_csv(standard, "agenda_items", 2, {
            0: {"meeting_id": meeting["meeting_id"], "votes_for": "18", "votes_against": "3", "votes_abstain": "1",
                "completed_date": "2023-06-01"},
            1: {"meeting_id": meeting["meeting_id"], "votes_for": "10", "completed_date": "2023-04-01"},
        }),
        "service_records": corpus.table_csv(standard, "service_records", 3, {
            0: {"volunteer_id": "V9", "service_date": "2023-06-01", "hours": "20"},
            1: {"volunteer_id": "V9", "service_date": "2023-06-01", "hours": "6"},
            2: {"volunteer_id": "V9", "service_date": "2023-06-02", "hours": "6"},
        }),
        "volunteers": corpus.table_csv(standard, "volunteers", 1, {0: {"volunteer_id": "V9"}}),
    }, set())
    pkg = corpus.build(case, tmp_path / "pkg", standard)
    report = validate(pkg)
    assert item["meeting_id"] == meeting["meeting_id"]
    closed = report.by_code("CASE_CLOSED_BEFORE_REPORTED")
    assert [(f.resource, f.row, f.field) for f in closed] == [("cases", 3, "closed_date")]
    votes = report.by_code("VOTES_EXCEED_PARTICIPANTS")
    assert [(f.resource, f.row) for f in votes] == [("agenda_items", 2)]
    assert [f.row for f in report.by_code("AGENDA_COMPLETED_BEFORE_MEETING")] == [3]
    hours = report.by_code("SERVICE_HOURS_OVER_24_PER_DAY")
    assert [f.row for f in hours] == [2] and "26" in hours[0].value
    assert not report.valid


def test_rules_page_lists_every_rule_with_examples(standard):
    md = render_rules_markdown(standard)
    page = render_rules_html(standard)
    for rule in RULES:
        assert f"`{rule.code}`" in md and rule.message_zh in md and rule.message_en in md
        assert f'id="{rule.code}"' in page
    assert md.count("不通过示例 · failing example") == len(RULES) == md.count("通过示例 · passing example")
    for kind in KINDS:
        assert f"`{kind}`" in md
    assert "<script" not in page


def test_rules_page_command(tmp_path):
    from typer.testing import CliRunner

    from jiceng.cli import app

    out = tmp_path / "rules.html"
    result = CliRunner().invoke(app, ["rules-page", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "CASE_CLOSED_BEFORE_REPORTED" in out.read_text(encoding="utf-8")


def test_docs_list_every_code():
    text = (REPO / "docs" / "validate.md").read_text(encoding="utf-8")
    missing = [c for c in list(CODES) + [r.code for r in RULES] if f"`{c}`" not in text]
    assert missing == [], f"docs/validate.md does not list: {missing}"
    readme = (REPO / "validators" / "README.md").read_text(encoding="utf-8")
    assert all(f"`{kind}`" in readme for kind in KINDS)


def test_rules_read_only_the_columns_a_large_table_keeps(standard):
    """A table read in batches keeps only the columns later checks read (validation/needs.py,
    built from each rule's declared references): every rule's failing example, with each table
    cut down to those columns, gives exactly the findings of the whole tables. A rule that reads
    a column it does not declare would fail here."""
    from jiceng.validation.collect import Collector
    from jiceng.validation.needs import needed_columns
    from jiceng.validation.rules import Context, example_tables, frame_from_rows, run_on_frames

    needs = needed_columns(standard).columns

    def findings(rule, cut: bool):
        frames, raws = {}, {}
        for table, rows in example_tables(rule, "fail").items():
            typed, raw = frame_from_rows(standard, table, rows)
            if cut:
                keep = [c for c in typed.columns if c in needs.get(table, ())]
                typed, raw = typed.select(keep), raw.select(keep)
            frames[table], raws[table] = typed, raw
        out = Collector(max_per_group=None)
        run_on_frames(Context(standard, frames, raws), [rule], out)
        return sorted((f.code, f.resource, f.row, f.field, f.value) for g in out.groups.values() for f in g.findings)

    for rule in RULES:
        whole = findings(rule, False)
        assert whole and findings(rule, True) == whole, rule.code


@pytest.mark.parametrize("agg", ["sum", "count", "n_unique"])
def test_aggregate_rule_matches_a_plain_computation(standard, agg):
    """aggregate_at_most judges single-row groups row by row and the others grouped: on random
    rows (empty keys and values among them) the rows it reports are exactly the first rows of
    the groups over the limit, computed here the plain way."""
    import random

    import polars as pl

    from jiceng.validation.collect import Collector
    from jiceng.validation.rules import Context, Rule, run_on_frames

    rnd = random.Random(7)
    n = 3000
    rows = {"volunteer_id": [rnd.choice([None] + [f"V{i}" for i in range(900)]) for _ in range(n)],
            "service_date": [rnd.choice([None, "2022-01-01", "2022-01-02"]) for _ in range(n)],
            "hours": [rnd.choice([None, 1.0, 5.0, 9.5, 30.0]) for _ in range(n)]}
    frame = pl.DataFrame(rows).with_columns(pl.col("service_date").str.to_date())
    limit = {"sum": 24, "count": 2, "n_unique": 1}[agg]
    params = {"group_by": ["volunteer_id", "service_date"], "agg": agg, "limit": limit}
    if agg != "count":
        params["column"] = "hours"
    rule = Rule("service_records", "AGG_TEST", "ERROR", "aggregate_at_most", params, {"zh": "测试", "en": "test"})
    out = Collector(max_per_group=None)
    run_on_frames(Context(standard, {"service_records": frame}, {}), [rule], out)
    found = sorted(f.row for g in out.groups.values() for f in g.findings)

    groups: dict = {}
    for i, (v, d, h) in enumerate(zip(rows["volunteer_id"], rows["service_date"], rows["hours"])):
        if v is not None and d is not None:
            groups.setdefault((v, d), []).append((i, h))
    expected = []
    for members in groups.values():
        values = [h for _, h in members]
        total = {"sum": sum(h or 0 for h in values), "count": len(values),
                 "n_unique": len({h for h in values if h is not None})}[agg]
        if total > limit:
            expected.append(members[0][0] + 2)
    assert expected and found == sorted(expected)
