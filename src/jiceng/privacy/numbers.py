"""Personal numbers as people write them: resident ID numbers (GB 11643, 18 and 15 digits),
mainland mobile numbers and landline numbers.

Text is first normalised character for character (full-width digits, letters and brackets to
ASCII, a lower-case x to X), so that offsets into the normalised text are offsets into the
original. Digits are then read as runs of digit groups joined by the separators clerks type
(spaces, dashes, dots, brackets, a `+`): `110105-19491231-002X`, `110105 19491231 002X`,
`138.1234.5678`, `+86 138 1234 5678`, `(0731)8888 6666`. Every window of consecutive groups
whose digits make up a number of the right length is checked:

- an 18-character ID: the MOD 11-2 check character (ISO 7064) and a plausible birth date
  (1900-01-01 up to today) decide; the region code is not required to be in any table, since
  region codes change every year and an ID keeps the code of its first registration;
- a 15-digit first-generation ID: a valid province code and a valid birth date 19YYMMDD
  (written as one number or grouped 6-6-3);
- a mobile: 11 digits starting 13-19 (optionally after 86/0086) that phonenumbers accepts as
  a mobile number;
- a landline: a trunk `0`, an area code and a 7-8 digit local number that phonenumbers accepts
  as a fixed line (with or without the `0` when `+86` precedes it).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache

ID_CODE = "PRIVACY_ID_NUMBER"
MOBILE_CODE = "PRIVACY_MOBILE_NUMBER"
LANDLINE_CODE = "PRIVACY_PHONE_NUMBER"

# Full-width ASCII (U+FF01..U+FF5E) to ASCII, the ideographic space to a space, a lower-case x to
# X: one character for one character, so offsets stay valid.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, ord("x"): ord("X"), 0xFF58: ord("X"), 0x2010: ord("-"), 0x2011: ord("-"),
                   0x2012: ord("-"), 0x2013: ord("-"), 0x2014: ord("-"), 0x2212: ord("-"), 0x00B7: ord("."),
                   0x3002: ord("."), 0x00A0: 0x20, 0x3010: ord("("), 0x3011: ord(")")})


def normalise(text: str) -> str:
    """Same length as `text`: full-width forms to ASCII, x to X, dashes and dots unified."""
    return text.translate(_FULLWIDTH)


# A run: digit groups (the last may end in X) joined by up to three separator characters.
_SEP = r"[ \t\-.()+/]{1,3}"
_RUN = re.compile(rf"(?<![0-9])\+?\(?[0-9]+X?(?:{_SEP}[0-9]+X?)*\)?")
_GROUP = re.compile(r"[0-9]+X?")
_PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
              "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83", "91"}
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


@dataclass(frozen=True)
class NumberHit:
    code: str
    start: int  # span in the text
    end: int
    digits: str  # the number, separators removed
    shown: str  # redacted form


def check_character(body17: str) -> str:
    """GB 11643 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(body17, _WEIGHTS))
    return "10X98765432"[total % 11]


def _plausible_date(y: int, m: int, d: int) -> bool:
    try:
        day = _dt.date(y, m, d)
    except ValueError:
        return False
    return _dt.date(1900, 1, 1) <= day <= _dt.date.today()


