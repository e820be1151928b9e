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
from functools import lru_cache

from ..findings import SEVERITIES, Finding
from .codes import CODES, FATAL
from .collect import Collector, Group

SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


def redact(text):
    """Every value a report shows passes here: the project's one redaction gate (ID numbers,
    phone numbers, names, addresses masked). Text with nothing to mask is returned exactly as
    typed (full-width digits stay full-width)."""
    if text is None or text == "":
        return text
    text = str(text)
    if len(text) <= _CACHED_CHARS:
        return _redact(text)  # the same value is listed in many findings: redacted once
    return _redact.__wrapped__(text)


_CACHED_CHARS = 512


@lru_cache(maxsize=1 << 15)
def _redact(text: str) -> str:
    try:
        from ..privacy import redact as gate  # the privacy package: the one redaction gate
    except ImportError:
        from .privacy import redact_text as gate
    out = gate(text)
    if out != text:
        import unicodedata

        if unicodedata.normalize("NFKC", text) == out:
            return text
    return out


class Clerk:
    """Findings in a data clerk's terms: Chinese titles of tables and fields (codes in brackets),
    codelist labels, the closest label to what was typed, and how to fix the value."""

    def __init__(self, std=None):
        if std is None:
            from ..standard import current

            std = current()
        self.std = std
        # what a finding's code, table, field and value give: the same for every finding sharing them
        self._hints: dict[tuple, tuple[str, str] | None] = {}
        self._explained: dict[tuple, dict] = {}

    def _schema(self, table):
        try:
            return self.std.table(table) if table in self.std.tables else None
        except Exception:
            return None

    def _field(self, table, name):
        schema = self._schema(table)
        if not schema or not name:
            return None
        return next((f for f in schema.get("fields", []) if f.get("name") == name), None)

    def table_title(self, table, lang="zh") -> str | None:
        schema = self._schema(table)
        if not schema:
            return None
        return schema.get("zh", {}).get("title") if lang == "zh" else schema.get("title")

    def field_title(self, table, name, lang="zh") -> str | None:
        f = self._field(table, name)
        if not f:
            return None
        return f.get("zh", {}).get("title") if lang == "zh" else f.get("title")

    def table_label(self, table, lang="zh") -> str:
        """民情事项 (cases)"""
        title = self.table_title(table, lang)
        return f"{title} ({table})" if title and title != table else (table or "")

    def field_label(self, table, name, lang="zh") -> str:
        """状态 [status]"""
        title = self.field_title(table, name, lang)
        return f"{title} [{name}]" if title and title != name else (name or "")

    def codelist(self, table, name):
        f = self._field(table, name)
        if f and f.get("codelist"):
            try:
                return self.std.codelist(f["codelist"])
            except Exception:
                return None
        return None

    def closest(self, codelist, value: str) -> dict | None:
        """The codelist entry nearest to what was typed (labels and codes compared)."""
        import difflib

        if not value:
            return None
        best, score = None, 0.0
        v = value.strip().casefold()
        for row in codelist.rows:
            for text in (row.get("zh", ""), row.get("en", ""), row.get("code", "")):
                if not text:
                    continue
                t = text.casefold()
                r = difflib.SequenceMatcher(None, v, t).ratio()
                if v and (v in t or t in v):
                    r = max(r, 0.75)
                if r > score:
                    best, score = row, r
        return best if score >= 0.4 else None

    def hint(self, code: str, table, name, value) -> tuple[str, str] | None:
        """(zh, en) how to fix it, where one is known."""
        key = (code, table, name, value)
        try:
            return self._hints[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key
            return self._hint(code, table, name, value)
        if len(self._hints) >= _CACHED_FINDINGS:
            self._hints.clear()
        out = self._hints[key] = self._hint(code, table, name, value)
        return out

    def _hint(self, code: str, table, name, value) -> tuple[str, str] | None:
        f = self._field(table, name) or {}
        t = f.get("type", "string")
        cons = f.get("constraints", {}) or {}
        v = "" if value is None else str(value)
        cl = self.codelist(table, name)
        if code in ("NOT_IN_CODELIST", "CODE_NOT_IN_OPEN_CODELIST", "DEPRECATED_CODE", "PATTERN_MISMATCH") and cl is not None:
            labels = [r.get("zh") or r["code"] for r in cl.rows if not r.get("deprecated")]
            shown_labels = "、".join(labels[:12]) + ("……" if len(labels) > 12 else "")
            en_labels = ", ".join((r.get("en") or r["code"]) for r in cl.rows[:12] if not r.get("deprecated"))
            near = self.closest(cl, v)
            zh = f"请从下拉列表中选择:{shown_labels}"
            en = f"pick one from the dropdown: {en_labels}" + (" …" if len(labels) > 12 else "")
            if near is not None:
                zh = f"是不是要填“{near.get('zh') or near['code']}”?" + zh
                en = f"did you mean '{near.get('en') or near['code']}' ({near.get('zh', '')})? " + en
            if code == "CODE_NOT_IN_OPEN_CODELIST":
                zh += ";本地代码请用小写英文字母、数字和下划线"
                en += "; local codes are lower-case letters, digits and underscores"
            return zh, en
        if v and v != v.strip():
            return "去掉首尾的空格", "remove the spaces at the start or end"
        if v and any("\uff01" <= ch <= "\uff5e" or ch == "\u3000" for ch in v):
            return "把全角字符(如 ５、,)改成半角(5、,)", "change full-width characters (５, ,) to ordinary ones (5, ,)"
        if code == "TYPE_ERROR" or code == "PATTERN_MISMATCH" and t == "date":
            if t == "date":
                return "日期请写成 2023-05-09(年-月-日)", "write dates as 2023-05-09 (year-month-day)"
            if t == "integer":
                return "请只填整数,不带单位或文字(如 300,而不是“约300户”)", "type a whole number only, without units or words (300, not 'about 300')"
            if t == "number":
                return "请只填数字,不带单位或文字;百分数填 98.5 而不是 98.5% 以外的写法", "type a number only, without units or words"
            if t == "boolean":
                return "请填“是”或“否”", "type 是 (yes) or 否 (no)"
        if code in ("BELOW_MINIMUM", "ABOVE_MAXIMUM"):
            lo, hi = cons.get("minimum"), cons.get("maximum")
            pct = hi == 100 or "percent" in (name or "") or "rate" in (name or "")
            try:
                x = float(v)
            except ValueError:
                x = None
            if pct and x is not None and 0 < x < 1:
                return (f"百分数请填 {x * 100:g} 而不是 {v}(小数写法)", f"type percentages as {x * 100:g}, not {v} (a fraction)")
            rng = f"{'' if lo is None else lo} ~ {'' if hi is None else hi}"
            return f"取值范围 {rng}", f"allowed range {rng}"
        if code == "REQUIRED_MISSING":
            return "该列必填,请填写", "this column is required; fill it in"
        if code in ("PRIMARY_KEY_DUPLICATE", "DUPLICATE_VALUE"):
            return "标识不能重复:检查是否把同一行录了两次,或给其中一行换一个标识", \
                "identifiers may not repeat: check whether a row was entered twice, or give one of them another identifier"
        if code == "FOREIGN_KEY_MISSING":
            ref = next((fk["reference"].get("resource") for fk in (self._schema(table) or {}).get("foreignKeys", [])
                        if name in ([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"])), None)
            ref_title = self.table_title(ref) if ref else None
            if ref_title:
                return (f"请先在“{ref_title}”表中填写这一行,或改成那里已有的标识",
                        f"add this row to the {self.table_title(ref, 'en')} table first, or use an identifier it already has")
        if code == "PATTERN_MISMATCH":
            return "请按该列说明的格式填写(把鼠标停在模板的列标题上可看到说明)", "follow the column's format (hover over the template's column title to see it)"
        if code not in CODES and not code.startswith("publish.") and code.upper() == code:  # a rule of validators/
            return "核对这一行中相关的日期或数值,改正填错的那一个;点击代码可看规则说明", \
                "check the dates or numbers of this row that the rule compares and correct the wrong one; the code links to the rule"
        if code.startswith("PRIVACY_"):
            return "删除个人信息,改用化名编号(如 V0001)", "remove the personal data; use a pseudonymous number such as V0001"
        return None

    def message(self, code: str, table, name, value, default_zh: str, default_en: str) -> tuple[str, str]:
        """What is wrong, said with the column's title rather than the field's name."""
        col_zh = self.field_title(table, name, "zh") or name
        col_en = self.field_title(table, name, "en") or name
        v = "" if value is None else str(value)
        if code == "REQUIRED_MISSING" and col_zh:
            return f"“{col_zh}”是必填列,这里空着", f"'{col_en}' is required but empty"
        if code in ("NOT_IN_CODELIST", "CODE_NOT_IN_OPEN_CODELIST") and col_zh and v:
            return f"“{v}”不是“{col_zh}”列的可选项", f"'{v}' is not one of the choices of '{col_en}'"
        if code == "PATTERN_MISMATCH" and self.codelist(table, name) is not None and v:
            return f"“{v}”不是“{col_zh}”列的可选项,也不是本地代码的写法", f"'{v}' is neither a choice of '{col_en}' nor a local code"
        if code == "TYPE_ERROR" and v:
            t = (self._field(table, name) or {}).get("type", "string")
            words = {"integer": ("整数", "a whole number"), "number": ("数字", "a number"), "date": ("日期", "a date"),
                     "boolean": ("是/否", "yes or no")}.get(t)
            if words:
                return f"“{v}”不是{words[0]}", f"'{v}' is not {words[1]}"
        if code in ("PRIMARY_KEY_DUPLICATE", "DUPLICATE_VALUE") and v:
            return f"“{col_zh}”不能重复:“{v}”出现了不止一次", f"'{col_en}' may not repeat: '{v}' appears more than once"
        if code == "FOREIGN_KEY_MISSING" and v:
            return f"“{col_zh}”填的“{v}”在它引用的表中找不到", f"'{v}' in '{col_en}' is not found in the table it refers to"
        return default_zh, default_en

    def explain(self, f: Finding) -> dict:
        """Titles and hint of one finding, for JSON and pages."""
        key = (f.code, f.resource, f.field, f.value)
        try:
            out = self._explained.get(key)
        except TypeError:  # a value that cannot be a key
            return self._explain(f)
        if out is None:
            if len(self._explained) >= _CACHED_FINDINGS:
                self._explained.clear()
            out = self._explained[key] = self._explain(f)
        return dict(out)  # (a copy: callers may change theirs)

    def _explain(self, f: Finding) -> dict:
        hint = self.hint(f.code, f.resource, f.field, f.value)
        return {
            "table_zh": self.table_title(f.resource, "zh") if f.resource else None,
            "table_en": self.table_title(f.resource, "en") if f.resource else None,
            "field_zh": self.field_title(f.resource, f.field, "zh") if f.resource and f.field else None,
            "field_en": self.field_title(f.resource, f.field, "en") if f.resource and f.field else None,
            "hint_zh": hint[0] if hint else None,
            "hint_en": hint[1] if hint else None,
        }
_CACHED_FINDINGS = 1 << 16  # distinct (code, table, field, value) remembered by a Clerk
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
    # where a finding is in the clerk's workbook: (resource, row, field) -> (sheet, cell) or None;
    # set by the importer for packages that came from a workbook or CSV folder
    locate: object = None
    rules_url: str = "rules.html"  # the rules page rule codes link to (HTML)
    _clerk: object = None

    def __post_init__(self):
        # Names echoed from the input pass the privacy gate too: bounded, redacted, printable.
        from ..privacy import shown

        self.path = shown(self.path, 300)
        self.package = shown(self.package, 200)
        self.schema_version = shown(self.schema_version, 60)

    @property
    def clerk(self) -> "Clerk":
        if self._clerk is None:
            self._clerk = Clerk()
        return self._clerk

    def where(self, f: Finding) -> tuple[str | None, str | None]:
        """(sheet or file, cell) of a finding, when the package came from a workbook."""
        if self.locate is None or f.resource is None or f.row is None:
            return None, None
        try:
            return self.locate(f.resource, f.row, f.field) or (None, None)
        except Exception:
            return None, None

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
    def shown_groups(self) -> list[Group]:
        """The groups a reader sees: a repeated single-field key once (PRIMARY_KEY_DUPLICATE), without the
        DUPLICATE_VALUE its unique constraint also gives. `groups`, `errors` and `codes()` keep both (the
        frictionless comparison counts them)."""
        return _without_key_echoes(self.groups)

    @property
    def shown_errors(self) -> list[Finding]:
        shown = {id(g) for g in self.shown_groups}
        keep = {id(f) for g in self.groups if id(g) in shown for f in g.findings}
        return [f for f in self.errors if id(f) in keep]

    @property
    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for g in self.shown_groups:
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
        if any(g.code == "INTERNAL_ERROR" for g in self.groups):
            return 3  # an error of the tool, not of the input: its own exit code
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
        return sorted(self.shown_groups, key=key)

    def to_dict(self) -> dict:
        return {
            "valid": self.valid,
            "schema_version": self.schema_version,
            "package": self.package,
            "counts": self.counts,
            "errors": [self._finding_dict(f) for f in self.shown_errors],
            "standard_version": self.standard_version,
            "encodings": self.encodings,
            "groups": [g.to_dict() for g in self.ordered_groups()],
            "truncated": self.truncated,
            "exit_code": self.exit_code,
        }

    # -- renderings

    def to_json(self) -> str:
        return dumps(self.to_dict())

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
                lines.append(("▸ " + (self.clerk.table_label(g.resource, lang) if g.resource else t("数据包", "package")),
                              "bold cyan"))
                if g.resource and any(x.resource == g.resource and CODES.get(x.code) and CODES[x.code].group == "header"
                                      and x.severity == "ERROR" for x in groups):
                    lines.append(("  " + t("注意:表头有误,下面的行错误可能由表头引起,请先修正表头。",
                                           "note: the header is wrong; row findings below may follow from it: fix the header first."), "yellow"))
            mark = {"ERROR": "✗", "WARNING": "!", "INFO": "·"}.get(g.severity, "-")
            style = {"ERROR": "red", "WARNING": "yellow", "INFO": "blue"}.get(g.severity)
            field_part = f" {self.clerk.field_label(g.resource, g.field, lang)}" if g.field else ""
            lines.append((f"  {mark} {g.severity} {g.code}{field_part} ×{g.count}  {g.message_zh if zh else g.message_en}", style))
            hint = self.clerk.hint(g.code, g.resource, g.field, g.findings[0].value if g.findings else None)
            if hint:
                lines.append(("      " + t("怎么改:", "how to fix: ") + (hint[0] if zh else hint[1]), None))
            for f in g.findings[:EXAMPLES]:
                where = []
                sheet, cell = self.where(f)
                if sheet and cell:
                    where.append(t(f"“{sheet}”{cell}", f"'{sheet}'!{cell}"))
                elif f.row is not None:
                    where.append(t(f"第 {f.row} 行", f"row {f.row}"))
                if f.value is not None:
                    where.append(f"«{redact(f.value)}»")
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


    def _finding_dict(self, f: Finding) -> dict:
        sheet, cell = self.where(f)
        return {"code": f.code, "severity": f.severity, "resource": f.resource, "row": f.row, "field": f.field,
                "value": redact(f.value), "message_zh": f.message_zh, "message_en": f.message_en,
                **self.clerk.explain(f), "sheet": sheet, "cell": cell}


_SCALARS = {str, int, float, bool, type(None)}


def dumps(report: dict) -> str:
    """`json.dumps(report, ensure_ascii=False, indent=2)` and a line break, the same text, with the
    list of findings (flat records, thousands of them) written by json's C encoder in one call:
    with indent, json writes everything in Python, one piece at a time."""
    errors = report.get("errors")
    if type(errors) is not list or not errors or not all(type(e) is dict and e for e in errors) \
            or not {type(x) for e in errors for item in e.items() for x in item} <= _SCALARS:
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    import uuid

    # Inside a record the C encoder puts the line break and indent of indent=2 between items; a
    # string never holds a raw line break (json writes \n), so "},\n      {" is only ever found
    # between two records, and there the indent of the list's level goes instead.
    body = json.dumps(errors, ensure_ascii=False, separators=(",\n      ", ": "))
    body = "[\n    {\n      " + body[2:-2].replace("},\n      {", "\n    },\n    {\n      ") + "\n    }\n  ]"
    placeholder = f"\x00errors {uuid.uuid4().hex}"
    text = json.dumps({**report, "errors": placeholder}, ensure_ascii=False, indent=2)
    return text.replace(json.dumps(placeholder), body, 1) + "\n"


def _without_key_echoes(groups: list[Group]) -> list[Group]:
    """A repeated single-field primary key is one problem: PRIMARY_KEY_DUPLICATE says it, so the
    DUPLICATE_VALUE the same column's unique constraint gives is not repeated."""
    keyed = {(g.resource, g.field) for g in groups if g.code == "PRIMARY_KEY_DUPLICATE"}
    keyed |= {(g.resource, None) for g in groups if g.code == "PRIMARY_KEY_DUPLICATE"}
    out = []
    for g in groups:
        if g.code == "DUPLICATE_VALUE" and ((g.resource, g.field) in keyed or _single_key(g.resource) == g.field
                                            and (g.resource, None) in keyed):
            continue
        out.append(g)
    return out


def _single_key(table):
    try:
        from ..standard import current

        key = current().table(table).get("primaryKey")
    except Exception:
        return None
    key = [key] if isinstance(key, str) else key
    return key[0] if key and len(key) == 1 else None


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
.hint{background:#fff8c5;padding:.3em .6em;border-radius:4px;display:inline-block}
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
            parts.append(f"<h2>{e(report.clerk.table_label(g.resource, lang) if g.resource else t('数据包', 'package'))}</h2>")
        msg = g.message_zh if zh else g.message_en
        link = f"{e(report.rules_url)}#{e(g.code)}"
        parts.append(f"<h3 class=\"{e(g.severity)}\">{e(g.severity)} <a href=\"{link}\"><code>{e(g.code)}</code></a>"
                     f"{(' ' + e(report.clerk.field_label(g.resource, g.field, lang))) if g.field else ''} ×{g.count} — {e(msg)}</h3>")
        hint = report.clerk.hint(g.code, g.resource, g.field, g.findings[0].value if g.findings else None)
        if hint:
            parts.append(f"<p class=\"hint\">{e(t('怎么改:', 'How to fix: '))}{e(hint[0] if zh else hint[1])}</p>")
        located = any(report.where(f)[1] for f in g.findings[:50])
        parts.append("<table><tr>" + (f"<th>{e(t('工作表', 'sheet'))}</th><th>{e(t('单元格', 'cell'))}</th>" if located else "")
                     + f"<th>{e(t('行', 'row'))}</th><th>{e(t('字段', 'field'))}</th><th>{e(t('值', 'value'))}</th>"
                     f"<th>{e(t('说明', 'message'))}</th></tr>")
        for f in g.findings[:50]:
            sheet, cell = report.where(f)
            parts.append("<tr>" + (f"<td>{e(sheet or '')}</td><td>{e(cell or '')}</td>" if located else "")
                         + f"<td>{'' if f.row is None else f.row}</td><td>{e(report.clerk.field_label(f.resource, f.field, lang) if f.field else '')}</td>"
                         f"<td>{e(redact(f.value) or '')}</td><td>{e(f.message_zh if zh else f.message_en)}</td></tr>")
        parts.append("</table>")
        if g.count > min(g.shown, 50):
            parts.append(f"<p class=\"note\">{e(t(f'另有 {g.count - min(g.shown, 50)} 条', f'and {g.count - min(g.shown, 50)} more'))}</p>")
    parts.append("</body></html>\n")
    return "".join(parts)
