"""`jiceng schema impact`: what a proposed version of the standard does to published packages.

Each package is validated against the current standard and against the proposed one, each a
folder holding schemas/ and validators/, so schema changes and rule changes (a new rule, a rule
made stricter, a severity raised) are judged alike. Before a package is judged under a version it
does not declare, the migrations that version ships are applied to a temporary copy, as
`jiceng migrate` would. Findings that only say the declared version differs
(SCHEMA_VERSION_UNSUPPORTED, SCHEMA_VERSION_DIFFERS), and those that only say the schemas embedded
in datapackage.json differ from the standard's (RESOURCE_SCHEMA_LOOSENED, RESOURCE_SCHEMA_DIFFERS:
the data is still checked against the standard, and `jiceng migrate` rewrites the embedded
schemas) never make a package "newly failing"; the report says how many packages had them. The report lists the packages, tables and rules (finding
codes) that newly fail or newly pass, and the share of packages newly failing, which `--check`
compares with a limit (default 1 %).
"""
from __future__ import annotations

import functools
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..standard import Standard
from . import ReviewError

VERSION_CODES = ("SCHEMA_VERSION_UNSUPPORTED", "SCHEMA_VERSION_DIFFERS")
EMBEDDED_CODES = ("RESOURCE_SCHEMA_LOOSENED", "RESOURCE_SCHEMA_DIFFERS")
EXCLUDED_CODES = VERSION_CODES + EMBEDDED_CODES
DEFAULT_MAX_SHARE = 1.0  # per cent of packages that may become newly invalid under --check


@dataclass
class PackageImpact:
    package: str
    valid_before: bool
    valid_after: bool
    errors_before: int
    errors_after: int
    # (table, rule code) -> [count before, count after], only where they differ
    rules: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    warnings: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    # table -> [errors before, errors after], every table with errors either way
    table_errors: dict[str, list[int]] = field(default_factory=dict)
    problem: str | None = None  # the package could not be validated at all
    migrated_before: list[str] = field(default_factory=list)  # migration steps applied before judging
    migrated_after: list[str] = field(default_factory=list)
    version_findings: list[int] = field(default_factory=lambda: [0, 0])  # version-only findings, before/after

    @property
    def status(self) -> str:
        if self.problem:
            return "unreadable"
        if self.valid_before and not self.valid_after:
            return "newly-fails"
        if not self.valid_before and self.valid_after:
            return "newly-passes"
        return "still-valid" if self.valid_after else "still-invalid"

    def tables(self, newly: str) -> list[str]:
        """Tables with no errors before and some after ('fails'), or the reverse ('passes')."""
        if newly == "fails":
            return sorted(t for t, (a, b) in self.table_errors.items() if b and not a)
        return sorted(t for t, (a, b) in self.table_errors.items() if a and not b)

    def rule_changes(self, newly: str) -> list[tuple[str, str, int, int]]:
        out = []
        for (table, code), (a, b) in sorted(self.rules.items()):
            if (newly == "fails" and a == 0 and b > 0) or (newly == "passes" and a > 0 and b == 0) or \
               (newly == "changed" and a > 0 and b > 0):
                out.append((table, code, a, b))
        return out

    def to_dict(self) -> dict:
        return {
            "package": self.package, "status": self.status, "problem": self.problem,
            "valid_before": self.valid_before, "valid_after": self.valid_after,
            "errors_before": self.errors_before, "errors_after": self.errors_after,
            "tables_newly_failing": self.tables("fails"), "tables_newly_passing": self.tables("passes"),
            "rules": [{"table": t, "code": c, "errors_before": a, "errors_after": b} for (t, c), (a, b) in sorted(self.rules.items())],
            "warnings": [{"table": t, "code": c, "before": a, "after": b} for (t, c), (a, b) in sorted(self.warnings.items())],
            "migrated_before": self.migrated_before, "migrated_after": self.migrated_after,
            "version_findings_excluded": {"before": self.version_findings[0], "after": self.version_findings[1]},
        }


