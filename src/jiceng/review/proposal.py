"""What a proposal's pull request shows: `jiceng schema diff --format markdown` (every change with its
old and new wording in both languages) and a CHANGELOG entry generated from the diff
(`jiceng schema changelog`)."""
from __future__ import annotations

import json

from .diff import LEVEL_ZH, MAJOR, MINOR, PATCH, SchemaDiff

SECTIONS = (  # (heading, test on a change kind)
    ("### 新增 / Added", lambda k: k.endswith("-added") or k in ("enum-values-added", "codelist-column-added", "code-added")),
    ("### 弃用 / Deprecated", lambda k: k.endswith("-deprecated")),
    ("### 删除 / Removed", lambda k: k.endswith("-removed") or k.endswith("-removed-open")),
    ("### 变更 / Changed", lambda k: True),
)


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _value(v, limit: int = 160) -> str:
    """A value as a table cell: words in both languages kept readable, anything else as JSON."""
    if v is None:
        return "—"
    if isinstance(v, dict) and set(v) <= {"title", "description", "zh", "en", "message"}:
        parts = []
        for k, x in v.items():
            parts.append(f"{k}: {_value(x, limit)}")
        return "<br>".join(parts)
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"`{_md(text)}`" if not isinstance(v, str) else _md(text)


def diff_markdown(d: SchemaDiff) -> str:
    out = [f"### 标准差异 / Schema diff: {d.old_version} → {d.new_version}", "",
           f"需要的版本升级 / required bump: **{d.required or 'none'}** ({LEVEL_ZH[d.required]}) · "
           f"声明的版本升级 / declared bump: **{d.declared or 'none'}**"
           + ("" if d.ok else " · ✗ 版本号升级不足 / the version bump is too small"), ""]
    if not d.changes:
        out.append("没有变化 / no changes")
        return "\n".join(out) + "\n"
    for level in (MAJOR, MINOR, PATCH):
        items = [c for c in d.changes if c.level == level]
        if not items:
            continue
        out += [f"#### {level.upper()} ({LEVEL_ZH[level]}) — {len(items)}", "",
                "| 位置 Where | 变化 Change | 旧 Old | 新 New |", "|---|---|---|---|"]
        for c in items:
            out.append(f"| `{_md(c.where)}` | {_md(c.message_zh)}<br>{_md(c.message_en)} <sub>{c.kind}</sub> | "
                       f"{_value(c.old)} | {_value(c.new)} |")
        out.append("")
    return "\n".join(out) + "\n"


def changelog_entry(d: SchemaDiff, version: str | None = None, date: str = "Unreleased") -> str:
    """A CHANGELOG.md section for the diff's new version: bilingual bullets under Added / Deprecated /
    Removed / Changed. Wording-only changes are summed up in one bullet. Edit it before committing:
    it says what changed, the proposal says why."""
    version = version or d.new_version
    out = [f"## [{version}] - {date}", ""]
    placed: set[int] = set()
    for heading, test in SECTIONS:
        bullets = []
        for i, c in enumerate(d.changes):
            if i in placed or c.level == PATCH or not test(c.kind):
                continue
            placed.add(i)
            bullets.append(f"- `{c.where}`:{c.message_zh} / {c.message_en}"
                           + (" **(主版本 / major)**" if c.level == MAJOR else ""))
        if bullets:
            out += [heading, "", *bullets, ""]
    wording = [c for c in d.changes if c.level == PATCH]
    if wording:
        where = ", ".join(sorted({f"`{c.where}`" for c in wording})[:12]) + ("…" if len({c.where for c in wording}) > 12 else "")
        out += ["### 文字 / Wording", "",
                f"- {len(wording)} 处标题、说明或译文修改 / {len(wording)} titles, descriptions or translations reworded: {where}", ""]
    if len(out) == 2:
        out += ["- 没有变化 / no changes", ""]
    return "\n".join(out)

