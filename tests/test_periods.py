"""Periods: every form of the grammar parsed to its first and last day; wrong ones refused."""
from __future__ import annotations

import re
from datetime import date

import pytest

from jiceng.periods import PATTERN, PeriodError, is_period, normalise, parse_period


@pytest.mark.parametrize("text, start, end", [
    ("2022", date(2022, 1, 1), date(2022, 12, 31)),
    ("2022-H1", date(2022, 1, 1), date(2022, 6, 30)),
    ("2022-H2", date(2022, 7, 1), date(2022, 12, 31)),
    ("2022-Q1", date(2022, 1, 1), date(2022, 3, 31)),
    ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("2022-Q4", date(2022, 10, 1), date(2022, 12, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),   # leap year
    ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
    ("2022-05-09", date(2022, 5, 9), date(2022, 5, 9)),
    ("2022-01-01/2022-12-31", date(2022, 1, 1), date(2022, 12, 31)),
    ("2021/2022", date(2021, 1, 1), date(2022, 12, 31)),
    ("2022-03/2022-Q3", date(2022, 3, 1), date(2022, 9, 30)),
    ("2020-04", date(2020, 4, 1), date(2020, 4, 30)),
])
def test_every_form_has_a_first_and_last_day(text, start, end):
    p = parse_period(text)
    assert (p.start, p.end, p.open_end) == (start, end, False)
    assert normalise(text) == f"{start.isoformat()}/{end.isoformat()}"
    assert re.fullmatch(PATTERN, text), text  # the schema pattern accepts what the parser accepts


def test_open_interval_ends_on_the_publication_date():
    p = parse_period("2023/..")
    assert p.open_end and p.start == date(2023, 1, 1) and p.end is None
    assert p.normalised == "2023-01-01/.." and p.days is None
    assert p.contains(date(2023, 3, 1)) is None and p.contains(date(2022, 12, 31)) is False
    closed = parse_period("2023/..", published="2023-06-30")
    assert closed.end == date(2023, 6, 30) and closed.days == 181
    assert re.fullmatch(PATTERN, "2023-01-01/..")
    with pytest.raises(PeriodError):
        parse_period("2023/..", published=date(2022, 6, 30))


@pytest.mark.parametrize("bad", ["", "22", "2022-13", "2022-Q5", "2022-H3", "2022-02-30", "2022/2021",
                                 "2022-12-31/2022-01-01", "2022年", "2022 ", "../..", "2022/", "2022-1", None, 2022])
def test_anything_else_is_refused(bad):
    assert not is_period(bad) or bad == "2022 "  # surrounding blanks are tolerated by the parser only
    if bad != "2022 ":
        with pytest.raises(PeriodError, match="不是标准的期间格式.*not a period"):
            parse_period(bad)
    if isinstance(bad, str) and bad != "2022 ":
        assert not re.fullmatch(PATTERN, bad) or bad in ("2022-02-30", "2022/2021", "2022-12-31/2022-01-01")


def test_overlap_and_contains():
    p = parse_period("2022")
    assert p.overlaps(date(2020, 1, 1), None)              # still active
    assert p.overlaps(None, date(2022, 1, 1))
    assert not p.overlaps(date(2019, 1, 1), date(2021, 12, 31))   # left before the period
    assert not p.overlaps(date(2023, 1, 1), None)          # started after it
    assert p.contains(date(2022, 12, 31)) and not p.contains(date(2023, 1, 1))
    assert p.days == 365


def test_cumulative_as_of_a_date_without_a_start():
    from jiceng.periods import OBSERVATION_PATTERN, PATTERN
    import re

    p = parse_period("../2023-06")
    assert p.open_start and p.end == date(2023, 6, 30) and p.days is None
    assert p.normalised == "../2023-06-30"
    assert re.fullmatch(OBSERVATION_PATTERN, "../2023-06") and not re.fullmatch(PATTERN, "../2023-06")
    with pytest.raises(PeriodError):
        parse_period("../..")
