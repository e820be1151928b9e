"""Quick tests that a text may hold personal data, as regular expressions that mean the same in
polars (Rust's regex, for whole columns: jiceng.privacy.scan) and in Python's re (for single
texts: the redaction gate). Each test lets through every text its detector can report something
in, so a text failing it need not be given to the detector:

- a personal number has at least 9 digits, in groups joined by at most three separators (after
  numbers.normalise): `NUMBER_PREFILTER` (7 digits); its digits are separated, full-width or a
  plain run of a personal number's length and first digit: `SEPARATED` or `PLAIN_RUN`;
- an address (addresses.py) begins with a numeral and a building, unit, floor, room or house word,
  or is the 小区3-2-501 form: `ADDRESS_PREFILTER`;
- a name begins with a surname followed by a Chinese character: `NAME_PREFILTER`;
- a value that is only a date holds none of these: `DATE_SHAPED`.

tests/test_validate_privacy.py checks that nothing the detectors find is lost.
"""
from __future__ import annotations

import re

from .names import COMPOUND_SURNAMES, SURNAMES

_D = "0-9０-９"
# Every character numbers.normalise turns into a separator of digit groups (space, tab, - . ( ) + /):
# full-width forms, dashes, the middle dot, 。, the no-break and ideographic spaces, 【】.
_S = r"[ \t\-.()+/·－．（）＋／\u2010-\u2014\u2212。\u00a0【】　]"
NUMBER_PREFILTER = rf"[{_D}](?:{_S}{{0,3}}[{_D}]){{6,}}"
# Digits broken by a separator, or full-width digits: only the exact detector can judge them.
SEPARATED = rf"[{_D}]{_S}{{1,3}}[{_D}]|[０-９]"
# A run of ASCII digits (bounded by other characters) of a length and start a personal number can
# have: a local landline (7-8 digits, not starting with 0), a mobile (11, starting with 1; 13 with
# 86), a landline with its area code (10-12 starting with 0) or a resident ID (15, 17 + X, 18).
PLAIN_RUN = r"(?:^|[^0-9])(?:[1-9][0-9]{6,7}|1[0-9]{10}|86[0-9]{11}|0[0-9]{9,11}|[0-9]{15}|[0-9]{17,18})(?:[^0-9]|$)"
# \s as Python's re has it (Rust's lacks \x1c-\x1f)
_W = r"[\s\x1c-\x1f]"
ADDRESS_PREFILTER = (rf"[0-9０-９一二三四五六七八九十百零〇两]{_W}{{0,2}}(?:号|栋|幢|座|单元|室|户|房|层|楼|组|社|队)"
                     rf"|[区苑园院村寓厦城庭府居楼]{_W}?[0-9０-９]{{1,3}}{_W}?[-—]{_W}?[0-9０-９]{{1,2}}{_W}?[-—]{_W}?[0-9０-９]{{3,4}}")
NAME_PREFILTER = rf"(?:[{SURNAMES}]|{'|'.join(COMPOUND_SURNAMES)})[\u4e00-\u9fff]"
# A date written as a date holds digits and separators but is neither a number nor an address of a person.
DATE_SHAPED = r"^\s*[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?\s*$"

_NUMBER = re.compile(NUMBER_PREFILTER)
_NUMBER_SHAPE = re.compile(f"{SEPARATED}|{PLAIN_RUN}")
_ADDRESS = re.compile(ADDRESS_PREFILTER)
_NAME = re.compile(NAME_PREFILTER)


def may_hold_number(text: str) -> bool:
    return _NUMBER.search(text) is not None and _NUMBER_SHAPE.search(text) is not None


def may_hold_address(text: str) -> bool:
    return _ADDRESS.search(text) is not None


def may_hold_name(text: str) -> bool:
    return _NAME.search(text) is not None
