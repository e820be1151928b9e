"""The validator's use of `jiceng.privacy`: what each privacy finding says, and the names the
rest of the validator imports. Detection and redaction live in `jiceng.privacy` (one gate for the
validator, the reports, the importer and the web page).

Every cell of every table is scanned, whatever its field, for resident ID numbers, mobile and
landline numbers and exact addresses; free-text fields (text with no pattern or codelist) also
for persons' names. A column header that is itself personal data, or names a personal-data
field (姓名, 身份证, 电话, 住址, handler_name …), is a finding too.
"""
from __future__ import annotations

from ..privacy import (ADDRESS_CODE, ID_CODE, LANDLINE_CODE, MOBILE_CODE, NAME_CODE, find_names, find_numbers,
                       find_personal, free_text_fields, personal_field, redact, redact_id, redact_mobile, redact_name,
                       scan_column, scan_columns)
from ..privacy.names import NAME_PREFILTER
from ..privacy.scan import NUMBER_PREFILTER

FIELD_CODE = "PRIVACY_PERSONAL_FIELD"

# What a finding of each code holds: (zh, en), completing "field x holds …".
WHAT = {
    ID_CODE: ("居民身份证号码", "a resident ID number"),
    MOBILE_CODE: ("手机号码", "a mobile number"),
    LANDLINE_CODE: ("固定电话号码", "a landline number"),
    NAME_CODE: ("疑似个人姓名", "what looks like a person's name"),
    ADDRESS_CODE: ("具体到门牌、单元或房间的住址", "an address down to the house, unit or room"),
}


def redact_text(text: str) -> str:
    """`text` with every personal number, address and likely name masked (see jiceng.privacy)."""
    return redact(text)


__all__ = ["FIELD_CODE", "NAME_PREFILTER", "NUMBER_PREFILTER", "WHAT", "find_names", "find_numbers", "find_personal",
           "free_text_fields", "personal_field", "redact_id", "redact_mobile", "redact_name", "redact_text",
           "scan_column", "scan_columns"]
