"""Personal data: ID numbers, mobile and landline numbers, names, addresses, personal field
names, small groups of quasi-identifiers; never shown unredacted in any report, whatever check
produced the finding."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from stdnum.cn import ric
from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.privacy import (find_addresses, find_names, find_numbers, find_personal, message, personal_field, redact,
                            shown, terminal_safe)
from jiceng.privacy.kanon import Config, TableConfig, check
from jiceng.validation import validate
from jiceng.validation.codes import CODES

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import broken_corpus as corpus  # tests/fixtures/broken, put on sys.path by conftest.py  # noqa: E402
from hostile.forms import FORMS, ID_BEIJING, ID_XIANGTAN, leaks  # noqa: E402

sys.path.insert(0, str(HERE.parent / "benchmarks"))
import bench_names  # noqa: E402


def synthetic_id(seq: str = "123") -> str:
    """A made-up 18-digit number with a correct GB 11643 check character (nobody's)."""
    body = "33010219900101" + seq
    return body + ric.calc_check_digit(body + "0")  # the function ignores the last character


ID = synthetic_id()
BAD_ID = ID[:-1] + ("0" if ID[-1] != "0" else "1")  # wrong check character
MOBILE = "13912345678"


# ---------------------------------------------------------------- detection


def test_numbers():
    assert find_numbers(f"身份证{ID}") == [("PRIVACY_ID_NUMBER", ID[:4] + "*" * 10 + ID[-4:])]
    assert find_numbers(BAD_ID) == []
    assert find_numbers(ID + "9") == []  # part of a longer number
    assert find_numbers("电话 139-1234-5678") == [("PRIVACY_MOBILE_NUMBER", "139****5678")]
    assert find_numbers(f"+86 {MOBILE}") == [("PRIVACY_MOBILE_NUMBER", "139****5678")]
    assert find_numbers("12345678901") == []  # not a mobile prefix
    assert find_numbers("330102001001") == []  # a locality code
    assert find_numbers("330102001001-001") == []  # a derived locality code (12 + 3 digits)
    assert find_numbers("2023-05-09 共 13912 户") == []
    assert find_numbers("2023-05-09 08:00-12:00") == []
    # the region code decides nothing: the check character and the birth date do
    assert [c for c, _ in find_numbers(ID_XIANGTAN)] == ["PRIVACY_ID_NUMBER"]
    assert find_numbers("110105" + "20991231" + "0010") == []  # born in the future (and a bad check character)
    assert find_numbers("110105" + "19491331" + "002X") == []  # no 13th month
    # an ID followed by a phone: both
    assert [c for c, _ in find_numbers(f"{ID[:6]} {ID[6:14]} {ID[14:]} {MOBILE}")] == ["PRIVACY_ID_NUMBER", "PRIVACY_MOBILE_NUMBER"]


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.key)
def test_every_written_form_is_found_and_masked(form):
    found = find_personal(form.text, free_text=True)
    assert form.code in [c for c, _ in found], (form.text, found)
    assert not leaks(redact(form.text), [form])
    assert not leaks(shown(form.text), [form])


def test_names():
    assert find_names("联系人:张伟,已处理") == [("PRIVACY_PERSON_NAME", "张*")]
    assert [c for c, _ in find_names("王大爷反映路灯不亮")] == ["PRIVACY_PERSON_NAME"]
    for text in ("王某某先生反映", "张某反映", "李*反映", "全体同志参加", "第1网格议事会", "学习习近平新时代中国特色社会主义思想",
                 "开展学雷锋志愿服务", "张家港市志愿服务", "李家村3组道路硬化", "谢谢大家的支持", "华为公司捐赠设备"):
        assert find_names(text) == [], text
    assert redact("欧阳娜娜来电") == "欧阳**来电"


