"""Personal data in published tables: resident ID numbers, mainland mobile numbers, names.

Every cell of every table is scanned, whatever its field: a vectorised regular expression over
each column picks the few candidate cells, and only those distinct values are confirmed in Python
(the GB 11643 check character with python-stdnum, the numbering plan with phonenumbers).

Names have no check digit, so they are found by a heuristic, only in free-text fields (string
fields with no pattern or codelist, e.g. `note`, `title`, `source`):

- a label followed by a name: 姓名/联系人/户主/负责人/申请人/当事人/反映人/来电人/报告人 + ":" +
  two to four Chinese characters starting with a common surname ("联系人:张伟");
- a common surname, at most two more characters, and a form of address: 先生、女士、小姐、阿姨、
  大爷、大妈、大娘、大叔、大姐、大哥、奶奶、爷爷、婆婆、伯伯、师傅、同志 ("王大爷", "李秀英女士").

Values already anonymised with 某 (王某某) are not reported. Names without a label or form of
address, names in Latin letters, and uncommon surnames are not detected: the heuristic finds the
usual ways names slip into case notes, it does not prove a table free of names.

Nothing here ever returns a value unredacted: `redact_text` is applied to every value a report
shows, so a personal number is hidden even when it is reported for another reason.
"""
from __future__ import annotations

import re
import unicodedata

import polars as pl

# Any run of 18 digits (or 17 and X) and any 11-digit number starting 13-19, with the separators
# and country code people type; full-width digits included. Candidates only: confirmed below.
_D = "0-9０-９"
NUMBER_PREFILTER = (
    rf"(?:^|[^{_D}])(?:[{_D}]{{17}}[{_D}XxＸｘ]|(?:\+?(?:86|８６)[ -]?)?[1１][3-9３-９][{_D}][ -]?[{_D}]{{4}}[ -]?[{_D}]{{4}})"
    rf"(?:[^{_D}]|$)"
)
_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])")

# Common single-character surnames. Characters that mostly begin ordinary words before a form
# of address (全体同志, 文明大妈, 高龄…) are left out to keep false alarms rare.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范石廖贾夏韦付邱侯邹熊孟秦邵江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
    "覃武戴莫孔汤向常温康施牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚"
    "符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆"
    "农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾"
    "隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_EXCLUDED = set("全党明和安师时成路")
_SURNAME_CLASS = "".join(ch for ch in dict.fromkeys(SURNAMES) if ch not in _EXCLUDED)
_LABELS = "姓名|联系人|户主|负责人|申请人|当事人|反映人|来电人|报告人"
_ADDRESS = "先生|女士|小姐|阿姨|大爷|大妈|大娘|大叔|大姐|大哥|奶奶|爷爷|婆婆|伯伯|师傅|同志"
NAME_PREFILTER = rf"(?:{_LABELS})\s*[:：]|(?:{_ADDRESS})"
_NAME_LABELLED = re.compile(rf"(?:{_LABELS})\s*[:：]\s*([{_SURNAME_CLASS}][\u4e00-\u9fff]{{1,3}})")
_NAME_ADDRESSED = re.compile(rf"([{_SURNAME_CLASS}][\u4e00-\u9fff]{{0,2}}?)(?:{_ADDRESS})")

ID_CODE, MOBILE_CODE, NAME_CODE = "PRIVACY_ID_NUMBER", "PRIVACY_MOBILE_NUMBER", "PRIVACY_PERSON_NAME"


