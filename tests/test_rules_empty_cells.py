"""Rules never fire on an empty cell (validators/README.md: "an empty cell never fails a rule"):
for every rule, blanking any one column of its passing example gives no finding, unless the
rule itself tests that column for emptiness (a `condition` with an `empty` test). Every kind of
rule is covered, so a kind that treats empty as a value fails here."""
from __future__ import annotations

import copy

import pytest

from jiceng.standard import current
from jiceng.validation.rules import KINDS, Rule, load_rules, run_example

RULES, _ = load_rules(current())


def _emptiness_tested(rule: Rule) -> set[str]:
    if rule.kind != "condition":
        return set()
    when, require = rule.params.get("when") or {}, rule.params.get("require") or {}
    tested = {col for col, test in {**when, **require}.items() if isinstance(test, dict) and any("empty" in op for op in test)}
    if any(isinstance(t, dict) and t.get("empty") is True for t in when.values()):
        tested |= set(require)  # a rule about a missing value: "publication is shares" fails when publication is empty
    return tested


def _columns(rows) -> set[str]:
    return {k for row in rows for k in row}


def _blanked(rule: Rule, table: str, column: str) -> Rule:
    new = copy.deepcopy(rule)
    data = new.examples["pass"]
    tables = {rule.table: data} if isinstance(data, list) else data
    for row in tables[table]:
        if column in row:
            row[column] = None
    return new


CASES = []
for rule in RULES:
    data = rule.examples.get("pass")
    tables = {rule.table: data} if isinstance(data, list) else (data or {})
    for table, rows in tables.items():
        for column in sorted(_columns(rows)):
            if table == rule.table and column in _emptiness_tested(rule):
                continue
            CASES.append((rule, table, column))


def test_every_kind_is_covered():
    assert {r.kind for r, _, _ in CASES} == {r.kind for r in RULES}
    assert {r.kind for r in RULES} <= set(KINDS)


@pytest.mark.parametrize("rule,table,column", CASES, ids=[f"{r.kind}-{r.code}-{t}.{c}" for r, t, c in CASES])
def test_an_empty_cell_never_fails_a_rule(rule, table, column, standard):
    assert run_example(standard, rule, "pass") == [], "the passing example passes"
    found = run_example(standard, _blanked(rule, table, column), "pass")
    assert found == [], f"{rule.code} fires when {table}.{column} is empty: {found}"
