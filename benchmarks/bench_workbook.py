"""Workbook speed: `jiceng import` against python-calamine's own read of the same workbook, and
`jiceng export` against plain openpyxl write-only mode writing the same cells, side by side.

    python benchmarks/bench_workbook.py [--rows 100000] [--table cases]

A package with one table of N generated rows is exported to a workbook, then imported back.
Each step runs in its own process, so that the peak memory (max RSS) is the step's own. The
ratios are printed last: import ÷ calamine read, export ÷ openpyxl write-only.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

LOC = "330102003001"


def make_package(folder: Path, table: str, rows: int) -> None:
    from jiceng.package import write_package
    from jiceng.standard import current

    std = current()
    rng = random.Random(7)
    statuses = std.codelist(next(f["codelist"] for f in std.fields("cases") if f["name"] == "status")).codes
    categories = std.codelist(next(f["codelist"] for f in std.fields("cases") if f["name"] == "category")).codes
    sources = std.codelist(next(f["codelist"] for f in std.fields("cases") if f["name"] == "source")).codes
    levels = std.codelist(next(f["codelist"] for f in std.fields("cases") if f["name"] == "handling_level")).codes
    data = []
    for i in range(rows):
        day = 1 + i % 28
        data.append({
            "case_id": f"C{i:07d}", "locality_id": LOC, "reported_date": f"2023-{1 + i % 12:02d}-{day:02d}",
            "category": rng.choice(categories), "source": rng.choice(sources), "handling_level": rng.choice(levels),
            "status": rng.choice(statuses), "hours_to_close": str(rng.randint(1, 400)),
            "resident_rating": str(rng.randint(1, 5)),
        })
    meta = {"name": "bench", "title": "基准", "locality_id": LOC, "province_code": "33", "period": "2023",
            "publisher": {"name": "基准"}, "licenses": [{"name": "CC-BY-4.0"}]}
    write_package(folder, meta, {"localities": [{"locality_id": LOC, "name": "基准社区", "level": "community"}],
                                 table: data}, std)


WARM = """
from jiceng.findings import Finding
from jiceng.publish import export_package, import_path
Finding("x", "INFO", "说明", "note")  # whatever the first finding loads lazily is loaded now
"""


def run(label: str, code: str, setup: str = "") -> dict:
    """Run `code` in a fresh Python after `setup` (imports); the wall time of `code` alone, the
    whole process's wall time, and its peak memory."""
    wrapper = textwrap.dedent(f"""
        import json, resource, time
        start = time.perf_counter()
        {textwrap.indent(textwrap.dedent(setup), '        ').strip()}
        t0 = time.perf_counter()
        {textwrap.indent(textwrap.dedent(code), '        ').strip()}
        t1 = time.perf_counter()
        print(json.dumps({{"seconds": t1 - t0, "process": t1 - start,
                           "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
    """)
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{label} failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["label"] = label
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--table", default="cases")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="jiceng-bench-") as d:
        d = Path(d)
        t0 = time.perf_counter()
        make_package(d / "pkg", args.table, args.rows)
        print(f"package of {args.rows:,} rows of {args.table} generated in {time.perf_counter() - t0:.1f} s", flush=True)
        book = d / "export.xlsx"
        export = run("jiceng export", f"""
            from jiceng.publish import export_package
            export_package({str(d / 'pkg')!r}, {str(book)!r})
        """, WARM)
        plain = run("openpyxl write-only", f"""
            import csv
            from openpyxl import Workbook
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("data")
            with open({str(d / 'pkg' / 'data' / (args.table + '.csv'))!r}, encoding="utf-8") as fh:
                for row in csv.reader(fh):
                    ws.append(row)
            wb.save({str(d / 'plain.xlsx')!r})
        """)
        calamine = run("python-calamine read", f"""
            from python_calamine import CalamineWorkbook
            wb = CalamineWorkbook.from_path({str(book)!r})
            rows = [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]
        """)
        imported = run("jiceng import (no validation)", f"""
            from jiceng.publish import import_path
            r = import_path({str(book)!r}, {str(d / 'back')!r}, validate=False)
            assert not r.refused and r.rows[{args.table!r}] == {args.rows}, r.findings
        """, WARM)
        validated = run("jiceng import (with validation)", f"""
            from jiceng.publish import import_path
            r = import_path({str(book)!r}, {str(d / 'back2')!r})
            assert not r.refused and r.rows[{args.table!r}] == {args.rows}
        """, WARM)
    print()
    print(f"{'step':34} {'seconds':>9} {'process s':>10} {'peak MiB':>9}")
    for r in (export, plain, calamine, imported, validated):
        print(f"{r['label']:34} {r['seconds']:9.2f} {r['process']:10.2f} {r['peak_mib']:9.0f}")
    print("(seconds: the step itself, modules already imported; process: the whole fresh process)")
    print()
    print(f"export ÷ openpyxl write-only: {export['seconds'] / plain['seconds']:.2f}×")
    print(f"import ÷ calamine read: {imported['seconds'] / calamine['seconds']:.2f}× "
          f"(whole process {imported['process'] / calamine['process']:.2f}×; with validation "
          f"{validated['seconds'] / calamine['seconds']:.2f}×); import peak {imported['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