def redact_id(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def redact_mobile(digits: str) -> str:
    return digits[:3] + "****" + digits[-4:]


def redact_name(name: str) -> str:
    """张伟 -> 张*, a lone surname -> *."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def _valid_id(number: str) -> bool:
    from stdnum.cn import ric

    try:
        return ric.is_valid(number)
    except Exception:  # a library surprise must not let the number through unchecked or crash
        return False


def _valid_mobile(digits: str) -> bool:
    import phonenumbers

    try:
        parsed = phonenumbers.parse("+86" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(parsed):
        return False
    kind = phonenumbers.number_type(parsed)
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _is_anonymised(name: str) -> bool:
    return "某" in name or "*" in name or "X" in name.upper()


def find_numbers(text: str) -> list[tuple[str, str]]:
    """(code, redacted) for each valid ID number and mobile number in `text`."""
    norm = unicodedata.normalize("NFKC", text)
    out = []
    for m in _ID.finditer(norm):
        if _valid_id(m.group(0).upper()):
            out.append((ID_CODE, redact_id(m.group(0))))
    for m in _MOBILE.finditer(norm):
        digits = "".join(m.groups())
        if _valid_mobile(digits):
            out.append((MOBILE_CODE, redact_mobile(digits)))
    return out


def find_names(text: str) -> list[tuple[str, str]]:
    """(code, redacted) for each likely person's name in `text` (see the module's heuristic)."""
    out = []
    seen = set()
    for rx in (_NAME_LABELLED, _NAME_ADDRESSED):
        for m in rx.finditer(text):
            name = m.group(1)
            if _is_anonymised(text[m.start(1):m.end(1) + 2]) or name in seen:
                continue
            seen.add(name)
            out.append((NAME_CODE, _redact_match(m)))
    return out


def _redact_match(m: re.Match) -> str:
    """The matched text with its name part masked: 联系人:张* / *大爷."""
    start, end = m.start(1) - m.start(0), m.end(1) - m.start(0)
    whole = m.group(0)
    return whole[:start] + redact_name(m.group(1)) + whole[end:]


def redact_text(text: str) -> str:
    """`text` with every ID number, mobile number and likely name masked."""
    if not text or not any(ch.isdigit() for ch in text) and not re.search(NAME_PREFILTER, text):
        return text
    norm = unicodedata.normalize("NFKC", text)

    def _id(m: re.Match) -> str:
        return redact_id(m.group(0)) if _valid_id(m.group(0).upper()) else m.group(0)

    def _mobile(m: re.Match) -> str:
        digits = "".join(m.groups())
        return redact_mobile(digits) if _valid_mobile(digits) else m.group(0)

    def _name(m: re.Match) -> str:
        return m.group(0) if _is_anonymised(m.string[m.start(1):m.end(1) + 2]) else _redact_match(m)

    norm = _ID.sub(_id, norm)
    norm = _MOBILE.sub(_mobile, norm)
    norm = _NAME_LABELLED.sub(_name, norm)
    norm = _NAME_ADDRESSED.sub(_name, norm)
    return norm


def scan_column(values: pl.Series, free_text: bool) -> dict[str, list[tuple[str, str]]]:
    """Distinct cell value -> findings [(code, redacted)], for the cells of one column that hold
    personal data. Vectorised prefilter; Python confirms only the distinct candidates."""
    if values.dtype != pl.String or values.len() == 0:
        return {}
    pattern = NUMBER_PREFILTER + (f"|{NAME_PREFILTER}" if free_text else "")
    if not free_text:  # a personal number takes at least 11 characters
        values = values.filter(values.str.len_bytes() >= 11)
    candidates = values.filter(values.str.contains(pattern).fill_null(False)).unique()
    hits: dict[str, list[tuple[str, str]]] = {}
    for value in candidates.to_list():
        found = find_numbers(value) + (find_names(value) if free_text else [])
        if found:
            hits[value] = found
    return hits


def free_text_fields(fields: list[dict]) -> set[str]:
    """String fields without pattern, enum or codelist: where a name could be typed."""
    out = set()
    for f in fields:
        cons = f.get("constraints") or {}
        if f.get("type", "string") == "string" and not f.get("codelist") and "pattern" not in cons \
                and "enum" not in cons and not f.get("privacy") and f.get("format", "default") == "default":
            out.add(f["name"])
    return out
