"""Field names and titles that denote personal data: a column the standard never publishes,
whether in a core table, an extension or a CSV header.

`name` alone, `team_name`, `body_name`, 名称 name things, not people, and pass; `handler_name`,
`resident_phone`, `id_number`, 经办人姓名, 联系电话, 家庭住址 do not.
"""
from __future__ import annotations

import re

# English field names (snake_case, camelCase or words).
_PERSON = (r"person|people|handler|contact|resident|applicant|reporter|caller|owner|holder|householder|member|"
           r"staff|worker|volunteer|respondent|participant|citizen|villager|user|leader|head|chief|manager|"
           r"official|officer|cadre|party|client|patient|victim|witness|guardian|spouse|parent|child|"
           r"first|last|given|family|full|real|legal|maiden|nick|middle|sur")
_EN = re.compile(
    rf"(?:^|_)(?:(?:{_PERSON})_?names?|surname|forename|fullname|realname|"
    r"phone|phones|telephone|tel|mobile|cellphone|fax|wechat|weixin|qq|email|e_?mail|"
    r"id_?card|id_?no|id_?num|id_?number|identity(?:_?card|_?number|_?no)?|citizen_?id|national_?id|passport|"
    r"ssn|social_?security|resident_?id|(?:home_|street_|postal_|residential_|house_|mailing_)?address|addr|"
    r"house_?number|room_?number|birth_?date|date_?of_?birth|dob|birthday|birth_?place|gps|latitude|longitude|"
    r"licen[cs]e_?plate|plate_?number|bank_?account|bank_?card)(?:_|$)"
)
_EN_TITLE = re.compile(
    rf"\b(?:(?:{_PERSON})'?s?\s+names?|surname|forename|full\s+name|real\s+name|given\s+name|family\s+name|"
    r"phone|telephone|mobile|cell\s*phone|e-?mail|wechat|id\s+card|id\s+number|identity\s+(?:card|number)|"
    r"passport|(?:home|street|postal|residential|house)\s+address|address|date\s+of\s+birth|birth\s*date|birthday|"
    r"house\s+number|room\s+number|licen[cs]e\s+plate|bank\s+account)\b",
    re.IGNORECASE,
)
_ZH = re.compile(
    r"姓名|人名|名字|真名|全名|曾用名|身份证|证件号|身份号|公民身份|护照|社保号|电话|手机|联系方式|微信|QQ|邮箱|电子邮件|"
    r"住址|地址|门牌|住所|户籍地|家庭住址|居住地|出生日期|出生年月|生日|籍贯|车牌|银行卡|银行账号|经纬度"
)


def _snake(name: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def personal_field(name: str | None, *titles: str | None) -> str | None:
    """What in the field's name or titles denotes personal data (the matched words), or None."""
    for text in [name, *titles]:
        if not isinstance(text, str) or not text:
            continue
        text = text[:500]
        m = _ZH.search(text)
        if m:
            return m.group(0)
        if text is name or re.fullmatch(r"[A-Za-z0-9_\- ]+", text) and " " not in text.strip():
            m = _EN.search(_snake(text))
            if m:
                return m.group(0).strip("_")
        m = _EN_TITLE.search(text)
        if m:
            return m.group(0)
    return None
