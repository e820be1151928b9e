"""The registry's work on one package: validate, migrate when only the version stands in the way,
compute indicators and coverage, judge freshness and the seal.

`check_entry(entry, options)` takes and returns plain data, so it runs the same in this process
and on a Dask worker; its raw records never leave the process that read them: only the report
summary, the indicator rows and the coverage come back.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import subprocess
import tempfile
import time
from pathlib import Path

VERSION_CODES = ("SCHEMA_VERSION_UNSUPPORTED", "SCHEMA_VERSION_DIFFERS")
STATUSES = ("valid", "needs-migration", "invalid", "unreadable")


def options(*, standard_root: str | None = None, allow_remote: bool = False, remote_seconds: float = 300.0,
            max_download_mb: float = 200.0, today: str | None = None, criteria: list | None = None,
            report_html: bool = True) -> dict:
    """Options shared by every package of one build (plain data: they travel to the workers)."""
    return {
        "standard_root": standard_root, "allow_remote": allow_remote,
        "deadline": time.time() + remote_seconds, "remote_seconds": remote_seconds,
        "max_bytes": int(max_download_mb * 2**20), "today": today or dt.date.today().isoformat(),
        "criteria": criteria, "report_html": report_html,
    }


def _standard(opts: dict):
    from ..standard import Standard, current

    return Standard(opts["standard_root"]) if opts.get("standard_root") else current()


def _summary(report) -> dict:
    return {
        "valid": bool(report.valid), "readable": bool(report.readable), "counts": dict(report.counts),
        "schema_version": report.schema_version, "standard_version": report.standard_version,
        "package": report.package,
        "groups": [{"code": g.code, "severity": g.severity, "resource": g.resource, "field": g.field, "count": g.count,
                    "message_zh": g.message_zh, "message_en": g.message_en} for g in report.ordered_groups()],
    }


def _only_version(report) -> bool:
    errors = [g for g in report.groups if g.severity == "ERROR"]
    return bool(errors) and all(g.code in VERSION_CODES for g in errors)


def _levels(folder: Path, descriptor: dict) -> dict[str, str]:
    """locality_id -> level code, from the package's localities table."""
    for res in descriptor.get("resources") or []:
        if isinstance(res, dict) and res.get("name") == "localities" and isinstance(res.get("path"), str):
            path = folder / res["path"]
            try:
                with open(path, encoding=res.get("encoding") or "utf-8", newline="", errors="replace") as fh:
                    return {row["locality_id"]: row.get("level") or "" for row in csv.DictReader(fh) if row.get("locality_id")}
            except (OSError, LookupError, KeyError):
                return {}
    return {}


def _last_update(entry: dict, descriptor: dict, folder: Path | None) -> tuple[str | None, str | None]:
    for key in ("updated", "last_updated", "created"):
        v = descriptor.get(key)
        if isinstance(v, str) and len(v) >= 10:
            return v[:10], "package"
    if entry.get("updated"):
        return str(entry["updated"])[:10], "catalogue"
    if folder is not None and folder.is_dir():
        try:
            proc = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%cs", "--", "."],
                                  capture_output=True, text=True, timeout=20)
            if proc.returncode == 0 and proc.stdout.strip():
                return proc.stdout.strip(), "git"
        except (OSError, subprocess.SubprocessError):
            pass
        newest = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=None)
        if newest:
            return dt.date.fromtimestamp(newest).isoformat(), "file"
    return None, None


def freshness(frequency: str, updated: str | None, today: str) -> dict:
    from .catalogue import FREQUENCIES

    allowed = FREQUENCIES.get(frequency, (None,))[0]
    out = {"frequency": frequency, "updated": updated, "allowed_days": allowed, "age_days": None}
    try:
        age = (dt.date.fromisoformat(today) - dt.date.fromisoformat(updated)).days if updated else None
    except ValueError:
        age = None
    out["age_days"] = age
    if allowed is None:
        out["state"] = "no-expectation"
    elif age is None:
        out["state"] = "unknown"
    else:
        out["state"] = "fresh" if age <= allowed else "stale"
    return out


def _rows(df) -> list[dict]:
    rows = []
    for rec in df.to_dict("records"):
        rows.append({k: (None if (isinstance(v, float) and math.isnan(v)) or v is None else
                         (v.item() if hasattr(v, "item") else v)) for k, v in rec.items()})
    return rows