STATUSES = ("newly-fails", "newly-passes", "still-valid", "still-invalid", "unreadable")
LABEL = {"newly-fails": ("新增失败", "newly fails"), "newly-passes": ("转为通过", "newly passes"),
         "still-valid": ("仍然通过", "still valid"), "still-invalid": ("仍然失败", "still invalid"),
         "unreadable": ("无法校验", "could not be validated")}


@dataclass
class ImpactReport:
    current_version: str
    proposed_version: str
    packages: list[PackageImpact]
    max_share: float = DEFAULT_MAX_SHARE
    source: str | None = None  # where the package list came from (registry catalogue, folder, arguments)
    rule_messages: dict[tuple[str, str], dict] = field(default_factory=dict)  # (table, code) -> {old, new}

    def count(self, status: str) -> int:
        return sum(p.status == status for p in self.packages)

    @property
    def share_newly_failing(self) -> float:
        """Per cent of the packages judged that newly fail."""
        return 100.0 * self.count("newly-fails") / len(self.packages) if self.packages else 0.0

    @property
    def ok(self) -> bool:
        """True when no more than `max_share` per cent of the packages newly fail."""
        return self.share_newly_failing <= self.max_share

    @property
    def version_only(self) -> int:
        """Packages with findings that only concern the declared version (left out of newly failing)."""
        return sum(1 for p in self.packages if p.version_findings[1])

    def to_dict(self) -> dict:
        return {
            "current_version": self.current_version, "proposed_version": self.proposed_version, "source": self.source,
            "summary": {s: self.count(s) for s in STATUSES},
            "share_newly_failing": round(self.share_newly_failing, 3), "max_share": self.max_share, "ok": self.ok,
            "version_findings_excluded": {"codes": list(EXCLUDED_CODES), "packages": self.version_only},
            "migrated": sum(1 for p in self.packages if p.migrated_before or p.migrated_after),
            "packages": [p.to_dict() for p in self.packages],
        }

    def _notes(self) -> list[tuple[str, str]]:
        notes = []
        if self.version_only:
            notes.append((f"{self.version_only} 个数据包有只涉及声明版本或内嵌表结构的发现({', '.join(EXCLUDED_CODES)}),"
                          f"数据本身仍按标准校验;这些发现不计入新增失败",
                          f"{self.version_only} packages have findings about their declared version or embedded schemas only "
                          f"({', '.join(EXCLUDED_CODES)}; the data is still checked against the standard); they are not "
                          f"counted as newly failing"))
        migrated = sum(1 for p in self.packages if p.migrated_before or p.migrated_after)
        if migrated:
            notes.append((f"{migrated} 个数据包先按迁移文件升级再评判", f"{migrated} packages were migrated before being judged"))
        return notes

    def to_text(self) -> str:
        label = {s: f"{zh} / {en}" for s, (zh, en) in LABEL.items()}
        lines = [f"影响报告 / impact report: 标准 / standard {self.current_version} → {self.proposed_version}"]
        if self.source:
            lines.append(f"数据包来源 / packages from: {self.source}")
        lines.append("")
        for p in self.packages:
            lines.append(f"{p.package}: {label[p.status]} (错误 / errors {p.errors_before} → {p.errors_after})")
            if p.problem:
                lines.append(f"    {p.problem}")
            for t in p.tables("fails"):
                lines.append(f"    表新增失败 / table newly fails: {t}")
            for t in p.tables("passes"):
                lines.append(f"    表转为通过 / table newly passes: {t}")
            for t, c, a, b in p.rule_changes("fails"):
                lines.append(f"    规则新增失败 / rule newly fails: {t}/{c} (0 → {b})")
            for t, c, a, b in p.rule_changes("passes"):
                lines.append(f"    规则转为通过 / rule newly passes: {t}/{c} ({a} → 0)")
            for t, c, a, b in p.rule_changes("changed"):
                lines.append(f"    错误数改变 / error count changed: {t}/{c} ({a} → {b})")
            for (t, c), (a, b) in sorted(p.warnings.items()):
                lines.append(f"    警告数改变 / warnings changed: {t}/{c} ({a} → {b})")
            for which, chain in (("当前 / current", p.migrated_before), ("拟议 / proposed", p.migrated_after)):
                if chain:
                    lines.append(f"    已迁移后评判 / judged after migration ({which}): {' · '.join(chain)}")
        lines.append("")
        lines.append("合计 / total: " + ", ".join(f"{label[s]} {self.count(s)}" for s in STATUSES))
        for zh, en in self._notes():
            lines.append(f"注 / note: {zh} / {en}")
        verdict = "✓" if self.ok else "✗"
        lines.append(f"{verdict} 新增失败比例 / share newly failing: {self.share_newly_failing:.2f}% "
                     f"(上限 / limit {self.max_share:g}%)")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """For a pull request: summary, newly failing packages and rules with their wording in both languages."""
        out = [f"### 对已发布数据包的影响 / Impact on published packages: {self.current_version} → {self.proposed_version}", ""]
        if self.source:
            out += [f"数据包来源 / packages from: `{self.source}`", ""]
        out += ["| 结果 Result | 数据包 Packages |", "|---|---|"]
        out += [f"| {LABEL[s][0]} / {LABEL[s][1]} | {self.count(s)} |" for s in STATUSES]
        out += ["", f"**新增失败比例 / share newly failing: {self.share_newly_failing:.2f}%** "
                    f"(上限 / limit {self.max_share:g}% — {'通过 / within the limit' if self.ok else '超过上限 / over the limit'})", ""]
        for zh, en in self._notes():
            out.append(f"> {zh}<br>{en}")
        changed = [p for p in self.packages if p.status in ("newly-fails", "newly-passes", "unreadable") or p.rules or p.warnings]
        if changed:
            out += ["", "| 数据包 Package | 结果 Result | 错误 Errors | 表 Tables | 规则 Rules |", "|---|---|---|---|---|"]
            for p in changed:
                rules = "; ".join(f"`{t}/{c}` {a}→{b}" for (t, c), (a, b) in sorted(p.rules.items()))
                tables = ", ".join(p.tables("fails") + [f"~~{t}~~" for t in p.tables("passes")])
                out.append(f"| `{_md(Path(p.package).name)}` | {LABEL[p.status][0]} / {LABEL[p.status][1]} | "
                           f"{p.errors_before} → {p.errors_after} | {tables} | {_md(rules or (p.problem or ''))} |")
        codes = sorted({k for p in self.packages for k in p.rules} | {k for p in self.packages for k in p.warnings})
        worded = [(k, self.rule_messages[k]) for k in codes if k in self.rule_messages]
        if worded:
            out += ["", "#### 涉及的规则 / Rules involved", "",
                    "| 规则 Rule | 旧 Old (zh / en) | 新 New (zh / en) |", "|---|---|---|"]
            for (t, c), m in worded:
                out.append(f"| `{t}/{c}` | {_wording(m.get('old'))} | {_wording(m.get('new'))} |")
        return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _wording(rule: dict | None) -> str:
    if not rule:
        return "—"
    msg = rule.get("message") or {}
    return f"{rule.get('severity', 'ERROR')}: {_md(msg.get('zh', ''))} / {_md(msg.get('en', ''))}"


