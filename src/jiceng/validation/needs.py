"""The columns of each table that checks after the rows still read: keys, foreign keys, the
columns the standard's rules name (validators/), the package-level checks and the
k-anonymity check. A large table read in batches keeps only these once its rows are checked,
so that its memory does not grow with columns nothing reads again."""
from __future__ import annotations

from dataclasses import dataclass

from ..standard import Standard
from .structure import _as_list

# rule kinds that read the text of a table as written (validation/rules.py: Context.raw)
TEXT_KINDS = {"ratio_consistent"}


@dataclass(frozen=True)
class Needs:
    """table -> fields, for the checks after the rows."""

    columns: dict  # every field read again
    without_foreign_keys: dict  # the same, less the fields of the table's own foreign keys (checked batch by batch)
    text: dict  # fields whose text as written is read (k-anonymity, ratio precision); text fields always are


_CACHE: dict[int, tuple[Standard, Needs]] = {}


def needed_columns(std: Standard) -> Needs:
    """What the checks after the rows read, worked out once per standard (a few remembered; an
    entry keeps its standard, so that an id is not reused while remembered)."""
    cached = _CACHE.get(id(std))
    if cached is None or cached[0] is not std:
        if len(_CACHE) >= 16:
            _CACHE.pop(next(iter(_CACHE)))
        cached = _CACHE[id(std)] = (std, _needs(std))
    return cached[1]


def _needs(std: Standard) -> Needs:
    from . import package_checks
    from .rules import KINDS, load_rules, rule_field

    columns: dict[str, set[str]] = {}
    fk_fields: dict[str, set[str]] = {}
    text: dict[str, set[str]] = {}

    def add(into: dict, table: str, *names) -> None:
        into.setdefault(table, set()).update(n for n in names if isinstance(n, str) and n)

    for table in std.tables:
        schema = std.table(table)
        add(columns, table, *_as_list(schema.get("primaryKey")))
        add(columns, table, *[f["name"] for f in schema.get("fields", []) if (f.get("constraints") or {}).get("unique")])
        for fk in schema.get("foreignKeys", []) or []:
            add(fk_fields, table, *_as_list(fk.get("fields")))
            ref = fk.get("reference") or {}
            add(columns, ref.get("resource") or table, *_as_list(ref.get("fields")))
    rules, _ = load_rules(std)
    for rule in rules:
        add(columns, rule.table, rule_field(rule))
        if rule.kind in TEXT_KINDS:
            add(text, rule.table, *(f["name"] for f in std.fields(rule.table)))
        try:
            refs = KINDS[rule.kind].refs(rule.table, rule.params)
        except Exception:  # a broken rule is reported by the rules themselves
            continue
        for table, names in (refs.get("columns") or {}).items():
            add(columns, table, *names)
    for table, column in package_checks.EVENTS.items():
        add(columns, table, column)
    for table, start, end, parent, key, pkey, pstart, pend, _, _ in package_checks.RANGES:
        add(columns, table, start, end, key)
        add(columns, parent, pkey, pstart, pend)
    for table, names in package_checks.NEEDS.items():
        add(columns, table, *names)
    try:
        from ..privacy.kanon import load_config

        for table, spec in load_config(std).tables.items():
            add(columns, table, *spec.columns)
            add(text, table, *spec.columns)
    except Exception:
        pass
    with_fks = {t: columns.get(t, set()) | fk_fields.get(t, set()) for t in set(columns) | set(fk_fields)}
    return Needs(with_fks, columns, text)
