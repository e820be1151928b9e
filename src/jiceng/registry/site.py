"""The registry's static bilingual site: Chinese by default, an English switch, every asset shipped.

index.html                 sortable list: status, seal, freshness, findings
seal.html                  the seal's criteria and what each asks of a publisher
packages/<id>.html         one package: seal, report summary, indicators, coverage, history
reports/<id>.<zh|en>.html  the full validation report
indicators/index.html      every catalogue indicator, with how many packages support it
indicators/<code>.html     packages compared at the same locality level, intervals where known
badges/<id>.svg, badges/<id>-seal.svg
registry.json              the same data for machines (no raw records)
"""
from __future__ import annotations

import html
import json
import math
from pathlib import Path

from .badge import seal_badge, status_badge

e = html.escape

CSS = """
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--mute:#57606a}
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2328;line-height:1.5}
header{background:#0d419d;color:#fff;padding:.7em 2em;display:flex;gap:1.5em;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none} header .brand{font-weight:600;font-size:1.1em}
header button{margin-left:auto;background:#fff;color:#0d419d;border:0;border-radius:4px;padding:.3em .8em;cursor:pointer}
main{padding:1em 2em 3em 2em;max-width:1200px}
h1{font-size:1.5em} h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0 1em 0;width:100%}
td,th{border:1px solid #d0d7de;padding:.3em .55em;vertical-align:top;font-size:.92em;text-align:left}
th{background:#f6f8fa} table.sortable th{cursor:pointer;user-select:none} table.sortable th::after{content:" ⇅";color:#8c959f}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.s-valid,.pass,.fresh{color:var(--ok);font-weight:600} .s-invalid,.fail,.stale{color:var(--bad);font-weight:600}
.s-needs-migration,.unknown{color:var(--warn);font-weight:600} .s-unreadable{color:var(--mute);font-weight:600}
.muted{color:var(--mute)} code{background:#f6f8fa;padding:0 .25em;border-radius:3px}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:1.5em}
html[data-lang="en"] .zh{display:none} html:not([data-lang="en"]) .en{display:none}
svg.chart text{font-size:11px;font-family:system-ui,"Noto Sans CJK SC",sans-serif}
"""

JS = """
(function(){
  var root=document.documentElement, saved=null;
  try{saved=localStorage.getItem('jiceng-lang');}catch(e){}
  if(saved==='en'){root.setAttribute('data-lang','en');root.lang='en';}
  document.addEventListener('DOMContentLoaded',function(){
    var b=document.getElementById('lang-switch');
    if(b){b.addEventListener('click',function(){
      var en=root.getAttribute('data-lang')!=='en';
      if(en){root.setAttribute('data-lang','en');root.lang='en';}else{root.removeAttribute('data-lang');root.lang='zh-CN';}
      try{localStorage.setItem('jiceng-lang',en?'en':'zh');}catch(e){}
    });}
    document.querySelectorAll('table.sortable').forEach(function(t){
      t.querySelectorAll('th').forEach(function(th,i){
        th.addEventListener('click',function(){
          var body=t.tBodies[0], rows=Array.prototype.slice.call(body.rows);
          var asc=th.getAttribute('data-dir')!=='asc'; th.setAttribute('data-dir',asc?'asc':'desc');
          rows.sort(function(a,b){
            var x=a.cells[i].getAttribute('data-sort')||a.cells[i].textContent, y=b.cells[i].getAttribute('data-sort')||b.cells[i].textContent;
            var nx=parseFloat(x), ny=parseFloat(y), r;
            if(!isNaN(nx)&&!isNaN(ny)&&String(nx)===x.trim()&&String(ny)===y.trim()){r=nx-ny;}else{r=x.localeCompare(y,'zh');}
            return asc?r:-r;});
          rows.forEach(function(r){body.appendChild(r);});
        });
      });
    });
  });
})();
"""

STATUS = {
    "valid": ("通过", "valid"),
    "needs-migration": ("需迁移后通过", "valid after migration"),
    "invalid": ("不通过", "not valid"),
    "unreadable": ("无法读取", "cannot be read"),
}
FRESH = {"fresh": ("按时更新", "up to date"), "stale": ("逾期未更新", "overdue"),
         "unknown": ("更新日期不明", "update date unknown"), "no-expectation": ("不定期", "no schedule")}