def test_addresses():
    assert find_addresses("幸福路12号3单元501室") == [("PRIVACY_ADDRESS", "**号*单元***室")]
    assert find_addresses("丰和村3组18号") == [("PRIVACY_ADDRESS", "*组**号")]
    assert [c for c, _ in find_addresses("阳光小区5栋2单元301")] == ["PRIVACY_ADDRESS"]
    assert [c for c, _ in find_addresses("幸福小区3-2-501")] == ["PRIVACY_ADDRESS"]
    for text in ("幸福路12号社区服务中心", "共5栋楼", "第3组讨论", "2023年5月9日", "3号楼和5号楼", "12号议题"):
        assert find_addresses(text) == [], text


def test_name_detection_meets_its_targets_on_the_labelled_set():
    rows = bench_names.load()
    assert len(rows) >= 300
    s = bench_names.score(rows)
    assert s["recall"] >= 0.95 and s["precision"] >= 0.9, (s["precision"], s["recall"], s["errors"][:10])
    h = bench_names.score(bench_names.load(bench_names.HELDOUT))
    assert h["recall"] >= 0.85 and h["precision"] >= 0.75, (h["precision"], h["recall"])


# ------------------------------------------------- fast paths that must lose nothing

# Pieces of personal data and text around them: every piece is put at the start, in the middle
# and at the end of other text, alone, and next to the marks the detectors look at (digits,
# numerals, anonymising marks, place words, 小/老, punctuation).
_PIECES = [f.text for f in FORMS] + [
    "张伟", "欧阳娜娜", "王大爷", "李秀英女士", "刘书记", "联系人:张伟", "联系人：王芳", "周红梅", "司马春燕", "樊建国",
    MOBILE, "3栋2室", "0731-88886666", "88886666", "(0731)8888 6666", "+86 139 8765 4321", "86 13912345678",
    "2023-05-09", "VT000000001", "330102001001", "五组12号", "幸福小区3-2-501",
    # separators and numerals numbers.normalise and addresses.py accept
    "138—1234—5678", "138–1234–5678", "138。1234。5678", "138\u00a01234\u00a05678", "138【1234】5678", "+86／13812345678",
    "3楼501房", "幸福小区 3 - 2 - 501", "幸福小区3—2—501", "一〇〇号3栋", "3\u3000栋2\x1c单元",
]
_AROUND = ["", " ", "反映", "A", "3", "，", "第3号", "2023-05-09 ", "(", "电话", "号", "村", "某", "小", "同志", "十"]


def _texts_with_pieces() -> list[str]:
    import itertools
    import random

    rng = random.Random(12)
    out = {a + p + b for p in _PIECES for a, b in itertools.product(_AROUND, _AROUND)}
    for sentence, _, _ in bench_names.load() + bench_names.load(bench_names.HELDOUT):
        out.add(sentence)
        for p in rng.sample(_PIECES, 4):
            i = rng.randrange(len(sentence) + 1)
            out.add(sentence[:i] + p + sentence[i:])
    return sorted(out)


def test_the_tagger_gives_jiebas_words_and_tags():
    """jiceng.privacy.tagger reads jieba's dictionary and model itself: word for word and tag for
    tag what jieba.posseg gives, and the same dictionary entries."""
    import logging
    import random

    import jieba
    import jieba.posseg

    from jiceng.privacy import tagger
    from jiceng.privacy.names import SURNAMES

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    rng = random.Random(14)
    texts = [s for s, _, _ in bench_names.load() + bench_names.load(bench_names.HELDOUT)]
    texts += rng.sample(_texts_with_pieces(), 600)
    for package in sorted((HERE.parent / "datapackages").glob("*/data/*.csv"))[:40]:
        texts += package.read_text(encoding="utf-8", errors="replace").splitlines()[:20]
    alphabet = SURNAMES[:60] + "的了和与在是村路号大爷女士同志一二三四五六七八九十0123456789ab .-_#&+\u9fd6\u9fff\u9fd5X张伟李秀英"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 20))) for _ in range(400)]
    tagger.prepare(texts[::2])  # prepared and unprepared texts alike
    differ = [t for t in texts if tagger.cut(t) != [(p.word, p.flag) for p in jieba.posseg.cut(t)]]
    assert differ == []
    lexicon = tagger.lexicon()
    assert lexicon.total == jieba.dt.total
    lexicon.resolve(jieba.dt.FREQ)
    assert [k for k, freq in jieba.dt.FREQ.items() if lexicon.entry(k)[:2] != (True, freq)] == []
    assert [k for k, tag in jieba.posseg.dt.word_tag_tab.items() if lexicon.tag(k) != tag] == []
    absent = ["张伟x", "zz", "\u9fff", "不在词典里的词语组合"]
    lexicon.resolve(absent)
    assert [k for k in absent if lexicon.entry(k)[0] != (k in jieba.dt.FREQ)] == []


