"""Is the version in schemas/standard.json honest? The check behind tests/test_versioning.py.

Releases are recorded in CHANGELOG.md as headings `## [x.y.z] - YYYY-MM-DD` (newest first);
a version still being prepared is headed `## [x.y.z] - Unreleased`. The commit that first
carries a version's dated heading is that version's release. It needs only the git history of
the branch (tags are not used), so it works in a fresh clone.

- The current version (schemas/standard.json) must have a CHANGELOG entry.
- If the current version was released in an earlier commit, schemas/ and validators/ must be
  exactly as they were then: any change needs a new version.
- Otherwise the changes since the previous release must fit the version step taken from it:
  `jiceng schema diff` classifies them and the bump must be at least as large.
- With no earlier release (the initial one), there is nothing to compare.
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import ReviewError
from .diff import LEVEL_ZH, RANK, SchemaDiff, bump_level, checkout_revision, diff_standards, git, next_version, open_standard, parse_version

HEADING = re.compile(r"^##\s+\[?(\d+\.\d+\.\d+)\]?\s*(?:[-—–:]\s*)?(.*)$")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class GitUnavailable(ReviewError):
    """git or the repository history is not there: the check cannot run."""


@dataclass(frozen=True)
class Entry:
    version: str
    heading: str  # the heading line exactly as written
    date: str | None  # None while unreleased


@dataclass
class ReleaseCheck:
    version: str
    baseline: str | None = None  # e.g. "1.0.0 @ 1a2b3c4"
    diff: SchemaDiff | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_text(self) -> str:
        lines = [f"标准版本 / standard version {self.version}; 比较基准 / baseline: {self.baseline or '—'}"]
        lines += [f"  · {n}" for n in self.notes]
        lines += [f"  ✗ {p}" for p in self.problems]
        if self.diff is not None and self.diff.changes:
            lines.append(self.diff.to_text())
        lines.append("✓ 版本检查通过 / version check passed" if self.ok else "✗ 版本检查未通过 / version check failed")
        return "\n".join(lines)


def changelog_entries(text: str) -> list[Entry]:
    entries = []
    for line in text.splitlines():
        m = HEADING.match(line.rstrip())
        if m:
            date = DATE.search(m.group(2) or "")
            entries.append(Entry(m.group(1), line.rstrip(), date.group(0) if date else None))
    return entries


def release_commit(repo: Path, entry: Entry) -> str | None:
    """The oldest commit whose CHANGELOG.md carries the entry's dated heading (its release)."""
    if entry.date is None:
        return None
    out = str(git(repo, "log", "--reverse", "--format=%H", "-S", entry.heading, "--", "CHANGELOG.md"))
    for commit in out.split():
        try:
            text = str(git(repo, "show", f"{commit}:CHANGELOG.md"))
        except ReviewError:
            continue
        if entry.heading in text.splitlines():
            return commit
    return None


def _version_at(repo: Path, commit: str) -> str | None:
    try:
        import json

        return json.loads(str(git(repo, "show", f"{commit}:schemas/standard.json"))).get("version")
    except (ReviewError, ValueError):
        return None


def last_commit_of_version(repo: Path, version: str) -> str | None:
    """Fallback when a release has no dated CHANGELOG heading in history: the last commit whose
    schemas/standard.json still had `version` (the parent of the commit that changed it away)."""
    head_version = _version_at(repo, "HEAD")
    out = str(git(repo, "log", "--format=%H %P", "-G", '"version"', "--", "schemas/standard.json"))
    for line in out.splitlines():
        commit, *parents = line.split()
        if parents and _version_at(repo, commit) != version and _version_at(repo, parents[0]) == version:
            return parents[0]
    return "HEAD" if head_version == version else None