COVER = {"covered": ("可计算", "supported"), "missing": ("缺少数据", "missing data"),
         "excerpt": ("摘录,不计算", "excerpt, not computed"), "no-computation": ("无计算定义", "no computation")}
ORIGIN = {"records": ("由记录计算", "computed from records"), "package": ("数据包公布", "published in the package")}


def t(zh: str, en: str) -> str:
    """Both languages; the page's switch shows one."""
    return f'<span class="zh">{e(zh)}</span><span class="en">{e(en)}</span>'


def _num(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return ""
    if isinstance(v, (int,)) or (isinstance(v, float) and v.is_integer()):
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def _page(title_zh: str, title_en: str, body: str, depth: int) -> str:
    up = "../" * depth
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title_zh)} · {e(title_en)}</title>"
            f'<link rel="stylesheet" href="{up}assets/registry.css"><script src="{up}assets/registry.js"></script></head><body>'
            f'<header><a class="brand" href="{up}index.html">{t("基层治理开放数据登记册", "Jiceng open data registry")}</a>'
            f'<a href="{up}index.html">{t("数据包", "Packages")}</a>'
            f'<a href="{up}indicators/index.html">{t("指标", "Indicators")}</a>'
            f'<a href="{up}seal.html">{t("认证标准", "Seal criteria")}</a>'
            f'<button id="lang-switch" type="button"><span class="zh">English</span><span class="en">中文</span></button></header>'
            f"<main>{body}</main></body></html>\n")


def _status_cell(status: str) -> str:
    zh, en = STATUS.get(status, (status, status))
    return f'<span class="status s-{e(status)}" data-status="{e(status)}">{t(zh, en)}</span>'


def _seal_counts(r: dict) -> tuple[int, int]:
    crit = (r.get("seal") or {}).get("criteria") or []
    return sum(c["passed"] for c in crit), len(crit)


def _seal_cell(r: dict) -> str:
    passed, total = _seal_counts(r)
    ok = passed == total and total > 0
    return (f'<span class="seal {"pass" if ok else "fail"}" data-seal="{"passed" if ok else "not-passed"}">'
            f'{t("已认证" if ok else "未认证", "sealed" if ok else "not sealed")} {passed}/{total}</span>')


def _level_label(std, code: str | None, lang: str) -> str:
    if not code:
        return "—" if lang == "zh" else "—"
    try:
        return std.codelists["locality_level"].label(code, lang)
    except KeyError:
        return code