def test_the_name_gate_loses_no_name(monkeypatch):
    """A run of Chinese characters is not given to the tagger when no piece of it could be
    reported (names._may_hold_name): the names found are the same as with every run tagged."""
    from jiceng.privacy import names

    texts = _texts_with_pieces()
    gated = [names._find.__wrapped__(t) for t in texts]
    assert sum(map(len, gated)) > 1000  # the texts do hold names
    monkeypatch.setattr(names, "_may_hold_name", lambda text, base, run: True)
    assert [names._find.__wrapped__(t) for t in texts] == gated


def test_the_redaction_gates_quick_tests_lose_nothing(monkeypatch):
    """The gate gives a text to each detector only when jiceng.privacy.prefilter's quick test
    passes: what it masks is the same as with every detector run on every text."""
    import importlib

    gate = importlib.import_module("jiceng.privacy.redact")
    texts = _texts_with_pieces() + [c.zh for c in CODES.values()] + [c.en for c in CODES.values()]
    quick = [(gate._redact.__wrapped__(t, True), gate._redact.__wrapped__(t, False)) for t in texts]
    assert sum(a != t for (a, _), t in zip(quick, texts)) > 2000  # the texts do hold personal data
    for name in ("may_hold_number", "may_hold_address", "may_hold_name"):
        monkeypatch.setattr(gate, name, lambda text: True)
    assert [(gate._redact.__wrapped__(t, True), gate._redact.__wrapped__(t, False)) for t in texts] == quick


@pytest.mark.parametrize("large", [False, True], ids=["small table", "large table"])
def test_the_column_prefilter_loses_no_hit(monkeypatch, large):
    """scan_columns runs the detectors only on values its polars pre-filter passes: it finds what
    the detectors find on every distinct value (personal numbers and addresses need 5 characters
    outside free text), for several columns at once, free text or not, the same value in both."""
    import polars as pl

    from jiceng.privacy import scan, scan_column, scan_columns

    if large:  # the path of a table of many cells
        monkeypatch.setattr(scan, "_LARGE", 0)

    texts = _texts_with_pieces()
    half = len(texts) // 2
    columns = [(pl.Series("a", texts + [None, texts[0]]), True), (pl.Series("b", texts[:half]), False),
               (pl.Series("c", list(range(5))), True), (pl.Series("d", [], dtype=pl.String), True),
               (pl.Series("e", texts[half - 50:]), False)]
    found = scan_columns(columns)
    for (values, free), got in zip(columns, found):
        expected = {}
        if values.dtype == pl.String:
            for v in set(values.drop_nulls().to_list()):
                hits = find_personal(v, free) if free or len(v) >= 5 else []
                if hits:
                    expected[v] = hits
        assert got == expected, values.name
        assert scan_column(values, free) == expected
    assert len(found[0]) > 1000 and len(found[1]) > 300


def test_personal_field_names_and_titles():
    for name, titles in [("handler_name", ()), ("resident_phone", ()), ("id_number", ()), ("home_address", ()),
                         ("note2", ("经办人姓名",)), ("x", ("身份证号",)), ("contactPhone", ()), ("x", ("Handler name",)),
                         ("住址", ()), ("mobile", ())]:
        assert personal_field(name, *titles), (name, titles)
    for name, titles in [("name", ("名称", "Name")), ("team_name", ()), ("body_name", ()), ("locality_name", ()),
                         ("title", ("议题", "Title")), ("members_note", ("成员说明",)), ("holder_id", ()), ("cell_count", ())]:
        assert personal_field(name, *titles) is None, (name, titles)


