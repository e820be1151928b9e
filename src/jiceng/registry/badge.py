"""SVG badges: a flat two-part badge, self-contained (no web font, no external reference)."""
from __future__ import annotations

import html
import unicodedata

COLOURS = {"green": "#2da44e", "red": "#cf222e", "orange": "#bf8700", "grey": "#6e7781", "blue": "#0969da"}


def _width(text: str) -> int:
    w = 0
    for ch in text:
        w += 12 if unicodedata.east_asian_width(ch) in ("W", "F") else (4 if ch in " .,:;|il1" else 7)
    return w + 12


def badge(label: str, message: str, colour: str = "green", title: str | None = None) -> str:
    colour = COLOURS.get(colour, colour)
    lw, mw = _width(label), _width(message)
    e = html.escape
    t = e(title or f"{label}: {message}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{lw + mw}" height="20" role="img" aria-label="{t}">'
            f"<title>{t}</title>"
            f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
            f'<stop offset="1" stop-opacity=".1"/></linearGradient>'
            f'<clipPath id="r"><rect width="{lw + mw}" height="20" rx="3" fill="#fff"/></clipPath>'
            f'<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/>'
            f'<rect x="{lw}" width="{mw}" height="20" fill="{colour}"/>'
            f'<rect width="{lw + mw}" height="20" fill="url(#s)"/></g>'
            f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,Noto Sans CJK SC,sans-serif" font-size="11">'
            f'<text x="{lw / 2:.1f}" y="14">{e(label)}</text>'
            f'<text x="{lw + mw / 2:.1f}" y="14">{e(message)}</text></g></svg>\n')


STATUS_BADGE = {
    "valid": ("通过 valid", "green"),
    "needs-migration": ("需迁移 migrate", "orange"),
    "invalid": ("不通过 invalid", "red"),
    "unreadable": ("无法读取 unreadable", "grey"),
}


def status_badge(status: str, standard_version: str | None) -> str:
    message, colour = STATUS_BADGE.get(status, (status, "grey"))
    label = f"jiceng {standard_version}" if standard_version else "jiceng"
    return badge(label, message, colour)


def seal_badge(passed: int, total: int) -> str:
    ok = passed == total
    return badge("认证 seal", f"{passed}/{total}", "green" if ok else ("orange" if passed else "red"))


def report_badge(report) -> str:
    """The badge of one validation report (`jiceng badge`)."""
    status = "valid" if report.valid else ("unreadable" if not report.readable else "invalid")
    return status_badge(status, report.standard_version)
