"""Exact home addresses: a house number down to the building, unit and room, or a village group
and house number.

A street and house number alone (幸福路12号) is usually an office, a service centre or a shop
and is not reported; what places a household is the part after it:

- building / unit / floor / room: `幸福路12号3单元501室`, `阳光小区5栋2单元301`, `8幢1202室`,
  `3号楼2单元`, `幸福小区3-2-501`;
- village group and house number: `丰和村3组18号`, `五组12号`, `村民小组18号`.

Digits may be Arabic, full-width or Chinese numerals (三单元, 十八号).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ADDRESS_CODE = "PRIVACY_ADDRESS"

_N = r"[0-9０-９一二三四五六七八九十百零〇两]+"
_SP = r"\s{0,2}"
# building, unit, floor and room parts; an address needs at least two of them, or a room.
_BUILDING = rf"{_N}{_SP}(?:栋|幢|号楼|座|号院)"
_UNIT = rf"{_N}{_SP}单元"
_FLOOR = rf"{_N}{_SP}(?:层|楼)(?![道梯房])"
_ROOM = rf"{_N}{_SP}(?:室|户|房|号房)"
_HOUSE = rf"{_N}{_SP}号(?!楼|线|文|令|召)"
_PARTS = rf"(?:{_BUILDING}|{_UNIT}|{_FLOOR}|{_ROOM}|{_HOUSE})"
_ADDRESS = re.compile(
    # (…路12号)? then two or more building/unit/floor/room/house parts, or a room number alone after a building
    rf"(?:{_PARTS}{_SP}[-—,,]?{_SP}){{1,5}}(?:{_BUILDING}|{_UNIT}|{_FLOOR}|{_ROOM}|{_N}(?=$|[^0-9０-９号]))"
    # village group and house number: 3组18号, 五组12号, 村民小组18号, 3社12号
    rf"|{_N}{_SP}(?:村民小组|小组|组|社|队){_SP}{_N}{_SP}号"
    rf"|村民小组{_SP}{_N}{_SP}号"
    # 小区3-2-501
    rf"|(?<=[区苑园院村寓厦城庭府居楼])\s?[0-9０-９]{{1,3}}\s?[-—]\s?[0-9０-９]{{1,2}}\s?[-—]\s?[0-9０-９]{{3,4}}(?![0-9０-９])"
)
# what places a household rather than a building's door: a building, unit, room, village group, 3-2-501
_DWELLING = re.compile(r"栋|幢|号楼|座|单元|室|户|房|组|社|队|[-—]")
_DIGITISH = re.compile(r"[0-9０-９一二三四五六七八九十百零〇两]")


@dataclass(frozen=True)
class AddressHit:
    start: int
    end: int
    shown: str


def _shown(text: str) -> str:
    return _DIGITISH.sub("*", text)


def find_address_hits(text: str) -> list[AddressHit]:
    if not text or not _DIGITISH.search(text):
        return []
    out = []
    for m in _ADDRESS.finditer(text):
        part = m.group(0)
        # at least two numbered parts, so that "3单元" or "12号" alone is not an address
        if len(re.findall(_N, part)) < 2 or not _DWELLING.search(part):
            continue
        out.append(AddressHit(m.start(), m.end(), _shown(part)))
    return out


def find_addresses(text: str) -> list[tuple[str, str]]:
    return [(ADDRESS_CODE, h.shown) for h in find_address_hits(text)]
