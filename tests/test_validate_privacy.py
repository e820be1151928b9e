"""Personal data: ID numbers (GB 11643 check character), mobile numbers, names in free text;
never shown unredacted in any report."""
from __future__ import annotations

from pathlib import Path

import pytest
from stdnum.cn import ric

from jiceng.validation import validate
from jiceng.validation.privacy import find_names, find_numbers, redact_text

HERE = Path(__file__).parent
import broken_corpus as corpus  # tests/fixtures/broken, put on sys.path by conftest.py


def synthetic_id(seq: str = "123") -> str:
    """A made-up 18-digit number with a correct GB 11643 check character (nobody's)."""
    body = "33010219900101" + seq
    return body + ric.calc_check_digit(body + "0")  # the function ignores the last character


ID = synthetic_id()
BAD_ID = ID[:-1] + ("0" if ID[-1] != "0" else "1")  # wrong check character
MOBILE = "13912345678"


def test_detectors():
    assert find_numbers(f"身份证{ID}") == [("PRIVACY_ID_NUMBER", ID[:4] + "*" * 10 + ID[-4:])]
    assert find_numbers(BAD_ID) == []
    assert find_numbers(ID + "9") == []  # part of a longer number
    full_width = ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert [c for c, _ in find_numbers(full_width)] == ["PRIVACY_ID_NUMBER"]
    assert find_numbers("电话 139-1234-5678") == [("PRIVACY_MOBILE_NUMBER", "139****5678")]
    assert find_numbers(f"+86 {MOBILE}") == [("PRIVACY_MOBILE_NUMBER", "139****5678")]
    assert find_numbers("12345678901") == []  # not a mobile prefix
    assert find_numbers("330102001001") == []  # a locality code
    assert find_numbers("2023-05-09 共 13912 户") == []
    assert find_names("联系人:张伟,已处理") == [("PRIVACY_PERSON_NAME", "联系人:张*")]
    assert [c for c, _ in find_names("王大爷反映路灯不亮")] == ["PRIVACY_PERSON_NAME"]
    assert find_names("王某某先生反映") == []
    assert find_names("全体同志参加") == []
    assert find_names("第1网格议事会") == []
    assert ID not in redact_text(f"a {ID} b") and MOBILE not in redact_text(f"tel {MOBILE}")


def _report_texts(report) -> list[str]:
    return [report.to_text("zh"), report.to_text("en"), report.to_json(), report.to_html("zh"), report.to_html("en")]


def test_personal_data_in_a_package_is_an_error_and_never_shown(tmp_path, standard):
    loc = corpus.valid_row(standard, "localities", 0)
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
    assert loc["locality_id"]
    for text in _report_texts(report):
        assert ID not in text and MOBILE not in text and BAD_ID[:-1] not in text
        assert "李秀英" not in text and "王大爷" not in text


def test_values_of_other_findings_are_redacted(tmp_path, standard):
    # A mobile number typed into a date field is a type error; its value is still redacted.
    case = corpus.Case("typed", {"cases": corpus.table_csv(standard, "cases", 2, {1: {"closed_date": MOBILE}})}, set())
    pkg = corpus.build(case, tmp_path / "pkg", standard)
    report = validate(pkg)
    type_errors = report.by_code("TYPE_ERROR")
    assert type_errors and type_errors[0].value == "139****5678"
    assert all(MOBILE not in t for t in _report_texts(report))


def test_header_with_personal_number(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 1).replace("meeting_id", ID, 1)
    pkg = corpus.build(corpus.Case("h", {"cases": text}, set()), tmp_path / "pkg", standard)
    report = validate(pkg)
    assert [(f.row, f.value) for f in report.by_code("PRIVACY_ID_NUMBER")] == [(1, ID[:4] + "**********" + ID[-4:])]
    assert all(ID not in t for t in _report_texts(report))


@pytest.mark.parametrize("text", [f"{ID}", f"x{ID}y", f"{ID[:6]} {ID[6:14]} {ID[14:]}"])
def test_redact_text_masks_every_form(text):
    shown = redact_text(text)
    assert ID not in shown.replace(" ", "") or text.count(" ") == 2  # spaced-out numbers are a documented limit
