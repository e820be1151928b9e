"""Benchmark: `jiceng validate` against `frictionless validate` on a large generated package.

    python benchmarks/bench_validate.py                    # 1,000,000 service_records rows, both tools
    python benchmarks/bench_validate.py --rows 100000
    python benchmarks/bench_validate.py --table cases      # a 12-column table
    python benchmarks/bench_validate.py --scaling          # jiceng only: 100k, 1M, 10M rows

The package holds the table (N rows) and the tables its foreign keys point to. Values follow
the schema; one row in about every 500 is damaged, cycling through every kind of finding:
type errors, required, pattern, codelist, minimum and maximum, duplicate keys, foreign keys,
missing and extra cells, blank rows, a rule (e.g. more than 24 service hours in a day) and a
mobile number. Each tool runs in its own process; wall time and peak memory (maximum resident
set size) come from /usr/bin/time. Both reports are compared kind by kind, and the last line
gives the ratio.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from jiceng.package import resource_schema  # noqa: E402
from jiceng.standard import current  # noqa: E402

LOCALITY = "330114000000-BAIYANG-LINLI"
SIDE_ROWS = 1000  # rows of each referenced table
DAMAGE_EVERY = 500
CHUNK = 200_000
MOBILE = "13912345678"  # a made-up number of the right shape


# ---------------------------------------------------------------- values from the schema


def _ids(prefix: str, idx: pl.Series) -> pl.Series:
    return pl.select(pl.concat_str([pl.lit(prefix), pl.lit(idx).cast(pl.String).str.zfill(9)])).to_series()


def _fk_targets(std, table: str) -> dict[str, str]:
    out = {}
    for fk in std.table(table).get("foreignKeys", []):
        fields = [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
        target = fk["reference"].get("resource") or table
        for f in fields:
            out[f] = target
    return out


def _prefix(table: str) -> str:
    return "".join(w[0] for w in table.split("_")).upper()


PATTERN_SAMPLES = ["2022", "330114000000", "x1", "satisfied", "a"]
# Values that keep the generated rows plausible for the standard's rules (closed cases have a
# closing date), so that the rule findings are the injected ones.
FIXED = {("cases", "status"): "resolved"}


def columns(std, table: str, start: int, n: int, sizes: dict[str, int], main: bool = True) -> dict[str, pl.Series]:
    """Valid values of `table` for rows start..start+n, built column by column (codes vary in
    the main table; the referenced tables take each codelist's first code)."""
    import re

    idx = pl.int_range(start, start + n, eager=True, dtype=pl.Int64)
    schema = std.table(table)
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else pk
    fks = _fk_targets(std, table)
    out = {}
    base = dt.date(2022, 1, 1)
    for fdef in schema["fields"]:
        name, ftype = fdef["name"], fdef.get("type", "string")
        cons = fdef.get("constraints") or {}
        codes = std.codelists[fdef["codelist"]].codes if fdef.get("codelist") else None
        if (table, name) in FIXED:
            col = pl.Series(name, [FIXED[(table, name)]] * n)
        elif name == "locality_id":
            col = pl.Series(name, [LOCALITY] * n)
        elif name in fks and fks[name] == table:
            col = pl.Series(name, [None] * n, dtype=pl.String)
        elif name in fks:
            target = fks[name]
            col = _ids(_prefix(target), (idx * 7919) % sizes.get(target, SIDE_ROWS))
        elif name in pk or cons.get("unique"):
            col = _ids(_prefix(table), idx)
        elif codes:
            col = pl.Series(codes).gather(idx % len(codes)) if main else pl.Series(name, [codes[0]] * n)
        elif ftype == "integer":
            low = max(int(cons.get("minimum", 0)), 1)
            high = int(cons.get("maximum", low + 40))
            col = (idx * 13 % (high - low + 1) + low).cast(pl.String)
        elif ftype == "number":
            low = float(cons.get("minimum", 0))
            high = float(cons.get("maximum", low + 10))
            span = min(high - low, 4.0) if high > low else 1.0
            col = ((idx * 37 % 16) / 16 * span + low + 0.25).round(2).clip(low, high).cast(pl.String)
        elif ftype == "date":
            col = pl.select(pl.lit(base) + pl.duration(days=pl.lit(idx % 365))).to_series().cast(pl.String)
        elif ftype == "boolean":
            col = pl.select(pl.when(pl.lit(idx) % 2 == 0).then(pl.lit("true")).otherwise(pl.lit("false"))).to_series()
        elif "pattern" in cons:
            sample = next((v for v in PATTERN_SAMPLES if re.fullmatch(cons["pattern"].strip("^$"), v)), "x1")
            col = pl.Series(name, [sample] * n)
        else:
            col = pl.Series(name, ["示例"] * n) if cons.get("required") else pl.Series(name, [None] * n, dtype=pl.String)
        out[name] = col.alias(name).cast(pl.String)
    return out


def damage_plan(std, table: str) -> list[tuple[str, str, object]]:
    """(kind, field, bad value) for the cell damages this table allows, from its schema."""
    schema = std.table(table)
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else pk
    fks = {f: t for f, t in _fk_targets(std, table).items() if t != table}
    plan = []
    fields = schema["fields"]
    by_type = lambda t: [f for f in fields if f.get("type", "string") == t and f["name"] not in pk]  # noqa: E731
    for t, bad in (("date", "2022/05/09"), ("integer", "3.5"), ("number", "两小时"), ("boolean", "是")):
        if by_type(t):
            plan.append(("type-error", by_type(t)[0]["name"], bad))
    for f in fields:
        cons = f.get("constraints") or {}
        if f["name"] in pk or f["name"] in fks:
            continue
        if cons.get("required") and f.get("type", "string") == "string":
            plan.append(("required", f["name"], ""))
        if "enum" in cons:
            plan.append(("enum", f["name"], "unknown_code"))
        elif "pattern" in cons and f["name"] != "locality_id":
            plan.append(("pattern", f["name"], "Bad Code"))
        if "maximum" in cons and f.get("type") in ("integer", "number"):
            plan.append(("maximum", f["name"], str(int(cons["maximum"]) + 6)))
        if "minimum" in cons and f.get("type") in ("integer", "number"):
            plan.append(("minimum", f["name"], str(int(cons["minimum"]) - 1)))
    plan.append(("duplicate", pk[0], None))
    for f in fks:
        if f != "locality_id":
            plan.append(("foreign-key", f, "NOPE1"))
            break
    string_ids = [f for f in fks if f != "locality_id"]
    if string_ids:
        plan.append(("privacy", string_ids[-1], f"X{MOBILE}"))
    return plan


def write_table(std, table: str, rows: int, path: Path, sizes: dict, damage: bool) -> None:
    names = std.field_names(table)
    plan = damage_plan(std, table) if damage else []
    with open(path, "wb") as fh:
        fh.write((",".join(names) + "\n").encode())
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            cols = columns(std, table, start, n, sizes, main=damage)
            if plan:
                local = pl.int_range(0, n, eager=True)
                pos = (local + start) % DAMAGE_EVERY
                for k, (kind, fname, bad) in enumerate(plan):
                    hit = pos == k
                    if kind == "duplicate":
                        cols[fname] = pl.select(pl.when(pl.lit(hit)).then(pl.lit(cols[fname]).shift(1)).otherwise(pl.lit(cols[fname]))).to_series().alias(fname)
                    else:
                        cols[fname] = pl.select(pl.when(pl.lit(hit)).then(pl.lit(bad)).otherwise(pl.lit(cols[fname]))).to_series().alias(fname)
                if table == "service_records":  # a volunteer serving 20 + 20 hours on one day
                    k = len(plan)
                    first, second = pos == k, pos == k + 1
                    for fname in ("volunteer_id", "service_date"):
                        prev = cols[fname].shift(1)
                        cols[fname] = pl.select(pl.when(pl.lit(second)).then(pl.lit(prev)).otherwise(pl.lit(cols[fname]))).to_series().alias(fname)
                    cols["hours"] = pl.select(pl.when(pl.lit(first | second)).then(pl.lit("20")).otherwise(pl.lit(cols["hours"]))).to_series().alias("hours")
            frame = pl.DataFrame([cols[n_] for n_ in names])
            fh.write(frame.write_csv(include_header=False).encode())
            if damage:
                last = frame.row(n - 1)
                cells = ["" if v is None else str(v) for v in last]
                fh.write((",".join(cells[:-3]) + "\n").encode())  # missing cells
                fh.write((",".join(["ZZ" + cells[0][2:]] + cells[1:] + ["extra", "cells"]) + "\n").encode())  # extra cells
                fh.write(("," * (len(names) - 1) + "\n").encode())  # a blank row


def make_package(std, table: str, rows: int, dest: Path) -> Path:
    needed, queue = {table}, [table]
    while queue:
        t = queue.pop()
        for target in _fk_targets(std, t).values():
            if target not in needed:
                needed.add(target)
                queue.append(target)
    # Referenced tables grow with the table (one volunteer per 20 service records, …) so that
    # the generated keys do not pile up on a few rows.
    sizes = {t: max(SIDE_ROWS, rows // 20) for t in needed}
    sizes["localities"] = 1
    sizes[table] = rows
    (dest / "data").mkdir(parents=True, exist_ok=True)
    present = [t for t in std.tables if t in needed]
    resources = []
    for t in present:
        write_table(std, t, sizes[t], dest / "data" / f"{t}.csv", sizes, damage=(t == table))
        resources.append({"name": t, "path": f"data/{t}.csv", "format": "csv", "encoding": "utf-8",
                          "schema": resource_schema(std, t, present)})
    descriptor = {"name": f"bench-{table}-{rows}", "title": "基准测试数据包", "schema_version": std.version,
                  "locality_id": LOCALITY, "locality_name": "邻里社区", "province_code": "33", "period": "2022",
                  "publisher": {"name": "基准测试"}, "licenses": [{"name": "CC-BY-4.0"}], "example": True,
                  "resources": resources}
    (dest / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=1), encoding="utf-8")
    return dest


# ---------------------------------------------------------------- running the tools


def timed(cmd: list[str], out: Path) -> tuple[float, float, int]:
    """(wall seconds, peak MiB, exit code) of `cmd`, its stdout written to `out`."""
    with open(out, "wb") as fh, tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        proc = subprocess.run(["/usr/bin/time", "-o", tf.name, "-f", "%e %M", *cmd], stdout=fh, stderr=subprocess.PIPE)
        wall, kib = tf.read().strip().splitlines()[-1].split()
    return float(wall), int(kib) / 1024, proc.returncode


def jiceng_cmd(pkg: Path, out_json: Path) -> list[str]:
    exe = shutil.which("jiceng", path=str(Path(sys.executable).parent)) or "jiceng"
    return [exe, "validate", str(pkg), "--format", "json", "--max-per-group", "100", "-o", str(out_json)]


def frictionless_cmd(pkg: Path) -> list[str]:
    exe = shutil.which("frictionless", path=str(Path(sys.executable).parent)) or "frictionless"
    return [exe, "validate", str(pkg / "datapackage.json"), "--json", "--limit-errors", "100000000"]


def jiceng_kinds(report: dict) -> Counter:
    sys.path.insert(0, str(REPO / "src"))
    from jiceng.validation.codes import CODES

    out = Counter()
    for g in report["groups"]:
        kind = CODES[g["code"]].frictionless if g["code"] in CODES else None
        if kind:
            out[kind] += g["count"]
    return out


def frictionless_kinds(report: dict) -> Counter:
    out = Counter()
    for task in report.get("tasks", []):
        for e in task.get("errors", []):
            out[e["type"]] += 1
    return out


def run(args) -> None:
    std = current()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="jiceng-bench-"))
    try:
        sizes = [100_000, 1_000_000, 10_000_000] if args.scaling else [args.rows]
        results = []
        for rows in sizes:
            pkg = work / f"{args.table}-{rows}"
            t0 = time.time()
            make_package(std, args.table, rows, pkg)
            csv_path = pkg / "data" / f"{args.table}.csv"
            print(f"generated {rows:,} rows × {len(std.field_names(args.table))} columns of {args.table} "
                  f"({csv_path.stat().st_size / 2**20:.0f} MiB) in {time.time() - t0:.1f} s", flush=True)
            jw, jm, jcode = timed(jiceng_cmd(pkg, work / "jiceng.json"), work / "jiceng.out")
            jreport = json.loads((work / "jiceng.json").read_text(encoding="utf-8"))
            results.append((rows, jw, jm, jcode, jreport))
            print(f"jiceng validate: {jw:.2f} s, peak {jm:.0f} MiB, exit {jcode}, "
                  f"{jreport['counts']['ERROR']:,} errors", flush=True)
        if args.scaling:
            print()
            print(f"{'rows':>12} {'jiceng s':>10} {'peak MiB':>10} {'s per 1M rows':>14}")
            for rows, jw, jm, _, _ in results:
                print(f"{rows:>12,} {jw:>10.2f} {jm:>10.0f} {jw / rows * 1e6:>14.2f}")
            first, last = results[0], results[-1]
            print(f"growth 100k → 10M: rows ×{last[0] / first[0]:.0f}, time ×{last[1] / first[1]:.1f}")
            return
        rows, jw, jm, jcode, jreport = results[0]
        if args.no_frictionless:
            return
        fw, fm, fcode = timed(frictionless_cmd(pkg), work / "frictionless.json")
        freport = json.loads((work / "frictionless.json").read_text(encoding="utf-8"))
        jk, fk = jiceng_kinds(jreport), frictionless_kinds(freport)
        print()
        print(f"{'finding kind':<18} {'jiceng':>10} {'frictionless':>13}")
        for kind in sorted(set(jk) | set(fk)):
            print(f"{kind:<18} {jk[kind]:>10,} {fk[kind]:>13,}{'' if jk[kind] == fk[kind] else '   ← differs'}")
        same = jk == fk
        print(f"same findings: {'yes' if same else 'NO'}; jiceng also reports rules and privacy: "
              + ", ".join(f"{g['code']} {g['count']}" for g in jreport["groups"] if g["code"] not in _structural()))
        print()
        print(f"{'tool':<14} {'rows':>11} {'wall s':>8} {'peak MiB':>9} {'exit':>5}")
        print(f"{'jiceng':<14} {rows:>11,} {jw:>8.2f} {jm:>9.0f} {jcode:>5}")
        print(f"{'frictionless':<14} {rows:>11,} {fw:>8.2f} {fm:>9.0f} {fcode:>5}")
        print(f"ratio: jiceng validate is {fw / jw:.1f}× faster than frictionless validate "
              f"({jw:.2f} s vs {fw:.2f} s; peak {jm:.0f} vs {fm:.0f} MiB; same findings: {'yes' if same else 'no'})")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _structural() -> set:
    from jiceng.validation.codes import CODES

    return {c for c, v in CODES.items() if v.frictionless}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--table", default="service_records")
    parser.add_argument("--scaling", action="store_true", help="jiceng only, at 100k, 1M and 10M rows")
    parser.add_argument("--no-frictionless", action="store_true")
    parser.add_argument("--workdir", help="where to write the package (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated package")
    args = parser.parse_args()
    if args.table not in current().tables:
        parser.error(f"unknown table {args.table}")
    os.environ.setdefault("POLARS_MAX_THREADS", str(os.cpu_count() or 2))
    run(args)


if __name__ == "__main__":
    main()
