"""Personal data: detection, the one redaction gate, personal field names, indirect identifiers.

A lower layer than the validator, the reports, the importer and the web page, which all import
it. What a report, page, note or file of findings shows goes through `redact` / `shown` /
`message`; text for a terminal through `terminal_safe`.

- `numbers`   resident ID numbers (18 and 15 digits), mobile and landline numbers
- `names`     persons' names (jieba's tagger plus context rules)
- `tagger`    jieba's part-of-speech tagger, reading only the dictionary entries a text needs
- `addresses` building/unit/room and village-group/house-number addresses
- `fields`    field names and titles that denote personal data
- `scan`      whole columns, vectorised pre-filters, distinct candidates only
- `kanon`     quasi-identifiers and k-anonymity
"""
from __future__ import annotations

from .addresses import ADDRESS_CODE, find_addresses
from .fields import personal_field
from .names import NAME_CODE, find_names, redact_name
from .numbers import ID_CODE, LANDLINE_CODE, MOBILE_CODE, find_numbers, redact_id, redact_mobile
from .redact import MAX_MESSAGE, MAX_SHOWN, message, redact, shown, terminal_safe
from .scan import find_personal, free_text_fields, scan_column, scan_columns

redact_text = redact  # the name older callers use

CODES = (ID_CODE, MOBILE_CODE, LANDLINE_CODE, NAME_CODE, ADDRESS_CODE)

__all__ = [
    "ADDRESS_CODE", "CODES", "ID_CODE", "LANDLINE_CODE", "MAX_MESSAGE", "MAX_SHOWN", "MOBILE_CODE", "NAME_CODE",
    "find_addresses", "find_names", "find_numbers", "find_personal", "free_text_fields", "message", "personal_field",
    "redact", "redact_id", "redact_text", "redact_mobile", "redact_name", "scan_column", "scan_columns", "shown",
    "terminal_safe",
]
