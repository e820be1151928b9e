"""The registry seal: criteria read from registry/seal.yaml, each passed or not, with what to do.

A criterion is data: `id`, `kind` (one of KINDS below), optional `params`, bilingual `title`
and `regain` (what a publisher does to pass it again). A package holds the seal when it passes
every criterion.
"""
from __future__ import annotations

from pathlib import Path

import yaml

KINDS = ("valid", "no_findings", "records_complete", "fresh", "metadata", "licence", "coverage")


class SealError(ValueError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh, self.message_en = message_zh, message_en


def default_criteria_path() -> Path | None:
    from ..standard import current

    for base in (Path.cwd(), current().root):
        p = base / "registry" / "seal.yaml"
        if p.is_file():
            return p
    return None


def read_criteria(path: str | Path | None = None) -> list[dict]:
    path = Path(path) if path else default_criteria_path()
    if path is None or not path.is_file():
        raise SealError(f"找不到认证标准文件 {path or 'registry/seal.yaml'}",
                        f"seal criteria file {path or 'registry/seal.yaml'} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SealError(f"{path} 不是有效的 YAML:{exc}", f"{path} is not valid YAML: {exc}") from None
    criteria = data.get("criteria") if isinstance(data, dict) else None
    if not isinstance(criteria, list) or not criteria:
        raise SealError(f"{path} 需要 criteria: 列表", f"{path} needs a criteria: list")
    for c in criteria:
        if not isinstance(c, dict) or c.get("kind") not in KINDS or not c.get("id"):
            raise SealError(f"{path}:认证标准 {c!r} 需要 id 和 kind({', '.join(KINDS)})",
                            f"{path}: criterion {c!r} needs an id and a kind ({', '.join(KINDS)})")
        for key in ("title", "regain"):
            if not isinstance(c.get(key), dict) or not c[key].get("zh") or not c[key].get("en"):
                raise SealError(f"{path}:认证标准 {c['id']} 需要中英文 {key}",
                                f"{path}: criterion {c['id']} needs {key} in zh and en")
    return criteria


def evaluate(criteria: list[dict], result: dict) -> dict:
    """{passed, criteria: [{id, passed, detail_zh, detail_en}]} for one package's check result."""
    out = []
    for c in criteria:
        ok, zh, en = _check(c, result)
        out.append({"id": c["id"], "passed": ok, "detail_zh": zh, "detail_en": en})
    return {"passed": all(c["passed"] for c in out), "criteria": out}


def _check(c: dict, r: dict) -> tuple[bool, str, str]:
    kind, params = c["kind"], c.get("params") or {}
    report = r.get("report") or {}
    if kind == "valid":
        if r.get("status") == "valid":
            return True, "按当前标准校验通过", f"valid under standard {report.get('standard_version')}"
        if r.get("status") == "needs-migration":
            return False, f"数据包声明标准 {report.get('schema_version')},迁移后才通过", \
                f"declares standard {report.get('schema_version')}; valid only after migration"
        errors = (report.get("counts") or {}).get("ERROR", 0)
        return False, f"{errors} 个错误", f"{errors} errors"
    if kind == "no_findings":
        prefix = params.get("prefix", "PRIVACY_")
        severities = set(params.get("severities") or ("ERROR", "WARNING", "INFO"))
        if not report:
            return False, "未能校验", "could not be checked"
        hits = sum(g["count"] for g in report.get("groups", []) if g["code"].startswith(prefix) and g["severity"] in severities)
        other = sum(g["count"] for g in report.get("groups", []) if g["code"].startswith(prefix) and g["severity"] not in severities)
        note_zh = f"(另有 {other} 条较低级别的提示,如小群体)" if other else ""
        note_en = f" ({other} lower-severity notes, e.g. small groups)" if other else ""
        return (hits == 0, ("无" if hits == 0 else f"{hits} 处") + note_zh, ("none" if hits == 0 else f"{hits} found") + note_en)
    if kind == "records_complete":
        records = (r.get("meta") or {}).get("records")
        ok = records != "excerpt" and bool(r.get("meta"))
        return ok, ("完整记录" if ok else "摘录"), ("complete records" if ok else "excerpt")
    if kind == "fresh":
        f = r.get("freshness") or {}
        state = f.get("state")
        if state == "fresh":
            return True, f"{f.get('age_days')} 天前更新", f"updated {f.get('age_days')} days ago"
        if state == "no-expectation":
            return True, "无定期更新要求", "no regular update expected"
        if state == "stale":
            return False, f"{f.get('age_days')} 天未更新(应 {f.get('allowed_days')} 天内)", \
                f"not updated for {f.get('age_days')} days (expected within {f.get('allowed_days')})"
        return False, "更新日期不明", "update date unknown"
    if kind == "metadata":
        meta = r.get("descriptor_keys") or []
        lack = [k for k in params.get("fields", []) if k not in meta]
        return (not lack, "齐全" if not lack else "缺少 " + ", ".join(lack), "complete" if not lack else "missing " + ", ".join(lack))
    if kind == "licence":
        accepted = params.get("accepted", [])
        lic = (r.get("meta") or {}).get("licence")
        ok = lic in accepted
        return ok, (lic or "未声明"), (lic or "none declared")
    if kind == "coverage":
        rows = [x for x in r.get("coverage", []) if x["status"] != "no-computation"]
        covered = sum(x["status"] == "covered" for x in rows)
        share = covered / len(rows) * 100 if rows else 0.0
        need = float(params.get("min_share", 50))
        return share >= need, f"{covered}/{len(rows)} 项指标({share:.0f}%,需 {need:.0f}%)", \
            f"{covered}/{len(rows)} indicators ({share:.0f}%, {need:.0f}% needed)"
    raise SealError(f"未知的认证标准类型 {kind}", f"unknown criterion kind {kind}")
