"""The loader reads packages as the validator does: columns by name, absent optional columns,
the same values."""
from __future__ import annotations

import pandas as pd
import pytest

import jiceng
from jiceng.package import write_package

import broken_corpus as corpus  # tests/fixtures/broken, put on sys.path by conftest.py


def _tables(std, n: int = 3) -> dict:
    return {"localities": [corpus.valid_row(std, "localities", 0)],
            "grids": [corpus.valid_row(std, "grids", i) for i in range(2)],
            "cases": [corpus.valid_row(std, "cases", i) for i in range(n)]}


def _meta(std) -> dict:
    return corpus.METADATA | {"schema_version": std.version}


def test_absent_optional_columns_load_as_typed_empty_columns(standard, tmp_path):
    tables = _tables(standard)
    for row in tables["cases"]:
        row.update(resident_rating=None, hours_to_close=None, closed_date=None, meeting_id=None)
    pkg = write_package(tmp_path / "pkg", _meta(standard), tables, standard, omit_empty_optional=True)
    header = (pkg / "data" / "cases.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "resident_rating" not in header and "closed_date" not in header
    loaded = jiceng.load(pkg)
    df = loaded.tables["cases"]
    assert list(df.columns) == standard.field_names("cases")
    assert str(df["resident_rating"].dtype) == "Int64" and df["resident_rating"].isna().all()
    assert str(df["hours_to_close"].dtype) == "float64" and df["hours_to_close"].isna().all()
    assert pd.api.types.is_datetime64_any_dtype(df["closed_date"]) and df["closed_date"].isna().all()


def test_reordered_columns_load_by_name(standard, tmp_path):
    pkg = write_package(tmp_path / "pkg", _meta(standard), _tables(standard), standard)
    path = pkg / "data" / "cases.csv"
    path.write_text(corpus._reorder(path.read_text(encoding="utf-8")), encoding="utf-8")
    plain = jiceng.load(write_package(tmp_path / "plain", _meta(standard), _tables(standard), standard))
    loaded = jiceng.load(pkg)  # the stale schema order is only a warning
    assert loaded.report.valid and loaded.report.by_code("RESOURCE_SCHEMA_DIFFERS")
    pd.testing.assert_frame_equal(loaded.tables["cases"], plain.tables["cases"])
