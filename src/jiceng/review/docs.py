"""`jiceng docs`: the standard's reference as a static bilingual website, generated from schemas/.

Pages: index.html, tables/<table>.html (fields, types, constraints, codelist values, examples,
rules), codelists/<name>.html, indicators.html, rules.html, changelog.html. Links are relative,
so the folder works from disk or any web server. Every value from the standard is HTML-escaped.
"""
from __future__ import annotations

import json
import shutil
from collections import defaultdict
from html import escape
from pathlib import Path

from ..standard import CATALOGUE_CODELIST, Standard
from .diff import load_rules

CSS = """
body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; color: #1d2733; line-height: 1.5; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header { border-bottom: 2px solid #b22222; padding-top: .5rem; }
nav a { margin-right: 1rem; }
h1 .en, h2 .en, h3 .en { color: #566; font-weight: normal; }
.en { color: #445; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; font-size: .92rem; }
th, td { border: 1px solid #ccd; padding: .3rem .5rem; vertical-align: top; text-align: left; }
th { background: #f3f4f7; }
code { background: #f3f4f7; padding: 0 .2rem; }
pre { background: #f3f4f7; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }
.tag { display: inline-block; border-radius: .2rem; padding: 0 .3rem; font-size: .8rem; background: #e8eaf0; margin: 0 .2rem .2rem 0; }
.req { background: #fde2e2; } .dep { background: #fff1c2; } .ext { background: #e2f0fd; }
.sev-ERROR { color: #b22222; font-weight: bold; } .sev-WARNING { color: #a86b00; font-weight: bold; }
details summary { cursor: pointer; color: #2a5db0; }
footer { color: #667; font-size: .85rem; margin-top: 2rem; border-top: 1px solid #ccd; padding-top: .5rem; }
"""


def e(value) -> str:
    """HTML-escape any value (None becomes empty)."""
    return "" if value is None else escape(str(value), quote=True)


def _bi(zh, en) -> str:
    zh, en = e(zh), e(en)
    if zh and en:
        return f'<span lang="zh-CN">{zh}</span> <span class="en" lang="en">{en}</span>'
    return zh or en


def _zh(obj: dict, key: str) -> str | None:
    return (obj.get("zh") or {}).get(key) if isinstance(obj.get("zh"), dict) else None


def _json(value, compact: bool = False) -> str:
    text = json.dumps(value, ensure_ascii=False) if compact else json.dumps(value, ensure_ascii=False, indent=2)
    return f"<pre>{e(text)}</pre>"


def _anchor(prefix: str, name: str) -> str:
    # Names in the standard are ASCII snake_case or codes; escape anyway.
    return e(f"{prefix}-{name}")