def _default_validate() -> Callable:
    try:
        from ..validation import validate
    except ImportError as exc:
        raise ReviewError(f"校验器不可用:{exc}", f"the validator is not available: {exc}") from None
    # every finding listed, not the first 1000 of a kind, so counts before/after are exact
    return functools.partial(validate, max_per_group=None)


def find_packages(folder: Path) -> list[Path]:
    """Every folder under `folder` holding a datapackage.json (extension folders excluded)."""
    found = sorted(p.parent for p in folder.rglob("datapackage.json"))
    return [p for p in found if not any(q != p and q in p.parents for q in found)]


def _by_rule(report, severity: str) -> Counter:
    """(table, finding code) -> exact count, from the report's groups (its listed findings may be capped)."""
    out: Counter = Counter()
    groups = getattr(report, "groups", None)
    if groups is not None:
        for g in groups:
            if g.severity == severity:
                out[(g.resource or "datapackage.json", g.code)] += g.count
        return out
    for f in getattr(report, "errors", []):
        if f.severity == severity:
            out[(f.resource or "datapackage.json", f.code)] += 1
    return out


def _declared(pkg: Path) -> str | None:
    try:
        data = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    v = data.get("schema_version") if isinstance(data, dict) else None
    return str(v) if v is not None else None


def _prepared(pkg: Path, std: Standard, workdir: Path) -> tuple[Path, list[str]]:
    """The package as judged under `std`: migrated to std's version when a migration chain exists."""
    declared = _declared(pkg)
    if not declared or declared == std.version:
        return pkg, []
    try:
        from .migrate import migrate_package

        out = Path(tempfile.mkdtemp(prefix="migrated-", dir=workdir)) / pkg.name
        result = migrate_package(pkg, std, out=out)
    except Exception:  # no chain, or a step that cannot apply: judge the package as it is
        return pkg, []
    return out, list(result.chain)


