"""One finding of a check, shared by the validator, the publisher tools and the reviewers' tools."""
from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("ERROR", "WARNING", "INFO")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message_zh: str
    message_en: str
    resource: str | None = None
    row: int | None = None  # data row as a spreadsheet user sees it: header = row 1
    field: str | None = None
    value: str | None = None  # redacted where personal

    def __post_init__(self):
        # The one redaction gate (jiceng.privacy), wherever a finding is made: the validator, the
        # importer, the web page. Messages and values are bounded, redacted and printable (the
        # gate remembers what it made of a text: a group's message in each of its findings is
        # worked out once).
        message, shown = _GATE or _gate()
        if self.message_zh is not None:
            object.__setattr__(self, "message_zh", message(self.message_zh))
        if self.message_en is not None:
            object.__setattr__(self, "message_en", message(self.message_en))
        if self.value is not None:
            object.__setattr__(self, "value", shown(self.value))

    def to_dict(self) -> dict:
        return asdict(self)

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en


_GATE: tuple = ()


def _gate() -> tuple:
    """(message, shown) of jiceng.privacy, imported when the first finding is made."""
    global _GATE
    from .privacy import message, shown

    _GATE = (message, shown)
    return _GATE
