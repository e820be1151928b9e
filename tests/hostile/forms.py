"""Personal data in every form clerks write it, each with the raw pieces no output may show.

Numbers are made up: the ID numbers carry a correct GB 11643 check character but belong to
nobody; the mobiles use the 139/138 ranges with made-up subscriber digits.
"""
from __future__ import annotations

from dataclasses import dataclass


def id18(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights)) % 11]


ID_BEIJING = id18("11010519491231002")  # 110105-19491231-002X form of the issue
ID_XIANGTAN = "430302197903014560"  # region code not in python-stdnum's table
ID_OLD = "110105491231002"  # 15-digit first generation
MOBILE = "13812345678"
MOBILE2 = "13987654321"
LANDLINE = "073188886666"
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@dataclass(frozen=True)
class Form:
    key: str
    text: str  # what the clerk typed
    secrets: tuple[str, ...]  # none of these may appear in any output
    code: str  # the finding expected in a free-text cell


FORMS = [
    Form("id-dashes", f"{ID_BEIJING[:6]}-{ID_BEIJING[6:14]}-{ID_BEIJING[14:]}", (ID_BEIJING, ID_BEIJING[6:14]), "PRIVACY_ID_NUMBER"),
    Form("id-spaces", f"{ID_BEIJING[:6]} {ID_BEIJING[6:14]} {ID_BEIJING[14:]}", (ID_BEIJING, ID_BEIJING[6:14]), "PRIVACY_ID_NUMBER"),
    Form("id-dots", f"{ID_BEIJING[:6]}.{ID_BEIJING[6:14]}.{ID_BEIJING[14:]}", (ID_BEIJING, ID_BEIJING[6:14]), "PRIVACY_ID_NUMBER"),
    Form("id-lower-x", ID_BEIJING.lower(), (ID_BEIJING, ID_BEIJING.lower(), ID_BEIJING[6:14]), "PRIVACY_ID_NUMBER"),
    Form("id-fullwidth", ID_BEIJING.translate(FULLWIDTH), (ID_BEIJING.translate(FULLWIDTH), ID_BEIJING, ID_BEIJING[6:14]), "PRIVACY_ID_NUMBER"),
    Form("id-unknown-region", ID_XIANGTAN, (ID_XIANGTAN, ID_XIANGTAN[6:14]), "PRIVACY_ID_NUMBER"),
    Form("id-15", f"旧身份证{ID_OLD}", (ID_OLD,), "PRIVACY_ID_NUMBER"),
    Form("mobile-dots", "138.1234.5678", ("138.1234.5678", MOBILE), "PRIVACY_MOBILE_NUMBER"),
    Form("mobile-two-spaces", "138  1234  5678", ("138  1234  5678", MOBILE), "PRIVACY_MOBILE_NUMBER"),
    Form("mobile-dashes", "139-8765-4321", ("139-8765-4321", MOBILE2), "PRIVACY_MOBILE_NUMBER"),
    Form("mobile-plus86", "+86 139 8765 4321", ("139 8765 4321", MOBILE2), "PRIVACY_MOBILE_NUMBER"),
    Form("mobile-fullwidth", MOBILE.translate(FULLWIDTH), (MOBILE.translate(FULLWIDTH), MOBILE), "PRIVACY_MOBILE_NUMBER"),
    Form("landline-brackets", "(0731)8888 6666", ("8888 6666", "88886666"), "PRIVACY_PHONE_NUMBER"),
    Form("landline-dash", "电话0731-88886666", ("0731-88886666", "88886666"), "PRIVACY_PHONE_NUMBER"),
    Form("name-bare", "张伟负责跟进", ("张伟",), "PRIVACY_PERSON_NAME"),
    Form("name-list", "张光前等10名社区发言人", ("张光前",), "PRIVACY_PERSON_NAME"),
    Form("name-comrade", "由王建国同志负责", ("王建国",), "PRIVACY_PERSON_NAME"),
    Form("name-label", "经办人:李秀英", ("李秀英",), "PRIVACY_PERSON_NAME"),
    Form("address-unit", "幸福路12号3单元501室", ("12号3单元501室", "501室"), "PRIVACY_ADDRESS"),
    Form("address-village", "丰和村3组18号", ("3组18号",), "PRIVACY_ADDRESS"),
]
BY_KEY = {f.key: f for f in FORMS}


def leaks(text: str, forms=FORMS) -> list[tuple[str, str]]:
    """(form, secret) for every secret of `forms` found in `text`."""
    return [(f.key, s) for f in forms for s in f.secrets if s in text]
