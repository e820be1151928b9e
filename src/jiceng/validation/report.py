"""The validation report: the JSON contract, and text and HTML renderings of it.

JSON contract (documented in docs/validate.md): `valid`, `schema_version`, `package`, `counts`
({"ERROR", "WARNING", "INFO"}), `errors` (every finding listed, each with `code`, `severity`,
`resource`, `row`, `field`, `value`, `message_zh`, `message_en`), plus `standard_version`,
`encodings`, `groups` (each kind of finding with its exact count), `truncated`, `exit_code`.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from ..findings import SEVERITIES, Finding
from .codes import CODES, FATAL
from .collect import Collector, Group

SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}
_GROUP_ORDER = {"input": 0, "package": 1, "resource": 2, "header": 3, "row": 4, "key": 5, "cell": 6, "privacy": 7,
                "deprecation": 9}
EXAMPLES = 3


@dataclass
class Report:
    path: str
    package: str | None = None
    schema_version: str | None = None
    standard_version: str | None = None
    groups: list[Group] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    resources: list[str] = field(default_factory=list)  # in package order
    readable: bool = True

    @classmethod
    def from_collector(cls, out: Collector, **kwargs) -> "Report":
        report = cls(**kwargs)
        report.groups = list(out.groups.values())
        report.readable = not any(g.code in FATAL for g in report.groups)
        return report

    # -- content

    @property
    def errors(self) -> list[Finding]:
        """Every listed finding, all severities, ordered by resource, row and field."""
        order = {r: i for i, r in enumerate(self.resources)}
        items = [f for g in self.groups for f in g.findings]
        return sorted(items, key=lambda f: (order.get(f.resource, -1) if f.resource else -1,
                                            f.row if f.row is not None else 0, SEVERITY_ORDER.get(f.severity, 9)))

    findings = errors

    @property
    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for g in self.groups:
            out[g.severity] = out.get(g.severity, 0) + g.count
        return out

    @property
    def valid(self) -> bool:
        return self.readable and self.counts["ERROR"] == 0

    @property
    def truncated(self) -> bool:
        return any(g.count > g.shown for g in self.groups)

    @property
    def exit_code(self) -> int:
        if not self.readable:
            return 2
        return 0 if self.valid else 1

    def by_code(self, code: str) -> list[Finding]:
        return [f for g in self.groups if g.code == code for f in g.findings]

    def count(self, code: str) -> int:
        return sum(g.count for g in self.groups if g.code == code)

    def codes(self) -> set[str]:
        return {g.code for g in self.groups}

    def ordered_groups(self) -> list[Group]:
        order = {r: i for i, r in enumerate(self.resources)}

        def key(g: Group):
            kind = CODES[g.code].group if g.code in CODES else "rule"
            hint_first = 0 if g.code == "HEADER_HINT" else 1
            return (order.get(g.resource, -1) if g.resource else -1, _GROUP_ORDER.get(kind, 8), hint_first,
                    SEVERITY_ORDER.get(g.severity, 9), -g.count, g.code, g.field or "")
        return sorted(self.groups, key=key)

    def to_dict(self) -> dict:
        return {
            "valid": self.valid,
            "schema_version": self.schema_version,
            "package": self.package,
            "counts": self.counts,
            "errors": [_finding_dict(f) for f in self.errors],
            "standard_version": self.standard_version,
            "encodings": self.encodings,
            "groups": [g.to_dict() for g in self.ordered_groups()],
            "truncated": self.truncated,
            "exit_code": self.exit_code,
        }

    # -- renderings

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_text(self, lang: str = "zh") -> str:
        return "\n".join(line for line, _ in self._lines(lang)) + "\n"

    def print_text(self, lang: str = "zh", console=None) -> None:
        from rich.console import Console
        from rich.text import Text

        console = console or Console(highlight=False, soft_wrap=True)
        for line, style in self._lines(lang):
            console.print(Text(line, style=style or ""))

    def to_html(self, lang: str = "zh") -> str:
        return _html(self, lang)

    def _lines(self, lang: str) -> list[tuple[str, str | None]]:
        zh = lang == "zh"
        t = (lambda a, b: a if zh else b)
        lines: list[tuple[str, str | None]] = []
        counts = self.counts
        head = t("数据包", "package") + f" {self.package or '?'} · " + t("标准版本", "standard version") + \
            f" {self.schema_version or '?'}" + (f" ({t('本工具按标准', 'checked against')} {self.standard_version})" if self.standard_version else "")
        lines.append((f"jiceng validate {self.path}", "bold"))
        lines.append((head, None))
        if self.encodings:
            by_encoding: dict[str, list[str]] = {}
            for resource, enc in self.encodings.items():
                by_encoding.setdefault(enc, []).append(resource)
            if len(by_encoding) == 1:
                enc, names = next(iter(by_encoding.items()))
                shown = t(f"{enc}(全部 {len(names)} 个文件)", f"{enc} (all {len(names)} files)")
            else:
                shown = "; ".join(f"{enc}: {', '.join(names)}" for enc, names in by_encoding.items())
            lines.append((t("编码:", "encodings: ") + shown, "dim"))
        if not self.readable:
            verdict = t("✗ 无法读取", "✗ cannot be read")
            style = "bold red"
        elif self.valid:
            verdict = t("✓ 通过", "✓ valid")
            style = "bold green"
        else:
            verdict = t("✗ 不通过", "✗ not valid")
            style = "bold red"
        summary = f"{verdict} — {t('错误', 'errors')} {counts['ERROR']} · {t('警告', 'warnings')} {counts['WARNING']} · " \
                  f"{t('提示', 'notes')} {counts['INFO']}"
        lines.append((summary, style))
        if not self.readable:
            for g in self.groups:
                if g.code in FATAL:
                    lines.append((f"{g.code}: {g.message_zh}", style))
                    lines.append((f"{' ' * len(g.code)}  {g.message_en}", style))
            return lines
        groups = self.ordered_groups()
        if groups:
            kinds = len(groups)
            lines.append((t(f"共 {kinds} 类问题,按表和规则分组(每类列出前 {EXAMPLES} 条):",
                            f"{kinds} kinds of finding, grouped by table and rule (first {EXAMPLES} of each):"), None))
        current = object()
        for g in groups:
            if g.resource != current:
                current = g.resource
                lines.append(("", None))
                lines.append(("▸ " + (g.resource or t("数据包", "package")), "bold cyan"))
                if g.resource and any(x.resource == g.resource and CODES.get(x.code) and CODES[x.code].group == "header"
                                      and x.severity == "ERROR" for x in groups):
                    lines.append(("  " + t("注意:表头有误,下面的行错误可能由表头引起,请先修正表头。",
                                           "note: the header is wrong; row findings below may follow from it: fix the header first."), "yellow"))
            mark = {"ERROR": "✗", "WARNING": "!", "INFO": "·"}.get(g.severity, "-")
            style = {"ERROR": "red", "WARNING": "yellow", "INFO": "blue"}.get(g.severity)
            field_part = f" [{g.field}]" if g.field else ""
            lines.append((f"  {mark} {g.severity} {g.code}{field_part} ×{g.count}  {g.message_zh if zh else g.message_en}", style))
            for f in g.findings[:EXAMPLES]:
                where = []
                if f.row is not None:
                    where.append(t(f"第 {f.row} 行", f"row {f.row}"))
                if f.value is not None:
                    where.append(f"«{f.value}»")
                msg = f.message_zh if zh else f.message_en
                detail = msg if msg != (g.message_zh if zh else g.message_en) else ""
                if where or detail:
                    lines.append(("      " + " ".join(where + ([detail] if detail else [])), "dim"))
            if g.count > EXAMPLES:
                lines.append(("      " + t(f"…另有 {g.count - EXAMPLES} 条", f"… and {g.count - EXAMPLES} more"), "dim"))
        if self.truncated:
            lines.append(("", None))
            lines.append((t("部分问题数量很多,JSON 报告中每类最多列出有限条数,计数为全部。",
                            "Some kinds are very frequent: the JSON report lists a limited number of each; counts are complete."), "dim"))
        return lines


def _finding_dict(f: Finding) -> dict:
    return {"code": f.code, "severity": f.severity, "resource": f.resource, "row": f.row, "field": f.field,
            "value": f.value, "message_zh": f.message_zh, "message_en": f.message_en}


def fatal_report(path: str, code: str, message_zh: str, message_en: str, standard_version: str | None) -> Report:
    out = Collector()
    out.add(code, message_zh, message_en, severity="ERROR")
    report = Report.from_collector(out, path=path, standard_version=standard_version)
    report.readable = False
    return report


_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
.ok{color:#1a7f37}.bad{color:#cf222e}.ERROR{color:#cf222e}.WARNING{color:#9a6700}.INFO{color:#0969da}
table{border-collapse:collapse;margin:.4em 0 1em 0}td,th{border:1px solid #ddd;padding:.25em .5em;vertical-align:top;font-size:.92em}
th{background:#f6f8fa;text-align:left} code{background:#f6f8fa;padding:0 .2em} .note{color:#9a6700}
"""


