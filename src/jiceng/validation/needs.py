"""The columns of each table that checks after the rows still read: keys, foreign keys, the
columns the standard's rules name (validators/), the package-level checks and the
k-anonymity check. A large table read in batches keeps only these once its rows are checked,
so that its memory does not grow with columns nothing reads again."""
from __future__ import annotations

from ..standard import Standard


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []] if isinstance(value, list) else []


_CACHE: dict[tuple, tuple[Standard, dict]] = {}


def needed_columns(std: Standard, foreign_keys: bool = True) -> dict[str, set[str]]:
    """table -> the fields read after the row checks. `foreign_keys=False`: without the fields of
    the table's own foreign keys (for a table whose foreign keys were checked batch by batch)."""
    return _cached((id(std), foreign_keys), std, lambda: _needed(std, foreign_keys))


def _cached(key: tuple, std: Standard, make):
    """The value for `std`, made once; a few standards remembered (the entry keeps its standard,
    so that an id is not reused while remembered)."""
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not std:
        if len(_CACHE) >= 16:
            _CACHE.pop(next(iter(_CACHE)))
        cached = _CACHE[key] = (std, make())
    return cached[1]


def _needed(std: Standard, foreign_keys: bool) -> dict[str, set[str]]:
    from . import package_checks
    from .rules import KINDS, load_rules, rule_field

    out: dict[str, set[str]] = {}

    def add(table: str, *names) -> None:
        out.setdefault(table, set()).update(n for n in names if isinstance(n, str) and n)

    for table in std.tables:
        schema = std.table(table)
        add(table, *_as_list(schema.get("primaryKey")))
        add(table, *[f["name"] for f in schema.get("fields", []) if (f.get("constraints") or {}).get("unique")])
        for fk in schema.get("foreignKeys", []) or []:
            if foreign_keys:
                add(table, *_as_list(fk.get("fields")))
            ref = fk.get("reference") or {}
            add(ref.get("resource") or table, *_as_list(ref.get("fields")))
    rules, _ = load_rules(std)
    for rule in rules:
        add(rule.table, rule_field(rule))
        try:
            refs = KINDS[rule.kind].refs(rule.table, rule.params)
        except Exception:  # a broken rule is reported by the rules themselves
            continue
        for table, names in (refs.get("columns") or {}).items():
            add(table, *names)
    for table, column in package_checks.EVENTS.items():
        add(table, column)
    for table, start, end, parent, key, pkey, pstart, pend, _, _ in package_checks.RANGES:
        add(table, start, end, key)
        add(parent, pkey, pstart, pend)
    for table in package_checks.NEEDS:
        add(table, *package_checks.NEEDS[table])
    try:
        from ..privacy.kanon import load_config

        for table, spec in load_config(std).tables.items():
            add(table, *spec.subject, *spec.quasi_identifiers, *spec.where)
    except Exception:
        pass
    return out


def needed_text(std: Standard) -> dict[str, set[str]]:
    """table -> the fields whose text as written (not only their typed values) later checks read:
    the k-anonymity check's columns and the columns of rules that judge the written form (the
    precision of a published ratio). Text fields are always kept as written."""
    return _cached((id(std), "text"), std, lambda: _needed_text(std))


def _needed_text(std: Standard) -> dict[str, set[str]]:
    from .rules import load_rules

    out: dict[str, set[str]] = {}
    try:
        from ..privacy.kanon import load_config

        for table, spec in load_config(std).tables.items():
            out.setdefault(table, set()).update([*spec.subject, *spec.quasi_identifiers, *spec.where])
    except Exception:
        pass
    rules, _ = load_rules(std)
    for rule in rules:
        if rule.kind in TEXT_KINDS:
            out.setdefault(rule.table, set()).update(f["name"] for f in std.fields(rule.table))
    return out


# rule kinds that read the text of a table as written (validation/rules.py: Context.raw)
TEXT_KINDS = {"ratio_consistent"}
