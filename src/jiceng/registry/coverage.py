"""Coverage: which catalogue indicators a package can support, and what it lacks for the others.

Read from each indicator's machine-readable `computation` in schemas/indicators.json: every
TERM names a table, and the columns it reads (`column`, `days_between`, the keys of `where`,
the survey field of a `survey_field` condition, `locality_id` for `root`). A virtual table
(e.g. survey_responses) is covered when any of its parts is there with the columns.
"""
from __future__ import annotations

import csv
from pathlib import Path

from ..indicators import SURVEY_KEY, SURVEY_TABLE, VIRTUAL_TABLES

# status codes
COVERED, MISSING, EXCERPT, NO_COMPUTATION = "covered", "missing", "excerpt", "no-computation"


def _needs(term: dict) -> list[tuple[str, set[str]]]:
    """(table, columns) pairs a term reads; alternatives for a virtual table are returned together."""
    cols: set[str] = set()
    if term.get("column"):
        cols.add(term["column"])
    for c in term.get("days_between") or []:
        cols.add(c)
    extra: list[tuple[str, set[str]]] = []
    for column, cond in (term.get("where") or {}).items():
        cols.add(column)
        if isinstance(cond, dict) and "survey_field" in cond:
            cols.add(SURVEY_KEY)
            extra.append((SURVEY_TABLE, {SURVEY_KEY, cond["survey_field"]}))
    if term.get("agg") == "root":
        cols.add("locality_id")
    return [(term["table"], cols)] + extra


def requirements(indicator: dict) -> list[tuple[str, set[str]]]:
    comp = indicator.get("computation") or {}
    out = []
    for key in ("numerator", "denominator"):
        if comp.get(key):
            out += _needs(comp[key])
    return out


def _missing_for(table: str, cols: set[str], columns: dict[str, set[str]]) -> list[str]:
    """What is missing for one (table, columns) need: [] when met."""
    if table in VIRTUAL_TABLES:
        parts = VIRTUAL_TABLES[table][1]
        options = []
        for part, constants in parts:
            if part in columns:
                lack = sorted(c for c in cols if c not in columns[part] and c not in constants)
                if not lack:
                    return []
                options.append([f"{part}.{c}" for c in lack])
        if options:
            return min(options, key=len)
        return [" | ".join(p for p, _ in parts)]
    if table not in columns:
        return [table]
    return [f"{table}.{c}" for c in sorted(cols) if c not in columns[table]]


def coverage(standard, columns: dict[str, set[str]], excerpt: bool = False) -> list[dict]:
    """One row per catalogue indicator: code, status, missing (tables or table.field)."""
    rows = []
    for ind in standard.catalogue:
        if not ind.get("computation"):
            rows.append({"code": ind["code"], "status": NO_COMPUTATION, "missing": []})
            continue
        missing: list[str] = []
        for table, cols in requirements(ind):
            for m in _missing_for(table, cols, columns):
                if m not in missing:
                    missing.append(m)
        status = MISSING if missing else (EXCERPT if excerpt else COVERED)
        rows.append({"code": ind["code"], "status": status, "missing": missing})
    return rows


def package_columns(folder: Path, descriptor: dict) -> dict[str, set[str]]:
    """table -> header columns, read from the first line of each resource's file."""
    out: dict[str, set[str]] = {}
    for res in descriptor.get("resources") or []:
        if not isinstance(res, dict) or not isinstance(res.get("name"), str) or not isinstance(res.get("path"), str):
            continue
        path = folder / res["path"]
        if not path.is_file():
            continue
        encoding = res.get("encoding") or "utf-8"
        try:
            with open(path, encoding=encoding, newline="", errors="replace") as fh:
                header = next(csv.reader(fh), [])
        except (OSError, LookupError):
            continue
        out[res["name"]] = {h.strip().lstrip("\ufeff") for h in header}
    return out
