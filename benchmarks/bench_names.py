"""Name detection: precision and recall on the labelled sentences, and speed on a large column.

    python benchmarks/bench_names.py                 # precision / recall on tests/fixtures/privacy/names_labelled.csv
    python benchmarks/bench_names.py --errors        # also list every miss and false alarm
    python benchmarks/bench_names.py --rows 1000000  # also time the column scan on 1M free-text cells

A detected name counts as correct when it overlaps a labelled name of the sentence; every
labelled name not overlapped is a miss. Sentences without names (place and organisation names,
anonymised forms such as 张某 and 李*, public figures, words the tagger mis-tags) only produce
false alarms. The last line prints precision and recall.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
LABELLED = ROOT / "tests" / "fixtures" / "privacy" / "names_labelled.csv"
# Written after the detector was tuned on names_labelled.csv and never tuned on: an honest check.
HELDOUT = ROOT / "tests" / "fixtures" / "privacy" / "names_heldout.csv"


def load(path: Path = LABELLED) -> list[tuple[str, list[str], str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [(r["sentence"], [n for n in r["names"].split("|") if n], r["kind"]) for r in csv.DictReader(fh)]


def score(rows) -> dict:
    from jiceng.privacy.names import find_name_hits

    tp = fp = fn = 0
    errors = []
    by_kind: Counter = Counter()
    for sentence, names, kind in rows:
        gold = []
        for n in names:
            start = sentence.find(n)
            assert start >= 0, (sentence, n)
            gold.append((start, start + len(n)))
        hits = find_name_hits(sentence)
        matched = set()
        for h in hits:
            overlap = [g for g in gold if h.start < g[1] and g[0] < h.end]
            if overlap:
                tp += 1
                matched.update(overlap)
            else:
                fp += 1
                by_kind["fp:" + kind] += 1
                errors.append(("false alarm", sentence, h.name))
        for g in gold:
            if g not in matched:
                fn += 1
                by_kind["fn:" + kind] += 1
                errors.append(("miss", sentence, sentence[g[0]:g[1]]))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"sentences": len(rows), "names": tp + fn, "tp": tp, "fp": fp, "fn": fn, "precision": precision,
            "recall": recall, "errors": errors, "by_kind": by_kind}


def column_speed(n: int, distinct_share: float) -> tuple[float, int, int]:
    """Seconds to scan a free-text column of `n` cells built from the labelled sentences with
    numbers and a share of distinct values, as case titles look."""
    import polars as pl

    from jiceng.privacy import scan_column

    rows = load()
    rng = random.Random(14)
    distinct = max(1, int(n * distinct_share))
    pool = [f"{rng.choice(rows)[0]}(第{i}号事项)" if i % 3 else rng.choice(rows)[0] for i in range(distinct)]
    values = pl.Series("note", [pool[rng.randrange(distinct)] for _ in range(n)], dtype=pl.String)
    t0 = time.perf_counter()
    hits = scan_column(values, free_text=True)
    return time.perf_counter() - t0, values.n_unique(), len(hits)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", action="store_true", help="list misses and false alarms")
    ap.add_argument("--rows", type=int, default=0, help="also time a column scan of this many cells")
    ap.add_argument("--distinct", type=float, default=0.05, help="share of distinct values in that column")
    args = ap.parse_args(argv)
    rows = load()
    t0 = time.perf_counter()
    s = score(rows)
    elapsed = time.perf_counter() - t0
    h = score(load(HELDOUT))
    if args.errors:
        for what, sentence, name in s["errors"] + [(w + " (held out)", x, n) for w, x, n in h["errors"]]:
            print(f"{what:11} {name:6} {sentence}")
        print(dict(s["by_kind"]))
    if args.rows:
        seconds, unique, hit = column_speed(args.rows, args.distinct)
        print(f"column scan: {args.rows:,} cells, {unique:,} distinct, {hit:,} holding names: {seconds:.2f} s")
    print(f"labelled set: {s['sentences']} sentences, {s['names']} names; tp {s['tp']} fp {s['fp']} fn {s['fn']}; "
          f"{elapsed:.2f} s (including loading the tagger)")
    print(f"held-out set: {h['sentences']} sentences, {h['names']} names; tp {h['tp']} fp {h['fp']} fn {h['fn']}; "
          f"precision {h['precision']:.3f} recall {h['recall']:.3f}")
    both = {k: s[k] + h[k] for k in ("tp", "fp", "fn")}
    precision = both["tp"] / (both["tp"] + both["fp"]) if both["tp"] + both["fp"] else 1.0
    recall = both["tp"] / (both["tp"] + both["fn"]) if both["tp"] + both["fn"] else 1.0
    print(f"labelled set: precision {s['precision']:.3f} recall {s['recall']:.3f} · "
          f"all {s['sentences'] + h['sentences']} sentences: precision {precision:.3f} recall {recall:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
