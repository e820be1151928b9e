"""Registry at scale: N generated locality packages checked by a sequential loop, by Dask with 1 worker
and by Dask with 2 workers, in one run.

    python benchmarks/bench_registry.py [--packages 1000] [--template datapackages/gs-dingxi-zhangxian]
                                        [--workers 1,2] [--keep DIR]

Each package is the template (a few thousand rows) with its own name and locality, some rows of
its two largest leaf tables left out so that sizes differ; unchanged files are hard links, so generating a
thousand packages takes seconds. Every path runs the registry's own per-package task
(`jiceng.registry.check_entry`: validate, coverage, indicators, seal) and reduces the combined
indicator sums; the Dask runs exclude the cluster's start-up, printed separately. Wall-clock and CPU
time are both printed (the CPU time of the workers does not depend on other load on the machine,
so the paper estimate uses it). The closing lines
give the scaling, the per-package overhead of Dask, a calculation for 600,000 localities, and last
the ratio of the sequential loop to the largest cluster.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def generate(template: Path, out: Path, n: int, seed: int = 7) -> list[Path]:
    """n packages from the template, each with its own name and locality id and a share of rows dropped."""
    import jiceng
    from jiceng.review.migrate import migrate_package

    std = jiceng.current()
    descriptor = json.loads((template / "datapackage.json").read_text(encoding="utf-8"))
    if descriptor.get("schema_version") != std.version:  # migrate the template once, not each copy
        migrated = out / "_template"
        migrate_package(template, std, out=migrated)
        template, descriptor = migrated, json.loads((migrated / "datapackage.json").read_text(encoding="utf-8"))
    loc = descriptor["locality_id"]
    files = {r["name"]: r["path"] for r in descriptor["resources"]}
    texts = {name: (template / rel).read_text(encoding="utf-8") for name, rel in files.items()}
    # the two largest tables that no other table refers to get trimmed (foreign keys stay whole)
    referenced = {fk["reference"].get("resource") for t in std.tables.values() for fk in t.get("foreignKeys", [])}
    sizes = sorted((n_ for n_ in files if n_ not in referenced), key=lambda n_: -len(texts[n_]))[:2]
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        pkg = out / f"loc-{i:06d}"
        (pkg / "data").mkdir(parents=True)
        new_loc = f"{loc}{i:06d}"  # still under its parent locality
        d = dict(descriptor, name=f"loc-{i:06d}", locality_id=new_loc, locality_name=f"生成村{i} generated village {i}")
        (pkg / "datapackage.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
        for name, rel in files.items():
            target = pkg / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            text = texts[name]
            if loc in text or name in sizes:
                text = text.replace(loc, new_loc)
                if name in sizes:
                    lines = text.splitlines(keepends=True)
                    keep = rng.uniform(0.6, 1.0)
                    body = [ln for ln in lines[1:] if rng.random() < keep]
                    text = lines[0] + "".join(body)
                target.write_text(text, encoding="utf-8")
            else:
                os.link(template / rel, target)
        paths.append(pkg)
    return paths


def _same_indicators(a: list[dict], b: list[dict]) -> bool:
    rows = lambda results: sorted(json.dumps(r["indicators"], sort_keys=True, default=str) for r in results)  # noqa: E731
    return rows(a) == rows(b)


def _close(x: dict, y: dict) -> bool:
    """Combined sums equal up to the rounding of a different order of addition (the tree reduction)."""
    import math

    if x.keys() != y.keys():
        return False
    return all(math.isclose(x[k][f], y[k][f], rel_tol=1e-9, abs_tol=1e-9) for k in x for f in x[k])


def _explain(a: list[dict], b: list[dict], sa: dict, sb: dict) -> None:
    """Print the first differences between two runs."""
    import math

    by_id = {r["id"]: r for r in b}
    shown = 0
    for x in a:
        y = by_id.get(x["id"], {})
        for k in x:
            if k != "seconds" and json.dumps(x[k], sort_keys=True, default=str) != json.dumps(y.get(k), sort_keys=True, default=str):
                print(f"  differs: {x['id']} {k}: {str(x[k])[:200]} | {str(y.get(k))[:200]}", flush=True)
                shown += 1
                if shown >= 5:
                    return
    for key in set(sa) | set(sb):
        if key not in sa or key not in sb:
            print(f"  combined sums: {key} only in one run", flush=True)
        elif not all(math.isclose(sa[key][f], sb[key][f], rel_tol=1e-9, abs_tol=1e-9) for f in sa[key]):
            print(f"  combined sums differ: {key}: {sa[key]} | {sb[key]}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--packages", type=int, default=1000)
    ap.add_argument("--template", type=Path, default=REPO / "datapackages" / "gs-dingxi-zhangxian")
    ap.add_argument("--workers", default="1,2", help="cluster sizes to measure, e.g. 1,2")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = ap.parse_args()

    import jiceng
    from jiceng.registry.build import check_all
    from jiceng.registry.catalogue import entries_from_paths
    from jiceng.registry.check import options
    from jiceng.registry.cluster import cluster

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-registry-"))
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    paths = generate(args.template, work / "packages", args.packages)
    gen = time.perf_counter() - t
    rows = sum(1 for p in (paths[0] / "data").glob("*.csv") for _ in open(p, encoding="utf-8")) - len(list((paths[0] / "data").glob("*.csv")))
    print(f"generated {len(paths)} packages from {args.template.name} in {gen:.1f} s "
          f"(first package: {rows} rows; unchanged files hard-linked)", flush=True)
    entries = entries_from_paths(paths)
    std = jiceng.current()
    opts = options(standard_root=str(std.root), report_html=False, today="2026-01-01")

    results, cpu = {}, {}
    t, c = time.perf_counter(), time.process_time()
    seq, seq_sums = check_all(entries, opts)
    results["sequential"], cpu["sequential"] = time.perf_counter() - t, time.process_time() - c
    print(f"sequential loop: {results['sequential']:.1f} s ({results['sequential'] / len(paths) * 1000:.0f} ms per package; "
          f"CPU {cpu['sequential'] / len(paths) * 1000:.0f} ms per package)", flush=True)
    statuses = {s: sum(r["status"] == s for r in seq) for s in ("valid", "needs-migration", "invalid", "unreadable")}
    print(f"  statuses: {statuses}", flush=True)
    reference = sorted((r["id"], r["status"], json.dumps(r["report"]["counts"] if r["report"] else None)) for r in seq)

    sizes = [int(x) for x in args.workers.split(",") if x.strip()]
    for w in sizes:
        t0 = time.perf_counter()
        with cluster(workers=w) as client:
            client.wait_for_workers(w)
            client.run(lambda: __import__("jiceng.validation") and None)  # import jiceng on every worker first
            start = time.perf_counter() - t0
            before = client.run(time.process_time)
            t = time.perf_counter()
            got, sums = check_all(entries, opts, client)
            results[f"{w} worker"] = time.perf_counter() - t
            after = client.run(time.process_time)
            cpu[f"{w} worker"] = sum(after[k] - before[k] for k in after)
        same = sorted((r["id"], r["status"], json.dumps(r["report"]["counts"] if r["report"] else None)) for r in got) == reference
        same = same and _same_indicators(seq, got) and _close(sums, seq_sums)
        if not same:
            _explain(seq, got, seq_sums, sums)
        print(f"dask, {w} worker{'s' if w > 1 else ''}: {results[f'{w} worker']:.1f} s "
              f"({results[f'{w} worker'] / len(paths) * 1000:.0f} ms per package; workers' CPU "
              f"{cpu[f'{w} worker'] / len(paths) * 1000:.0f} ms per package; cluster start-up {start:.1f} s; "
              f"same results as the loop: {'yes' if same else 'NO'})", flush=True)

    n = len(paths)
    one = results.get("1 worker")
    last = f"{sizes[-1]} worker" if sizes else "sequential"
    if one:
        overhead = (one - results["sequential"]) / n * 1000
        print(f"per-package overhead of Dask (1 worker − loop): {overhead:+.1f} ms per package wall clock, "
              f"{(cpu['1 worker'] - cpu['sequential']) / n * 1000:+.1f} ms CPU", flush=True)
        for w in sizes[1:]:
            speedup = one / results[f"{w} worker"]
            print(f"scaling 1 → {w} workers: {speedup:.2f}× ({speedup / w * 100:.0f} % parallel efficiency)", flush=True)
    per_pkg = cpu[last] / n  # CPU seconds per package, unaffected by other load on the machine
    print(f"on paper, 600,000 localities at {per_pkg:.2f} CPU-seconds each (measured) = "
          f"{600_000 * per_pkg / 3600:,.0f} core-hours:", flush=True)
    for nodes, cores in ((1, 32), (10, 32), (50, 32), (100, 32)):
        hours = 600_000 * per_pkg / (nodes * cores * 0.9) / 3600
        print(f"  {nodes:>3} nodes × {cores} cores (90 % efficiency): {hours:,.1f} h", flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"ratio sequential / dask {sizes[-1] if sizes else 0} workers: {results['sequential'] / results[last]:.2f}×")


if __name__ == "__main__":
    main()
