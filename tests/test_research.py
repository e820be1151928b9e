"""Loading packages, computing indicators and `jiceng compare`, checked on small hand-made packages."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import jiceng
from jiceng.cli import app
from jiceng.indicators import COLUMNS, DIMENSIONS, compute, indicator_gaps, wilson_interval
from jiceng.load import LoadWarning, PackageError, PackageInvalid, VersionMismatch
from jiceng.package import write_package

REPO = Path(__file__).resolve().parents[1]
ROOT = "330102003001"  # a community; the package's own locality


def meta(name: str = "test-community", **extra) -> dict:
    return {
        "name": name, "title": "测试社区", "locality_id": ROOT, "locality_name": "测试社区",
        "province_code": "33", "period": "2024", "publisher": {"name": "测试街道办事处"},
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        **extra,
    }


def localities(resident_population=2000) -> list[dict]:
    return [{"locality_id": ROOT, "name": "测试社区", "name_en": "Test community", "level": "community",
             "resident_population": resident_population, "households": 900, "reference_date": "2024-12-31"}]


def small_tables() -> dict[str, list[dict]]:
    """Records whose indicators are worked out by hand in the tests below."""
    return {
        "localities": localities(),
        "grids": [
            {"grid_id": "G1", "locality_id": ROOT, "grid_level": "grid", "grid_kind": "comprehensive",
             "households": 300, "has_party_branch": True, "has_meeting_venue": True},
            {"grid_id": "G2", "locality_id": ROOT, "grid_level": "grid", "grid_kind": "comprehensive",
             "households": 500, "has_party_branch": False, "has_meeting_venue": True},
            {"grid_id": "M1", "locality_id": ROOT, "parent_grid_id": "G1", "grid_level": "micro_grid",
             "grid_kind": "comprehensive", "households": 100},
        ],
        "grid_staff": [
            {"staff_id": "S1", "grid_id": "G1", "role": "fulltime_grid_worker", "gender": "female", "age_band": "35-44"},
            {"staff_id": "S2", "grid_id": "G2", "role": "parttime_grid_worker", "gender": "male", "age_band": "45-59"},
            {"staff_id": "S3", "grid_id": "G1", "role": "building_leader", "party_member": True},
            {"staff_id": "S4", "grid_id": "G2", "role": "building_leader", "party_member": False},
            {"staff_id": "S5", "grid_id": "G1", "role": "grid_leader"},
        ],
        "meetings": [
            {"meeting_id": "MT1", "locality_id": ROOT, "meeting_date": "2024-03-20", "form": "grid_council_day", "mode": "offline"},
            {"meeting_id": "MT2", "locality_id": ROOT, "meeting_date": "2024-04-20", "form": "cloud_council", "mode": "online"},
            {"meeting_id": "MT3", "locality_id": ROOT, "meeting_date": "2024-05-20", "form": "council_hall", "mode": "hybrid"},
        ],
        "meeting_participation": [
            {"meeting_id": "MT1", "participant_category": "resident", "participants": 10, "women": 6},
            {"meeting_id": "MT2", "participant_category": "resident", "participants": 20, "women": 8},
            {"meeting_id": "MT3", "participant_category": "party_member", "participants": 10, "women": 2},
        ],
        "cases": [
            {"case_id": "C1", "locality_id": ROOT, "reported_date": "2024-01-01", "category": "environment",
             "source": "patrol", "status": "resolved", "closed_date": "2024-01-03", "resident_rating": 5},
            {"case_id": "C2", "locality_id": ROOT, "reported_date": "2024-01-10", "category": "dispute",
             "source": "resident_report", "status": "closed_unresolved", "closed_date": "2024-01-20", "resident_rating": 2},
            {"case_id": "C3", "locality_id": ROOT, "reported_date": "2024-02-01", "category": "parking_traffic",
             "source": "hotline", "status": "in_progress"},
            {"case_id": "C4", "locality_id": ROOT, "reported_date": "2024-02-01", "category": "environment",
             "source": "patrol", "status": "resolved", "closed_date": "2024-02-05"},
        ],
        "volunteers": [
            {"volunteer_id": f"V{i}", "locality_id": ROOT, "gender": g}
            for i, g in enumerate(["female", "female", "female", "male", "male"], 1)
        ],
        "service_records": [
            {"record_id": "R1", "volunteer_id": "V1", "service_date": "2024-03-01", "category": "elderly_care", "hours": 2},
            {"record_id": "R2", "volunteer_id": "V2", "service_date": "2024-03-02", "category": "safety_patrol", "hours": 3},
            {"record_id": "R3", "volunteer_id": "V1", "service_date": "2024-03-09", "category": "waste_sorting", "hours": 5.5},
        ],
        "surveys": [
            {"survey_id": "SV1", "locality_id": ROOT, "title": "入户调查", "mode": "face_to_face", "conductor": "locality",
             "sample_frame": "常住户", "sample_size": 6, "responses": 5, "start_date": "2024-10-01",
             "end_date": "2024-10-10", "satisfied_responses": "very_satisfied,satisfied"},
            # a survey that counts only the top answer as satisfied
            {"survey_id": "SV2", "locality_id": ROOT, "title": "电话测评", "mode": "phone", "conductor": "third_party",
             "sample_frame": "常住户", "sample_size": 24, "responses": 20, "start_date": "2024-11-01",
             "end_date": "2024-11-10", "satisfied_responses": "very_satisfied"},
        ],
        "survey_answers": [
            {"survey_id": "SV1", "respondent_id": f"P{i}", "question_code": "SAT_OVERALL", "response": r}
            for i, r in enumerate(["very_satisfied", "satisfied", "neutral", "dont_know", "dissatisfied"], 1)
        ],
        "survey_counts": [
            {"survey_id": "SV2", "question_code": "SAT_OVERALL", "response": r, "count": n}
            for r, n in [("very_satisfied", 10), ("satisfied", 5), ("dont_know", 3), ("neutral", 2)]
        ],
        "indicators": [
            # published 80 % closed; the records give 3 of 4 = 75 %
            {"locality_id": ROOT, "period": "2024", "indicator_code": "cases_closed_share", "method": "reported",
             "value": 80, "value_qualifier": "exact", "numerator": 4, "denominator": 5, "unit": "percent",
             "source": "测试社区2024年工作总结"},
            {"locality_id": ROOT, "period": "2024", "indicator_code": "meetings", "method": "reported",
             "value": 3, "value_qualifier": "exact", "unit": "count", "source": "测试社区2024年工作总结"},
            {"locality_id": ROOT, "period": "2024", "indicator_code": "satisfaction_rate", "method": "reported",
             "value": 90, "value_qualifier": "exact", "denominator": 100, "unit": "percent", "source": "第三方测评"},
        ],
    }


def make(folder: Path, tables: dict | None = None, **metadata) -> Path:
    return write_package(folder, meta(**metadata), small_tables() if tables is None else tables)


@pytest.fixture
def small(tmp_path) -> Path:
    return make(tmp_path / "small")


def value(df: pd.DataFrame, code: str, origin: str = "records", survey=None, **dims) -> pd.Series:
    """The one row of `code`: totals (no breakdown) unless dimensions are given; for survey rates the
    pooled row unless `survey` names one."""
    rows = df[(df["indicator_code"] == code) & (df["origin"] == origin)]
    for d in DIMENSIONS:
        rows = rows[rows[d] == dims[d]] if d in dims else rows[rows[d].isna()]
    rows = rows[rows["survey_id"] == survey] if survey else rows[rows["survey_id"].isna()]
    assert len(rows) == 1, f"{code}/{origin}: {len(rows)} rows"
    return rows.iloc[0]


# ----------------------------------------------------------------------------- load

def test_load_types_follow_the_schemas(small, standard):
    pkg = jiceng.load(small, validate=False)
    assert pkg.name == "test-community" and pkg.locality_id == ROOT and pkg.period == "2024"
    assert pkg.province_code == "33" and pkg.province == "浙江省" and pkg.province_en == "Zhejiang"
    assert pkg.schema_version == standard.version and pkg.licence == "CC-BY-4.0"
    expected = {"integer": "Int64", "number": "float64", "boolean": "boolean", "string": "string"}
    for table, df in pkg.tables.items():
        assert list(df.columns) == standard.field_names(table)
        for f in standard.fields(table):
            dtype = df[f["name"]].dtype
            if f.get("codelist"):
                assert isinstance(dtype, pd.CategoricalDtype), (table, f["name"])
                assert set(standard.codelists[f["codelist"]].codes) <= set(dtype.categories), (table, f["name"])
            elif f["type"] == "date":
                assert pd.api.types.is_datetime64_any_dtype(dtype), (table, f["name"])
            else:
                assert str(dtype) == expected[f["type"]], (table, f["name"], dtype)
    cases = pkg["cases"]
    assert cases["resident_rating"].isna().tolist() == [False, False, True, True]
    assert cases["resident_rating"][0] == 5
    assert cases.loc[0, "closed_date"] == pd.Timestamp("2024-01-03")
    assert pkg["grid_staff"]["party_member"].tolist()[2:4] == [True, False]
    assert pd.isna(pkg["grid_staff"]["party_member"][0])


def test_ordered_codelists_are_ordered_categoricals(small, standard):
    pkg = jiceng.load(small, validate=False)
    age = pkg["grid_staff"]["age_band"]
    assert age.cat.ordered and age[0] < age[1]  # 35-44 before 45-59
    assert not pkg["cases"]["status"].cat.ordered  # case_status is not an ordered codelist
    response = pkg["survey_answers"]["response"]
    assert response.cat.ordered
    cats = list(response.cat.categories)
    # within a scale the order column ranks the options; don't know / not applicable / refused come last
    assert cats.index("very_dissatisfied") < cats.index("dissatisfied") < cats.index("neutral") \
        < cats.index("satisfied") < cats.index("very_satisfied")
    assert cats.index("not_at_all") < cats.index("a_lot")
    assert cats[-3:] == ["dont_know", "not_applicable", "refused"]
    assert (response == "very_satisfied").sum() == 1
    valid = response[response.isin(standard.codelists["response_option"].flagged("valid"))]
    assert valid.max() == "very_satisfied" and valid.min() == "dissatisfied"


def test_labels_in_chinese_and_english(small, standard):
    pkg = jiceng.load(small, validate=False)
    zh = pkg.labels("cases", "zh")
    en = pkg.labels("cases", lang="en")
    assert zh["status"].tolist() == ["已解决", "已办结未解决", "办理中", "已解决"]
    assert en["status"].tolist() == ["Resolved", "Closed, unresolved", "In progress", "Resolved"]
    assert pkg["cases"]["status"][0] == "resolved"  # the package itself keeps its codes
    headers = pkg.labels("cases", "zh", headers=True)
    status_field = next(f for f in standard.fields("cases") if f["name"] == "status")
    assert status_field["zh"]["title"] in headers.columns and "status" not in headers.columns
    ages = pkg.labels("grid_staff", "zh")["age_band"]
    assert ages.cat.ordered and ages[0] == "35-44岁"
    with pytest.raises(ValueError):
        pkg.labels("cases", "fr")


EXTENSION_FIELD = {"name": "building_count", "type": "integer", "title": "Buildings", "description": "Buildings in the grid.",
                   "zh": {"title": "楼栋数", "description": "网格内楼栋数。"}, "constraints": {"minimum": 0}}


def add_extension(folder: Path) -> None:
    """Declare a locality extension adding grids.building_count, and fill that column."""
    ext = folder / "extensions" / "buildings" / "tables"
    ext.mkdir(parents=True)
    (ext / "grids.json").write_text(json.dumps({"fields": [EXTENSION_FIELD]}, ensure_ascii=False), encoding="utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["extensions"] = [{"name": "buildings", "version": "1.0.0", "path": "extensions/buildings",
                                 "title": "Buildings", "zh": {"title": "楼栋扩展"}}]
    grids = next(r for r in descriptor["resources"] if r["name"] == "grids")
    grids["schema"]["fields"].append(EXTENSION_FIELD)
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    grids_csv = folder / "data" / "grids.csv"
    rows = list(csv.reader(grids_csv.open(encoding="utf-8")))
    rows[0].append("building_count")
    for i, row in enumerate(rows[1:], 1):
        row.append(str(i * 7) if i != 2 else "")
    with grids_csv.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_unknown_codes_and_extension_columns_are_kept(tmp_path):
    tables = small_tables()
    tables["grids"][0]["grid_kind"] = "flood_watch"  # grid_kind is open: a locality's own code
    folder = make(tmp_path / "ext", tables)
    add_extension(folder)
    pkg = jiceng.load(folder)  # validated with its extension
    assert pkg.report.valid
    grids = pkg["grids"]
    assert grids["grid_kind"][0] == "flood_watch"
    assert "flood_watch" in grids["grid_kind"].cat.categories
    assert list(grids.columns)[-1] == "building_count" and grids["building_count"].dtype == "string"
    assert grids["building_count"].tolist()[0] == "7" and pd.isna(grids["building_count"][1])
    assert pkg.labels("grids", "zh")["grid_kind"][0] == "flood_watch"  # no label: the code shows
    many = jiceng.load_many([folder, make(tmp_path / "plain", name="plain")])
    assert many["grids"]["building_count"].fillna("").tolist() == ["7", "", "21", "", "", ""]


def test_a_value_that_does_not_fit_its_type_is_kept_with_a_warning(tmp_path):
    folder = make(tmp_path / "bad")
    path = folder / "data" / "grids.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",300,", ",三百,"), encoding="utf-8")
    with pytest.warns(LoadWarning, match=r"grids\.households.*row 2"):
        pkg = jiceng.load(folder, validate=False)
    assert pkg["grids"]["households"].tolist()[0] == "三百"


def test_load_errors_are_bilingual(tmp_path):
    with pytest.raises(PackageError, match="找不到 datapackage.json|no datapackage.json"):
        jiceng.load(tmp_path, validate=False)
    folder = make(tmp_path / "p")
    (folder / "data" / "cases.csv").unlink()
    with pytest.raises(PackageError, match="lacks file data/cases.csv"):
        jiceng.load(folder, validate=False)


def test_load_many_concatenates_with_grouping_columns(tmp_path):
    make(tmp_path / "a", name="pkg-a")
    tables = small_tables()
    gs = "620000000000"
    tables["localities"] = [{**localities()[0], "locality_id": gs, "name": "甘肃测试", "level": "province"}]
    for t in ("grids", "meetings", "cases", "volunteers", "surveys"):
        for row in tables[t]:
            row["locality_id"] = gs
    tables["indicators"] = []
    tables["grids"][0]["grid_kind"] = "flood_watch"
    write_package(tmp_path / "b", meta("pkg-b", locality_id=gs, locality_name="甘肃测试", province_code="62",
                                       schema_version="2.9.0"), tables)
    many = jiceng.load_many(tmp_path, validate=False)
    assert [p.name for p in many] == ["pkg-a", "pkg-b"]
    assert many.metadata["schema_version"].tolist() == [jiceng.current().version, "2.9.0"]
    grids = many["grids"]
    assert len(grids) == 6 and list(grids.columns[:1]) == ["package"]
    assert grids.groupby("province")["households"].sum().to_dict() == {"浙江省": 900, "甘肃省": 900}
    assert isinstance(grids["grid_kind"].dtype, pd.CategoricalDtype) and "flood_watch" in grids["grid_kind"].cat.categories
    assert grids["households"].dtype == "Int64"
    staff = many["grid_staff"]  # a table without locality_id gets the package's
    assert set(staff["locality_id"]) == {ROOT, gs} and set(staff["province_code"]) == {"33", "62"}
    assert many["grid_staff"]["age_band"].cat.ordered
    assert many.labels("grid_staff", "en")["province"].tolist()[0] == "Zhejiang"
    # a list of package folders works too
    assert len(jiceng.load_many([tmp_path / "b", tmp_path / "a"], validate=False)) == 2


def test_load_many_refuses_different_major_versions(tmp_path):
    make(tmp_path / "a", name="pkg-a")
    make(tmp_path / "b", name="pkg-b", schema_version="3.0.0")
    with pytest.raises(VersionMismatch, match="different major versions") as info:
        jiceng.load_many(tmp_path, validate=False)
    assert "主版本不同" in str(info.value) and "3.0.0" in str(info.value)
    with pytest.raises(VersionMismatch):
        jiceng.load(tmp_path / "b", validate=False)


def test_invalid_package_is_refused_with_its_report(tmp_path):
    tables = small_tables()
    tables["cases"][0]["status"] = "finished"  # not a code of the closed list case_status
    folder = make(tmp_path / "bad", tables)
    with pytest.raises(PackageInvalid) as info:
        jiceng.load(folder)
    report = info.value.report
    assert not report.valid and report.errors
    assert any(f.resource == "cases" for f in report.errors)
    assert "拒绝载入" in str(info.value) and "was not loaded" in str(info.value)
    pkg = jiceng.load(folder, validate=False)  # asked not to validate: loads, and keeps the bad code
    assert pkg["cases"]["status"][0] == "finished"


def test_valid_package_loads_with_validation(small):
    pkg = jiceng.load(small)
    assert pkg.report is not None and pkg.report.valid


# ----------------------------------------------------------------------------- indicators

def test_indicators_hand_computed(small):
    df = jiceng.indicators(jiceng.load(small, validate=False))
    hand = {
        "grids": 2, "micro_grids": 1, "grid_workers": 2, "building_leaders": 2,
        "building_leaders_party_share": 50.0,
        "households_per_grid": 400.0,            # (300 + 500) / 2
        "households_per_grid_worker": 400.0,     # 800 / 2 grid workers (grid leader not counted)
        "grids_with_party_branch_share": 50.0, "grids_with_venue_share": 100.0,
        "meetings": 3, "meetings_per_1000_residents": 1.5,  # 3 / 2000 × 1000
        "online_meetings_share": 200 / 3,        # online + hybrid
        "meeting_participants": 40, "women_share_participants": 40.0,  # 16 / 40
        "cases_collected": 4, "cases_solved": 2,
        "cases_closed_share": 75.0,              # resolved ×2 + closed_unresolved
        "cases_solved_share": 50.0,
        "median_days_to_close": 4.0,             # 2, 10, 4 days
        "case_rating_mean": 3.5,
        "registered_volunteers": 5, "women_share_volunteers": 60.0,
        "volunteers_per_100_residents": 0.25, "service_hours": 10.5, "service_hours_per_volunteer": 2.1,
        "response_rate": 25 / 30 * 100,
    }
    for code, expected in hand.items():
        assert value(df, code)["value"] == pytest.approx(expected), code
    # surveys are rated one by one (SV1 face to face by the locality, SV2 by phone by a third party, with a
    # stricter "satisfied"): SV1 2 satisfied of 4 valid answers, SV2 10 of 17; no pooled row
    sv1, sv2 = value(df, "satisfaction_rate", survey="SV1"), value(df, "satisfaction_rate", survey="SV2")
    assert (sv1["value"], sv1["numerator"], sv1["denominator"], sv1["n_valid"], sv1["n_dont_know"]) == (50, 2, 4, 4, 1)
    assert sv2["value"] == pytest.approx(10 / 17 * 100) and sv2["n_dont_know"] == 3
    assert value(df, "survey_valid_answers", survey="SV2")["value"] == 17
    assert df[(df["indicator_code"] == "satisfaction_rate") & df["survey_id"].isna() & (df["origin"] == "records")].empty
    assert "mode differs" in sv1["note"] and "satisfied definition differs" in sv1["note"]
    # tables the package does not carry give no computed row
    assert not (df["indicator_code"] == "agenda_mean_stars").any()
    assert not (df["indicator_code"] == "points_earned").any()
    # reported-only indicators are never computed
    assert not ((df["indicator_code"] == "cadres_deployed") & (df["origin"] == "records")).any()
    assert set(df.loc[df["origin"] == "records", "period"]) == {"2024"}
    assert set(df.loc[df["origin"] == "records", "period_start"]) == {"2024-01-01"}
    assert set(df.loc[df["origin"] == "records", "period_end"]) == {"2024-12-31"}
    assert set(df.loc[df["origin"] == "records", "level"]) == {"community"}
    assert set(df.columns) >= {"package", "locality_id", "locality_name", "province_code", "province", "period",
                               "indicator_code", "indicator_zh", "indicator_en", "method", "value", "value_qualifier",
                               "numerator", "denominator", "unit", "n_valid", "ci_low", "ci_high", "source"}
    assert value(df, "grids")["locality_name"] == "测试社区" and value(df, "grids")["province"] == "浙江省"
    assert value(df, "households_per_grid")["indicator_zh"] == "网格平均户数"


def test_every_catalogue_computation_runs(small, standard):
    pkg = jiceng.load(small, validate=False)
    for ind in standard.catalogue:
        if ind["computation"]:
            result = compute(pkg, ind)  # no crash; a number or NaN
            assert isinstance(result["value"], float), ind["code"]


def test_empty_cases_are_undefined_not_zero(tmp_path):
    tables = small_tables()
    tables["cases"] = []
    df = jiceng.indicators(jiceng.load(make(tmp_path / "empty", tables), validate=False))
    assert value(df, "cases_collected")["value"] == 0  # a count of nothing is zero
    for code in ("cases_closed_share", "cases_solved_share", "median_days_to_close", "case_rating_mean"):
        row = value(df, code)
        assert math.isnan(row["value"]), code
    assert value(df, "cases_closed_share")["denominator"] == 0


def test_zero_denominators_and_a_bare_package_do_not_crash(tmp_path):
    tables = small_tables()
    tables["localities"] = localities(resident_population=None)
    tables["meeting_participation"] = [{"meeting_id": "MT1", "participant_category": "resident", "participants": 0}]
    tables["volunteers"] = []
    tables["service_records"] = []
    df = jiceng.indicators(jiceng.load(make(tmp_path / "zeros", tables), validate=False))
    for code in ("meetings_per_1000_residents", "women_share_participants", "service_hours_per_volunteer",
                 "volunteers_per_100_residents", "service_hours"):
        assert math.isnan(value(df, code)["value"]), code
    bare = jiceng.indicators(jiceng.load(make(tmp_path / "bare", {"localities": localities()}), validate=False))
    assert bare.empty and list(bare.columns) == COLUMNS  # nothing to compute from, no reported figures


def test_wilson_interval_matches_published_values():
    # Newcombe (1998), Statistics in Medicine 17:857, Table I: 81/263 → 0.2553–0.3662, 15/148 → 0.0624–0.1605
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    low, high = wilson_interval(0, 20)  # 0 / 20 → 0 to 0.1611
    assert low == 0 and high == pytest.approx(0.1611, abs=5e-5)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_satisfaction_interval_is_wilson_on_valid_answers(small):
    df = jiceng.indicators(jiceng.load(small, validate=False))
    sat = value(df, "satisfaction_rate", survey="SV2")
    # by hand: p = 10/17, n = 17, z = 1.96: centre (p + z²/2n)/(1 + z²/n) = 0.5720, half-width 0.2119
    assert sat["ci_low"] == pytest.approx(36.01, abs=0.01)
    assert sat["ci_high"] == pytest.approx(78.39, abs=0.01)
    # a reported rate with its sample size gets an interval too: 90 % of 100 → 82.6–94.5 %
    rep = value(df, "satisfaction_rate", origin="package")
    assert rep["n_valid"] == 100
    assert (rep["ci_low"], rep["ci_high"]) == pytest.approx((82.56, 94.48), abs=0.01)
    assert math.isnan(value(df, "meetings")["ci_low"])


def test_reported_and_computed_disagreement_is_visible(small):
    df = jiceng.indicators(jiceng.load(small, validate=False))
    closed = df[(df["indicator_code"] == "cases_closed_share") & df[DIMENSIONS].isna().all(axis=1)]
    assert sorted(closed["method"]) == ["computed", "reported"]
    gaps = indicator_gaps(df).set_index("indicator_code")
    assert gaps.loc["cases_closed_share", "reported"] == 80
    assert gaps.loc["cases_closed_share", "computed"] == 75
    assert gaps.loc["cases_closed_share", "difference"] == -5
    assert gaps.loc["cases_closed_share", "relative_difference"] == pytest.approx(-0.0625)
    consistent = gaps.loc["cases_closed_share", "consistent"]
    assert consistent is not None and not consistent
    assert bool(gaps.loc["meetings", "consistent"]) is True
    # a reported rate of surveys that may not be pooled is not set against any one survey
    assert "satisfaction_rate" not in gaps.index


def test_indicators_of_a_set_and_english_names(tmp_path):
    make(tmp_path / "a", name="pkg-a")
    tables = small_tables()
    tables["cases"] = tables["cases"][:2]  # both closed
    make(tmp_path / "b", tables, name="pkg-b", period="2024-01")  # January: both cases reported and closed in it
    df = jiceng.indicators(jiceng.load_many(tmp_path, validate=False), lang="en")
    closed = df[(df["indicator_code"] == "cases_closed_share") & (df["origin"] == "records") & df["case_category"].isna()
                & df["case_source"].isna()].set_index("package")
    assert closed.loc["pkg-a", "value"] == 75 and closed.loc["pkg-b", "value"] == 100
    assert closed.loc["pkg-b", "period"] == "2024-01" and closed.loc["pkg-b", "period_end"] == "2024-01-31"
    assert set(df["province"]) == {"Zhejiang"} and set(df["locality_name"]) == {"Test community"}


# ----------------------------------------------------------------------------- seed cases

SEED = REPO / "datapackages" / "seed-cases"


def test_seed_cases_zhangxian_women_on_village_committees():
    if not SEED.is_dir():
        pytest.skip("datapackages/seed-cases not generated yet")
    df = jiceng.indicators(jiceng.load(SEED, validate=False))
    rows = df[(df["indicator_code"] == "village_committee_women_share") & df["locality_name"].fillna("").str.contains("漳县")]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["numerator"], row["denominator"]) == (237, 573)
    assert round(row["numerator"] / row["denominator"] * 100, 1) == 41.4
    assert row["province"] == "甘肃省"


# ----------------------------------------------------------------------------- CLI

def test_compare_writes_csv_and_markdown(tmp_path):
    make(tmp_path / "pkgs" / "a", name="pkg-a")
    make(tmp_path / "pkgs" / "b", name="pkg-b")
    runner = CliRunner()
    out = tmp_path / "cmp.csv"
    result = runner.invoke(app, ["compare", str(tmp_path / "pkgs"), "--no-validate", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"locality_id": str, "province_code": str, "period": str})
    expected = jiceng.indicators(jiceng.load_many(tmp_path / "pkgs", validate=False))
    assert len(table) == len(expected) and list(table.columns) == list(expected.columns)
    closed = table[(table["indicator_code"] == "cases_closed_share") & (table["method"] == "computed")
                   & table["case_category"].isna() & table["case_source"].isna()]
    assert closed["value"].tolist() == [75.0, 75.0]
    result = runner.invoke(app, ["compare", str(tmp_path / "pkgs" / "a"), "--no-validate", "--format", "markdown", "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("## 层级 level: community") and "compare only within one level" in lines[0]
    assert lines[2].startswith("| package | level | locality_id |") and lines[3].startswith("|---|")
    assert any("| cases_closed_share |" in l and "| 75 |" in l and "| Zhejiang |" in l for l in lines)


def test_compare_reports_bad_input_without_traceback(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["compare", str(tmp_path / "nowhere"), "--no-validate"])
    assert result.exit_code == 2
    assert "找不到" in result.output and "does not exist" in result.output and "Traceback" not in result.output
    make(tmp_path / "v2", name="v2", schema_version="3.0.0")
    result = runner.invoke(app, ["compare", str(tmp_path / "v2"), "--no-validate"])
    assert result.exit_code == 2 and "major version" in result.output


def test_compare_refuses_an_invalid_package(tmp_path):
    tables = small_tables()
    tables["cases"][0]["status"] = "finished"
    make(tmp_path / "bad", tables)
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "bad")])
    assert result.exit_code == 1 and "拒绝载入" in result.output


def test_excerpt_package_gets_no_indicators_computed_from_records():
    """seed-cases quotes excerpts: its 8 team rows are not all of Zhejiang's teams."""
    import jiceng

    pkg = jiceng.load(REPO / "datapackages" / "seed-cases")
    df = jiceng.indicators(pkg)
    assert pkg.descriptor["records"] == "excerpt"
    assert not (df["origin"] == "records").any()
    assert (df["origin"] == "package").sum() == len(pkg.tables["indicators"])


