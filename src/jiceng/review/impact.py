"""`jiceng schema impact`: what a proposed version of the standard does to published packages.

Each package is validated against the current standard and against the proposed one; the
report lists the packages, tables and rules (finding codes) that newly fail or newly pass.
"""
from __future__ import annotations

import functools

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..standard import Standard
from . import ReviewError


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
        }


@dataclass
class ImpactReport:
    current_version: str
    proposed_version: str
    packages: list[PackageImpact]

    def count(self, status: str) -> int:
        return sum(p.status == status for p in self.packages)

    def to_dict(self) -> dict:
        return {
            "current_version": self.current_version, "proposed_version": self.proposed_version,
            "summary": {s: self.count(s) for s in ("newly-fails", "newly-passes", "still-valid", "still-invalid", "unreadable")},
            "packages": [p.to_dict() for p in self.packages],
        }

    def to_text(self) -> str:
        label = {"newly-fails": "新增失败 / newly fails", "newly-passes": "转为通过 / newly passes",
                 "still-valid": "仍然通过 / still valid", "still-invalid": "仍然失败 / still invalid",
                 "unreadable": "无法校验 / could not be validated"}
        lines = [f"影响报告 / impact report: 标准 / standard {self.current_version} → {self.proposed_version}", ""]
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
        lines.append("")
        lines.append("合计 / total: " + ", ".join(f"{label[s]} {self.count(s)}" for s in
                                                 ("newly-fails", "newly-passes", "still-valid", "still-invalid", "unreadable")))
        return "\n".join(lines)


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


def impact(packages: Iterable[Path], proposed: Standard, current: Standard,
           validate: Callable | None = None) -> ImpactReport:
    validate = validate or _default_validate()
    results = []
    for pkg in packages:
        pkg = Path(pkg)
        try:
            before = validate(pkg, standard=current)
            after = validate(pkg, standard=proposed)
        except Exception as exc:  # one broken package must not hide the others
            results.append(PackageImpact(str(pkg), False, False, 0, 0,
                                         problem=f"校验失败 / validation failed: {type(exc).__name__}: {exc}"))
            continue
        eb, ea = _by_rule(before, "ERROR"), _by_rule(after, "ERROR")
        wb, wa = _by_rule(before, "WARNING"), _by_rule(after, "WARNING")
        rules = {k: [eb[k], ea[k]] for k in set(eb) | set(ea) if eb[k] != ea[k]}
        warnings = {k: [wb[k], wa[k]] for k in set(wb) | set(wa) if wb[k] != wa[k]}
        tables: dict[str, list[int]] = {}
        for (table, _), n in eb.items():
            tables.setdefault(table, [0, 0])[0] += n
        for (table, _), n in ea.items():
            tables.setdefault(table, [0, 0])[1] += n
        results.append(PackageImpact(str(pkg), bool(before.valid), bool(after.valid), sum(eb.values()),
                                     sum(ea.values()), rules, warnings, tables))
    return ImpactReport(current.version, proposed.version, results)
