"""The privacy report of a package: per table about people, the k-anonymity of its
quasi-identifiers (persons, groups, smallest group, groups and persons below k, maximum and
average prosecutor risk) and the direct identifiers the validator found (PRIVACY_* findings)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .kanon import TableRisk, load_config
from .redact import shown

DIRECT = ("PRIVACY_ID_NUMBER", "PRIVACY_MOBILE_NUMBER", "PRIVACY_PHONE_NUMBER", "PRIVACY_PERSON_NAME", "PRIVACY_ADDRESS",
          "PRIVACY_PERSONAL_FIELD")


@dataclass
class PrivacyReport:
    package: str | None
    k: int
    tables: list[TableRisk] = field(default_factory=list)
    direct: dict[str, dict[str, int]] = field(default_factory=dict)  # table ("" = metadata) -> code -> count
    fatal: tuple[str, str, str] | None = None

    @property
    def at_risk(self) -> bool:
        return any(t.small for t in self.tables) or any(self.direct.values())

    def to_dict(self) -> dict:
        return {"package": self.package, "k": self.k, "at_risk": self.at_risk,
                "tables": [t.to_dict() for t in self.tables],
                "direct_identifiers": {t or None: c for t, c in self.direct.items()} if self.direct else {}}

    def to_text(self, lang: str = "zh", examples: int = 5) -> str:
        zh = lang == "zh"
        t = (lambda a, b: a if zh else b)
        lines = [t(f"数据包 {self.package or '?'} 的隐私风险(k = {self.k})", f"Privacy risk of package {self.package or '?'} (k = {self.k})"), ""]
        if not self.tables:
            lines.append(t("没有声明了准标识符的表(见 validators/privacy/quasi_identifiers.yaml)。",
                           "No table with declared quasi-identifiers (see validators/privacy/quasi_identifiers.yaml)."))
        for r in self.tables:
            mark = "✗" if r.small else "✓"
            lines.append(f"{mark} {r.table}  [{', '.join(r.quasi_identifiers)}]")
            lines.append("    " + t(f"{r.persons} 人,{r.groups} 种组合,最小组合 {r.min_group} 人;"
                                    f"少于 {r.k} 人的组合 {len(r.small)} 种,涉及 {r.persons_at_risk} 人({r.share_at_risk:.0%});"
                                    f"最高再识别风险 {r.max_risk:.2f},平均 {r.average_risk:.2f}",
                                    f"{r.persons} persons, {r.groups} combinations, smallest {r.min_group}; "
                                    f"{len(r.small)} combinations below {r.k} covering {r.persons_at_risk} persons ({r.share_at_risk:.0%}); "
                                    f"highest re-identification risk {r.max_risk:.2f}, average {r.average_risk:.2f}"))
            for g in r.small[:examples]:
                lines.append(f"      {shown(g.describe(), 300)}: {g.persons}")
            if len(r.small) > examples:
                lines.append("      " + t(f"…另有 {len(r.small) - examples} 种", f"… and {len(r.small) - examples} more"))
        if self.direct:
            lines.append("")
            lines.append(t("直接标识符(发布的数据不得含有):", "Direct identifiers (published data must not carry them):"))
            for table, codes in self.direct.items():
                lines.append(f"✗ {table or t('元数据', 'metadata')}: " + ", ".join(f"{c} ×{n}" for c, n in codes.items()))
        lines.append("")
        lines.append(t("方法:GB/T 37964-2019 的 k-匿名模型;见 docs/privacy.md。", "Method: k-anonymity as in GB/T 37964-2019; see docs/privacy.md."))
        return "\n".join(lines) + "\n"


def privacy_report(path, k: int | None = None, standard=None) -> PrivacyReport:
    """Validate the package (structure, personal data) and measure the risk of its tables."""
    from ..standard import current
    from ..validation import core

    std = standard or current()
    cfg = load_config(std)
    k = k or cfg.k
    report = core.validate(path, standard=std, privacy_k=k, max_per_group=None)
    result = PrivacyReport(report.package, k)
    if not report.readable:
        g = next(iter(report.groups), None)
        result.fatal = (g.code, g.message_zh, g.message_en) if g else ("INPUT_UNREADABLE", "无法读取", "cannot be read")
        return result
    for g in report.groups:
        if g.code in DIRECT:
            result.direct.setdefault(g.resource or "", {}).setdefault(g.code, 0)
            result.direct[g.resource or ""][g.code] += g.count
    result.tables = list(getattr(report, "privacy_risks", None) or [])
    return result
