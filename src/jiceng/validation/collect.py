"""Collecting findings: grouped by (code, resource, field), counted exactly, and kept in full up
to a limit per group so that a million-row table with one systematic mistake stays readable.

Every value is cleaned here, the one place findings are created: personal numbers and names
redacted, control characters made visible, long cells shortened.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from ..findings import Finding
from .codes import CODES
from .privacy import redact_text

MAX_VALUE_CHARS = 120
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_value(value) -> str | None:
    """A value as a report may show it: redacted, printable, at most MAX_VALUE_CHARS long."""
    if value is None:
        return None
    text = str(value)
    if len(text) > 4 * MAX_VALUE_CHARS:
        # Redact before cutting so that a number straddling the cut is not half shown.
        text = redact_text(text[: 4 * MAX_VALUE_CHARS]) + f"…(+{len(text) - 4 * MAX_VALUE_CHARS})"
    else:
        text = redact_text(text)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 256 else f"\\u{ord(m.group(0)):04x}", text)
    text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"…({len(str(value))} 字符 chars)"
    return text


@dataclass
class Group:
    code: str
    severity: str
    resource: str | None
    field: str | None
    message_zh: str
    message_en: str
    count: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def shown(self) -> int:
        return len(self.findings)

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "resource": self.resource, "field": self.field,
                "count": self.count, "listed": self.shown, "message_zh": self.message_zh, "message_en": self.message_en,
                "rows": [f.row for f in self.findings[:20] if f.row is not None]}


class Collector:
    def __init__(self, max_per_group: int | None = 1000):
        self.max_per_group = max_per_group
        self.groups: dict[tuple, Group] = {}

    def _group(self, code, severity, resource, field, zh, en) -> Group:
        key = (code, resource, field)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(code, severity, resource, field, zh, en)
        return group

    def _room(self, group: Group) -> int:
        if self.max_per_group is None:
            return 1 << 62
        return max(self.max_per_group - group.shown, 0)

    def add(self, code: str, message_zh: str | None = None, message_en: str | None = None, *,
            severity: str | None = None, resource: str | None = None, row: int | None = None,
            field: str | None = None, value=None) -> None:
        severity, message_zh, message_en = _defaults(code, severity, message_zh, message_en)
        group = self._group(code, severity, resource, field, message_zh, message_en)
        group.count += 1
        if self._room(group):
            group.findings.append(Finding(code, severity, message_zh, message_en, resource, row, field,
                                          clean_value(value)))

    def add_rows(self, code: str, rows: Sequence[int], values: Sequence | None = None, *,
                 message_zh: str | None = None, message_en: str | None = None, severity: str | None = None,
                 resource: str | None = None, field: str | None = None,
                 suffixes: Sequence[tuple[str, str]] | None = None) -> None:
        """Many findings of one kind at once: counted in full, materialised up to the limit.
        `suffixes` adds a (zh, en) detail to each finding's message."""
        n = len(rows)
        if n == 0:
            return
        severity, message_zh, message_en = _defaults(code, severity, message_zh, message_en)
        group = self._group(code, severity, resource, field, message_zh, message_en)
        group.count += n
        room = min(self._room(group), n)
        if room:
            rows = list(rows[:room])
            values = list(values[:room]) if values is not None else [None] * room
            extra = list(suffixes[:room]) if suffixes is not None else [("", "")] * room
            group.findings.extend(Finding(code, severity, message_zh + redact_text(zh), message_en + redact_text(en),
                                          resource, int(r) if r is not None else None, field, clean_value(v))
                                  for r, v, (zh, en) in zip(rows, values, extra))

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f.code, f.message_zh, f.message_en, severity=f.severity, resource=f.resource, row=f.row,
                     field=f.field, value=f.value)

    def count(self, code: str | None = None) -> int:
        return sum(g.count for g in self.groups.values() if code is None or g.code == code)


def _defaults(code, severity, zh, en):
    """Severity and messages, the known code's by default; messages redacted (they may quote data)."""
    known = CODES.get(code)
    severity = severity or (known.severity if known else "ERROR")
    zh = redact_text(zh) if zh else (known.zh if known else code)
    en = redact_text(en) if en else (known.en if known else code)
    return severity, zh, en
