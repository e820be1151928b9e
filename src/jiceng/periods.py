"""Periods of the standard: parse any period a package or an indicator row may carry and
normalise it to a first and a last day.

Grammar (ISO 8601 forms, as SDMX `TIME_PERIOD` uses them):

- a point: ``YYYY`` (a year), ``YYYY-H1`` / ``YYYY-H2`` (half years), ``YYYY-Q1`` … ``YYYY-Q4``
  (quarters), ``YYYY-MM`` (a month), ``YYYY-MM-DD`` (a day);
- an interval ``A/B`` of any two points: from the first day of A to the last day of B
  (``2022-01-01/2022-12-31``, ``2021/2022``, ``2022-03/2022-Q3``);
- an open interval ``A/..``: from the first day of A to a date given separately (for an
  indicator row, its ``published_date``: "this year so far"); without that date the end is
  unknown (``None``);
- for a published figure only, ``../B``: a cumulative figure "as of" B whose start is not
  published ("截至2023年6月底累计"); its start is unknown (`open_start`, `start` is
  ``date.min`` so comparisons still work) — `OBSERVATION_PATTERN` allows it, `PATTERN` does not.

Everything here is pure Python (no pandas), so the schema check, the validator and the
indicator code can all share it.

    >>> parse_period("2022-Q2")
    Period(text='2022-Q2', start=datetime.date(2022, 4, 1), end=datetime.date(2022, 6, 30), open_end=False)
    >>> normalise("2022")
    '2022-01-01/2022-12-31'
    >>> parse_period("2023/..", published=date(2023, 6, 30)).end
    datetime.date(2023, 6, 30)
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

__all__ = ["Period", "PeriodError", "parse_period", "normalise", "is_period", "PATTERN", "POINT_PATTERN", "OBSERVATION_PATTERN",
           "contains", "overlaps"]

# One point; the regular expressions are what the schemas use as `pattern` for period fields.
POINT_PATTERN = r"[0-9]{4}(-(H[12]|Q[1-4]|(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?))?"
PATTERN = rf"{POINT_PATTERN}(/({POINT_PATTERN}|\.\.))?"
# Observations (indicators.period) may also be cumulative up to a date with no published start.
OBSERVATION_PATTERN = rf"(\.\./{POINT_PATTERN}|{PATTERN})"

_POINT = re.compile(
    r"^(?P<y>\d{4})(?:-(?:H(?P<h>[12])|Q(?P<q>[1-4])|(?P<m>0[1-9]|1[0-2])(?:-(?P<d>0[1-9]|[12]\d|3[01]))?))?$")
OPEN = ".."


class PeriodError(ValueError):
    """Not a period of the standard; the message is in Chinese and English."""

    def __init__(self, text, reason_zh: str = "", reason_en: str = ""):
        self.text = text
        extra_zh = f"({reason_zh})" if reason_zh else ""
        extra_en = f" ({reason_en})" if reason_en else ""
        super().__init__(
            f"“{text}”不是标准的期间格式{extra_zh};应为 YYYY、YYYY-H1、YYYY-Q1、YYYY-MM、YYYY-MM-DD,"
            f"或两者之间用 / 连接的区间(如 2022-01-01/2022-12-31,开放区间 2023/..) / "
            f"{text!r} is not a period of the standard{extra_en}; use YYYY, YYYY-H1, YYYY-Q1, YYYY-MM, "
            f"YYYY-MM-DD or an interval A/B of these (e.g. 2022-01-01/2022-12-31, open: 2023/..)")


@dataclass(frozen=True)
class Period:
    """A period: the text as written, its first and last day (both inclusive).

    `end` is None for an open interval whose end date was not given; `open_end` says the
    period was written as ``A/..``.
    """

    text: str
    start: date
    end: date | None
    open_end: bool = False
    open_start: bool = False

    @property
    def normalised(self) -> str:
        """``YYYY-MM-DD/YYYY-MM-DD`` (``YYYY-MM-DD/..`` when the end is unknown, ``../YYYY-MM-DD``
        when the start is)."""
        first = OPEN if self.open_start else self.start.isoformat()
        return f"{first}/{self.end.isoformat() if self.end else OPEN}"

    @property
    def days(self) -> int | None:
        """Number of days in the period, both ends included (None when an end is unknown)."""
        return None if self.end is None or self.open_start else (self.end - self.start).days + 1

    def contains(self, day: date | None) -> bool | None:
        """Whether `day` falls in the period; None when `day` or the end is unknown."""
        if day is None:
            return None
        if day < self.start:
            return False
        if self.end is None:
            return None
        return day <= self.end

    def overlaps(self, start: date | None, end: date | None) -> bool:
        """Whether a span [start, end] (either end may be open: None) shares a day with the period."""
        if end is not None and end < self.start:
            return False
        if start is not None and self.end is not None and start > self.end:
            return False
        return True

    def __str__(self) -> str:
        return self.text


def _point(text: str) -> tuple[date, date]:
    """First and last day of one point."""
    m = _POINT.match(text)
    if not m:
        raise PeriodError(text)
    y = int(m["y"])
    if m["h"]:
        h = int(m["h"])
        return date(y, 6 * h - 5, 1), date(y, 6 * h, 30 if h == 1 else 31)
    if m["q"]:
        q = int(m["q"])
        last_month = 3 * q
        return date(y, last_month - 2, 1), date(y, last_month, calendar.monthrange(y, last_month)[1])
    if m["m"]:
        month = int(m["m"])
        if m["d"]:
            try:
                d = date(y, month, int(m["d"]))
            except ValueError:
                raise PeriodError(text, "日期不存在", "no such day") from None
            return d, d
        return date(y, month, 1), date(y, month, calendar.monthrange(y, month)[1])
    return date(y, 1, 1), date(y, 12, 31)


def parse_period(text, published: date | str | None = None) -> Period:
    """Parse a period; `published` (a date or ``YYYY-MM-DD``) closes an open interval ``A/..``.

    Raises `PeriodError` for anything else, including an interval that ends before it starts.
    """
    if isinstance(text, Period):
        return text
    if not isinstance(text, str):
        raise PeriodError(text, "不是文本", "not text")
    s = text.strip()
    if isinstance(published, str) and published:
        published = date.fromisoformat(published)
    if "/" in s:
        left, _, right = s.partition("/")
        if left == OPEN:  # "as of B", start not published
            if right == OPEN:
                raise PeriodError(text, "两端都未知", "both ends are unknown")
            return Period(text, date.min, _point(right)[1], False, True)
        start, _ = _point(left)
        if right == OPEN:
            end = published if isinstance(published, date) else None
            if end is not None and end < start:
                raise PeriodError(text, "发布日期早于期间开始", "the publication date is before the period starts")
            return Period(text, start, end, True)
        _, end = _point(right)
    else:
        start, end = _point(s)
    if end < start:
        raise PeriodError(text, "结束早于开始", "it ends before it starts")
    return Period(text, start, end, False)


def is_period(text) -> bool:
    """Whether `text` is a period of the standard."""
    try:
        parse_period(text)
        return True
    except (PeriodError, ValueError):
        return False


def normalise(text, published: date | str | None = None) -> str:
    """The period as ``YYYY-MM-DD/YYYY-MM-DD`` (see `Period.normalised`)."""
    return parse_period(text, published).normalised


def contains(period, day: date | None) -> bool | None:
    """Whether `day` falls in `period` (text or Period)."""
    return parse_period(period).contains(day)


def overlaps(period, start: date | None, end: date | None) -> bool:
    """Whether the span [start, end] (None = open) shares a day with `period`."""
    return parse_period(period).overlaps(start, end)
