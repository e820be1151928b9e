"""Coverage: which catalogue indicators a package can support, and what it lacks for the others.

Read from each indicator's machine-readable `computation` in schemas/indicators.json: every
TERM names a table, and the columns it reads (`column`, `paired`, `group_by`, `days_between`,
`duration`, the keys of `where`, the survey field of a `survey_field` condition, `locality_id`
for `root`); a `survey` computation needs surveys and answers or counts. Only names that are
fields of the table in the standard count as columns. A table the interpreter derives from
others (survey_responses, meeting_headcounts) is covered when any of its parts is there.
"""
from __future__ import annotations

import csv
from pathlib import Path

# Tables computed from others by the indicator interpreter: covered when any of their parts is there.
VIRTUAL = {"survey_responses": ["survey_counts", "survey_answers"], "meeting_headcounts": ["meetings", "meeting_participation"]}
SURVEY_TABLE, SURVEY_KEY, SURVEY_PARTS = "surveys", "survey_id", ["survey_answers", "survey_counts"]

# status codes
COVERED, MISSING, EXCERPT, NO_COMPUTATION = "covered", "missing", "excerpt", "no-computation"


def _listed(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _term_needs(std, term: dict) -> list[tuple]:
    """Needs of one TERM: ("table", name, {columns}) or ("any", [tables]) or ("either", table, [alt column sets])."""
    table = term.get("table")
    if not isinstance(table, str):
        return []
    if table not in std.tables:
        out: list[tuple] = [("any", VIRTUAL.get(table) or [table])]
        for cond in (term.get("where") or {}).values():
            if isinstance(cond, dict) and "survey_field" in cond:
                out.append(("table", SURVEY_TABLE, {SURVEY_KEY, cond["survey_field"]}))
        return out
    fields = set(std.field_names(table)) if hasattr(std, "field_names") else None
    cols: set[str] = set()
    for key in ("column", "paired"):
        cols.update(_listed(term.get(key)))
    cols.update(_listed(term.get("group_by")))
    cols.update(_listed(term.get("days_between")))
    needs: list[tuple] = []
    for column, cond in (term.get("where") or {}).items():
        cols.add(column)
        if isinstance(cond, dict) and "survey_field" in cond:
            cols.add(SURVEY_KEY)
            needs.append(("table", SURVEY_TABLE, {SURVEY_KEY, cond["survey_field"]}))
    if term.get("agg") == "root":
        cols.add("locality_id")
    duration = term.get("duration")
    alternatives = []
    if isinstance(duration, dict):
        if duration.get("hours"):
            alternatives.append({duration["hours"]})
        if duration.get("between") and not duration.get("hours_only"):
            alternatives.append(set(_listed(duration["between"])))
    if fields is not None:  # derived names (e.g. a year taken from a date) are not columns to look for
        cols = {c for c in cols if c in fields}
        alternatives = [{c for c in alt if c in fields} for alt in alternatives]
    needs.insert(0, ("table", table, cols))
    if alternatives:
        needs.append(("either", table, alternatives))
    return needs


def requirements(std, indicator: dict) -> list[tuple]:
    comp = indicator.get("computation") or {}
    out: list[tuple] = []
    for key in ("numerator", "denominator"):
        if isinstance(comp.get(key), dict):
            out += _term_needs(std, comp[key])
    survey = comp.get("survey")
    if isinstance(survey, dict):
        cols = {SURVEY_KEY}
        positive = survey.get("positive") or {}
        if isinstance(positive, dict) and positive.get("survey_field"):
            cols.add(positive["survey_field"])
        out.append(("table", SURVEY_TABLE, cols))
        out.append(("any", SURVEY_PARTS))
    return out


def _missing_for(need: tuple, columns: dict[str, set[str]]) -> list[str]:
    """What is missing for one need: [] when met."""
    if need[0] == "any":
        return [] if any(p in columns for p in need[1]) else [" | ".join(need[1])]
    if need[0] == "either":
        table, alternatives = need[1], need[2]
        if table not in columns:
            return []  # reported by the table need
        lacks = [[f"{table}.{c}" for c in sorted(alt) if c not in columns[table]] for alt in alternatives]
        if any(not lack for lack in lacks):
            return []
        return [" | ".join("+".join(lack) for lack in lacks)]  # one of the alternatives is needed
    table, cols = need[1], need[2]
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
        for need in requirements(standard, ind):
            for m in _missing_for(need, columns):
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