def _without_version(counter: Counter) -> tuple[Counter, int]:
    kept, dropped = Counter(), 0
    for (table, code), n in counter.items():
        if code in EXCLUDED_CODES:
            dropped += n
        else:
            kept[(table, code)] = n
    return kept, dropped


def rule_messages(current: Standard, proposed: Standard) -> dict[tuple[str, str], dict]:
    from .diff import load_rules

    try:
        old, new = load_rules(current.rules_dir), load_rules(proposed.rules_dir)
    except ReviewError:
        return {}
    return {k: {"old": old.get(k), "new": new.get(k)} for k in set(old) | set(new) if old.get(k) != new.get(k)}


def impact(packages: Iterable[Path], proposed: Standard, current: Standard,
           validate: Callable | None = None, *, migrate: bool = True, max_share: float = DEFAULT_MAX_SHARE,
           source: str | None = None) -> ImpactReport:
    validate = validate or _default_validate()
    results = []
    with tempfile.TemporaryDirectory(prefix="jiceng-impact-") as tmp:
        workdir = Path(tmp)
        for pkg in packages:
            pkg = Path(pkg)
            try:
                before_pkg, chain_before = _prepared(pkg, current, workdir) if migrate else (pkg, [])
                after_pkg, chain_after = _prepared(pkg, proposed, workdir) if migrate else (pkg, [])
                before = validate(before_pkg, standard=current)
                after = validate(after_pkg, standard=proposed)
            except Exception as exc:  # one broken package must not hide the others
                results.append(PackageImpact(str(pkg), False, False, 0, 0,
                                             problem=f"校验失败 / validation failed: {type(exc).__name__}: {exc}"))
                continue
            if not getattr(before, "readable", True) or not getattr(after, "readable", True):
                unreadable = before if not getattr(before, "readable", True) else after
                msg = "; ".join(f"{g.code}: {g.message_en}" for g in getattr(unreadable, "groups", []) if g.severity == "ERROR")
                results.append(PackageImpact(str(pkg), False, False, 0, 0, problem=f"无法读取 / cannot be read: {msg}"))
                continue
            eb, vb = _without_version(_by_rule(before, "ERROR"))
            ea, va = _without_version(_by_rule(after, "ERROR"))
            wb, vwb = _without_version(_by_rule(before, "WARNING"))
            wa, vwa = _without_version(_by_rule(after, "WARNING"))
            rules = {k: [eb[k], ea[k]] for k in set(eb) | set(ea) if eb[k] != ea[k]}
            warnings = {k: [wb[k], wa[k]] for k in set(wb) | set(wa) if wb[k] != wa[k]}
            tables: dict[str, list[int]] = {}
            for (table, _), n in eb.items():
                tables.setdefault(table, [0, 0])[0] += n
            for (table, _), n in ea.items():
                tables.setdefault(table, [0, 0])[1] += n
            results.append(PackageImpact(str(pkg), not eb, not ea, sum(eb.values()), sum(ea.values()), rules, warnings,
                                         tables, migrated_before=chain_before, migrated_after=chain_after,
                                         version_findings=[vb + vwb, va + vwa]))
    return ImpactReport(current.version, proposed.version, results, max_share=max_share, source=source,
                        rule_messages=rule_messages(current, proposed))


