"""Generated parts of the docs equal what the standard gives (scripts/sync_docs.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _sync():
    spec = importlib.util.spec_from_file_location("sync_docs", REPO / "scripts" / "sync_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_docs_are_up_to_date():
    stale = [str(p.relative_to(REPO)) for p, text in _sync().generated().items() if p.read_text(encoding="utf-8") != text]
    assert stale == [], f"run python scripts/sync_docs.py: {stale}"


def test_tables_table_follows_the_schemas(standard):
    table = _sync().tables_table(standard)
    assert all(f"| `{name}` |" in table for name in standard.tables)
    assert f"| {len(standard.fields('surveys'))} |" in table
