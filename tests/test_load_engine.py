"""The loader reads packages as the validator does: columns by name, absent optional columns,
the same values."""
from __future__ import annotations

import csv
import json

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


def test_load_reuses_the_validated_frames(standard, tmp_path, monkeypatch):
    """With validation, the files are parsed once (by the validator), not again by the loader."""
    import polars as pl

    pkg = write_package(tmp_path / "pkg", _meta(standard), _tables(standard), standard)
    calls = []
    real = pl.read_csv
    monkeypatch.setattr(pl, "read_csv", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    loaded = jiceng.load(pkg)
    assert loaded.report.valid and len(calls) == len(loaded.tables) == 3


def test_polars_engine(standard, tmp_path):
    import polars as pl

    pkg = write_package(tmp_path / "pkg", _meta(standard), _tables(standard), standard)
    loaded = jiceng.load(pkg, engine="polars")
    cases = loaded.tables["cases"]
    assert isinstance(cases, pl.DataFrame) and cases.columns == standard.field_names("cases")
    assert cases.schema["resident_rating"] == pl.Int64 and cases.schema["reported_date"] == pl.Date
    assert isinstance(cases.schema["status"], pl.Enum)
    pandas = jiceng.load(pkg).tables["cases"]
    assert cases.to_pandas()["case_id"].tolist() == pandas["case_id"].tolist()
    assert loaded.labels("cases", "en")["status"].notna().all()
    with pytest.raises(ValueError):
        jiceng.load(pkg, engine="spark")


@pytest.mark.parametrize("path", ["../outside.csv", "/etc/passwd", "data/../../outside.csv"])
def test_load_without_validation_refuses_paths_leaving_the_package(standard, tmp_path, path):
    from jiceng.load import PackageError

    pkg = write_package(tmp_path / "pkg", _meta(standard), _tables(standard), standard)
    (tmp_path / "outside.csv").write_text((pkg / "data" / "cases.csv").read_text(encoding="utf-8"), encoding="utf-8")
    data = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in data["resources"] if r["name"] == "cases")["path"] = path
    (pkg / "datapackage.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PackageError, match="outside|relative|..|absolute"):
        jiceng.load(pkg, validate=False)


def test_validate_and_load_agree_on_values(standard, tmp_path):
    """A declared `;` dialect, a GBK file declared UTF-8, a quoted empty cell: the loader reads
    what the validator read."""
    tables = _tables(standard)
    tables["cases"][1]["hours_to_close"] = "1.5"
    pkg = write_package(tmp_path / "pkg", _meta(standard), tables, standard)
    path = pkg / "data" / "cases.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    k = rows[0].index("resident_rating")
    rows[2][k] = ""
    with path.open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    data = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in data["resources"] if r["name"] == "cases")["dialect"]["delimiter"] = ";"
    (pkg / "datapackage.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = jiceng.validate(pkg)
    assert report.valid, report.to_text("en")
    for validate in (True, False):
        df = jiceng.load(pkg, validate=validate).tables["cases"]
        assert df.shape == (3, len(standard.field_names("cases")))
        assert df["hours_to_close"].tolist()[1] == 1.5 and pd.isna(df["resident_rating"][1])
