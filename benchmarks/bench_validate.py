"""Benchmark: `jiceng validate` against `frictionless validate` and a bare polars parse.

    python benchmarks/bench_validate.py                    # 1,000,000 service_records rows
    python benchmarks/bench_validate.py --table cases      # a 12-column table
    python benchmarks/bench_validate.py --rows 10000000 --no-frictionless   # 10M rows
    python benchmarks/bench_validate.py --package --rows 1000000            # several large tables, valid keys
    python benchmarks/bench_validate.py --scaling          # jiceng only: 100k, 1M, 10M rows
    python benchmarks/bench_validate.py --load             # also jiceng.load against pandas' pyarrow reader
    python benchmarks/bench_validate.py --small datapackages/zj-hangzhou-linli   # start-up: a small package

The generated package holds the table (N rows) and the tables its foreign keys point to. Values
follow the schema; one row in about every 500 is damaged, cycling through every kind of finding:
type errors, required, pattern, codelist, minimum and maximum, duplicate keys, foreign keys,
missing and extra cells, blank rows, a rule (e.g. more than 24 service hours in a day) and a
mobile number. `--package` writes several large tables whose foreign keys all resolve.

Each command runs in its own process; wall time and peak memory (maximum resident set size)
come from /usr/bin/time. In the same run the benchmark times a bare parse of the same files
(`python -c "import polars; polars.read_csv(...)"` for every file), and compares the structural
findings of both validators finding by finding: (table, kind, row, field). The last line gives
the ratios and the peak memory.
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

from jiceng.package import CSV_DIALECT, resource_schema  # noqa: E402
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
        elif ftype == "date" and not main:
            # referenced rows (volunteers, teams, grids …) began before the records that use
            # them and have not ended: the range checks then see consistent dates
            col = pl.Series(name, ["2021-01-01" if cons.get("required") else None] * n, dtype=pl.String)
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


def write_table(std, table: str, rows: int, path: Path, sizes: dict, damage: bool, main: bool | None = None) -> None:
    """`main`: values vary as in the table under test (default: when damaged); otherwise the
    plain values of a referenced table."""
    names = std.field_names(table)
    plan = damage_plan(std, table) if damage else []
    with open(path, "wb") as fh:
        fh.write((",".join(names) + "\n").encode())
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            cols = columns(std, table, start, n, sizes, main=damage if main is None else main)
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


def make_package(std, table: str, rows: int, dest: Path, damage: bool = True) -> Path:
    needed, queue = {table}, [table]
    while queue:
        t = queue.pop()
        for target in _fk_targets(std, t).values():
            if target not in needed:
                needed.add(target)
                queue.append(target)
    # The tables the main table refers to grow with it (one volunteer per 20 service records, …)
    # so that the generated keys do not pile up on a few rows; the tables they refer to in turn
    # (teams, grids) stay small, so that their members do not each form a group of one.
    direct = set(_fk_targets(std, table).values())
    containers = {t for d in direct - {table} for t in _fk_targets(std, d).values() if t != d}
    sizes = {t: max(SIDE_ROWS, rows // 20) if t in direct - containers else SIDE_ROWS for t in needed}
    sizes["localities"] = 1
    sizes[table] = rows
    (dest / "data").mkdir(parents=True, exist_ok=True)
    present = [t for t in std.tables if t in needed]
    resources = []
    for t in present:
        write_table(std, t, sizes[t], dest / "data" / f"{t}.csv", sizes, damage=damage and t == table, main=t == table)
        resources.append({"name": t, "path": f"data/{t}.csv", "format": "csv", "encoding": "utf-8",
                          "dialect": dict(CSV_DIALECT), "schema": resource_schema(std, t, present)})
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


def jiceng_cmd(pkg: Path, out_json: Path, listed: int = 1000) -> list[str]:
    """As a user runs it: every finding counted, up to `listed` of each kind listed (the default)."""
    exe = shutil.which("jiceng", path=str(Path(sys.executable).parent)) or "jiceng"
    return [exe, "validate", str(pkg), "--format", "json", "--max-per-group", str(listed), "-o", str(out_json)]


def frictionless_cmd(pkg: Path) -> list[str]:
    exe = shutil.which("frictionless", path=str(Path(sys.executable).parent)) or "frictionless"
    return [exe, "validate", str(pkg / "datapackage.json"), "--json", "--limit-errors", "100000000"]


def bare_cmd(pkg: Path) -> list[str]:
    files = sorted(str(p) for p in (pkg / "data").glob("*.csv"))
    # every cell as text, ragged rows kept (as the validator reads them); the run must succeed
    code = "import sys, polars as pl\nfor p in sys.argv[1:]: pl.read_csv(p, infer_schema=False, truncate_ragged_lines=True)"
    return [sys.executable, "-c", code, *files]


def load_cmd(pkg: Path, validate: bool) -> list[str]:
    code = f"import sys, jiceng; jiceng.load(sys.argv[1], validate={validate})"
    return [sys.executable, "-c", code, str(pkg)]


def pandas_cmd(pkg: Path) -> list[str]:
    files = sorted(str(p) for p in (pkg / "data").glob("*.csv"))
    code = "import sys, pandas as pd\nfor p in sys.argv[1:]: pd.read_csv(p, engine='pyarrow', dtype_backend='pyarrow')"
    return [sys.executable, "-c", code, *files]


HEADER = {"blank-header", "extra-label", "missing-label", "blank-label", "duplicate-label", "incorrect-label", "source-error"}
ROW_LEVEL = {"blank-row", "primary-key", "foreign-key", "extra-cell"}


def _key(table, kind, row, field) -> tuple:
    row = None if kind in HEADER else row
    field = None if kind in ROW_LEVEL or kind in ("source-error", "extra-label") else (field or None)
    return (table, kind, row, field)


def jiceng_findings(report: dict) -> Counter:
    """(table, frictionless kind, row, field) of every structural finding jiceng listed. The
    report shows a repeated single-field primary key once (PRIMARY_KEY_DUPLICATE); the
    unique-error that the field's `unique` constraint gives for the same row is counted back."""
    from jiceng.validation.codes import CODES

    std = current()
    out = Counter()
    for f in report["errors"]:
        kind = CODES[f["code"]].frictionless if f["code"] in CODES else None
        if kind:
            out[_key(f["resource"], kind, f["row"], f["field"])] += 1
        if f["code"] == "PRIMARY_KEY_DUPLICATE" and f["field"] and f["resource"] in std.tables:
            fdef = next((x for x in std.fields(f["resource"]) if x["name"] == f["field"]), {})
            if (fdef.get("constraints") or {}).get("unique"):
                out[_key(f["resource"], "unique-error", f["row"], f["field"])] += 1
    return out


