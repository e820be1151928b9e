"""Structure and Table Schema checks: the corpus of broken packages, compared with frictionless."""
from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from jiceng.validation import validate
from jiceng.validation.codes import CODES

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("broken_corpus", HERE / "fixtures" / "broken" / "corpus.py")
corpus = importlib.util.module_from_spec(_spec)
sys.modules["broken_corpus"] = corpus
_spec.loader.exec_module(corpus)

HEADER = {"blank-header", "extra-label", "missing-label", "blank-label", "duplicate-label", "incorrect-label", "source-error"}
ROW_LEVEL = {"blank-row", "primary-key", "foreign-key", "extra-cell"}


def ours(report) -> Counter:
    out = Counter()
    for f in report.errors:
        kind = CODES[f.code].frictionless if f.code in CODES else None
        if kind is None:
            continue
        row = None if kind in HEADER else f.row
        field = None if kind in ROW_LEVEL or kind == "source-error" or kind == "extra-label" else f.field
        out[(f.resource, kind, row, field)] += 1
    return out


def theirs(path: Path) -> Counter:
    import frictionless

    report = frictionless.validate(str(path / "datapackage.json"), limit_errors=100_000)
    out = Counter()
    for task in report.tasks:
        for e in task.errors:
            kind = e.type
            row = None if kind in HEADER else getattr(e, "row_number", None)
            field = None if kind in ROW_LEVEL or kind in ("source-error", "extra-label") else (getattr(e, "field_name", None) or None)
            out[(task.name, kind, row, field)] += 1
    return out


CASES = corpus.cases(__import__("jiceng").current())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case, tmp_path, standard):
    pkg = corpus.build(case, tmp_path / case.name, standard)
    report = validate(pkg, max_per_group=None)
    codes = report.codes()
    assert case.expected <= codes, f"missing {case.expected - codes}; got {sorted(codes)}"
    if not case.expected:
        assert report.valid, report.to_text("en")
    else:
        assert not report.valid and report.exit_code == 1
    if case.compare:
        mine, fl = ours(report), theirs(pkg)
        assert mine == fl, f"only ours: {mine - fl}\nonly frictionless: {fl - mine}"