def test_no_core_field_denotes_personal_data(standard):
    bad = [(t, f["name"]) for t, schema in standard.tables.items() for f in schema["fields"]
           if personal_field(f["name"], f.get("title"), (f.get("zh") or {}).get("title"))]
    assert bad == []


def test_the_validators_own_messages_are_not_redacted():
    for c in CODES.values():
        assert redact(c.zh) == c.zh and redact(c.en) == c.en, c.code


def test_messages_and_values_are_bounded():
    huge = "表头" * 500_000
    assert len(message(huge)) < 1100
    assert len(shown(huge)) < 200
    assert shown("a\x1b[31mred\x07") == "a\\x1b[31mred\\x07"


def test_terminal_safe():
    assert terminal_safe("ok\x1b]0;title\x07 \x1b[2J\x1b[31mred\x1b[0m\r\n\x9b5A") == "ok red\n"
    assert terminal_safe("a\x1b[31mb", keep_colours=True) == "a\x1b[31mb"
    assert terminal_safe("x\ud800y") == "xy"


# ---------------------------------------------------------------- reports


def _report_texts(report) -> list[str]:
    return [report.to_text("zh"), report.to_text("en"), report.to_json(), report.to_html("zh"), report.to_html("en")]


def test_personal_data_in_a_package_is_an_error_and_never_shown(tmp_path, standard):
    case = corpus.Case("privacy", {
        "localities": corpus.table_csv(standard, "localities", 2, {
            0: {"note": f"负责人身份证 {ID}"},
            1: {"note": f"核对号码 {BAD_ID}"},  # fails the check character: not reported
        }),
        "meetings": corpus.table_csv(standard, "meetings", 3, {
            0: {"title": "王大爷反映路灯不亮"},
            1: {"title": "联系人:李秀英", "source": f"热线 {MOBILE}"},
            2: {"title": "王某某反映问题", "meeting_id": f"M{MOBILE}"},
        }),
        "volunteers": corpus.table_csv(standard, "volunteers", 1, {0: {"volunteer_id": f"V{MOBILE}"}}),
    }, set(), descriptor={"publisher": {"name": "测试机构", "contact": f"联系电话 {MOBILE}"}})
    pkg = corpus.build(case, tmp_path / "pkg", standard)
    report = validate(pkg)
    assert not report.valid and report.exit_code == 1
    ids = report.by_code("PRIVACY_ID_NUMBER")
    assert [(f.resource, f.row, f.field, f.value) for f in ids] == [("localities", 2, "note", ID[:4] + "**********" + ID[-4:])]
    mobiles = {(f.resource, f.row, f.field) for f in report.by_code("PRIVACY_MOBILE_NUMBER")}
    assert {("meetings", 3, "source"), ("meetings", 4, "meeting_id"), ("volunteers", 2, "volunteer_id"),
            (None, None, "publisher.contact")} <= mobiles
    names = {(f.resource, f.row, f.field) for f in report.by_code("PRIVACY_PERSON_NAME")}
    assert names == {("meetings", 2, "title"), ("meetings", 3, "title")}
    for text in _report_texts(report):
        assert ID not in text and MOBILE not in text and BAD_ID[:-1] not in text
        assert "李秀英" not in text and "王大爷" not in text


def _pattern_field(standard, table):
    for f in standard.table(table)["fields"]:
        if (f.get("constraints") or {}).get("pattern") and f["name"] not in standard.table(table).get("primaryKey", []):
            return f["name"]
    raise AssertionError(table)


