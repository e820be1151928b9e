"""The one redaction gate: every value and message any report, page, note or file of findings
shows passes through `redact` (or `shown`, which also bounds and escapes it).

`redact(text)` masks every ID number, mobile and landline number, exact address and likely
person's name, whatever check produced the finding. `shown(value)` is what a report prints: the
text cut to a bounded length (before redaction, so the work stays bounded), redacted, with
control characters made visible. `terminal_safe(text)` removes escape sequences (ANSI CSI, OSC,
…) and control characters from text bound for a terminal.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .addresses import find_address_hits
from .names import find_name_hits
from .numbers import find_number_hits
from .prefilter import may_hold_address, may_hold_name, may_hold_number

MAX_SHOWN = 120  # characters of a value a report shows
MAX_MESSAGE = 1000  # characters of a message
_SUFFIX = 32  # room for the "…(N 字符 chars)" note: text already cut is not cut again
_SCAN_LIMIT = 4 * MAX_SHOWN
MAX_REDACTED = 2_000  # characters `redact` returns at most (plus a note of the full length)


def _spans(text: str, names: bool) -> list[tuple[int, int, str]]:
    # each detector only where its quick test (jiceng.privacy.prefilter) says it may find something
    spans = [(h.start, h.end, h.shown) for h in find_number_hits(text)] if may_hold_number(text) else []
    if may_hold_address(text):
        spans += [(h.start, h.end, h.shown) for h in find_address_hits(text)]
    if names and may_hold_name(text):
        spans += [(h.start, h.end, h.shown) for h in find_name_hits(text)]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    merged: list[tuple[int, int, str]] = []
    for s in spans:
        if merged and s[0] < merged[-1][1]:
            if s[1] > merged[-1][1]:  # overlapping different kinds: mask the union
                start = merged[-1][0]
                merged[-1] = (start, s[1], "*" * min(s[1] - start, 20))
            continue
        merged.append(s)
    return merged


@lru_cache(maxsize=65536)
def _redact(text: str, names: bool) -> str:
    spans = _spans(text, names)
    if not spans:
        return text
    out, pos = [], 0
    for start, end, shown in spans:
        out.append(text[pos:start])
        out.append(shown)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact(value, *, names: bool = True) -> str:
    """`value` as text with every personal number, address and likely name masked."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text:
        return text
    if len(text) > MAX_REDACTED:  # nobody reads that much in a report: bound the work and the output
        return _redact(text[:MAX_REDACTED], names) + f"…({len(text)} 字符 chars)"
    return _redact(text, names)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def _visible(m: re.Match) -> str:
    o = ord(m.group(0))
    return f"\\x{o:02x}" if o < 256 else f"\\u{o:04x}"


def shown(value, limit: int = MAX_SHOWN) -> str | None:
    """A value as a report may show it: redacted, printable (control characters escaped, line
    breaks as \\n), at most `limit` characters plus a note of the full length."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if len(text) <= _CACHED_CHARS:
        return _shown(text, limit)  # the same value in many findings: made safe once
    return _shown.__wrapped__(text, limit)


# Texts up to this length are remembered with what the gate made of them (a few tens of MB at most).
_CACHED_CHARS = 512


@lru_cache(maxsize=1 << 15)
def _shown(text: str, limit: int) -> str:
    total = len(text)
    scan = max(limit * 4, _SCAN_LIMIT)
    cut = text[:scan]
    # Redact before cutting to `limit`, so a number straddling the cut is not half shown.
    out = redact(cut)
    out = out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    out = _CONTROL.sub(_visible, out)
    if len(out) > limit + _SUFFIX or total > scan:
        out = out[:limit] + f"…({total} 字符 chars)"
    return out


def message(text, limit: int = MAX_MESSAGE) -> str:
    """A message as a report may show it: bounded, redacted, single-line safe."""
    if text is None:
        return ""
    text = text if isinstance(text, str) else str(text)
    if len(text) <= _CACHED_CHARS:
        return _message(text, limit)  # a group's message is repeated in each of its findings
    return _message.__wrapped__(text, limit)


@lru_cache(maxsize=1 << 15)
def _message(text: str, limit: int) -> str:
    total = len(text)
    if total > 4 * limit:
        text = text[: 4 * limit]
    out = _CONTROL.sub(_visible, redact(text))
    if len(out) > limit + _SUFFIX:
        out = out[:limit] + f"…({total} 字符 chars)"
    return out


# Escape sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC (… ST), and
# two-character ESC sequences; their 8-bit forms too.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def terminal_safe(text: str, keep_colours: bool = False) -> str:
    """`text` without escape sequences and control characters (line breaks and tabs kept).
    `keep_colours` keeps plain colour (SGR) sequences, which cannot move the cursor, set the
    window title or reach the clipboard."""
    if not text:
        return text
    if keep_colours:
        parts = []
        pos = 0
        for m in _SGR.finditer(text):
            parts.append(_strip(text[pos:m.start()]))
            parts.append(m.group(0))
            pos = m.end()
        parts.append(_strip(text[pos:]))
        return "".join(parts)
    return _strip(text)


def _strip(text: str) -> str:
    if not text:
        return text
    text = _ESCAPES.sub("", text)
    return _TERMINAL_CONTROL.sub("", text.replace("\r\n", "\n"))
