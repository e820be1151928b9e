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
ADDRESS_PREFILTER = r"[0-9０-９一二三四五六七八九十两]\s{0,2}(?:号|栋|幢|座|单元|室|户|层|组|社|队|-)"
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
    pattern = NUMBER_PREFILTER + "|" + ADDRESS_PREFILTER + (f"|{NAME_PREFILTER}" if free_text else "")
    candidates = distinct.filter(distinct.str.contains(pattern).fill_null(False))
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