def frictionless_findings(report: dict) -> Counter:
    out = Counter()
    for task in report.get("tasks", []):
        for e in task.get("errors", []):
            out[_key(task.get("name"), e["type"], e.get("rowNumber"), e.get("fieldName"))] += 1
    return out


def kinds(findings: Counter) -> Counter:
    out = Counter()
    for (_, kind, _, _), n in findings.items():
        out[kind] += n
    return out


def table_stats(pkg: Path) -> tuple[int, int]:
    rows = size = 0
    for p in (pkg / "data").glob("*.csv"):
        size += p.stat().st_size
        with open(p, "rb") as fh:
            rows += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b"")) - 1
    return rows, size


def make_whole_package(std, rows: int, dest: Path) -> Path:
    """Several large tables with foreign keys that all resolve (no damage)."""
    big = ["cases", "service_records", "volunteers", "grid_staff"]
    needed, queue = set(big), list(big)
    while queue:
        t = queue.pop()
        for target in _fk_targets(std, t).values():
            if target not in needed:
                needed.add(target)
                queue.append(target)
    sizes = {t: max(SIDE_ROWS, rows // 20) for t in needed}
    sizes.update({t: rows for t in big})
    sizes["localities"] = 1
    (dest / "data").mkdir(parents=True, exist_ok=True)
    present = [t for t in std.tables if t in needed]
    resources = []
    for t in present:
        # records vary (codes, dates in the period); people and places keep plain values, dated
        # before every record, so that the package is valid
        write_table(std, t, sizes[t], dest / "data" / f"{t}.csv", sizes, damage=False, main=t in ("cases", "service_records"))
        resources.append({"name": t, "path": f"data/{t}.csv", "format": "csv", "encoding": "utf-8",
                          "dialect": dict(CSV_DIALECT), "schema": resource_schema(std, t, present)})
    descriptor = {"name": f"bench-package-{rows}", "title": "基准测试数据包", "schema_version": std.version,
                  "locality_id": LOCALITY, "locality_name": "邻里社区", "province_code": "33", "period": "2022",
                  "publisher": {"name": "基准测试"}, "licenses": [{"name": "CC-BY-4.0"}], "example": True,
                  "resources": resources}
    (dest / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=1), encoding="utf-8")
    return dest


def run(args) -> None:
    std = current()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="jiceng-bench-"))
    try:
        if args.scaling:
            return scaling(args, std, work)
        pkg = work / ("package" if args.package else args.table)
        t0 = time.time()
        if args.package:
            make_whole_package(std, args.rows, pkg)
        else:
            make_package(std, args.table, args.rows, pkg)
        n_rows, n_bytes = table_stats(pkg)
        what = f"package of {len(list((pkg / 'data').glob('*.csv')))} tables" if args.package else \
            f"{args.rows:,} rows × {len(std.field_names(args.table))} columns of {args.table} (+ the tables it refers to)"
        print(f"generated {what}: {n_rows:,} rows, {n_bytes / 2**20:.0f} MiB, in {time.time() - t0:.1f} s", flush=True)

        bw, bm, bcode = timed(bare_cmd(pkg), work / "bare.out")
        if bcode != 0:
            sys.exit("the bare polars parse failed: no baseline to compare with")
        print(f"bare polars parse (import + read_csv of every file): {bw:.2f} s, peak {bm:.0f} MiB", flush=True)
        jw, jm, jcode = timed(jiceng_cmd(pkg, work / "jiceng.json"), work / "jiceng.out")
        jreport = json.loads((work / "jiceng.json").read_text(encoding="utf-8"))
        print(f"jiceng validate: {jw:.2f} s, peak {jm:.0f} MiB, exit {jcode}, {jreport['counts']['ERROR']:,} errors", flush=True)
        extra = ""
        if args.load:  # on the same tables without damage: pandas' reader stops at a ragged row
            clean = work / "clean"
            if args.package:
                clean = pkg
            else:
                make_package(std, args.table, args.rows, clean, damage=False)
            lw, lm, _ = timed(load_cmd(clean, True), work / "load.out")
            nw, nm, _ = timed(load_cmd(clean, False), work / "load2.out")
            pw, pm, pcode = timed(pandas_cmd(clean), work / "pandas.out")
            if pcode != 0:
                sys.exit("pandas' reader failed: no baseline to compare with")
            print(f"jiceng.load: {lw:.2f} s with validation ({lm:.0f} MiB), {nw:.2f} s without ({nm:.0f} MiB); "
                  f"pandas read_csv(engine='pyarrow'): {pw:.2f} s ({pm:.0f} MiB)", flush=True)
            extra = f"; load {nw / pw:.1f}× pandas' pyarrow read without validation, {lw / pw:.1f}× with"
        if args.no_frictionless:
            print(f"ratio: jiceng validate {jw:.2f} s = {jw / bw:.1f}× a bare polars parse ({bw:.2f} s) of "
                  f"{n_rows:,} rows; peak RSS jiceng {jm:.0f} MiB, bare parse {bm:.0f} MiB{extra}")
            return
        fw, fm, fcode = timed(frictionless_cmd(pkg), work / "frictionless.json")
        freport = json.loads((work / "frictionless.json").read_text(encoding="utf-8"))
        mine, theirs = jiceng_findings(jreport), frictionless_findings(freport)
        structural = _structural()
        cut = [(g["code"], g["resource"], g["field"]) for g in jreport["groups"]
               if g["code"] in structural and g["listed"] < g["count"]]
        if cut:  # a structural kind listed only in part: compare in full from a second, untimed run
            timed(jiceng_cmd(pkg, work / "jiceng-all.json", 0), work / "jiceng-all.out")
            mine = jiceng_findings(json.loads((work / "jiceng-all.json").read_text(encoding="utf-8")))
        jk, fk = kinds(mine), kinds(theirs)
        print()
        print(f"{'finding kind':<18} {'jiceng':>10} {'frictionless':>13} {'same rows and fields':>21}")
        for kind in sorted(set(jk) | set(fk)):
            a = Counter({k: n for k, n in mine.items() if k[1] == kind})
            b = Counter({k: n for k, n in theirs.items() if k[1] == kind})
            print(f"{kind:<18} {jk[kind]:>10,} {fk[kind]:>13,} {'yes' if a == b else 'NO':>21}")
        same = mine == theirs
        if not same:
            only_mine, only_theirs = mine - theirs, theirs - mine
            print(f"only jiceng ({sum(only_mine.values())}): {list(only_mine)[:5]}")
            print(f"only frictionless ({sum(only_theirs.values())}): {list(only_theirs)[:5]}")
        others = ", ".join(f"{g['code']} {g['count']}" for g in jreport["groups"] if g["code"] not in _structural())
        print(f"jiceng also reports (rules, privacy, notes): {others}")
        print()
        print(f"{'tool':<14} {'wall s':>8} {'peak MiB':>9} {'exit':>5}")
        print(f"{'bare parse':<14} {bw:>8.2f} {bm:>9.0f} {'':>5}")
        print(f"{'jiceng':<14} {jw:>8.2f} {jm:>9.0f} {jcode:>5}")
        print(f"{'frictionless':<14} {fw:>8.2f} {fm:>9.0f} {fcode:>5}")
        print(f"ratio: jiceng validate is {fw / jw:.1f}× faster than frictionless validate and {jw / bw:.1f}× a bare polars "
              f"parse ({jw:.2f} s vs {fw:.2f} s vs {bw:.2f} s, {n_rows:,} rows); peak RSS jiceng {jm:.0f} MiB, "
              f"frictionless {fm:.0f} MiB, bare parse {bm:.0f} MiB; same findings row by row: "
              f"{'yes' if same else 'NO'} ({sum(mine.values()):,} vs {sum(theirs.values()):,}){extra}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def scaling(args, std, work: Path) -> None:
    results = []
    for rows in (100_000, 1_000_000, 10_000_000):
        pkg = work / f"{args.table}-{rows}"
        make_package(std, args.table, rows, pkg)
        jw, jm, _ = timed(jiceng_cmd(pkg, work / "jiceng.json", 100), work / "jiceng.out")
        bw, bm, bcode = timed(bare_cmd(pkg), work / "bare.out")
        if bcode != 0:
            sys.exit("the bare polars parse failed: no baseline to compare with")
        results.append((rows, jw, jm, bw))
        print(f"{rows:>12,} rows: jiceng {jw:.2f} s, peak {jm:.0f} MiB; bare parse {bw:.2f} s", flush=True)
        shutil.rmtree(pkg, ignore_errors=True)
    print()
    print(f"{'rows':>12} {'jiceng s':>10} {'peak MiB':>10} {'s per 1M rows':>14} {'bare s':>8}")
    for rows, jw, jm, bw in results:
        print(f"{rows:>12,} {jw:>10.2f} {jm:>10.0f} {jw / rows * 1e6:>14.2f} {bw:>8.2f}")
    (r1, j1, _, _), (r2, j2, m2, b2) = results[1], results[-1]
    per = [jw / rows * 1e6 for rows, jw, _, _ in results[1:]]
    print(f"ratio: 1M → 10M rows ×{r2 / r1:.0f}, time ×{j2 / j1:.1f} (per million rows {per[0]:.2f} s → {per[-1]:.2f} s, "
          f"{(per[-1] / per[0] - 1) * 100:+.0f} %); at 10M jiceng = {j2 / b2:.1f}× a bare parse; peak RSS at 10M {m2:.0f} MiB")


def small(args) -> None:
    """A small package (an example locality's): `jiceng validate` against `python -c "import
    polars"` plus a bare parse of its files, the median of a few runs each."""
    import statistics

    pkg = Path(args.small)
    work = Path(tempfile.mkdtemp(prefix="jiceng-bench-"))
    try:
        runs = {"jiceng": [], "bare": []}
        for _ in range(args.repeat):
            runs["bare"].append(timed(bare_cmd(pkg), work / "bare.out")[0])
            runs["jiceng"].append(timed(jiceng_cmd(pkg, work / "jiceng.json"), work / "jiceng.out")[0])
        j, b = statistics.median(runs["jiceng"]), statistics.median(runs["bare"])
        rows, size = table_stats(pkg)
        print(f"{pkg.name}: {rows:,} rows, {size / 2**20:.1f} MiB; runs jiceng {runs['jiceng']}, bare {runs['bare']}")
        print(f"ratio: jiceng validate {j:.2f} s = {j / b:.1f}× `import polars` + a bare parse ({b:.2f} s), "
              f"median of {args.repeat} runs each")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _structural() -> set:
    from jiceng.validation.codes import CODES

    return {c for c, v in CODES.items() if v.frictionless}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--table", default="service_records")
    parser.add_argument("--scaling", action="store_true", help="jiceng only, at 100k, 1M and 10M rows")
    parser.add_argument("--package", action="store_true", help="several large tables with valid foreign keys")
    parser.add_argument("--load", action="store_true", help="also time jiceng.load and pandas' pyarrow reader")
    parser.add_argument("--no-frictionless", action="store_true")
    parser.add_argument("--workdir", help="where to write the package (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated package")
    parser.add_argument("--small", metavar="PACKAGE", help="time a small package instead (e.g. datapackages/zj-hangzhou-linli)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command with --small (median)")
    args = parser.parse_args()
    if args.small:
        return small(args)
    if args.table not in current().tables:
        parser.error(f"unknown table {args.table}")
    os.environ.setdefault("POLARS_MAX_THREADS", str(os.cpu_count() or 2))
    run(args)


if __name__ == "__main__":
    main()