# --------------------------------------------------------------------------- two reports of one package

@dataclass
class ReportDiff:
    package: str | None
    before_version: str | None
    after_version: str | None
    appeared: list[dict]
    disappeared: list[dict]
    changed: list[dict]

    def to_dict(self) -> dict:
        return {"package": self.package, "standard_before": self.before_version, "standard_after": self.after_version,
                "appeared": self.appeared, "disappeared": self.disappeared, "changed": self.changed}

    def to_text(self) -> str:
        lines = [f"校验报告比较 / report diff: {self.package or '?'} ({self.before_version or '?'} → {self.after_version or '?'})"]
        for title, items in ((("新出现", "appeared"), self.appeared), (("已消失", "disappeared"), self.disappeared),
                             (("次数改变", "count changed"), self.changed)):
            lines.append(f"{title[0]} / {title[1]}: {len(items)}")
            for g in items:
                where = "/".join(x for x in (g.get("resource"), g.get("field")) if x) or "datapackage.json"
                count = f"{g['before']} → {g['after']}" if "before" in g else str(g["count"])
                lines.append(f"  {g['severity']} {g['code']} {where} ({count}): {g.get('message_zh', '')} / {g.get('message_en', '')}")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        out = [f"### 校验报告比较 / Report diff: `{self.package or '?'}` ({self.before_version or '?'} → {self.after_version or '?'})", "",
               "| | 级别 Severity | 代码 Code | 位置 Where | 次数 Count | 说明 Message |", "|---|---|---|---|---|---|"]
        for mark, items in (("+", self.appeared), ("−", self.disappeared), ("±", self.changed)):
            for g in items:
                where = "/".join(x for x in (g.get("resource"), g.get("field")) if x) or "datapackage.json"
                count = f"{g['before']} → {g['after']}" if "before" in g else str(g["count"])
                out.append(f"| {mark} | {g['severity']} | `{g['code']}` | {_md(where)} | {count} | "
                           f"{_md(g.get('message_zh', ''))} / {_md(g.get('message_en', ''))} |")
        return "\n".join(out) + "\n"


def _groups(report: dict) -> dict[tuple, dict]:
    """(code, severity, resource, field) -> group with its exact count, from a report's JSON."""
    out: dict[tuple, dict] = {}
    groups = report.get("groups")
    if groups is None:  # a report without groups: count the listed findings
        groups = []
        for f in report.get("errors") or []:
            groups.append({**f, "count": 1})
    for g in groups:
        key = (g.get("code"), g.get("severity"), g.get("resource"), g.get("field"))
        if key in out:
            out[key]["count"] += int(g.get("count", 1))
        else:
            out[key] = {k: g.get(k) for k in ("code", "severity", "resource", "field", "message_zh", "message_en")}
            out[key]["count"] = int(g.get("count", 1))
    return out


def diff_reports(before: dict, after: dict) -> ReportDiff:
    """What appeared, what disappeared and what changed count between two validation reports (JSON)."""
    a, b = _groups(before), _groups(after)
    appeared = [b[k] for k in b if k not in a]
    disappeared = [a[k] for k in a if k not in b]
    changed = [{**b[k], "before": a[k]["count"], "after": b[k]["count"]} for k in b if k in a and a[k]["count"] != b[k]["count"]]
    order = lambda g: ({"ERROR": 0, "WARNING": 1, "INFO": 2}.get(g["severity"], 3), g["code"], g.get("resource") or "")  # noqa: E731
    return ReportDiff(after.get("package") or before.get("package"), before.get("standard_version"),
                      after.get("standard_version"), sorted(appeared, key=order), sorted(disappeared, key=order),
                      sorted(changed, key=order))
