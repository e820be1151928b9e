"""The bilingual rules page, generated from validators/: every rule with its code, severity,
message, kind and parameters, and a failing and a passing example."""
from __future__ import annotations

import html
import json

from ..standard import Standard
from .rules import KINDS, Rule, example_tables, kind_doc, load_rules


def _columns(rows: list[dict]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _params(params: dict) -> str:
    return json.dumps(params, ensure_ascii=False, separators=(", ", ": "))


def _table_title(std: Standard, table: str) -> tuple[str, str]:
    schema = std.tables.get(table, {})
    return (schema.get("zh") or {}).get("title", table), schema.get("title", table)


def _grouped(std: Standard) -> tuple[dict[str, list[Rule]], list]:
    rules, problems = load_rules(std)
    grouped: dict[str, list[Rule]] = {}
    for table in std.tables:
        grouped[table] = [r for r in rules if r.table == table]
    return {t: rs for t, rs in grouped.items() if rs}, problems


def render_rules_markdown(std: Standard) -> str:
    grouped, problems = _grouped(std)
    total = sum(len(v) for v in grouped.values())
    lines = [
        "# 规则 · Rules",
        "",
        f"基层治理开放数据标准 {std.version} 在表结构(Table Schema)之外的校验规则,共 {total} 条,由 `validators/` 生成"
        "(`jiceng rules-page -o FILE`)。每条规则有稳定的代码、严重程度(ERROR 错误 / WARNING 警告 / INFO 提示)、"
        "中英文说明,以及一个不通过和一个通过的示例;测试会用这些示例运行每条规则。空值或类型错误的单元格不参与规则判断。",
        "",
        f"The rules of the Jiceng Open Data Standard {std.version} beyond Table Schema: {total} rules, generated from "
        "`validators/` (`jiceng rules-page -o FILE`). Each has a stable code, a severity (ERROR / WARNING / INFO), a message "
        "in Chinese and English, and a failing and a passing example, which the tests run. Empty cells and cells of the wrong "
        "type never fail a rule.",
        "",
    ]
    if problems:
        lines += ["> 规则文件中的问题 / problems in the rule files:", ""]
        lines += [f"> - {where}: {zh} / {en}" for where, zh, en in problems] + [""]
    for table, rules in grouped.items():
        zh, en = _table_title(std, table)
        lines += [f"## {table} · {zh} · {en}", ""]
        for r in rules:
            lines += [f"### `{r.code}` · {r.severity}", "",
                      f"- {r.message_zh}", f"- {r.message_en}",
                      f"- 类型 kind: `{r.kind}` · 参数 params: `{_params(r.params)}`", ""]
            for case, label in (("fail", "不通过示例 · failing example"), ("pass", "通过示例 · passing example")):
                lines += [f"**{label}**", ""]
                for t, rows in example_tables(r, case).items():
                    if t != r.table or len(example_tables(r, case)) > 1:
                        lines += [f"`{t}`", ""]
                    cols = _columns(rows)
                    lines.append("| " + " | ".join(cols) + " |")
                    lines.append("|" + "---|" * len(cols))
                    for row in rows:
                        lines.append("| " + " | ".join(_cell(row.get(c)).replace("|", "\\|") for c in cols) + " |")
                    lines.append("")
    lines += ["## 规则类型 · Kinds of rule", ""]
    for name in KINDS:
        lines += [f"- `{name}`: {' '.join(kind_doc(name).split())}"]
    lines.append("")
    return "\n".join(lines)


_CSS = """body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin:.3em 0 .8em 0}td,th{border:1px solid #ddd;padding:.2em .5em;font-size:.92em}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2em}.ERROR{color:#cf222e}.WARNING{color:#9a6700}.INFO{color:#0969da}"""


def render_rules_html(std: Standard) -> str:
    e = html.escape
    grouped, problems = _grouped(std)
    total = sum(len(v) for v in grouped.values())
    parts = [f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>规则 · Rules</title><style>{_CSS}</style></head><body>",
             "<h1>规则 · Rules</h1>",
             f"<p>基层治理开放数据标准 {e(std.version)} 在表结构之外的校验规则,共 {total} 条,由 <code>validators/</code> 生成;"
             "每条规则附不通过和通过的示例。</p>",
             f"<p>The rules of the Jiceng Open Data Standard {e(std.version)} beyond Table Schema: {total} rules generated from "
             "<code>validators/</code>, each with a failing and a passing example.</p>"]
    if problems:
        parts.append("<ul>" + "".join(f"<li>{e(w)}: {e(zh)} / {e(en)}</li>" for w, zh, en in problems) + "</ul>")
    for table, rules in grouped.items():
        zh, en = _table_title(std, table)
        parts.append(f"<h2>{e(table)} · {e(zh)} · {e(en)}</h2>")
        for r in rules:
            parts.append(f"<h3 id=\"{e(r.code)}\"><code>{e(r.code)}</code> · <span class=\"{e(r.severity)}\">{e(r.severity)}</span></h3>")
            parts.append(f"<p>{e(r.message_zh)}<br>{e(r.message_en)}<br>类型 kind: <code>{e(r.kind)}</code> · "
                         f"参数 params: <code>{e(_params(r.params))}</code></p>")
            for case, label in (("fail", "不通过示例 · failing example"), ("pass", "通过示例 · passing example")):
                parts.append(f"<p><strong>{e(label)}</strong></p>")
                tables = example_tables(r, case)
                for t, rows in tables.items():
                    if len(tables) > 1:
                        parts.append(f"<p><code>{e(t)}</code></p>")
                    cols = _columns(rows)
                    parts.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in cols) + "</tr>")
                    for row in rows:
                        parts.append("<tr>" + "".join(f"<td>{e(_cell(row.get(c)))}</td>" for c in cols) + "</tr>")
                    parts.append("</table>")
    parts.append("<h2>规则类型 · Kinds of rule</h2><ul>")
    parts += [f"<li><code>{e(name)}</code>: {e(' '.join(kind_doc(name).split()))}</li>" for name in KINDS]
    parts.append("</ul></body></html>\n")
    return "".join(parts)
