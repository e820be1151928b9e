"""The packages in datapackages/: valid Frictionless packages with valid metadata, regenerable
byte for byte, free of personal data, and (seed-cases) faithful to the published figures."""
import csv
import filecmp
import importlib.util
import json
import re
import shutil
import statistics
from collections import defaultdict
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from frictionless import Package

from jiceng import examples

REPO = Path(__file__).resolve().parents[1]
PACKAGES = REPO / "datapackages"
SEEDS = REPO.parent / "shared" / "seeds"
EXAMPLES = [p["name"] for p in examples.PROFILES]
ALL = sorted(p.parent.name for p in PACKAGES.glob("*/datapackage.json"))

ID_NUMBER = re.compile(r"(?<![0-9])[1-9]\d{16}[0-9Xx](?![0-9])")
MOBILE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")


def read(package: str, table: str) -> list[dict]:
    path = PACKAGES / package / "data" / f"{table}.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def frictionless_errors(descriptor: Path) -> list[str]:
    report = Package(str(descriptor)).validate()
    if report.valid:
        return []
    out = [f"{e.type}: {e.message}" for e in report.errors]
    for task in report.tasks:
        out += [f"{task.name}: {e.message}" for e in task.errors[:20]]
    return out


def personal_data(folder: Path) -> list[str]:
    """Cells that look like a resident ID number or a mainland mobile number."""
    hits = []
    for path in sorted(folder.glob("data/*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.reader(fh), start=1):
                for cell in row:
                    if ID_NUMBER.search(cell) or MOBILE.search(cell):
                        hits.append(f"{path.name} line {n}: {cell}")
    return hits


def same_tree(a: Path, b: Path) -> list[str]:
    """Files that differ or exist on one side only."""
    cmp = filecmp.dircmp(a, b)
    out = [str(Path(a.name) / f) for f in cmp.left_only + cmp.right_only + cmp.funny_files]
    out += [str(Path(a.name) / f) for f in filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)[1]]
    for sub in cmp.common_dirs:
        out += same_tree(a / sub, b / sub)
    return out


def test_the_expected_packages_exist():
    assert set(ALL) >= {"seed-cases", *EXAMPLES}
    assert len(EXAMPLES) >= 3


# ---------------------------------------------------------------- validity

@pytest.mark.parametrize("package", ALL)
def test_package_passes_frictionless(package):
    errors = frictionless_errors(PACKAGES / package / "datapackage.json")
    assert not errors, "\n".join(errors)


def test_frictionless_check_catches_a_broken_package(tmp_path):
    broken = tmp_path / "seed-cases"
    shutil.copytree(PACKAGES / "seed-cases", broken)
    path = broken / "data" / "indicators.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",reported,", ",guessed,", 1), encoding="utf-8")
    errors = frictionless_errors(broken / "datapackage.json")
    assert any("guessed" in e for e in errors), errors


@pytest.mark.parametrize("package", ALL)
def test_metadata_follows_the_profile(package, standard):
    descriptor = json.loads((PACKAGES / package / "datapackage.json").read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft202012Validator(standard.profile).iter_errors(descriptor)]
    assert not errors, errors
    assert descriptor["schema_version"] == standard.version
    ids = {r["locality_id"] for r in read(package, "localities")}
    assert descriptor["locality_id"] in ids, "the package's locality is a row of its localities table"


def test_profile_check_catches_bad_metadata(standard):
    descriptor = json.loads((PACKAGES / "seed-cases" / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["province_code"] = "Zhejiang"
    del descriptor["licenses"]
    errors = list(jsonschema.Draft202012Validator(standard.profile).iter_errors(descriptor))
    assert len(errors) == 2


@pytest.mark.parametrize("package", EXAMPLES)
def test_example_packages_fill_every_table(package, standard):
    descriptor = json.loads((PACKAGES / package / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["example"] is True
    empty = [t for t in standard.tables if not read(package, t)]
    assert not empty, f"empty tables: {empty}"
    size = sum(p.stat().st_size for p in (PACKAGES / package).rglob("*") if p.is_file())
    assert size < 3_000_000


# ---------------------------------------------------------------- privacy

@pytest.mark.parametrize("package", ALL)
def test_no_id_numbers_or_phone_numbers(package):
    hits = personal_data(PACKAGES / package)
    assert not hits, hits[:10]


def test_personal_data_scan_finds_planted_numbers(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("id,note\nV000001,ok\nV000002,电话13812345678\nV000003,11010519491231002X\n",
                                            encoding="utf-8")
    hits = personal_data(tmp_path)
    assert len(hits) == 2


@pytest.mark.parametrize("package", EXAMPLES)
def test_example_person_ids_are_pseudonymous(package, standard):
    """Fields marked privacy=pseudonymous hold short generated codes, nothing else."""
    for table in standard.tables:
        for field in standard.fields(table):
            if field.get("privacy") == "pseudonymous":
                values = {r[field["name"]] for r in read(package, table)}
                bad = [v for v in values if not re.fullmatch(r"[A-Z]{1,2}\d{4,6}", v)]
                assert not bad, f"{table}.{field['name']}: {bad[:5]}"


# ---------------------------------------------------------------- regeneration

def test_example_generator_is_deterministic_and_matches_the_repository(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    examples.generate(first)
    examples.generate(second)
    for name in EXAMPLES:
        assert not same_tree(first / name, second / name), "two runs differ"
        diff = same_tree(first / name, PACKAGES / name)
        assert not diff, f"datapackages/{name} is stale; run `python -m jiceng.examples datapackages`: {diff}"


def _seed_script():
    spec = importlib.util.spec_from_file_location("build_seed_cases", REPO / "scripts" / "build_seed_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_cases_script_is_deterministic_and_matches_the_repository(tmp_path):
    script = _seed_script()
    script.main([str(tmp_path / "a")])
    script.main([str(tmp_path / "b")])
    assert not same_tree(tmp_path / "a", tmp_path / "b")
    diff = same_tree(tmp_path / "a", PACKAGES / "seed-cases")
    assert not diff, f"datapackages/seed-cases is stale; run `python scripts/build_seed_cases.py`: {diff}"


# ---------------------------------------------------------------- seed-cases content

def _indicator(locality, code, period=None):
    rows = [r for r in read("seed-cases", "indicators")
            if r["locality_id"] == locality and r["indicator_code"] == code and (period is None or r["period"] == period)]
    assert len(rows) == 1, (locality, code, rows)
    return rows[0]


def test_seed_cases_hold_the_published_figures():
    women = _indicator("621125000000", "village_committee_women_share")
    assert (women["numerator"], women["denominator"], women["value"]) == ("237", "573", "41.4")
    assert "41%" in women["note"]
    assert _indicator("621125000000", "village_committee_members")["value"] == "573"
    assert _indicator("621125000000", "registered_volunteers")["value_qualifier"] == "over"
    meetings = _indicator("621125000000", "meetings")
    assert (meetings["period"], meetings["published_date"]) == ("2021/..", "2022-12-08")  # "去年以来" up to the report
    assert _indicator("330114000000", "building_leaders")["value"] == "2795"
    share = _indicator("330114000000", "building_leaders_party_share")
    assert (share["numerator"], share["denominator"]) == ("921", "2795")
    assert _indicator("430302000000", "grids")["value"] == "473"
    voters = _indicator("330102000000-KAIXUAN", "livelihood_project_voters")
    assert (voters["value"], voters["value_qualifier"]) == ("3000", "over")
    assert _indicator("330102000000-KAIXUAN", "livelihood_projects_selected")["value"] == "4"
    xinhong = {r["locality_id"]: r for r in read("seed-cases", "localities")}["330114000000-XINWAN-XINHONG"]
    assert (xinhong["planned_households"], xinhong["registered_population"], xinhong["resident_population"]) == \
        ("7123", "1302", "3350")
    assert xinhong["established_date"] == "2020-05-09" and xinhong["nbs_code"] == ""
    wansao = {r["body_id"]: r for r in read("seed-cases", "deliberative_bodies")}["XINHONG-WANSAO"]
    assert (wansao["members"], wansao["min_member_age"], wansao["max_member_age"], wansao["meeting_day_of_month"]) == \
        ("35", "30", "70", "20")


def test_seed_cases_use_official_codes_only_where_known():
    known = {"330000000000", "330100000000", "330102000000", "330114000000", "330182000000", "430000000000",
             "430300000000", "430302000000", "620000000000", "621100000000", "621125000000"}
    for row in read("seed-cases", "localities"):
        if row["nbs_code"]:
            assert row["nbs_code"] in known and row["nbs_code"] == row["locality_id"]
        else:
            assert row["locality_id"].startswith(row["parent_id"] + "-"), row


def test_every_seed_cases_row_quotes_an_existing_seed():
    if not SEEDS.is_dir():
        pytest.skip(f"seed folder {SEEDS} not present beside the repository (tests run outside the project workspace)")
    texts = {p.name: re.sub(r"\s+", "", p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    checked = 0
    for path in sorted((PACKAGES / "seed-cases" / "data").glob("*.csv")):
        for row in read("seed-cases", path.stem):
            match = re.fullmatch(r"seeds/([^:]+): (.+)", row["source"], flags=re.S)
            assert match, f"{path.name}: source does not cite a seed file: {row['source']}"
            name, quotes = match.groups()
            assert name in texts, f"{path.name}: no seed file {name}"
            for quote in quotes.split(" … "):
                assert re.sub(r"\s+", "", quote) in texts[name], f"{path.name}: not in {name}: {quote}"
            checked += 1
    assert checked > 50


# ---------------------------------------------------------------- the standard's rules, on the examples

def _num(value):
    return float(value) if value not in ("", None) else None


def _day(value):
    return date.fromisoformat(value) if value else None


@pytest.mark.parametrize("package", EXAMPLES)
def test_examples_keep_the_standards_rules(package, standard):
    t = {name: read(package, name) for name in standard.tables}
    problems = []

    def check(ok, message):
        if not ok:
            problems.append(message)

    closed = set(standard.codelist("case_status").flagged("closed"))
    for c in t["cases"]:
        check((c["status"] in closed) == bool(c["closed_date"]), f"case {c['case_id']}: closed_date iff closed")
        if c["closed_date"]:
            check(_day(c["closed_date"]) >= _day(c["reported_date"]), f"case {c['case_id']}: closed before reported")
    for table, start, end in (("grid_staff", "start_date", "end_date"), ("grids", "valid_from", "valid_to"),
                              ("surveys", "start_date", "end_date")):
        for r in t[table]:
            if r[start] and r[end]:
                check(_day(r[end]) >= _day(r[start]), f"{table}: {end} before {start}")

    grids = {g["grid_id"]: g for g in t["grids"]}
    children = defaultdict(int)
    for g in t["grids"]:
        check(int(g["households"]) > 0, f"grid {g['grid_id']} has no households")
        if g["parent_grid_id"]:
            children[g["parent_grid_id"]] += int(g["households"])
    for parent, total in children.items():
        check(total <= int(grids[parent]["households"]), f"micro-grids of {parent} exceed it")

    for s in t["grid_staff"]:
        check(_day(s["start_date"]) >= _day(grids[s["grid_id"]]["valid_from"]), f"staff {s['staff_id']}: before grid")

    part = defaultdict(lambda: [0, 0])
    for p in t["meeting_participation"]:
        check(int(p["women"]) <= int(p["participants"]), f"{p['meeting_id']}: women > participants")
        part[p["meeting_id"]][0] += int(p["participants"])
        part[p["meeting_id"]][1] += int(p["women"])
    meetings = {m["meeting_id"]: m for m in t["meetings"]}
    for mid, m in meetings.items():
        check([int(m["participants"]), int(m["women_participants"])] == part[mid], f"meeting {mid}: totals")
    for a in t["agenda_items"]:
        votes = sum(int(a[k] or 0) for k in ("votes_for", "votes_against", "votes_abstain"))
        check(votes <= int(meetings[a["meeting_id"]]["participants"]), f"item {a['item_id']}: votes")
        check(bool(a["implementation_status"]) <= (a["decision"] == "adopted"), f"item {a['item_id']}: status")
        check(bool(a["completed_date"]) == (a["implementation_status"] == "completed"), f"item {a['item_id']}: date")
    for r in t["agenda_ratings"]:
        check(1 <= float(r["stars"]) <= 5, "stars out of range")

    daily = defaultdict(float)
    for s in t["service_records"]:
        daily[(s["volunteer_id"], s["service_date"])] += float(s["hours"])
    check(max(daily.values()) <= 24, "more than 24 hours a day")

    sign = {r["code"]: r["sign"] for r in standard.codelist("points_kind").rows}
    for p in t["points_transactions"]:
        check((int(p["points"]) > 0) == (sign[p["kind"]] == "+"), f"points {p['transaction_id']}: sign")

    balance = defaultdict(int)
    for p in sorted(t["points_transactions"], key=lambda p: (p["transaction_date"], p["kind"] == "redeemed")):
        balance[(p["scheme"], p["holder_id"])] += int(p["points"])
        check(balance[(p["scheme"], p["holder_id"])] >= 0, f"points {p['transaction_id']}: balance below zero")

    scale_of = {r["code"]: r["scale"] for r in standard.codelist("survey_question").rows}
    options = {r["code"]: r["scale"] for r in standard.codelist("response_option").rows}
    surveys = {s["survey_id"]: s for s in t["surveys"]}
    per_question = defaultdict(int)
    for a in t["survey_answers"]:
        check(options[a["response"]] in ("*", scale_of[a["question_code"]]), f"answer {a['response']} off scale")
        per_question[(a["survey_id"], a["question_code"])] += 1
    for c in t["survey_counts"]:
        check(options[c["response"]] in ("*", scale_of[c["question_code"]]), f"count {c['response']} off scale")
        check(bool(c["count"]) != bool(c["share"]), f"count {c['survey_id']}: a count or a share, not both")
        per_question[(c["survey_id"], c["question_code"])] += int(c["count"] or 0)
    for (sid, _), n in per_question.items():
        if surveys[sid]["responses"]:
            check(n <= int(surveys[sid]["responses"]), f"survey {sid}: more answers than responses")
    for s in surveys.values():
        if s.get("publication") == "shares":  # published as percentages only: no sample size, no dates
            check(not s["sample_size"] and not s["start_date"], f"survey {s['survey_id']}: shares only")
            continue
        check(int(s["responses"]) <= int(s["sample_size"]), "responses > sample")
        check(set(filter(None, s["satisfied_responses"].split(","))) <= set(options), "satisfied codes")
    assert any(a["response"] in ("dont_know", "refused") for a in t["survey_answers"])
    assert any(a["response"] == "not_applicable" for a in t["survey_answers"])
    assert {a["question_code"] for a in t["survey_answers"]} >= {"SDG1662_GOV_SERVICE", "SDG1672_SAY", "SDG1672S_SAY",
                                                               "SDG1672S_INFLUENCE", "SDG1662S_GOV_OVERALL"}
    # realistic records: people who left before the period, a dissolved grid, records dated outside the period
    check(any(s["end_date"] and _day(s["end_date"]) < date(2022, 1, 1) for s in t["grid_staff"]), "no inactive staff")
    check(any(g["valid_to"] and _day(g["valid_to"]) < date(2022, 1, 1) for g in t["grids"]), "no dissolved grid")
    check(any(_day(c["reported_date"]) < date(2022, 1, 1) for c in t["cases"]), "no case from before the period")
    check(any(v["active"] == "false" for v in t["volunteers"]), "no inactive volunteer")
    for table in ("service_facilities", "points_schemes", "rating_schemes", "rating_items", "grid_ratings", "community_roles"):
        check(len(t.get(table) or []) > 0, f"{table} is empty")

    for r in t["indicators"]:
        check(r["method"] == "reported", "example indicators are reported figures")
        if r["denominator"]:
            scale = (standard.indicator_by_code[r["indicator_code"]]["computation"] or {}).get("scale", 100)
            expected = float(r["numerator"]) / float(r["denominator"]) * scale
            check(abs(float(r["value"]) - expected) <= 0.05 + 1e-9, f"indicator {r['indicator_code']}: value")
    assert not problems, problems[:20]


@pytest.mark.parametrize("package", EXAMPLES)
def test_reported_example_figures_match_the_records(package):
    """The examples' published figures are what their own records give."""
    ind = {r["indicator_code"]: r for r in read(package, "indicators") if not r.get("sex")}
    cases = read(package, "cases")
    start, end = date(2022, 1, 1), date(2022, 12, 31)
    collected = [c for c in cases if start <= _day(c["reported_date"]) <= end and c["status"] != "withdrawn"]
    assert ind["cases_collected"]["value"] == str(len(collected))  # reported in the period, withdrawn not collected
    assert ind["meetings"]["value"] == str(len(read(package, "meetings")))
    part = read(package, "meeting_participation")
    assert ind["women_share_participants"]["numerator"] == str(sum(int(p["women"]) for p in part))
    # closing time in hours where recorded (÷ 24), whole days otherwise, over cases closed in the period
    days = [float(c["hours_to_close"]) / 24 if c["hours_to_close"] else (_day(c["closed_date"]) - _day(c["reported_date"])).days
            for c in cases if c["closed_date"] and start <= _day(c["closed_date"]) <= end]
    assert float(ind["median_days_to_close"]["value"]) == round(statistics.median(days), 1)


def test_shapes_follow_the_seeds():
    linli = {r["indicator_code"]: r for r in read("zj-hangzhou-linli", "indicators")}
    assert linli["grids"]["value"] == "7" and linli["micro_grid_workers"]["value"] == "53"
    assert 60 <= float(linli["households_per_micro_grid_worker"]["value"]) <= 70
    assert 28 <= float(linli["building_leaders_party_share"]["value"]) <= 40
    yuhu = {r["indicator_code"]: r for r in read("hn-xiangtan-yuhu", "indicators")}
    assert 35 <= int(yuhu["grids"]["value"]) <= 45
    zhang = {r["indicator_code"]: r for r in read("gs-dingxi-zhangxian", "indicators")}
    assert 38 <= float(zhang["women_share_participants"]["value"]) <= 44
    groups = [r for r in read("gs-dingxi-zhangxian", "localities") if r["level"] == "village_group"]
    grid_places = {g["locality_id"] for g in read("gs-dingxi-zhangxian", "grids") if g["grid_level"] == "grid"}
    assert grid_places == {g["locality_id"] for g in groups}


def test_rule_checks_catch_broken_records(tmp_path, monkeypatch, standard):
    shutil.copytree(PACKAGES / "zj-hangzhou-linli", tmp_path / "zj-hangzhou-linli")
    path = tmp_path / "zj-hangzhou-linli" / "data" / "meetings.csv"
    rows = list(csv.DictReader(open(path, encoding="utf-8", newline="")))
    rows[0]["women_participants"] = str(int(rows[0]["women_participants"]) + 1)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setitem(globals(), "PACKAGES", tmp_path)
    with pytest.raises(AssertionError, match="totals"):
        test_examples_keep_the_standards_rules("zj-hangzhou-linli", standard)


def test_seed_cases_express_what_1_0_could_not():
    """The urban/rural breakdown, the points and rating schemes and the undated meetings are rows, not notes."""
    centres = [r for r in read("seed-cases", "indicators")
               if r["locality_id"] == "621125000000" and r["indicator_code"] == "service_centres"]
    by_kind = {(r["urban_rural"], r["method"]): r["value"] for r in centres}
    assert by_kind == {("", "derived"): "140", ("urban", "reported"): "5", ("rural", "reported"): "135"}
    facilities = {r["facility_id"]: r for r in read("seed-cases", "service_facilities")}
    assert sum(int(r["count"]) for r in facilities.values()) == 140
    fortress = {r["scheme_id"]: r for r in read("seed-cases", "rating_schemes")}["WENNONGKOU-FORTRESS"]
    assert (fortress["categories"], fortress["items"], fortress["frequencies"]) == ("5", "20", "monthly,quarterly,yearly")
    pioneer = {r["scheme_id"]: r for r in read("seed-cases", "points_schemes")}["CHUNHUI-PIONEER"]
    assert (pioneer["scheme"], pioneer["holder_type"]) == ("pioneer_index", "person")
    undated = [r for r in read("seed-cases", "meetings") if not r["meeting_date"]]
    assert len(undated) == 2 and all(r["period"] == "2022" for r in undated)
    local = [r for r in read("seed-cases", "indicators") if r["indicator_code"].startswith("x_zhangxian_")]
    assert {r["value"] for r in local} == {"140", "149"}
