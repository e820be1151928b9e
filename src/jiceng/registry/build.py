"""`jiceng registry build`: check every catalogue entry, record the run, write the site."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import Entry
from .check import check_entry, options
from .cluster import _summarise_result, combine, tree_reduce


@dataclass
class BuildResult:
    results: list[dict]
    run: dict
    combined: dict = field(default_factory=dict)
    index: Path | None = None
    history_path: Path | None = None

    def count(self, status: str) -> int:
        return sum(r["status"] == status for r in self.results)


def check_all(entries: list[Entry], opts: dict, client=None) -> tuple[list[dict], dict]:
    """check_entry for every entry (on the cluster when a client is given) and the combined indicator sums."""
    items = [e.to_dict() for e in entries]
    if client is None:
        results = [check_entry(item, opts) for item in items]
        return results, combine([_summarise_result(r) for r in results])
    futures = client.map(check_entry, items, [opts] * len(items), pure=False)
    sums = tree_reduce(client, client.map(_summarise_result, futures, pure=False)) if futures else None
    results = client.gather(futures)
    return results, (sums.result() if sums is not None else {})


def read_history(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def history_records(results: list[dict], run: dict) -> list[dict]:
    recs = []
    for r in results:
        crit = (r.get("seal") or {}).get("criteria") or []
        rep = r.get("report") or {}
        recs.append({"run": run["run"], "date": run["date"], "package": r["id"], "standard_version": run["standard_version"],
                     "tool_version": run["tool_version"], "status": r["status"], "valid": bool(rep.get("valid")),
                     "counts": rep.get("counts") or {}, "declared_version": rep.get("schema_version"),
                     "seal": f"{sum(c['passed'] for c in crit)}/{len(crit)}",
                     "seal_passed": bool((r.get("seal") or {}).get("passed"))})
    return recs


def build(entries: list[Entry], site: Path | None, *, std, criteria: list[dict], history: Path | None,
          client=None, allow_remote: bool = False, remote_seconds: float = 300.0, max_download_mb: float = 200.0,
          today: str | None = None, record: bool = True) -> BuildResult:
    from .. import __version__

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    opts = options(standard_root=str(std.root), allow_remote=allow_remote, remote_seconds=remote_seconds,
                   max_download_mb=max_download_mb, today=today or now.date().isoformat(), criteria=criteria,
                   report_html=site is not None)
    results, combined = check_all(entries, opts, client)
    run = {"run": now.strftime("%Y%m%dT%H%M%SZ"), "date": now.isoformat().replace("+00:00", "Z"),
           "standard_version": std.version, "tool_version": __version__, "packages": len(results),
           "counts": {s: sum(r["status"] == s for r in results) for s in ("valid", "needs-migration", "invalid", "unreadable")}}
    past: list[dict] = []
    if history is not None:
        past = read_history(history)
        if record:
            history.parent.mkdir(parents=True, exist_ok=True)
            with open(history, "a", encoding="utf-8") as fh:
                for rec in history_records(results, run):
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            past = read_history(history)
        else:
            past = past + history_records(results, run)
    else:
        past = history_records(results, run)
    out = BuildResult(results, run, combined, history_path=history)
    if site is not None:
        from .site import build_site

        if history is not None:
            try:
                run["history_link"] = Path(_relpath(history, site)).as_posix()
            except ValueError:
                run["history_link"] = history.as_uri()
            run["history_name"] = history.name
        out.index = build_site(results, site, std, criteria, past, combined, run)
    return out


def _relpath(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(Path(target).resolve(), Path(start).resolve())