def check_release(root: Path) -> ReleaseCheck:
    """Check the working tree at `root` (a git checkout of the standard) against its history."""
    root = Path(root)
    current = open_standard(root)
    version = current.version
    parse_version(version)
    result = ReleaseCheck(version)

    try:
        inside = str(git(root, "rev-parse", "--is-inside-work-tree")).strip()
    except ReviewError as exc:
        raise GitUnavailable(exc.message_zh, exc.message_en) from None
    if inside != "true" or str(git(root, "rev-parse", "--is-shallow-repository")).strip() == "true":
        raise GitUnavailable("不是完整的 git 仓库(需要完整历史)", "not a full git clone (the history is needed)")
    repo = Path(str(git(root, "rev-parse", "--show-toplevel")).strip())

    changelog = root / "CHANGELOG.md"
    entries = changelog_entries(changelog.read_text(encoding="utf-8")) if changelog.is_file() else []
    own = next((e for e in entries if e.version == version), None)
    if own is None:
        result.problems.append(f"CHANGELOG.md 没有当前版本 {version} 的条目(## [{version}] - 日期)"
                               f" / CHANGELOG.md has no entry for the current version {version} (## [{version}] - date)")
    for e in entries:
        if parse_version(e.version) > parse_version(version):
            result.problems.append(f"CHANGELOG.md 有版本 {e.version},高于 schemas/standard.json 的版本 {version}"
                                   f" / CHANGELOG.md lists {e.version}, above the version {version} in schemas/standard.json")

    with tempfile.TemporaryDirectory(prefix="jiceng-release-") as tmp:
        commit = release_commit(repo, own) if own else None
        if commit:
            # Released already: the content must be exactly what was released.
            at = _version_at(repo, commit)
            if at != version:
                result.problems.append(f"提交 {commit[:8]} 在 CHANGELOG.md 发布了 {version},但其 schemas/standard.json 版本为 {at}"
                                       f" / commit {commit[:8]} releases {version} in CHANGELOG.md but its schemas/standard.json says {at}")
            released = open_standard(checkout_revision(repo, commit, Path(tmp) / "released"))
            result.baseline = f"{version} @ {commit[:8]}"
            result.diff = diff_standards(released, current)
            if result.diff.changes:
                need = result.diff.required
                result.problems.append(
                    f"{version} 已于提交 {commit[:8]} 发布,之后 schemas/ 或 validators/ 又有改变却未升级版本;"
                    f"这些变化需要{LEVEL_ZH[need]}升级,请把版本改为 {next_version(version, need)} 并在 CHANGELOG.md 记录"
                    f" / {version} was released in commit {commit[:8]} and schemas/ or validators/ changed since without a"
                    f" version bump; the changes need a {need} bump: set the version to {next_version(version, need)}"
                    f" and add a CHANGELOG.md entry")
            return result

        # Not released yet (or being released in this working tree): compare with the previous release.
        if own is not None and own.date is None:
            result.notes.append(f"{version} 尚未发布(CHANGELOG.md 标为 Unreleased);写上发布日期的提交即为发布"
                                f" / {version} is not released yet (Unreleased in CHANGELOG.md); the commit that dates it releases it")
        previous = [e for e in entries if e.date and parse_version(e.version) < parse_version(version)]
        if not previous:
            result.notes.append(f"{version} 是首个发布版本,没有可比较的早期版本"
                                f" / {version} is the first release: there is no earlier release to compare with")
            return result
        prev = max(previous, key=lambda e: parse_version(e.version))
        base = release_commit(repo, prev) or last_commit_of_version(repo, prev.version)
        if base is None:
            result.problems.append(f"在 git 历史中找不到已发布版本 {prev.version} 的提交"
                                   f" / no commit of the released version {prev.version} in the git history")
            return result
        released = open_standard(checkout_revision(repo, base, Path(tmp) / "released"))
        result.baseline = f"{prev.version} @ {base[:8]}"
        result.diff = diff_standards(released, current)
        need, step = result.diff.required, bump_level(released.version, version)
        if step == "downgrade" or RANK.get(step, 0) < RANK[need]:
            result.problems.append(
                f"自 {released.version} 以来的变化需要{LEVEL_ZH[need]}升级(至少 {next_version(released.version, need)}),"
                f"而版本只改为 {version} / the changes since {released.version} need a {need} bump (at least "
                f"{next_version(released.version, need)}) but the version is {version}")
        else:
            result.notes.append(f"自 {released.version} 以来的变化需要 {need or '无'} 升级,版本 {version} 足够"
                                f" / changes since {released.version} need a {need or 'no'} bump; {version} covers them")
        result.problems.extend(_major_needs_migration(current, released.version, version))
        result.problems.extend(_removals_need_deprecation(released, result.diff))
    return result


def _major_needs_migration(current, released: str, version: str) -> list[str]:
    """A new major version must ship the migration that takes packages of the last release to it."""
    if parse_version(version)[0] <= parse_version(released)[0]:
        return []
    from .migrate import MigrationError, find_chain

    try:
        find_chain(current.schemas_dir / "migrations", released, version)
    except MigrationError:
        return [f"主版本 {version} 需要迁移文件 schemas/migrations/{released}__{version}.yaml(可以没有步骤,但必须说明)"
                f" / major version {version} needs a migration file schemas/migrations/{released}__{version}.yaml"
                f" (it may have no steps, but it must exist)"]
    return []


def _removals_need_deprecation(released, diff: SchemaDiff) -> list[str]:
    """A field, table or code may be removed only if the released version already marked it deprecated."""
    problems = []
    for change in diff.changes:
        if change.kind == "table-removed":
            marked = bool(released.tables.get(change.where, {}).get("deprecated"))
        elif change.kind == "field-removed":
            table, _, name = change.where.partition(".")
            fdef = next((f for f in released.tables.get(table, {}).get("fields", []) if f.get("name") == name), {})
            marked = bool(fdef.get("deprecated"))
        elif change.kind == "code-removed":
            cname = change.where.split(":")[0].removeprefix("codelist ").strip()
            cl = released.codelists.get(cname)
            row = next((r for r in cl.rows if r.get("code") == change.old), {}) if cl else {}
            marked = str(row.get("deprecated", "")).strip().lower() not in ("", "false", "0", "no")
        else:
            continue
        if not marked:
            problems.append(f"{change.where} 被删除,但在已发布的 {released.version} 中没有标为弃用;请先在一个次版本中标记弃用"
                            f" / {change.where} is removed but was not marked deprecated in the released {released.version};"
                            f" deprecate it in a minor release first")
    return problems