def test_every_form_in_cells_failing_other_checks_is_redacted_in_every_format(tmp_path, standard):
    """The issue's probe: personal data in a cell that also fails a pattern or a codelist was
    printed raw with only PATTERN_MISMATCH."""
    pattern_field = _pattern_field(standard, "cases")
    codelist_field = next(f["name"] for f in standard.table("cases")["fields"] if (f.get("constraints") or {}).get("enum"))
    edits = {}
    for i, form in enumerate(FORMS):
        edits[2 * i] = {pattern_field: form.text, "note": form.text} if "note" in standard.field_names("cases") \
            else {pattern_field: form.text}
        edits[2 * i + 1] = {codelist_field: form.text}
    case = corpus.Case("forms", {"cases": corpus.table_csv(standard, "cases", 2 * len(FORMS), edits)}, set(),
                       descriptor={"name": "pkg-13812345678", "schema_version": "1.0.0-13812345678"})
    pkg = corpus.build(case, tmp_path / "pkg", standard)
    report = validate(pkg)
    assert {"PATTERN_MISMATCH", "NOT_IN_CODELIST"} <= report.codes()
    for text in _report_texts(report):
        assert leaks(text) == [], leaks(text)[:5]
        assert "13812345678" not in text
    assert report.to_json() == json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    # the command line too, in every format and language
    runner = CliRunner()
    for args in (["--format", "text"], ["--format", "json"], ["--format", "html"], ["--lang", "en"]):
        result = runner.invoke(app, ["validate", str(pkg), *args])
        assert result.exit_code == 1, result.output
        assert leaks(result.output) == [] and "13812345678" not in result.output


def test_the_json_report_is_the_text_json_writes():
    """Report.to_json writes the findings with json's C encoder: the same text as
    json.dumps(indent=2), whatever the values; anything but flat records goes to json.dumps."""
    from jiceng.validation.report import dumps

    odd = ['},\n      {', '"quoted" \\ back', "line\nbreak\ttab\x00\x1f", "\u2028\u2029", "中文 ，「」", "\U0001f600", "", " "]
    records = [{"code": "X", "row": i, "value": v, "ratio": 0.1 * i, "ok": i % 2 == 0, "none": None}
               for i, v in enumerate(odd)]
    cases = [{"valid": False, "errors": records, "groups": [{"rows": [1, 2]}], "n": float("nan")},
             {"errors": records[:1]}, {"errors": []}, {"errors": [{}]}, {"errors": [{"a": [1, {"b": 2}]}]},
             {"errors": [{1: "x"}]}, {"errors": records + [{}]}, {"errors": "not a list"}, {}]
    for case in cases:
        assert dumps(case) == json.dumps(case, ensure_ascii=False, indent=2) + "\n", case


def test_a_findings_explanation_is_worked_out_once_and_given_as_a_copy(standard):
    from jiceng.findings import Finding
    from jiceng.validation.report import Clerk

    clerk = Clerk(standard)
    f = Finding("REQUIRED_MISSING", "ERROR", "x", "x", "cases", 3, "status", None)
    first = clerk.explain(f)
    first["hint_zh"] = "changed"
    again = clerk.explain(f)
    assert again["hint_zh"] == "该列必填,请填写" and again == clerk._explain(f)
    assert clerk.hint("X", "cases", "status", ["unhashable"]) == clerk._hint("X", "cases", "status", ["unhashable"])


def test_header_with_personal_data_and_personal_column_names(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 1)
    header, rest = text.split("\n", 1)
    text = header + f",{ID},经办人姓名,resident_phone\n" + "\n".join(line + ",,," for line in rest.splitlines() if line) + "\n"
    pkg = corpus.build(corpus.Case("h", {"cases": text}, set()), tmp_path / "pkg", standard)
    report = validate(pkg)
    assert [(f.row, f.value) for f in report.by_code("PRIVACY_ID_NUMBER")] == [(1, ID[:4] + "**********" + ID[-4:])]
    assert len(report.by_code("PRIVACY_PERSONAL_FIELD")) == 2  # the 经办人姓名 and resident_phone columns
    assert all(ID not in t for t in _report_texts(report))


def test_values_of_other_findings_are_redacted(tmp_path, standard):
    case = corpus.Case("typed", {"cases": corpus.table_csv(standard, "cases", 2, {1: {"closed_date": MOBILE}})}, set())
    pkg = corpus.build(case, tmp_path / "pkg", standard)
    report = validate(pkg)
    type_errors = report.by_code("TYPE_ERROR")
    assert type_errors and type_errors[0].value == "139****5678"
    assert all(MOBILE not in t for t in _report_texts(report))


