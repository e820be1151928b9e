"""Scanning whole columns fast: vectorised pre-filters with polars on the distinct values, the
detectors in Python only on the few candidates.

- personal numbers: a digit count of at least 7 digits in a run (with separators) — cheap;
- addresses: a number followed by 号/栋/幢/单元/室/组 …;
- names (free-text fields only): a Han surname character followed by another Han character.

Each distinct value is examined once, however many rows hold it.
"""
from __future__ import annotations

import polars as pl

from .addresses import ADDRESS_CODE, find_addresses
from .names import COMPOUND_SURNAMES, SURNAMES, find_names
from .numbers import find_numbers

_D = "0-9０-９"
_S = r"[ \t\-.()+/·－．（）　]{0,3}"
NUMBER_PREFILTER = rf"[{_D}](?:{_S}[{_D}]){{6,}}"
ADDRESS_PREFILTER = r"[0-9０-９一二三四五六七八九十两]\s{0,2}(?:号|栋|幢|座|单元|室|户|层|组|社|队)|[0-9０-９]+-[0-9０-９]+-[0-9０-９]"
# A date written as a date holds digits and separators but is neither a number nor an address of a person.
DATE_SHAPED = r"^\s*[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?\s*$"
# Digits broken by a separator, or full-width digits: only the exact detector in Python can judge them.
SEPARATED = rf"[{_D}]{_S[:-5]}{{1,3}}[{_D}]|[０-９]"


def _plain_run_hit() -> pl.Expr:
    """A run of ASCII digits of a length and start a personal number can have: a local landline
    (7-8 digits, not starting with 0), a mobile (11, starting with 1; 13 with 86), a landline with
    its area code (10-12 starting with 0) or a resident ID (15, 17 + X, 18)."""
    n, e = pl.element().str.len_chars(), pl.element()
    return (((n >= 7) & (n <= 8) & ~e.str.starts_with("0"))
            | ((n == 11) & e.str.starts_with("1"))
            | ((n == 13) & e.str.starts_with("86"))
            | ((n >= 10) & (n <= 12) & e.str.starts_with("0"))
            | n.is_in([15, 17, 18]))


def _number_candidates(distinct: pl.Series) -> pl.Series:
    """Values that may hold a personal number: a loose digit count first, then, for plain digit
    runs, their length and first digit (so identifiers such as VT000000001 and dates are not
    handed to the detector one by one)."""
    loose = distinct.str.contains(NUMBER_PREFILTER).fill_null(False)
    exact = distinct.str.contains(SEPARATED).fill_null(False)
    runs = distinct.str.extract_all(r"[0-9]+").list.eval(_plain_run_hit()).list.any().fill_null(False)
    return loose & ~distinct.str.contains(DATE_SHAPED).fill_null(False) & (exact | runs)
NAME_PREFILTER = rf"(?:[{SURNAMES}]|{'|'.join(COMPOUND_SURNAMES)})[\u4e00-\u9fff]"


def find_personal(value: str, free_text: bool) -> list[tuple[str, str]]:
    """(code, redacted) for each piece of personal data in one value."""
    out = find_numbers(value) + find_addresses(value)
    if free_text:
        out += find_names(value)
    return out


def scan_column(values: pl.Series, free_text: bool) -> dict[str, list[tuple[str, str]]]:
    """Distinct cell value -> findings [(code, redacted)], for the cells of one column that hold
    personal data."""
    if values.dtype != pl.String or values.len() == 0:
        return {}
    distinct = values.drop_nulls().unique()
    if not free_text:  # a personal number or an address takes at least 5 characters
        distinct = distinct.filter(distinct.str.len_chars() >= 5)
    if distinct.len() == 0:
        return {}
    other = ADDRESS_PREFILTER + (f"|{NAME_PREFILTER}" if free_text else "")
    mask = _number_candidates(distinct) | (distinct.str.contains(other).fill_null(False)
                                            & ~distinct.str.contains(DATE_SHAPED).fill_null(False))
    candidates = distinct.filter(mask)
    hits: dict[str, list[tuple[str, str]]] = {}
    for value in candidates.to_list():
        found = find_personal(value, free_text)
        if found:
            hits[value] = found
    return hits


def free_text_fields(fields: list[dict]) -> set[str]:
    """String fields without pattern, enum or codelist: where a name could be typed."""
    out = set()
    for f in fields:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            continue
        cons = f.get("constraints") if isinstance(f.get("constraints"), dict) else {}
        if f.get("type", "string") == "string" and not f.get("codelist") and "pattern" not in cons \
                and "enum" not in cons and not f.get("privacy") and f.get("format", "default") == "default":
            out.add(f["name"])
    return out


__all__ = ["ADDRESS_CODE", "find_personal", "scan_column", "free_text_fields"]