class _Site:
    def __init__(self, std: Standard, out: Path, changelog: Path | None):
        self.std = std
        self.out = out
        self.changelog = changelog
        self.rules = load_rules(std.rules_dir)
        self.rules_by_table: dict[str, list[dict]] = defaultdict(list)
        for (table, _), rule in self.rules.items():
            self.rules_by_table[table].append(rule)
        self.used_by: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for t in std.tables:
            for f in std.fields(t):
                if f.get("codelist"):
                    self.used_by[f["codelist"]].append((t, f["name"]))

    # -- layout

    def page(self, rel: str, title: str, body: str) -> None:
        depth = rel.count("/")
        up = "../" * depth
        info = self.std.info
        nav = (f'<nav><a href="{up}index.html">首页 Home</a><a href="{up}index.html#tables">数据表 Tables</a>'
               f'<a href="{up}index.html#codelists">代码表 Codelists</a><a href="{up}indicators.html">指标 Indicators</a>'
               f'<a href="{up}rules.html">规则 Rules</a><a href="{up}changelog.html">更新日志 Changelog</a></nav>')
        html = (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{e(title)} · {e(_zh(info, 'title'))} {e(self.std.version)}</title>\n"
                f'<link rel="stylesheet" href="{up}style.css">\n</head>\n<body>\n'
                f"<header><p>{_bi(_zh(info, 'title'), info.get('title'))} · v{e(self.std.version)}</p>{nav}</header>\n"
                f"<main>\n{body}\n</main>\n"
                f"<footer>由 schemas/ 生成 / generated from schemas/ · {e(info.get('name'))} {e(self.std.version)}</footer>\n"
                f"</body>\n</html>\n")
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")

    def table_link(self, table: str, up: str, field: str | None = None) -> str:
        if table not in self.std.tables:
            return f"<code>{e(table)}</code>"
        frag = f"#{_anchor('field', field)}" if field else ""
        label = f"{table}.{field}" if field else table
        return f'<a href="{up}tables/{e(table)}.html{frag}"><code>{e(label)}</code></a>'

    def codelist_link(self, name: str, up: str, code: str | None = None) -> str:
        if name == CATALOGUE_CODELIST:
            return f'<a href="{up}indicators.html"><code>{e(name)}</code></a>'
        if name not in self.std.codelists:
            return f"<code>{e(name)}</code>"
        frag = f"#{_anchor('code', code)}" if code else ""
        return f'<a href="{up}codelists/{e(name)}.html{frag}"><code>{e(code or name)}</code></a>'

    # -- pages

    def build(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "style.css").write_text(CSS.lstrip(), encoding="utf-8")
        self.index()
        for t in self.std.tables:
            self.table_page(t)
        for name in self.std.codelists:
            if name != CATALOGUE_CODELIST:
                self.codelist_page(name)
        self.indicators_page()
        self.rules_page()
        self.changelog_page()

    def index(self) -> None:
        info, std = self.std.info, self.std
        rows = "".join(
            f"<tr><td>{self.table_link(t, '')}</td><td>{_bi(_zh(s, 'title'), s.get('title'))}</td>"
            f"<td>{_bi(_zh(s, 'description'), s.get('description'))}</td><td>{len(s.get('fields', []))}</td>"
            f"<td>{len(self.rules_by_table.get(t, []))}</td></tr>"
            for t, s in std.tables.items())
        cl_rows = "".join(
            f"<tr><td>{self.codelist_link(n, '')}</td><td>{_bi(_zh(cl.meta, 'title'), cl.meta.get('title'))}</td>"
            f"<td>{'封闭 closed' if cl.closed else '开放 open'}{' · 有序 ordered' if cl.ordered else ''}</td>"
            f"<td>{len(cl.rows)}</td></tr>"
            for n, cl in std.codelists.items() if n != CATALOGUE_CODELIST)
        body = (f"<h1>{_bi(_zh(info, 'title'), info.get('title'))}</h1>"
                f"<p>{_bi(_zh(info, 'description'), info.get('description'))}</p>"
                f"<p>版本 Version <strong>{e(std.version)}</strong> · {len(std.tables)} 张表 tables · "
                f"{len(std.codelists) - 1} 个代码表 codelists · {len(std.catalogue)} 个指标 indicators · "
                f"{len(self.rules)} 条规则 rules</p>"
                f'<section id="tables"><h2>数据表 <span class="en">Tables</span></h2>'
                f"<table><thead><tr><th>表 Table</th><th>标题 Title</th><th>说明 Description</th>"
                f"<th>字段 Fields</th><th>规则 Rules</th></tr></thead><tbody>{rows}</tbody></table></section>"
                f'<section id="codelists"><h2>代码表 <span class="en">Codelists</span></h2>'
                f"<table><thead><tr><th>代码表 Codelist</th><th>标题 Title</th><th>类型 Kind</th><th>代码数 Codes</th></tr></thead>"
                f"<tbody>{cl_rows}</tbody></table></section>"
                f'<h2 id="more">更多 <span class="en">More</span></h2><ul>'
                f'<li><a href="indicators.html">指标目录 Indicator catalogue</a></li>'
                f'<li><a href="rules.html">校验规则 Validation rules</a></li>'
                f'<li><a href="changelog.html">更新日志 Changelog</a></li></ul>')
        self.page("index.html", "首页 Home", body)

    def _constraints(self, f: dict) -> str:
        c = f.get("constraints") or {}
        tags = []
        if c.get("required"):
            tags.append('<span class="tag req">必填 required</span>')
        if c.get("unique"):
            tags.append('<span class="tag">唯一 unique</span>')
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength"):
            if key in c:
                tags.append(f'<span class="tag">{e(key)} {e(c[key])}</span>')
        if "pattern" in c:
            tags.append(f'<span class="tag">pattern <code>{e(c["pattern"])}</code></span>')
        if "enum" in c and not f.get("codelist"):
            tags.append(f'<span class="tag">enum {e(", ".join(map(str, c["enum"])))}</span>')
        return " ".join(tags)

    def _codes(self, name: str, up: str) -> str:
        cl = self.std.codelists.get(name)
        if cl is None:
            return f"<code>{e(name)}</code>"
        kind = "封闭 closed" if cl.closed else "开放 open"
        items = "".join(f"<li>{self.codelist_link(name, up, r['code'])} {_bi(r.get('zh'), r.get('en'))}</li>" for r in cl.rows)
        return (f"{self.codelist_link(name, up)} ({kind})"
                f"<details><summary>{len(cl.rows)} 个代码 codes</summary><ul>{items}</ul></details>")

    def table_page(self, t: str) -> None:
        s, up = self.std.table(t), "../"
        rows = []
        for f in s.get("fields", []):
            badges = []
            dep = f.get("deprecated")
            if dep:
                badges.append(f'<span class="tag dep">自 {e(dep.get("since"))} 弃用 deprecated since {e(dep.get("since"))}'
                              f'{" → " + e(dep.get("replacement")) if dep.get("replacement") else ""}</span>')
            if f.get("privacy"):
                badges.append(f'<span class="tag">隐私 privacy: {e(f["privacy"])}</span>')
            if f.get("extension"):
                badges.append(f'<span class="tag ext">扩展 extension: {e(f["extension"])}</span>')
            type_ = e(f.get("type", "string")) + (f" ({e(f['format'])})" if f.get("format") not in (None, "default") else "")
            codes = self._codes(f["codelist"], up) if f.get("codelist") else ""
            example = f"<code>{e(f['example'])}</code>" if "example" in f else ""
            rows.append(
                f'<tr id="{_anchor("field", f["name"])}"><td><code>{e(f["name"])}</code> {" ".join(badges)}</td>'
                f"<td>{type_}</td><td>{_bi(_zh(f, 'title'), f.get('title'))}<br>"
                f"{_bi(_zh(f, 'description'), f.get('description'))}</td>"
                f"<td>{self._constraints(f)}</td><td>{codes}</td><td>{example}</td></tr>")
        keys = []
        if s.get("primaryKey"):
            pk = s["primaryKey"] if isinstance(s["primaryKey"], list) else [s["primaryKey"]]
            keys.append(f"<li>主键 Primary key: {', '.join(self.table_link(t, up, k) for k in pk)}</li>")
        for fk in s.get("foreignKeys", []):
            ref = fk.get("reference", {})
            target = ref.get("resource") or t
            keys.append("<li>外键 Foreign key: " + ", ".join(f"<code>{e(x)}</code>" for x in fk.get("fields", []))
                        + " → " + ", ".join(self.table_link(target, up, x) for x in ref.get("fields", [])) + "</li>")
        rules = self.rules_by_table.get(t, [])
        rule_rows = "".join(self._rule_row(r, t, up) for r in rules)
        rules_html = (f"<table><thead><tr><th>代码 Code</th><th>级别 Severity</th><th>说明 Message</th>"
                      f"<th>检查 Check</th><th>示例 Examples</th></tr></thead><tbody>{rule_rows}</tbody></table>"
                      if rules else "<p>无 None</p>")
        body = (f'<h1>{_bi(_zh(s, "title"), s.get("title"))} <code>{e(t)}</code></h1>'
                f"<p>{_bi(_zh(s, 'description'), s.get('description'))}</p>"
                f"<h2>字段 <span class=\"en\">Fields</span></h2>"
                f"<table class=\"fields\"><thead><tr><th>字段 Field</th><th>类型 Type</th><th>标题与说明 Title and description</th>"
                f"<th>约束 Constraints</th><th>代码表 Codelist</th><th>示例 Example</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
                f"<h2>键 <span class=\"en\">Keys</span></h2><ul>{''.join(keys) or '<li>无 None</li>'}</ul>"
                f"<h2>规则 <span class=\"en\">Rules</span></h2>{rules_html}")
        self.page(f"tables/{t}.html", f"{_zh(s, 'title') or t} {t}", body)

    def _rule_row(self, r: dict, table: str, up: str) -> str:
        msg = r.get("message") or {}
        examples = r.get("examples") or {}
        ex = ""
        for key, label in (("fail", "不通过 fail"), ("pass", "通过 pass")):
            if examples.get(key) not in (None, [], {}):
                ex += f"<details><summary>{label}</summary>{_json(examples[key], compact=True)}</details>"
        check = f"<code>{e(r.get('kind'))}</code>" + (_json(r["params"], compact=True) if r.get("params") else "")
        sev = str(r.get("severity", "ERROR")).upper()
        return (f'<tr id="{_anchor("rule", str(r.get("code")))}"><td><code>{e(r.get("code"))}</code></td>'
                f'<td class="sev-{e(sev)}">{e(sev)}</td>'
                f"<td>{_bi(msg.get('zh') if isinstance(msg, dict) else msg, msg.get('en') if isinstance(msg, dict) else None)}</td>"
                f"<td>{check}</td><td>{ex}</td></tr>")

    def codelist_page(self, name: str) -> None:
        cl, up = self.std.codelists[name], "../"
        columns = list(cl.rows[0]) if cl.rows else ["code", "zh", "en"]
        head = "".join(f"<th>{e(c)}</th>" for c in columns)
        body_rows = "".join(
            f'<tr id="{_anchor("code", r["code"])}">' + "".join(f"<td>{e(r.get(c))}</td>" for c in columns) + "</tr>"
            for r in cl.rows)
        used = ", ".join(self.table_link(t, up, f) for t, f in self.used_by.get(name, [])) or "—"
        body = (f"<h1>{_bi(_zh(cl.meta, 'title'), cl.meta.get('title'))} <code>{e(name)}</code></h1>"
                f"<p>{_bi(_zh(cl.meta, 'description'), cl.meta.get('description'))}</p>"
                f"<p>{'封闭代码表:只能使用下列代码 / closed list: only these codes' if cl.closed else '开放代码表:可使用其他符合格式的代码 / open list: other well-formed codes are allowed'}"
                f"{' · 有序 ordered' if cl.ordered else ''}</p>"
                f"<p>使用字段 Used by: {used}</p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body_rows}</tbody></table>")
        self.page(f"codelists/{name}.html", f"{_zh(cl.meta, 'title') or name} {name}", body)

    def indicators_page(self) -> None:
        unit = self.std.codelists.get("unit")
        parts = []
        for ind in self.std.catalogue:
            comp = ind.get("computation")
            tables = sorted({term.get("table") for term in (comp or {}).values() if isinstance(term, dict) and term.get("table")})
            unit_label = _bi(unit.label(ind.get("unit"), "zh"), unit.label(ind.get("unit"), "en")) if unit else e(ind.get("unit"))
            parts.append(
                f'<section id="{_anchor("indicator", ind["code"])}"><h2>{_bi(_zh(ind, "title"), ind.get("title"))} '
                f'<code>{e(ind["code"])}</code></h2>'
                f"<p>{_bi(_zh(ind, 'description'), ind.get('description'))}</p>"
                f"<p>公式 Formula: <code>{e(_zh(ind, 'formula'))}</code> · <code>{e(ind.get('formula'))}</code></p>"
                f"<p>单位 Unit: {unit_label}"
                f"{' · 区间 interval: ' + e(ind['interval']) if ind.get('interval') else ''}</p>"
                f"<p>数据表 Tables: {', '.join(self.table_link(t, '') for t in tables) or '仅报告值 reported only'}</p>"
                + (f"<p>分项维度 Dimensions: {', '.join(self.table_link('indicators', '', d) for d in ind['dimensions'])}</p>"
                   if ind.get("dimensions") else "")
                + (f"<details><summary>计算定义 Computation</summary>{_json(comp)}</details>" if comp else "")
                + "</section>")
        toc = "".join(f'<li><a href="#{_anchor("indicator", i["code"])}">{e(_zh(i, "title"))} {e(i.get("title"))}</a></li>'
                      for i in self.std.catalogue)
        body = (f"<h1>指标目录 <span class=\"en\">Indicator catalogue</span></h1><ul>{toc}</ul>" + "".join(parts))
        self.page("indicators.html", "指标目录 Indicators", body)

    def rules_page(self) -> None:
        parts = []
        for table in sorted(self.rules_by_table):
            rows = "".join(self._rule_row(r, table, "") for r in self.rules_by_table[table])
            parts.append(f"<h2>{self.table_link(table, '')}</h2><table><thead><tr><th>代码 Code</th><th>级别 Severity</th>"
                         f"<th>说明 Message</th><th>检查 Check</th><th>示例 Examples</th></tr></thead><tbody>{rows}</tbody></table>")
        body = ("<h1>校验规则 <span class=\"en\">Validation rules</span></h1>"
                "<p>表结构之外的规则,来自 validators/。ERROR 使数据包无效,WARNING 只提示。"
                " / Rules beyond Table Schema, from validators/. An ERROR makes a package invalid; a WARNING only reports.</p>"
                + ("".join(parts) or "<p>无 None</p>"))
        self.page("rules.html", "规则 Rules", body)

    def changelog_page(self) -> None:
        if self.changelog and self.changelog.is_file():
            from markdown_it import MarkdownIt

            # html=False: raw HTML in the changelog is shown as text, never interpreted.
            md = MarkdownIt("commonmark", {"html": False})
            content = md.render(self.changelog.read_text(encoding="utf-8"))
        else:
            content = "<p>没有更新日志 / no changelog found</p>"
        self.page("changelog.html", "更新日志 Changelog", content)


def build_docs(std: Standard, out: str | Path, changelog: str | Path | None = None, clean: bool = True) -> Path:
    """Write the site for `std` into `out` and return the path of its index.html."""
    out = Path(out)
    if clean and out.exists():
        if not (out / "index.html").is_file() and any(out.iterdir()):
            from . import ReviewError

            raise ReviewError(f"{out} 不为空且不是先前生成的文档,不覆盖", f"{out} is not empty and not a generated site; not overwriting")
        shutil.rmtree(out)
    if changelog is None:
        candidate = std.root / "CHANGELOG.md"
        changelog = candidate if candidate.is_file() else None
    _Site(std, out, Path(changelog) if changelog else None).build()
    return out / "index.html"