def check_entry(entry: dict, opts: dict) -> dict:
    """Everything the registry shows about one catalogue entry, as plain data."""
    started = time.perf_counter()
    result = {"id": entry["id"], "entry": entry, "status": "unreadable", "problem": None, "meta": {},
              "descriptor_keys": [], "report": None, "report_html": None, "migrated": None, "indicators": [],
              "levels": {}, "level": None, "coverage": [], "freshness": None, "seal": None}
    with tempfile.TemporaryDirectory(prefix="jiceng-registry-") as tmp:
        try:
            _check(entry, opts, Path(tmp), result)
        except Exception as exc:  # one broken package never stops the registry
            result["status"] = "unreadable"
            result["problem"] = {"zh": f"无法检查:{type(exc).__name__}:{exc}", "en": f"could not be checked: {type(exc).__name__}: {exc}"}
    if opts.get("criteria"):
        from .seal import evaluate

        result["seal"] = evaluate(opts["criteria"], result)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _check(entry: dict, opts: dict, tmp: Path, result: dict) -> None:
    import jiceng
    from ..validation import validate
    from .catalogue import Budget, FetchError, fetch, unpack_zip
    from .coverage import coverage, package_columns

    std = _standard(opts)
    location = entry["location"]
    target: str | Path
    if location.startswith(("http://", "https://")):
        if not opts.get("allow_remote"):
            result["problem"] = {"zh": "网址形式的数据包需要 --allow-remote 才会下载", "en": "a package at a URL is fetched only with --allow-remote"}
            return
        budget = Budget(max(0.0, opts["deadline"] - time.time()), opts["max_bytes"])
        budget.seconds = opts.get("remote_seconds", budget.seconds)
        try:
            target = fetch(location, tmp / "download", budget)
        except FetchError as exc:
            result["problem"] = {"zh": exc.message_zh, "en": exc.message_en}
            return
    else:
        target = Path(location)
        if not target.exists():
            result["problem"] = {"zh": f"找不到 {location}", "en": f"{location} does not exist"}
            return
    target = Path(target)
    report = validate(target, standard=std, allow_remote=bool(opts.get("allow_remote")))
    result["report"] = _summary(report)
    if opts.get("report_html", True):
        result["report_html"] = {"zh": report.to_html("zh"), "en": report.to_html("en")}
    if not report.readable:
        result["status"] = "unreadable"
        return
    # the package as a folder (a zip is unpacked; a descriptor fetched alone stays where it is)
    if target.suffix.lower() == ".zip":
        folder = unpack_zip(target, tmp / "unpacked")
    elif target.name == "datapackage.json":
        folder = target.parent
    else:
        folder = target
    import json

    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8-sig"))
    result["descriptor_keys"] = sorted(k for k, v in descriptor.items() if v not in (None, "", [], {}))
    lic = next((l.get("name") or l.get("title") for l in descriptor.get("licenses") or [] if isinstance(l, dict)), None)
    result["meta"] = {k: descriptor.get(k) for k in ("name", "title", "title_en", "locality_id", "locality_name",
                                                      "province_code", "period", "schema_version", "records")}
    result["meta"]["publisher"] = (descriptor.get("publisher") or {}).get("name") if isinstance(descriptor.get("publisher"), dict) else None
    result["meta"]["licence"] = lic
    result["levels"] = _levels(folder, descriptor)
    result["level"] = result["levels"].get(descriptor.get("locality_id"))
    updated, source = _last_update(entry, descriptor, folder if not location.startswith("http") else None)
    result["freshness"] = freshness(entry.get("frequency") or "irregular", updated, opts["today"])
    if result["freshness"]["updated"]:
        result["freshness"]["source"] = source

    status = "valid" if report.valid else "invalid"
    usable = folder if report.valid else None
    declared = str(descriptor.get("schema_version") or "")
    if not report.valid and (_only_version(report) or (declared and declared != std.version)):
        # the package follows another version of the standard: judge it as `jiceng migrate` would leave it
        from ..review.migrate import migrate_package

        try:
            migrated = tmp / "migrated"
            res = migrate_package(folder, std, out=migrated)
            after = validate(migrated, standard=std)
            result["migrated"] = {"from": res.from_version, "to": res.to_version, "chain": res.chain,
                                  "valid": bool(after.valid), "counts": dict(after.counts)}
            if after.valid:
                status, usable = "needs-migration", migrated
        except Exception as exc:
            result["migrated"] = {"from": descriptor.get("schema_version"), "to": std.version, "valid": False,
                                  "problem": f"{type(exc).__name__}: {exc}"}
    result["status"] = status
    columns_from = usable or folder
    cover_descriptor = json.loads((columns_from / "datapackage.json").read_text(encoding="utf-8-sig"))
    result["coverage"] = coverage(std, package_columns(columns_from, cover_descriptor),
                                  excerpt=descriptor.get("records") == "excerpt")
    if usable is not None:
        try:
            pkg = jiceng.load(usable, validate=False, standard=std)
            result["indicators"] = _rows(jiceng.indicators(pkg))
        except Exception as exc:  # the package stays judged; only its indicators are missing
            result["indicator_problem"] = {"zh": f"无法计算指标:{type(exc).__name__}:{exc}",
                                           "en": f"indicators could not be computed: {type(exc).__name__}: {exc}"}