# ============================================================================= what was measured (issue: indicators
# that mean the same thing everywhere), each on a mutated copy of an example package

EXAMPLES = REPO / "datapackages"


def example_copy(tmp_path: Path, name: str = "zj-hangzhou-linli") -> Path:
    import shutil

    folder = tmp_path / name
    shutil.copytree(EXAMPLES / name, folder)
    return folder


def rows_of(folder: Path, table: str) -> list[dict]:
    with open(folder / "data" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(folder: Path, table: str, rows: list[dict]) -> None:
    with open(folder / "data" / f"{table}.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def computed(folder: Path, *codes, **kw) -> pd.DataFrame:
    df = jiceng.indicators(jiceng.load(folder, validate=False), codes=codes or None, **kw)
    return df[df["origin"] == "records"]


def total(df: pd.DataFrame, code: str, survey=None, locality=None) -> pd.Series:
    rows = df[(df["indicator_code"] == code) & df[DIMENSIONS].isna().all(axis=1)]
    rows = rows[rows["survey_id"] == survey] if survey else rows[rows["survey_id"].isna()]
    if locality:
        rows = rows[rows["locality_id"] == locality]
    else:
        rows = rows[rows["level"] != "grid"].head(1)
    assert len(rows) == 1, (code, len(rows))
    return rows.iloc[0]


def in_2022(value: str) -> bool:
    return bool(value) and "2022-01-01" <= value <= "2022-12-31"


# ----------------------------------------------------------------------------- periods are applied

def test_a_case_reported_before_the_period_is_not_collected_in_it(tmp_path):
    folder = example_copy(tmp_path)
    base = total(computed(folder, "cases_collected"), "cases_collected")["value"]
    cases = rows_of(folder, "cases")
    case = next(c for c in cases if in_2022(c["reported_date"]) and c["status"] == "resolved")
    case.update(reported_date="2019-05-06", closed_date="2019-05-08", hours_to_close="")
    write_rows(folder, "cases", cases)
    assert total(computed(folder, "cases_collected"), "cases_collected")["value"] == base - 1  # was counted in 2022 before


def test_cases_closed_after_the_period_do_not_make_its_closing_time(tmp_path):
    folder = example_copy(tmp_path)
    before = computed(folder, "cases_closed_share", "median_days_to_close")
    cases = rows_of(folder, "cases")
    moved = [c for c in cases if c["status"] == "resolved" and in_2022(c["closed_date"]) and in_2022(c["reported_date"])][:200]
    for c in moved:  # reported early in 2022, closed in mid-2023: 545 days
        c.update(reported_date="2022-01-05", closed_date="2023-07-03", hours_to_close="")
    write_rows(folder, "cases", cases)
    after = computed(folder, "cases_closed_share", "median_days_to_close")
    closed_in_2022 = [c for c in cases if in_2022(c["closed_date"]) and c["status"] in ("resolved", "closed_unresolved")]
    assert total(after, "median_days_to_close")["value"] < 3  # not 545: those cases were not closed in 2022
    collected = [c for c in cases if in_2022(c["reported_date"]) and c["status"] != "withdrawn"]
    closed_by_end = [c for c in collected if c["status"] in ("resolved", "closed_unresolved") and c["closed_date"] <= "2022-12-31"]
    share = total(after, "cases_closed_share")
    assert (share["numerator"], share["denominator"]) == (len(closed_by_end), len(collected))
    assert share["value"] < total(before, "cases_closed_share")["value"] - 15
    assert len(closed_in_2022) > 0


def test_staff_who_left_and_dissolved_grids_are_not_counted(tmp_path):
    folder = example_copy(tmp_path, "hn-xiangtan-yuhu")
    staff, grids = rows_of(folder, "grid_staff"), rows_of(folder, "grids")
    serving = [s for s in staff if s["role"] in ("fulltime_grid_worker", "parttime_grid_worker")
               and (not s["end_date"] or s["end_date"] >= "2022-01-01") and s["start_date"] <= "2022-12-31"]
    left = [s for s in staff if s["role"] in ("fulltime_grid_worker", "parttime_grid_worker") and s not in serving]
    assert left, "the example has grid workers who left before the period"
    df = computed(folder, "grid_workers", "grids")
    assert total(df, "grid_workers")["value"] == len(serving)  # 1.0 counted every roster row
    active_grids = [g for g in grids if g["grid_level"] == "grid" and (not g["valid_to"] or g["valid_to"] >= "2022-01-01")]
    assert total(df, "grids")["value"] == len(active_grids) < sum(g["grid_level"] == "grid" for g in grids)
    # more people who left in 2020, and a grid dissolved in 2021 with its staff: nothing changes
    grids.append({**grids[0], "grid_id": "G98", "valid_from": "2019-01-01", "valid_to": "2021-03-31"})
    for i in range(5):
        staff.append({**staff[1], "staff_id": f"S9{i:03d}", "grid_id": "G98", "role": "fulltime_grid_worker",
                      "start_date": "2019-02-01", "end_date": "2020-06-30"})
    write_rows(folder, "grids", grids)
    write_rows(folder, "grid_staff", staff)
    after = computed(folder, "grid_workers", "grids")
    assert total(after, "grid_workers")["value"] == len(serving)
    assert total(after, "grids")["value"] == len(active_grids)


def test_inactive_volunteers_are_not_counted(tmp_path):
    folder = example_copy(tmp_path, "hn-xiangtan-yuhu")
    volunteers = rows_of(folder, "volunteers")
    active = [v for v in volunteers if v["active"] != "false" and v["registered_date"] <= "2022-12-31"]
    assert len(active) < len(volunteers)
    assert total(computed(folder, "registered_volunteers"), "registered_volunteers")["value"] == len(active)  # 1.0: all 1,500 rows
    for v in active[:100]:
        v["active"] = "false"
    write_rows(folder, "volunteers", volunteers)
    assert total(computed(folder, "registered_volunteers"), "registered_volunteers")["value"] == len(active) - 100


def test_rows_carry_the_period_as_an_interval(tmp_path):
    folder = example_copy(tmp_path)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["period"] = "2022-H1"
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    df = computed(folder, "cases_collected", "grids")
    assert set(df["period_start"]) == {"2022-01-01"} and set(df["period_end"]) == {"2022-06-30"}
    cases = rows_of(folder, "cases")
    h1 = [c for c in cases if "2022-01-01" <= c["reported_date"] <= "2022-06-30" and c["status"] != "withdrawn"]
    assert total(df, "cases_collected")["value"] == len(h1)


def test_validator_warns_about_records_outside_the_period_and_inconsistent_ranges(tmp_path):
    folder = example_copy(tmp_path)
    report = jiceng.validate(folder)
    outside = [f for f in report.findings if f.code == "RECORD_OUTSIDE_PERIOD" and f.resource == "cases"]
    before_2022 = [c for c in rows_of(folder, "cases") if c["reported_date"] < "2022-01-01"]
    assert len(outside) == len(before_2022) > 0 and outside[0].severity == "WARNING"
    assert f"{len(before_2022)} 条记录" in outside[0].message_zh and f"{len(before_2022)} records" in outside[0].message_en
    staff = rows_of(folder, "grid_staff")
    staff[0]["start_date"] = "2015-01-01"  # before its grid existed
    write_rows(folder, "grid_staff", staff)
    report = jiceng.validate(folder)
    ranges = [f for f in report.findings if f.code == "ACTIVE_RANGE_INCONSISTENT"]
    assert [(f.resource, f.row, f.severity) for f in ranges] == [("grid_staff", 2, "WARNING")]
    assert report.valid


# ----------------------------------------------------------------------------- surveys

def _answers_as_counts(answers: list[dict], survey: str) -> list[dict]:
    from collections import Counter

    counts = Counter((a["question_code"], a["response"]) for a in answers if a["survey_id"] == survey)
    return [{"survey_id": survey, "question_code": q, "response": r, "count": str(n), "share": ""}
            for (q, r), n in sorted(counts.items())]


def test_a_survey_published_as_answers_and_counts_is_an_error_and_counted_once(tmp_path):
    folder = example_copy(tmp_path, "gs-dingxi-zhangxian")
    before = total(computed(folder, "satisfaction_rate"), "satisfaction_rate", survey="SV2022-1")
    counts = rows_of(folder, "survey_counts")
    counts += _answers_as_counts(rows_of(folder, "survey_answers"), "SV2022-1")
    write_rows(folder, "survey_counts", counts)
    report = jiceng.validate(folder)
    twice = [f for f in report.errors if f.code == "SURVEY_PUBLISHED_TWICE"]
    assert {f.resource for f in twice} == {"survey_answers", "survey_counts"} and all(f.row for f in twice)
    assert "survey_answers row" in twice[0].message_en and "survey_counts row" in twice[0].message_en
    after = total(computed(folder, "satisfaction_rate"), "satisfaction_rate", survey="SV2022-1")
    assert after["n_valid"] == before["n_valid"] and after["value"] == before["value"]  # not 616 → 885


def _two_surveys(mode2="face_to_face", conductor2="locality", satisfied2="very_satisfied,satisfied") -> dict:
    tables = small_tables()
    tables["surveys"][1].update(mode=mode2, conductor=conductor2, satisfied_responses=satisfied2)
    tables["survey_counts"] = [
        {"survey_id": "SV2", "question_code": "SAT_OVERALL", "response": r, "count": n}
        for r, n in [("very_satisfied", 10), ("satisfied", 5), ("dont_know", 3), ("neutral", 2)]]
    return tables


def test_surveys_are_pooled_only_when_they_measure_the_same_way(tmp_path):
    same = computed(make(tmp_path / "same", _two_surveys()))
    pooled = total(same, "satisfaction_rate")
    # SV1 2 of 4 valid, SV2 15 of 17 valid: pooled 17 of 21, interval on 21 answers, don't know 1 + 3
    assert (pooled["numerator"], pooled["denominator"], pooled["n_dont_know"]) == (17, 21, 4)
    assert pooled["value"] == pytest.approx(17 / 21 * 100)
    assert (pooled["ci_low"], pooled["ci_high"]) == pytest.approx(tuple(100 * x for x in wilson_interval(17, 21)))
    for change, reason in [({"mode2": "phone"}, "mode differs"), ({"conductor2": "third_party"}, "conductor differs"),
                           ({"satisfied2": "very_satisfied"}, "satisfied definition differs")]:
        df = computed(make(tmp_path / reason.split()[0], _two_surveys(**change)))
        assert df[(df["indicator_code"] == "satisfaction_rate") & df["survey_id"].isna()].empty, reason
        sv1 = total(df, "satisfaction_rate", survey="SV1")
        assert sv1["value"] == 50 and reason in sv1["note"]
    # a stricter definition in one survey changes that survey only (not a silent pooled 64.9 %)
    strict = computed(make(tmp_path / "strict", _two_surveys(satisfied2="very_satisfied")))
    assert total(strict, "satisfaction_rate", survey="SV2")["value"] == pytest.approx(10 / 17 * 100)


def test_weights_give_a_weighted_share_and_kish_effective_n(tmp_path):
    tables = small_tables()
    responses = ["very_satisfied", "satisfied", "dissatisfied", "dont_know", "satisfied", "very_dissatisfied"]
    weights = [2.0, 1.0, 1.0, 3.0, 0.5, 1.5]
    tables["survey_answers"] = [
        {"survey_id": "SV1", "respondent_id": f"P{i}", "question_code": "SAT_OVERALL", "response": r, "weight": w}
        for i, (r, w) in enumerate(zip(responses, weights), 1)]
    tables["surveys"][0]["responses"] = 6
    tables["survey_counts"] = []
    df = computed(make(tmp_path / "weighted", tables))
    sv1 = total(df, "satisfaction_rate", survey="SV1")
    valid_w = [2.0, 1.0, 1.0, 0.5, 1.5]  # don't know is not valid
    share = (2.0 + 1.0 + 0.5) / sum(valid_w)
    n_eff = sum(valid_w) ** 2 / sum(w * w for w in valid_w)
    assert sv1["value"] == pytest.approx(share * 100) and sv1["n_effective"] == pytest.approx(n_eff)
    assert sv1["n_valid"] == 5 and sv1["n_dont_know"] == 1
    assert (sv1["ci_low"], sv1["ci_high"]) == pytest.approx(tuple(100 * x for x in wilson_interval(share * n_eff, n_eff)))


def _sdg_answers(question: str, counts: dict, start: int = 1) -> list[dict]:
    rows, i = [], start
    for response, n in counts.items():
        for _ in range(n):
            rows.append({"survey_id": "SV1", "respondent_id": f"P{i:04d}", "question_code": question, "response": response})
            i += 1
    return rows


def test_strict_sdg_16_7_2_by_hand(tmp_path):
    # UN metadata worked example: 70 % positive on "have a say", 54 % on "have an influence" → 62 %
    say = {"not_at_all_5": 8, "very_little_5": 22, "some_5": 26, "a_lot_5": 34, "a_great_deal": 10,
           "dont_know": 5, "not_applicable": 3, "refused": 2}
    influence = {"not_at_all_5": 16, "very_little_5": 30, "some_5": 26, "a_lot_5": 14, "a_great_deal": 14}
    tables = small_tables()
    tables["survey_answers"] = _sdg_answers("SDG1672S_SAY", say) + _sdg_answers("SDG1672S_INFLUENCE", influence)
    tables["surveys"][0].update(sample_size=200, responses=110)
    tables["survey_counts"] = []
    df = computed(make(tmp_path / "sdg", tables))
    row = total(df, "sdg_16_7_2", survey="SV1")
    assert row["value"] == pytest.approx((70 + 54) / 2) == 62
    # don't know, not applicable and refused are reported beside the rate, not in the denominator (100 each)
    assert (row["n_dont_know"], row["n_not_applicable"], row["n_refused"], row["n_valid"]) == (5, 3, 2, 100)
    assert row["comparability"] == "sdg_strict" and row["survey_verdict"] == "strict"


def test_strict_sdg_16_6_2_by_hand(tmp_path):
    # UN metadata worked example for health care: attributes 50, 60, 73, 55, 42 % positive → 56 %; overall 60 %
    tables = small_tables()
    answers, start = [], 1
    for attribute, positive in zip(["ACCESS", "AFFORD", "FACILITY", "EQUAL", "COURTESY"], [50, 60, 73, 55, 42]):
        answers += _sdg_answers(f"SDG1662S_HEALTH_{attribute}", {"strongly_agree": positive // 2, "agree": positive - positive // 2,
                                                               "disagree": 100 - positive, "not_applicable": 7}, start)
    answers += _sdg_answers("SDG1662S_HEALTH_OVERALL", {"very_satisfied_4": 23, "satisfied_4": 37, "dissatisfied_4": 30,
                                                         "very_dissatisfied_4": 10, "dont_know": 4})
    # one respondent id per person: renumber so each (respondent, question) is unique
    for i, a in enumerate(answers):
        a["respondent_id"] = f"P{i % 107:04d}"
    tables["survey_answers"] = answers
    tables["surveys"][0].update(sample_size=200, responses=107)
    tables["survey_counts"] = []
    df = computed(make(tmp_path / "sdg6", tables))
    assert total(df, "sdg_16_6_2_health_attributes", survey="SV1")["value"] == pytest.approx(56)
    overall = total(df, "sdg_16_6_2_health_overall", survey="SV1")
    assert overall["value"] == pytest.approx(60) and overall["n_dont_know"] == 4
    # the modelled items of 1.0 stay, labelled as not SDG-comparable
    assert jiceng.current().indicator_by_code["say_rate"]["sdg_comparable"] is False


def test_each_survey_gets_a_comparability_verdict(tmp_path):
    from jiceng.indicators import survey_verdicts

    verdicts = survey_verdicts(jiceng.load(EXAMPLES / "zj-hangzhou-linli", validate=False)).set_index("survey_id")
    assert verdicts.loc["SV2022-3", "verdict"] == "strict" and "16.7.2" in verdicts.loc["SV2022-3", "reasons_en"]
    assert verdicts.loc["SV2022-1", "verdict"] == "modelled"
    assert "not SDG-comparable" in verdicts.loc["SV2022-1", "reasons_en"] and "SDG1672_SAY" in verdicts.loc["SV2022-1", "reasons_en"]
    df = computed(EXAMPLES / "zj-hangzhou-linli", "say_rate")
    say = df[df["indicator_code"] == "say_rate"]
    assert set(say["comparability"]) == {"sdg_modelled_not_comparable"}


def test_a_result_published_as_shares_only_is_valid_and_has_no_interval(tmp_path):
    tables = small_tables()
    tables["surveys"].append({"survey_id": "SV3", "locality_id": ROOT, "title": "县级测评(只公布百分比)", "mode": "paper",
                              "conductor": "higher_level", "publication": "shares",
                              "satisfied_responses": "very_satisfied,satisfied"})
    tables["survey_counts"] += [{"survey_id": "SV3", "question_code": "SAT_OVERALL", "response": r, "share": v}
                                for r, v in [("very_satisfied", 52.3), ("satisfied", 38.1), ("neutral", 6.2),
                                             ("dissatisfied", 2.2), ("dont_know", 1.2)]]
    folder = make(tmp_path / "shares", tables)
    report = jiceng.validate(folder)
    assert report.valid, [f.code for f in report.errors]
    row = total(computed(folder), "satisfaction_rate", survey="SV3")
    assert row["value"] == pytest.approx((52.3 + 38.1) / (100 - 1.2) * 100)
    assert math.isnan(row["ci_low"]) and math.isnan(row["n_valid"]) and "shares only" in row["note"]


# ----------------------------------------------------------------------------- definitions pinned

def test_withdrawn_cases_are_neither_collected_nor_in_the_closed_share(tmp_path):
    folder = example_copy(tmp_path)
    cases = rows_of(folder, "cases")
    in_period = [c for c in cases if in_2022(c["reported_date"])]
    withdrawn = [c for c in in_period if c["status"] == "withdrawn"]
    assert withdrawn
    collected = [c for c in in_period if c["status"] != "withdrawn"]
    closed = [c for c in collected if c["status"] in ("resolved", "closed_unresolved") and c["closed_date"] <= "2022-12-31"]
    share = total(computed(folder, "cases_closed_share"), "cases_closed_share")
    assert share["value"] == pytest.approx(len(closed) / len(collected) * 100)  # 1.0: withdrawn in the denominator
    assert share["value"] > len(closed) / len(in_period) * 100
    assert "withdrawn" in jiceng.current().indicator_by_code["cases_closed_share"]["description"]


def test_participation_share_uses_meeting_counts_where_rows_are_missing_and_reports_coverage(tmp_path):
    folder = example_copy(tmp_path, "gs-dingxi-zhangxian")
    before = total(computed(folder, "women_share_participants"), "women_share_participants")
    meetings = rows_of(folder, "meetings")
    half = {m["meeting_id"] for m in meetings[::2]}
    part = [p for p in rows_of(folder, "meeting_participation") if p["meeting_id"] not in half]
    write_rows(folder, "meeting_participation", part)
    after = total(computed(folder, "women_share_participants"), "women_share_participants")
    assert after["value"] == pytest.approx(before["value"]) and after["coverage"] == 100  # 1.0: 42.5 → 41.2
    for m in meetings:
        if m["meeting_id"] in half:
            m["participants"] = m["women_participants"] = ""
    write_rows(folder, "meetings", meetings)
    partial = total(computed(folder, "women_share_participants"), "women_share_participants")
    assert partial["coverage"] == pytest.approx(100 * (len(meetings) - len(half)) / len(meetings))
    women = sum(int(p["women"]) for p in part)
    assert partial["value"] == pytest.approx(women / sum(int(p["participants"]) for p in part) * 100)


def test_closing_time_in_hours_where_recorded(tmp_path):
    tables = small_tables()
    tables["cases"][0]["hours_to_close"] = 1.5    # C1 closed in 1.5 hours (dates 2 days apart)
    tables["cases"][1]["hours_to_close"] = 30     # C2 in 30 hours
    df = computed(make(tmp_path / "hours", tables))
    # days: 1.5/24, 30/24 = 1.25, and C4 4 whole days → median 1.25 (1.0: whole days 2, 10, 4 → 4)
    assert total(df, "median_days_to_close")["value"] == pytest.approx(1.25)
    assert total(df, "median_hours_to_close")["value"] == pytest.approx((1.5 + 30) / 2)
    assert total(df, "cases_closed_within_2h_share")["value"] == 50
    assert total(df, "cases_closed_within_7d_share")["value"] == 100


def test_voters_come_from_one_figure_per_ballot(tmp_path):
    tables = small_tables()
    sub = ROOT + "-XQ1"
    tables["localities"].append({"locality_id": sub, "name": "一小区", "level": "compound", "parent_id": ROOT})
    projects = [(ROOT, 500), (ROOT, 500), (ROOT, 500), (sub, 300), (sub, 300)]
    tables["livelihood_projects"] = [
        {"project_id": f"P{i}", "locality_id": lid, "title": "实事", "year": 2024, "stage": "selected", "voters": v}
        for i, (lid, v) in enumerate(projects, 1)]
    df = computed(make(tmp_path / "ballots", tables))
    assert total(df, "livelihood_project_voters")["value"] == 800  # two ballots; 1.0: max() = 500
    tables["livelihood_projects"][1]["voters"] = 520  # one ballot, two turnouts: no value
    df = computed(make(tmp_path / "disagree", tables))
    assert math.isnan(total(df, "livelihood_project_voters")["value"])


# ----------------------------------------------------------------------------- every level, safe joins

def test_every_locality_and_grid_of_a_street_package(tmp_path):
    folder = EXAMPLES / "hn-xiangtan-yuhu"
    pkg = jiceng.load(folder, validate=False)
    df = jiceng.indicators(pkg, by="locality", codes=["cases_collected", "registered_volunteers", "grid_workers"])
    df = df[df["origin"] == "records"]
    cases = df[(df["indicator_code"] == "cases_collected") & df[DIMENSIONS].isna().all(axis=1)]
    levels = dict(zip(cases["locality_id"], cases["level"]))
    communities = [lid for lid, lv in levels.items() if lv == "community"]
    assert levels[pkg.locality_id] == "township" and len(communities) == 5
    street = cases[cases["locality_id"] == pkg.locality_id]["value"].iloc[0]
    assert cases[cases["level"] == "community"]["value"].sum() == street  # 1.0: one row for the street only
    # volunteers are registered with the street only: no made-up zero per community
    vol = df[(df["indicator_code"] == "registered_volunteers") & df[DIMENSIONS].isna().all(axis=1)]
    assert list(vol["locality_id"]) == [pkg.locality_id]
    grids = jiceng.indicators(pkg, by="grid", codes=["grid_workers"])
    workers = grids[(grids["indicator_code"] == "grid_workers") & grids[DIMENSIONS].isna().all(axis=1)]
    assert set(workers["level"]) == {"grid"} and len(workers) == 40 and workers["grid_id"].notna().all()
    assert workers["value"].sum() == total(df, "grid_workers", locality=pkg.locality_id)["value"]
    # breakdowns by sex add up to the total
    by_sex = df[(df["indicator_code"] == "grid_workers") & df["sex"].notna() & (df["locality_id"] == pkg.locality_id)]
    assert set(by_sex["sex"]) == {"female", "male"}
    assert by_sex["value"].sum() == total(df, "grid_workers", locality=pkg.locality_id)["value"]


def test_load_many_keys_are_unique_across_packages_and_staff_sit_in_their_grids(tmp_path):
    import shutil

    for name in ("a", "b"):
        folder = tmp_path / "pkgs" / name
        shutil.copytree(EXAMPLES / "hn-xiangtan-yuhu", folder)
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        descriptor["name"] = f"yuhu-{name}"
        (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    many = jiceng.load_many(tmp_path / "pkgs", validate=False)
    staff, grids = many["grid_staff"], many["grids"]
    naive = staff.merge(grids, on="grid_id")
    assert len(naive) == 2 * len(staff)  # grid ids repeat across packages: the naive join doubles rows
    right = staff.merge(grids, on=["package", "grid_id"], suffixes=("", "_grid"))
    assert len(right) == len(staff) and staff["uid"].is_unique and grids["uid"].is_unique
    assert (right["locality_id"] == right["locality_id_grid"]).all()  # the staff's locality is its grid's
    assert staff["locality_id"].str.endswith(("-C1", "-C2", "-C3", "-C4", "-C5")).all()


# ----------------------------------------------------------------------------- notes, qualifiers, local indicators

def test_reported_rows_keep_note_qualifier_dimensions_and_local_indicators_stay_apart(tmp_path):
    tables = small_tables()
    tables["indicators"] += [
        {"locality_id": ROOT, "period": "2024", "indicator_code": "grid_workers", "method": "reported", "sex": "female",
         "value": 1, "value_qualifier": "exact", "unit": "count", "source": "工作总结", "note": "女性网格员"},
        {"locality_id": ROOT, "period": "2024", "indicator_code": "satisfaction_rate", "method": "reported", "value": 90,
         "value_qualifier": "over", "unit": "percent", "source": "通报", "note": "第三方测评,未公布样本量"},
        {"locality_id": ROOT, "period": "2024", "indicator_code": "x_test_dog_walkers", "method": "reported", "value": 12,
         "value_qualifier": "exact", "unit": "count", "source": "工作总结", "note": "文明养犬劝导员"},
    ]
    tables["indicators"] = [r for r in tables["indicators"] if not (r["indicator_code"] == "satisfaction_rate" and "note" not in r)]
    local = [{"code": "x_test_dog_walkers", "title": "Dog-walking wardens", "description": "Wardens.",
              "zh": {"title": "文明养犬劝导员", "description": "劝导员人数。"}, "unit": "count"}]
    folder = make(tmp_path / "rep", tables, local_indicators=local)
    df = jiceng.indicators(jiceng.load(folder, validate=False))
    rep = df[df["origin"] == "package"].set_index("indicator_code")
    assert rep.loc["satisfaction_rate", "value_qualifier"] == "over" and "未公布样本量" in rep.loc["satisfaction_rate", "note"]
    assert rep.loc["grid_workers", "sex"] == "female" and rep.loc["grid_workers", "note"] == "女性网格员"
    assert not rep.loc["x_test_dog_walkers", "catalogue"] and rep.loc["x_test_dog_walkers", "indicator_zh"] == "文明养犬劝导员"
    assert rep.loc["x_test_dog_walkers", "comparability"] == "local"
    assert df["catalogue"].tolist().index(False) > max(i for i, c in enumerate(df["catalogue"]) if c)  # kept apart, last
    from jiceng.indicators import comparable

    with pytest.raises(ValueError, match="local indicator"):
        comparable(df, "x_test_dog_walkers")
    gaps = indicator_gaps(df)
    assert "x_test_dog_walkers" not in set(gaps["indicator_code"])
    female = gaps[(gaps["indicator_code"] == "grid_workers") & (gaps["sex"] == "female")]
    assert len(female) == 1 and bool(female["consistent"].iloc[0])  # S1 is the one woman among the grid workers
    result = CliRunner().invoke(app, ["compare", str(folder), "--no-validate", "--format", "markdown"])
    text = result.stdout
    assert "## 本地指标 Local indicators" in text and text.index("x_test_dog_walkers") > text.index("## 本地指标")
    assert "未公布样本量" in text and "| over |" in text


def test_local_questions_are_declared_in_the_package(tmp_path):
    tables = small_tables()
    tables["survey_answers"].append({"survey_id": "SV1", "respondent_id": "P1", "question_code": "x_test_park_use",
                                     "response": "yes"})
    folder = make(tmp_path / "undeclared", tables)
    found = [f for f in jiceng.validate(folder).findings if f.code == "LOCAL_QUESTION_UNDECLARED"]
    assert [(f.resource, f.severity, f.value) for f in found] == [("survey_answers", "WARNING", "x_test_park_use")]
    declared = [{"code": "x_test_park_use", "scale": "yes_no", "zh": "过去12个月您是否去过社区公园?",
                 "en": "In the last 12 months, did you visit the community park?"}]
    folder = make(tmp_path / "declared", tables, local_questions=declared)
    report = jiceng.validate(folder)
    assert not [f for f in report.findings if f.code == "LOCAL_QUESTION_UNDECLARED"] and report.valid


def test_schema_check_requires_a_period_rule_naming_real_fields(tmp_path):
    import shutil

    from jiceng.schema_check import check
    from jiceng.standard import Standard

    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    path = tmp_path / "schemas" / "indicators.json"
    catalogue = json.loads(path.read_text(encoding="utf-8"))
    by = {i["code"]: i for i in catalogue["indicators"]}
    by["cases_collected"]["period_rule"]["tables"]["cases"] = {"event": "reported_on"}
    del by["grids"]["period_rule"]
    path.write_text(json.dumps(catalogue, ensure_ascii=False), encoding="utf-8")
    problems = {(p.code, p.where) for p in check(Standard.from_schemas(tmp_path / "schemas"))}
    assert ("catalogue-field", "indicator cases_collected period_rule") in problems
    assert ("missing-period-rule", "indicator grids") in problems
