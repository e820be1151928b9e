"""Rewrite the generated parts of the documentation from the standard (its files are the source of truth):

- README.md: the table of tables (names, titles, field counts, primary keys);
- docs/validate.md: the table of rules from validators/.

    python scripts/sync_docs.py            # rewrite
    python scripts/sync_docs.py --check    # exit 1 if a file differs from what the standard gives

tests/test_generated_docs.py runs the check, as HSDS's CI does for its generated files.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jiceng.standard import Standard  # noqa: E402

TABLES_HEADER = "| 表 | 中文 / English | 字段数 | 主键 |"
RULES_HEADER = "| 代码 code | 表 table | 严重程度 severity | 说明 | description |"


def tables_table(std: Standard) -> str:
    lines = [TABLES_HEADER, "|---|---|---|---|"]
    for name, schema in std.tables.items():
        zh = (schema.get("zh") or {}).get("title", "")
        lines.append(f"| `{name}` | {zh} / {schema.get('title', '')} | {len(schema.get('fields', []))} | "
                     f"{', '.join(schema.get('primaryKey', []))} |")
    return "\n".join(lines)


def rules_table(std: Standard) -> str:
    from jiceng.validation.rules import load_rules

    rules, _ = load_rules(std)
    lines = [RULES_HEADER, "|---|---|---|---|---|"]
    for r in sorted(rules, key=lambda r: r.code):
        zh, en = r.message.get("zh", ""), r.message.get("en", "")
        lines.append(f"| `{r.code}` | {r.table} | {r.severity} | {zh.replace('|', '/')} | {en.replace('|', '/')} |")
    return "\n".join(lines)


def _replace_block(text: str, header: str, block: str) -> str:
    """Replace the Markdown table that starts with `header` (up to the next blank line)."""
    start = text.index(header)
    end = text.find("\n\n", start)
    return text[:start] + block + (text[end:] if end >= 0 else "\n")


def generated(std: Standard | None = None) -> dict[Path, str]:
    """Each generated file's expected text."""
    std = std or Standard(ROOT)
    readme, validate = ROOT / "README.md", ROOT / "docs" / "validate.md"
    return {
        readme: _replace_block(readme.read_text(encoding="utf-8"), TABLES_HEADER, tables_table(std)),
        validate: _replace_block(validate.read_text(encoding="utf-8"), RULES_HEADER, rules_table(std)),
    }


def main(argv: list[str]) -> int:
    stale = []
    for path, text in generated().items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(path.relative_to(ROOT))
            if "--check" not in argv:
                path.write_text(text, encoding="utf-8")
    if "--check" in argv:
        for p in stale:
            print(f"{p} 与标准不一致,请运行 python scripts/sync_docs.py / {p} is out of date: run python scripts/sync_docs.py")
        return 1 if stale else 0
    print("rewritten: " + (", ".join(map(str, stale)) or "nothing changed"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