def test_a_huge_header_label_does_not_blow_up_the_report(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 50)
    header, rest = text.split("\n", 1)
    text = header + ",“" + "长" * 1_000_000 + "”\n" + "".join(line + ",x\n" for line in rest.splitlines() if line)
    pkg = corpus.build(corpus.Case("huge", {"cases": text}, set()), tmp_path / "pkg", standard)
    report = validate(pkg)
    assert len(report.to_json()) < 200_000
    assert len(report.to_text("zh")) < 100_000


# ---------------------------------------------------------------- k-anonymity


def test_small_groups_of_quasi_identifiers(tmp_path, standard):
    rows = {}
    combos = [("female", "18-34")] * 4 + [("male", "70+")] * 2 + [("female", "70+")]
    for i, (gender, band) in enumerate(combos):
        rows[i] = {"gender": gender, "age_band": band, "party_member": "false", "serving_party_member": "false"}
    case = corpus.Case("k", {"volunteers": corpus.table_csv(standard, "volunteers", len(combos), rows)}, set())
    pkg = corpus.build(case, tmp_path / "pkg", standard)
    report = validate(pkg)
    small = report.by_code("PRIVACY_SMALL_GROUP")
    assert report.valid  # a warning, not an error
    persons = sorted(int(f.message_en.split(" is shared by ")[1].split(" ")[0]) for f in small)
    assert persons == [1, 2] and all(f.severity == "WARNING" and f.row is None for f in small)
    assert all("gender=" in f.message_en and "age_band=" in f.message_en for f in small)
    assert validate(pkg, privacy_k=2).count("PRIVACY_SMALL_GROUP") == 1
    result = CliRunner().invoke(app, ["privacy-report", str(pkg), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    vol = next(t for t in data["tables"] if t["table"] == "volunteers")
    assert vol["persons"] == 7 and vol["groups_below_k"] == 2 and vol["persons_below_k"] == 3 and vol["max_risk"] == 1.0
    result = CliRunner().invoke(app, ["privacy-report", str(pkg), "--k", "1"])
    assert result.exit_code == 0, result.output


def test_k_anonymity_counts_persons_not_rows():
    import polars as pl

    df = pl.DataFrame({"survey_id": ["S"] * 6, "respondent_id": ["a", "a", "a", "b", "b", "c"],
                       "gender": ["f", "f", "f", "f", "f", "m"], "age_band": ["18-34"] * 6})
    cfg = Config(3, {"survey_answers": TableConfig("survey_answers", ["survey_id", "respondent_id"],
                                                   ["survey_id", "gender", "age_band"])})
    (risk,) = check({"survey_answers": df}, cfg)
    assert risk.persons == 3 and [g.persons for g in risk.small] == [1, 2]


# ---------------------------------------------------------------- command line


def test_internal_error_exits_3_without_traceback(monkeypatch):
    import jiceng.validation as v

    def boom(*a, **k):
        raise RuntimeError("boom 13812345678")

    monkeypatch.setattr(v, "validate", boom)
    result = CliRunner().invoke(app, ["validate", "whatever"])
    assert result.exit_code == 3
    assert "Traceback" not in result.output and "13812345678" not in result.output


@pytest.mark.parametrize("name,zh_title", [("handler_name", "经办人"), ("handler", "经办人姓名"), ("resident_phone", "电话"),
                                           ("home", "家庭住址")])
def test_personal_fields_are_refused_in_extensions(standard, tmp_path, name, zh_title):
    import test_extensions as te

    field = te._field(name, "string")
    field["zh"]["title"] = zh_title
    bad = {"meetings": {"name": "meetings", "fields": [field]}}
    _, _, std, findings = te._package(tmp_path, standard, bad, None)
    assert [f.code for f in findings if f.severity == "ERROR"] == ["EXTENSION_PERSONAL_FIELD"]
    assert name not in std.field_names("meetings")