def _html(report: Report, lang: str) -> str:
    zh = lang == "zh"
    e = html.escape
    t = (lambda a, b: a if zh else b)
    counts = report.counts
    verdict = (t("无法读取", "cannot be read"), "bad") if not report.readable else \
        ((t("通过", "valid"), "ok") if report.valid else (t("不通过", "not valid"), "bad"))
    parts = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if zh else 'en'}\"><head><meta charset=\"utf-8\">",
             f"<title>{e(t('校验报告', 'Validation report'))} {e(report.package or '')}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(t('基层治理数据包校验报告', 'Jiceng data package validation report'))}</h1>",
             f"<p>{e(t('数据包', 'Package'))}: <code>{e(report.package or '?')}</code> · {e(t('标准版本', 'standard version'))}: "
             f"<code>{e(report.schema_version or '?')}</code> · {e(t('本工具按标准', 'checked against'))}: <code>{e(report.standard_version or '?')}</code></p>",
             f"<p class=\"{verdict[1]}\"><strong>{e(verdict[0])}</strong> — {e(t('错误', 'errors'))} {counts['ERROR']} · "
             f"{e(t('警告', 'warnings'))} {counts['WARNING']} · {e(t('提示', 'notes'))} {counts['INFO']}</p>"]
    if report.encodings:
        parts.append("<p>" + e(t("编码", "Encodings")) + ": " + ", ".join(f"{e(r)} <code>{e(v)}</code>" for r, v in report.encodings.items()) + "</p>")
    current = object()
    for g in report.ordered_groups():
        if g.resource != current:
            current = g.resource
            parts.append(f"<h2>{e(g.resource or t('数据包', 'package'))}</h2>")
        msg = g.message_zh if zh else g.message_en
        parts.append(f"<h3 class=\"{e(g.severity)}\">{e(g.severity)} <code>{e(g.code)}</code>"
                     f"{(' [' + e(g.field) + ']') if g.field else ''} ×{g.count} — {e(msg)}</h3>")
        parts.append(f"<table><tr><th>{e(t('行', 'row'))}</th><th>{e(t('字段', 'field'))}</th><th>{e(t('值', 'value'))}</th>"
                     f"<th>{e(t('说明', 'message'))}</th></tr>")
        for f in g.findings[:50]:
            parts.append(f"<tr><td>{'' if f.row is None else f.row}</td><td>{e(f.field or '')}</td><td>{e(f.value or '')}</td>"
                         f"<td>{e(f.message_zh if zh else f.message_en)}</td></tr>")
        parts.append("</table>")
        if g.count > min(g.shown, 50):
            parts.append(f"<p class=\"note\">{e(t(f'另有 {g.count - min(g.shown, 50)} 条', f'and {g.count - min(g.shown, 50)} more'))}</p>")
    parts.append("</body></html>\n")
    return "".join(parts)
