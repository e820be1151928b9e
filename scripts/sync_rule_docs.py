"""Rewrite the rules table in docs/validate.md from validators/ (the rules are the source of truth).

Run after changing a rule: `python scripts/sync_rule_docs.py`. tests/test_validate_rules.py checks that the
table lists every rule.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jiceng.standard import current  # noqa: E402
from jiceng.validation.rules import load_rules  # noqa: E402

HEADER = "| 代码 code | 表 table | 严重程度 severity | 说明 | description |"


def rules_table() -> str:
    rules, _ = load_rules(current())
    lines = [HEADER, "|---|---|---|---|---|"]
    for r in sorted(rules, key=lambda r: r.code):
        zh, en = (r.message.get("zh", ""), r.message.get("en", "")) if isinstance(r.message, dict) else ("", "")
        lines.append(f"| `{r.code}` | {r.table} | {r.severity} | {zh.replace('|', '/')} | {en.replace('|', '/')} |")
    return "\n".join(lines)


def main() -> None:
    path = ROOT / "docs" / "validate.md"
    text = path.read_text(encoding="utf-8")
    start = text.index(HEADER)
    end = text.find("\n\n", start)
    end = len(text) if end < 0 else end
    path.write_text(text[:start] + rules_table() + text[end:], encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: rules table rewritten")


if __name__ == "__main__":
    main()
