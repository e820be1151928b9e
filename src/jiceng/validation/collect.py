"""Collecting findings: grouped by (code, resource, field), counted exactly, and kept in full up
to a limit per group so that a million-row table with one systematic mistake stays readable.

Every value, message, table and field name is cleaned here, the one place findings are created,
by jiceng.privacy's gate: personal numbers, addresses and names redacted, control characters made
visible, long values and messages shortened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

from ..findings import Finding
from .codes import CODES
from ..privacy import message as _message, shown as _shown
from ..privacy import redact as redact_text  # noqa: F401 - kept for callers

MAX_VALUE_CHARS = 120


def clean_value(value) -> str | None:
    """A value as a report may show it: redacted, printable, at most MAX_VALUE_CHARS long
    (jiceng.privacy.shown, the one redaction gate)."""
    if value is None:
        return None
    return _shown(value, MAX_VALUE_CHARS)  # (the gate remembers the values it has made safe)


@lru_cache(maxsize=1 << 12)
def _label(text):
    """A table or field name as a report shows it: bounded, redacted, printable."""
    return None if text is None else _shown(text, 200)


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
        resource, field = _label(resource), _label(field)
        key = (code, resource, field)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(code, severity, resource, field, _redacted(zh), _redacted(en))
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
            group.findings.append(Finding(code, severity, message_zh, message_en, group.resource, row, group.field,
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
            # (Finding itself passes the whole message through the redaction gate)
            group.findings.extend(Finding(code, severity, message_zh + zh, message_en + en,
                                          group.resource, int(r) if r is not None else None, group.field, clean_value(v))
                                  for r, v, (zh, en) in zip(rows, values, extra))

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f.code, f.message_zh, f.message_en, severity=f.severity, resource=f.resource, row=f.row,
                     field=f.field, value=f.value)

    def count(self, code: str | None = None) -> int:
        return sum(g.count for g in self.groups.values() if code is None or g.code == code)


def _defaults(code, severity, zh, en):
    """Severity and messages, the known code's by default. Messages may quote data: a group's
    message is redacted when the group is made, each finding's by Finding itself (the gate), so
    that a message is redacted once, not once per call."""
    known = CODES.get(code)
    severity = severity or (known.severity if known else "ERROR")
    zh = zh if zh else (known.zh if known else code)
    en = en if en else (known.en if known else code)
    return severity, zh, en


@lru_cache(maxsize=1 << 12)
def _redacted(text: str) -> str:
    return _message(text)


class Discard(Collector):
    """A collector that keeps nothing: for reading a package without validating it (jiceng.load)."""

    def __init__(self):
        super().__init__(0)

    def add(self, *args, **kwargs) -> None:
        return None

    def add_rows(self, *args, **kwargs) -> None:
        return None

    def extend(self, findings) -> None:
        return None