def is_id18(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return False
    if check_character(number[:17]) != number[17]:
        return False
    return _plausible_date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def is_id15(number: str) -> bool:
    if len(number) != 15 or not number.isdigit() or number[:2] not in _PROVINCES:
        return False
    return _plausible_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


def region_of(number: str) -> str | None:
    """The registration region's name when python-stdnum knows it (extra information only)."""
    try:
        from stdnum.cn import ric

        return ric.get_birth_place(number[:6] + "19000101" + "0000")
    except Exception:
        return None


@lru_cache(maxsize=4096)
def _phone_kind(e164: str) -> str | None:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    kind = phonenumbers.number_type(parsed)
    T = phonenumbers.PhoneNumberType
    if kind in (T.MOBILE, T.FIXED_LINE_OR_MOBILE):
        return "mobile"
    if kind == T.FIXED_LINE:
        return "fixed"
    return None


def redact_id(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def redact_mobile(digits: str) -> str:
    return digits[:3] + "****" + digits[-4:]


def redact_landline(area: str, local: str) -> str:
    return f"{area}-" + "*" * (len(local) - 2) + local[-2:]


def _groups(run: str, base: int) -> list[tuple[str, int, int]]:
    return [(m.group(0), base + m.start(), base + m.end()) for m in _GROUP.finditer(run)]


def _mobile(digits: str) -> str | None:
    for prefix in ("0086", "86", ""):
        if digits.startswith(prefix):
            rest = digits[len(prefix):]
            if len(rest) == 11 and rest[0] == "1" and rest[1] in "3456789" and _phone_kind("+86" + rest) == "mobile":
                return rest
    return None


def _landline(digits: str, after_plus86: bool) -> tuple[str, str] | None:
    if after_plus86 and not digits.startswith("0"):
        digits = "0" + digits
    if not digits.startswith("0") or not 10 <= len(digits) <= 12:
        return None
    area_len = 3 if digits[1] in "12" else 4  # 010, 02X; 0XXX elsewhere
    area, local = digits[:area_len], digits[area_len:]
    if not 7 <= len(local) <= 8 or local[0] == "0":
        return None
    return (area, local) if _phone_kind("+86" + digits[1:]) == "fixed" else None


def find_number_hits(text: str) -> list[NumberHit]:
    """Every personal number in `text`, with its span."""
    if not text or not any(ch.isdigit() for ch in text):
        return []
    norm = normalise(text)
    hits: list[NumberHit] = []
    for run in _RUN.finditer(norm):
        groups = _groups(run.group(0), run.start())
        n = len(groups)
        for i in range(n):
            digits = ""
            for j in range(i, min(n, i + 6)):
                g, gs, ge = groups[j]
                if "X" in digits:
                    break
                digits += g
                start, end = groups[i][1], ge
                if len(digits) > 19:
                    break
                contiguous = j == i
                if len(digits) == 18 and is_id18(digits):
                    hits.append(NumberHit(ID_CODE, start, end, digits, redact_id(digits)))
                    continue
                if "X" in digits:
                    continue
                if len(digits) == 15 and is_id15(digits) and (
                        contiguous or [len(groups[k][0]) for k in range(i, j + 1)] == [6, 6, 3]):
                    hits.append(NumberHit(ID_CODE, start, end, digits, redact_id(digits)))
                    continue
                mobile = _mobile(digits) if 11 <= len(digits) <= 15 else None
                if mobile:
                    hits.append(NumberHit(MOBILE_CODE, start, end, mobile, redact_mobile(mobile)))
                    continue
                before = norm[max(run.start(), start - 4):start]
                plus86 = "86" in before and "+" in before or (i > 0 and groups[i - 1][0] in ("86", "0086"))
                fixed = _landline(digits, plus86) if 9 <= len(digits) <= 12 else None
                if fixed and not (len(digits) == 11 and digits[0] == "1"):
                    hits.append(NumberHit(LANDLINE_CODE, start, end, "".join(fixed), redact_landline(*fixed)))
    return _dedupe(hits)


def _dedupe(hits: list[NumberHit]) -> list[NumberHit]:
    """Drop hits contained in a longer hit (a mobile inside an ID, a landline inside +86 …)."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[NumberHit] = []
    for h in hits:
        if out and h.start >= out[-1].start and h.end <= out[-1].end:
            continue
        if any(o.start <= h.start and h.end <= o.end for o in out):
            continue
        out.append(h)
    return out


def find_numbers(text: str) -> list[tuple[str, str]]:
    """(code, redacted) for each personal number in `text`."""
    return [(h.code, h.shown) for h in find_number_hits(text)]