def build_site(results: list[dict], out: Path, std, criteria: list[dict], history: list[dict],
               combined: dict | None = None, run: dict | None = None) -> Path:
    out = Path(out)
    for sub in ("assets", "packages", "reports", "indicators", "badges"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    (out / "assets" / "registry.css").write_text(CSS, encoding="utf-8")
    (out / "assets" / "registry.js").write_text(JS, encoding="utf-8")
    by_pkg: dict[str, list[dict]] = {}
    for h in history:
        by_pkg.setdefault(h["package"], []).append(h)
    for r in results:
        _write_package(r, out, std, criteria, by_pkg.get(r["id"], []))
    _write_indicators(results, out, std, combined or {})
    _write_seal(out, criteria, results)
    _write_index(results, out, std, run or {})
    data = [{k: v for k, v in r.items() if k not in ("report_html",)} for r in results]
    (out / "registry.json").write_text(json.dumps({"run": run, "packages": data}, ensure_ascii=False, indent=1, default=str),
                                       encoding="utf-8")
    return out / "index.html"


def _write_index(results: list[dict], out: Path, std, run: dict) -> None:
    n = len(results)
    counts = {s: sum(r["status"] == s for r in results) for s in STATUS}
    sealed = sum(1 for r in results if (r.get("seal") or {}).get("passed"))
    cards = "".join(f'<div class="card"><b>{v}</b>{t(*lbl)}</div>' for v, lbl in (
        (n, ("个数据包", "packages")), (counts["valid"], ("通过", "valid")),
        (counts["needs-migration"], ("需迁移", "need migration")),
        (counts["invalid"] + counts["unreadable"], ("不通过或无法读取", "invalid or unreadable")),
        (sealed, ("已认证", "sealed"))))
    rows = []
    for r in sorted(results, key=lambda r: r["id"]):
        meta, rep, fr = r.get("meta") or {}, r.get("report") or {}, r.get("freshness") or {}
        c = rep.get("counts") or {}
        passed, total = _seal_counts(r)
        fstate = fr.get("state") or "unknown"
        entry = r["entry"]
        locality = entry.get("locality") or meta.get("locality_name") or ""
        rows.append(
            f'<tr id="pkg-{e(r["id"])}" data-package="{e(r["id"])}">'
            f'<td><a href="packages/{e(r["id"])}.html">{e(r["id"])}</a></td>'
            f"<td>{e(locality)}</td>"
            f'<td>{t(_level_label(std, r.get("level"), "zh"), _level_label(std, r.get("level"), "en"))}</td>'
            f'<td>{e(entry.get("publisher") or meta.get("publisher") or "")}</td>'
            f'<td data-sort="{list(STATUS).index(r["status"]) if r["status"] in STATUS else 9}">{_status_cell(r["status"])}</td>'
            f'<td data-sort="{passed / total if total else 0:.3f}">{_seal_cell(r)} '
            f'<img src="badges/{e(r["id"])}-seal.svg" alt="seal {passed}/{total}" height="20"></td>'
            f'<td data-sort="{fr.get("age_days") if fr.get("age_days") is not None else 99999}">'
            f'<span class="{e(fstate)}">{t(*FRESH.get(fstate, (fstate, fstate)))}</span>'
            f'<br><span class="muted">{e(fr.get("updated") or "")}</span></td>'
            f'<td class="num">{c.get("ERROR", "")}</td><td class="num">{c.get("WARNING", "")}</td>'
            f'<td>{e(rep.get("schema_version") or "")}</td></tr>')
    head = "".join(f"<th>{t(zh, en)}</th>" for zh, en in (
        ("数据包", "Package"), ("地方", "Locality"), ("层级", "Level"), ("发布者", "Publisher"), ("状态", "Status"),
        ("认证", "Seal"), ("更新", "Freshness"), ("错误", "Errors"), ("警告", "Warnings"), ("声明版本", "Declared version")))
    runinfo = ""
    if run:
        runinfo = (f'<p class="muted">{t("本次检查", "This run")}: {e(run.get("date", ""))} · '
                   f'{t("标准", "standard")} {e(run.get("standard_version", ""))} · jiceng {e(run.get("tool_version", ""))} · '
                   f'{t("历史记录", "history")}: <a href="{e(run.get("history_link", "history/history.jsonl"))}">{e(run.get("history_name", "history.jsonl"))}</a></p>')
    body = (f"<h1>{t('已发布的数据包', 'Published packages')}</h1>"
            f"<p>{t('登记册中的每个数据包都按当前标准重新校验,计算指标和覆盖情况,并按认证标准评定。点击表头排序。', 'Every package in the registry is validated again under the current standard, its indicators and coverage computed, and judged by the seal criteria. Click a column heading to sort.')}</p>"
            f'<div class="cards">{cards}</div>{runinfo}'
            f'<table class="sortable" id="packages"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'<p><a href="registry.json">registry.json</a> · <a href="seal.html">{t("认证标准", "seal criteria")}</a> · '
            f'<a href="indicators/index.html">{t("按指标比较", "compare by indicator")}</a></p>')
    (out / "index.html").write_text(_page("数据包登记册", "Package registry", body, 0), encoding="utf-8")


def _write_seal(out: Path, criteria: list[dict], results: list[dict]) -> None:
    rows = []
    for c in criteria:
        n = sum(1 for r in results for x in ((r.get("seal") or {}).get("criteria") or []) if x["id"] == c["id"] and x["passed"])
        rows.append(f'<tr id="{e(c["id"])}"><td><code>{e(c["id"])}</code></td><td>{t(c["title"]["zh"], c["title"]["en"])}</td>'
                    f'<td>{t(c["regain"]["zh"], c["regain"]["en"])}</td><td class="num">{n}/{len(results)}</td></tr>')
    body = (f"<h1>{t('认证标准', 'Seal criteria')}</h1>"
            f"<p>{t('数据包满足下列全部标准才获得认证。标准以数据形式写在 registry/seal.yaml 中。', 'A package holds the seal when it meets every criterion below. The criteria are data, in registry/seal.yaml.')}</p>"
            f"<table><thead><tr><th>{t('代码', 'Code')}</th><th>{t('标准', 'Criterion')}</th>"
            f"<th>{t('未通过时怎么办', 'What to do when it fails')}</th><th>{t('通过的数据包', 'Packages passing')}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
    (out / "seal.html").write_text(_page("认证标准", "Seal criteria", body, 0), encoding="utf-8")


def _ind_names(std) -> dict[str, dict]:
    return {i["code"]: i for i in std.catalogue}


def _write_package(r: dict, out: Path, std, criteria: list[dict], history: list[dict]) -> None:
    pid = r["id"]
    meta, rep, entry = r.get("meta") or {}, r.get("report") or {}, r["entry"]
    std_version = rep.get("standard_version") or std.version
    passed, total = _seal_counts(r)
    (out / "badges" / f"{pid}.svg").write_text(status_badge(r["status"], std_version), encoding="utf-8")
    (out / "badges" / f"{pid}-seal.svg").write_text(seal_badge(passed, total), encoding="utf-8")
    if r.get("report_html"):
        for lang in ("zh", "en"):
            (out / "reports" / f"{pid}.{lang}.html").write_text(r["report_html"][lang], encoding="utf-8")
    parts = [f'<h1>{e(pid)} <img src="../badges/{e(pid)}.svg" alt="status" height="20"> '
             f'<img src="../badges/{e(pid)}-seal.svg" alt="seal" height="20"></h1>']
    if r.get("problem"):
        parts.append(f'<p class="fail">{t(r["problem"]["zh"], r["problem"]["en"])}</p>')
    fr = r.get("freshness") or {}
    from .catalogue import FREQUENCIES

    freq = FREQUENCIES.get(entry.get("frequency") or "irregular", (None, entry.get("frequency"), entry.get("frequency")))
    info = [
        (("状态", "Status"), _status_cell(r["status"])),
        (("认证", "Seal"), _seal_cell(r)),
        (("标题", "Title"), t(meta.get("title") or "", meta.get("title_en") or meta.get("title") or "")),
        (("地方", "Locality"), e(entry.get("locality") or meta.get("locality_name") or "") +
         (f' <code>{e(meta.get("locality_id") or "")}</code>' if meta.get("locality_id") else "")),
        (("层级", "Level"), t(_level_label(std, r.get("level"), "zh"), _level_label(std, r.get("level"), "en"))),
        (("发布者", "Publisher"), e(entry.get("publisher") or meta.get("publisher") or "")),
        (("许可", "Licence"), e(entry.get("licence") or meta.get("licence") or "")),
        (("期间", "Period"), e(str(meta.get("period") or ""))),
        (("位置", "Location"), f'<code>{e(_shown_location(entry["location"]))}</code>'),
        (("更新频率", "Update frequency"), t(freq[1] or "", freq[2] or "")),
        (("最近更新", "Last updated"), f'<span class="{e(fr.get("state") or "")}">{t(*FRESH.get(fr.get("state") or "unknown", ("", "")))}</span> '
         f'{e(fr.get("updated") or "")} <span class="muted">{e(fr.get("source") or "")}</span>'),
        (("声明的标准版本", "Declared standard version"), e(rep.get("schema_version") or meta.get("schema_version") or "")),
        (("检查所用标准", "Checked against"), e(std_version)),
    ]
    parts.append("<table>" + "".join(f"<tr><th>{t(*k)}</th><td>{v}</td></tr>" for k, v in info) + "</table>")
    if r.get("migrated"):
        m = r["migrated"]
        verdict = t("迁移后通过校验", "valid after migration") if m.get("valid") else t("迁移后仍不通过", "still not valid after migration")
        parts.append(f'<p>{t("迁移", "Migration")} {e(str(m.get("from")))} → {e(str(m.get("to")))}: {verdict}. '
                     f'{t("发布者运行", "The publisher runs")} <code>jiceng migrate PACKAGE -o NEW</code></p>')

    # seal
    parts.append(f'<h2 id="seal">{t("认证", "Seal")}</h2>')
    crit_by_id = {c["id"]: c for c in criteria}
    rows = []
    for c in (r.get("seal") or {}).get("criteria") or []:
        spec = crit_by_id.get(c["id"], {"title": {"zh": c["id"], "en": c["id"]}, "regain": {"zh": "", "en": ""}})
        todo = "" if c["passed"] else t(spec["regain"]["zh"], spec["regain"]["en"])
        mark = t("✓ 通过", "✓ passed") if c["passed"] else t("✗ 未通过", "✗ not passed")
        rows.append(f'<tr class="criterion" data-criterion="{e(c["id"])}" data-passed="{str(c["passed"]).lower()}">'
                    f'<td><a href="../seal.html#{e(c["id"])}">{t(spec["title"]["zh"], spec["title"]["en"])}</a></td>'
                    f'<td class="{"pass" if c["passed"] else "fail"}">{mark}</td>'
                    f'<td>{t(c["detail_zh"], c["detail_en"])}</td><td>{todo}</td></tr>')
    parts.append(f"<table><thead><tr><th>{t('标准', 'Criterion')}</th><th>{t('结果', 'Result')}</th>"
                 f"<th>{t('说明', 'Detail')}</th><th>{t('怎样重新通过', 'How to pass it again')}</th></tr></thead>"
                 f"<tbody>{''.join(rows)}</tbody></table>")

    # report
    parts.append(f'<h2 id="report">{t("校验报告", "Validation report")}</h2>')
    if rep:
        c = rep.get("counts") or {}
        parts.append(f"<p>{t('错误', 'Errors')} {c.get('ERROR', 0)} · {t('警告', 'Warnings')} {c.get('WARNING', 0)} · "
                     f"{t('提示', 'Notes')} {c.get('INFO', 0)}")
        if r.get("report_html"):
            parts.append(f' · <a href="../reports/{e(pid)}.zh.html">{t("完整报告(中文)", "full report (Chinese)")}</a>'
                         f' · <a href="../reports/{e(pid)}.en.html">{t("完整报告(英文)", "full report (English)")}</a>')
        parts.append("</p>")
        if rep.get("groups"):
            g_rows = "".join(
                f'<tr><td class="{e(g["severity"])}">{e(g["severity"])}</td><td><code>{e(g["code"])}</code></td>'
                f'<td>{e(g.get("resource") or "")}{"." + e(g["field"]) if g.get("field") else ""}</td>'
                f'<td class="num">{g["count"]}</td><td>{t(g["message_zh"], g["message_en"])}</td></tr>' for g in rep["groups"])
            parts.append(f"<table><thead><tr><th>{t('级别', 'Severity')}</th><th>{t('代码', 'Code')}</th>"
                         f"<th>{t('位置', 'Where')}</th><th>{t('次数', 'Count')}</th><th>{t('说明', 'Message')}</th></tr></thead>"
                         f"<tbody>{g_rows}</tbody></table>")
    else:
        parts.append(f"<p>{t('没有校验结果', 'no validation result')}</p>")

    # indicators
    parts.append(f'<h2 id="indicators">{t("指标", "Indicators")}</h2>')
    inds = r.get("indicators") or []
    if r.get("indicator_problem"):
        parts.append(f'<p class="fail">{t(r["indicator_problem"]["zh"], r["indicator_problem"]["en"])}</p>')
    if inds:
        i_rows = "".join(
            f'<tr><td><a href="../indicators/{e(x["indicator_code"])}.html">{t(x.get("indicator_zh") or x["indicator_code"], x.get("indicator_en") or x["indicator_code"])}</a></td>'
            f'<td>{e(str(x.get("locality_name") or x.get("locality_id") or ""))}</td><td>{e(str(x.get("period") or ""))}</td>'
            f'<td>{t(*ORIGIN.get(x.get("origin"), (x.get("origin") or "", x.get("origin") or "")))}</td>'
            f'<td class="num">{_num(x.get("value"))}</td>'
            f'<td class="num">{_interval(x)}</td><td>{e(str(x.get("unit") or ""))}</td></tr>' for x in inds)
        parts.append(f"<table class=\"sortable\"><thead><tr><th>{t('指标', 'Indicator')}</th><th>{t('地方', 'Locality')}</th>"
                     f"<th>{t('期间', 'Period')}</th><th>{t('来源', 'Origin')}</th><th>{t('数值', 'Value')}</th>"
                     f"<th>{t('95% 区间', '95% interval')}</th><th>{t('单位', 'Unit')}</th></tr></thead><tbody>{i_rows}</tbody></table>")
    else:
        parts.append(f"<p>{t('没有指标:只有通过校验(或迁移后通过)的数据包才计算指标。', 'No indicators: they are computed only for packages that are valid (or valid after migration).')}</p>")

    # coverage
    parts.append(f'<h2 id="coverage">{t("覆盖", "Coverage")}</h2>')
    cov = r.get("coverage") or []
    if cov:
        names = _ind_names(std)
        n_cov = sum(x["status"] == "covered" for x in cov)
        computable = [x for x in cov if x["status"] != "no-computation"]
        reported_only = [x for x in cov if x["status"] == "no-computation"]
        parts.append(f"<p>{t(f'目录中可由记录计算的 {len(computable)} 项指标,本数据包可支持 {n_cov} 项;另有 {len(reported_only)} 项只能由数据包公布。', f'Supports {n_cov} of the {len(computable)} catalogue indicators computed from records; {len(reported_only)} more can only be reported by a package.')}</p>")
        order = {"missing": 0, "excerpt": 1, "covered": 2}
        c_rows = []
        for x in sorted(computable, key=lambda x: order.get(x["status"], 3)):
            ind = names.get(x["code"], {})
            zh_title = (ind.get("zh") or {}).get("title", x["code"])
            c_rows.append(f'<tr data-coverage="{e(x["status"])}"><td><a href="../indicators/{e(x["code"])}.html">{t(zh_title, ind.get("title", x["code"]))}</a></td>'
                          f'<td class="{"pass" if x["status"] == "covered" else "fail"}">{t(*COVER.get(x["status"], (x["status"], x["status"])))}</td>'
                          f'<td>{", ".join(f"<code>{e(m)}</code>" for m in x["missing"])}</td></tr>')
        parts.append(f"<table><thead><tr><th>{t('指标', 'Indicator')}</th><th>{t('覆盖', 'Coverage')}</th>"
                     f"<th>{t('缺少的表或字段', 'Missing table or field')}</th></tr></thead><tbody>{''.join(c_rows)}</tbody></table>")
        if reported_only:
            items = ", ".join(f'<a href="../indicators/{e(x["code"])}.html">{t((names.get(x["code"], {}).get("zh") or {}).get("title", x["code"]), names.get(x["code"], {}).get("title", x["code"]))}</a>'
                              for x in reported_only)
            parts.append(f"<details><summary>{t('只能由数据包公布的指标', 'Indicators a package can only report')} ({len(reported_only)})</summary><p>{items}</p></details>")

    # history
    parts.append(f'<h2 id="history">{t("检查历史", "History")}</h2>')
    h_rows = "".join(
        f'<tr><td>{e(h.get("date", ""))}</td><td>{e(h.get("standard_version", ""))}</td><td>{e(h.get("tool_version", ""))}</td>'
        f'<td>{_status_cell(h.get("status", ""))}</td><td class="num">{(h.get("counts") or {}).get("ERROR", "")}</td>'
        f'<td class="num">{(h.get("counts") or {}).get("WARNING", "")}</td><td class="num">{(h.get("counts") or {}).get("INFO", "")}</td>'
        f'<td>{e(h.get("seal", ""))}</td></tr>' for h in reversed(history))
    parts.append(f"<table><thead><tr><th>{t('日期', 'Date')}</th><th>{t('标准', 'Standard')}</th><th>{t('工具', 'Tool')}</th>"
                 f"<th>{t('状态', 'Status')}</th><th>{t('错误', 'Errors')}</th><th>{t('警告', 'Warnings')}</th><th>{t('提示', 'Notes')}</th>"
                 f"<th>{t('认证', 'Seal')}</th></tr></thead><tbody>{h_rows}</tbody></table>")
    parts.append(f'<h2 id="badges">{t("徽章", "Badges")}</h2><p>{t("在数据包的说明中引用:", "Use in the package README:")} '
                 f'<code>![jiceng](badges/{e(pid)}.svg)</code> <code>![seal](badges/{e(pid)}-seal.svg)</code></p>')
    (out / "packages" / f"{pid}.html").write_text(_page(pid, pid, "".join(parts), 1), encoding="utf-8")


def _shown_location(location: str) -> str:
    if location.startswith(("http://", "https://")):
        return location
    p = Path(location)
    return "/".join(p.parts[-2:]) if len(p.parts) >= 2 else location


def _interval(x: dict) -> str:
    lo, hi = x.get("ci_low"), x.get("ci_high")
    if lo is None or hi is None:
        return ""
    return f"{_num(lo)} – {_num(hi)}"


def _chart(points: list[tuple[str, str, float, float | None, float | None]]) -> str:
    """A dot-and-whisker chart, one row per value, as inline SVG; labels in both languages."""
    vals = [v for _, _, v, _, _ in points] + [x for _, _, _, lo, hi in points for x in (lo, hi) if x is not None]
    if not vals:
        return ""
    lo_all, hi_all = min(min(vals), 0.0), max(vals)
    span = (hi_all - lo_all) or 1.0
    width, left, row = 640, 220, 22
    height = row * len(points) + 24
    sx = lambda v: left + (v - lo_all) / span * (width - left - 20)  # noqa: E731
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    parts.append(f'<line x1="{sx(lo_all):.1f}" y1="4" x2="{sx(lo_all):.1f}" y2="{height - 18}" stroke="#d0d7de"/>')
    for i, (label, label_en, v, lo, hi) in enumerate(points):
        y = 14 + i * row
        parts.append(f'<text class="zh" x="{left - 6}" y="{y + 4}" text-anchor="end">{e(label[:28])}</text>'
                     f'<text class="en" x="{left - 6}" y="{y + 4}" text-anchor="end">{e(label_en[:34])}</text>')
        if lo is not None and hi is not None:
            parts.append(f'<line x1="{sx(lo):.1f}" y1="{y}" x2="{sx(hi):.1f}" y2="{y}" stroke="#0969da" stroke-width="2"/>')
        parts.append(f'<circle cx="{sx(v):.1f}" cy="{y}" r="4" fill="#0d419d"><title>{e(label)}: {_num(v)}</title></circle>')
    parts.append(f'<text x="{sx(lo_all):.1f}" y="{height - 4}">{_num(lo_all)}</text>'
                 f'<text x="{width - 20}" y="{height - 4}" text-anchor="end">{_num(hi_all)}</text></svg>')
    return "".join(parts)


def _write_indicators(results: list[dict], out: Path, std, combined: dict) -> None:
    rows_idx = []
    for ind in std.catalogue:
        code = ind["code"]
        supported = sum(1 for r in results for c in r.get("coverage") or [] if c["code"] == code and c["status"] == "covered")
        # every value of this indicator, grouped by the locality level of its row
        by_level: dict[str, list[tuple[dict, dict]]] = {}
        for r in results:
            for x in r.get("indicators") or []:
                if x["indicator_code"] == code and x.get("value") is not None:
                    level = (r.get("levels") or {}).get(x.get("locality_id") or "", "") or ""
                    by_level.setdefault(level, []).append((r, x))
        n_values = sum(len(v) for v in by_level.values())
        rows_idx.append(f'<tr><td><a href="{e(code)}.html">{t(ind["zh"]["title"], ind["title"])}</a></td><td><code>{e(code)}</code></td>'
                        f'<td>{e(ind.get("unit") or "")}</td><td class="num">{supported}/{len(results)}</td><td class="num">{n_values}</td></tr>')
        parts = [f'<h1>{t(ind["zh"]["title"], ind["title"])} <code>{e(code)}</code></h1>',
                 f'<p>{t(ind["zh"].get("description", ""), ind.get("description", ""))}</p>',
                 f'<p>{t("公式", "Formula")}: <code>{e(ind.get("formula") or "")}</code> · {t("单位", "unit")} {e(ind.get("unit") or "")}</p>',
                 f'<p>{t(f"可支持此指标的数据包:{supported}/{len(results)}", f"Packages that can support it: {supported}/{len(results)}")}</p>']
        if not by_level:
            parts.append(f"<p>{t('还没有数据包给出这一指标的数值。', 'No package gives a value for this indicator yet.')}</p>")
        level_order = {c: i for i, c in enumerate(std.codelists["locality_level"].codes)} if "locality_level" in std.codelists else {}
        for level in sorted(by_level, key=lambda lv: (level_order.get(lv, 99), lv)):
            items = sorted(by_level[level], key=lambda rx: (-(rx[1]["value"]), rx[0]["id"]))
            parts.append(f'<h2 id="level-{e(level or "none")}">{t("层级:" + _level_label(std, level, "zh"), "Level: " + _level_label(std, level, "en"))}</h2>')
            stats = [(k, s) for k, s in combined.items() if k[0] == code and k[1] == level]
            for (_, _, origin), s in sorted(stats):
                mean = s["sum"] / s["n"] if s["n"] else math.nan
                pooled = ""
                scale = (ind.get("computation") or {}).get("scale")
                if s["denominator"] > 0 and scale is not None and (ind.get("computation") or {}).get("denominator"):
                    pooled = f' · {t("合并比率", "pooled rate")} {_num(s["numerator"] / s["denominator"] * scale)}'
                parts.append(f'<p class="muted">{t(*ORIGIN.get(origin, (origin, origin)))}: n={s["n"]} · '
                             f'{t("均值", "mean")} {_num(mean)} · {t("最小", "min")} {_num(s["min"])} · {t("最大", "max")} {_num(s["max"])}{pooled}</p>')
            parts.append(_chart([(f'{x.get("locality_name") or x.get("locality_id")} ({"计算" if x.get("origin") == "records" else "公布"})',
                                  f'{x.get("locality_name") or x.get("locality_id")} ({"computed" if x.get("origin") == "records" else "reported"})',
                                  x["value"], x.get("ci_low"), x.get("ci_high")) for _, x in items]))
            body = "".join(
                f'<tr><td><a href="../packages/{e(r["id"])}.html">{e(r["id"])}</a></td>'
                f'<td>{e(str(x.get("locality_name") or x.get("locality_id") or ""))}</td><td>{e(str(x.get("period") or ""))}</td>'
                f'<td>{t(*ORIGIN.get(x.get("origin"), (x.get("origin") or "", x.get("origin") or "")))}</td>'
                f'<td class="num" data-sort="{x["value"]}">{_num(x["value"])}</td><td class="num">{_interval(x)}</td>'
                f'<td class="num">{_num(x.get("n_valid"))}</td><td>{_status_cell(r["status"])}</td></tr>' for r, x in items)
            parts.append(f'<table class="sortable"><thead><tr><th>{t("数据包", "Package")}</th><th>{t("地方", "Locality")}</th>'
                         f'<th>{t("期间", "Period")}</th><th>{t("来源", "Origin")}</th><th>{t("数值", "Value")}</th>'
                         f'<th>{t("95% 区间", "95% interval")}</th><th>n</th><th>{t("状态", "Status")}</th></tr></thead><tbody>{body}</tbody></table>')
        (out / "indicators" / f"{code}.html").write_text(_page(ind["zh"]["title"], ind["title"], "".join(parts), 1), encoding="utf-8")
    body = (f"<h1>{t('指标', 'Indicators')}</h1>"
            f"<p>{t('每项指标一页,按地方层级比较各数据包(同一层级才可比),有置信区间时一并给出。', 'One page per indicator, comparing packages at the same locality level, with intervals where known.')}</p>"
            f'<table class="sortable"><thead><tr><th>{t("指标", "Indicator")}</th><th>{t("代码", "Code")}</th><th>{t("单位", "Unit")}</th>'
            f'<th>{t("可支持的数据包", "Packages supporting it")}</th><th>{t("数值个数", "Values")}</th></tr></thead><tbody>{"".join(rows_idx)}</tbody></table>')
    (out / "indicators" / "index.html").write_text(_page("指标", "Indicators", body, 1), encoding="utf-8")
