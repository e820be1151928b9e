"""Running the registry and many-package indicators on dask.distributed.

`cluster(scheduler=None, workers=None)` gives a `distributed.Client`: to an existing scheduler
when an address is given (a province's cluster on Kubernetes, YARN, SLURM/PBS: see
docs/registry.md), else to a LocalCluster of worker processes on this machine. Each package is
one task; the raw records of a package are read, validated and turned into indicators on the
worker that holds the task, and only small results (report summary, indicator rows, coverage)
travel back. Combined figures per indicator and locality level are reduced on the workers as a
tree of partial sums, so the client receives one small table however many packages there are.
"""
from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path
from typing import Callable, Iterable, Iterator


@contextlib.contextmanager
def cluster(scheduler: str | None = None, workers: int | None = None, threads: int = 1,
            memory_limit: str | None = None) -> Iterator:
    """A Dask client: to `scheduler` (e.g. tcp://10.0.0.5:8786), else a LocalCluster of `workers` processes."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        # an address (tcp://host:8786), or a scheduler file written by `dask scheduler --scheduler-file`
        client = Client(scheduler_file=scheduler) if Path(scheduler).is_file() else Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    workers = workers or max(1, min(os.cpu_count() or 1, 8))
    # workers run jiceng's own pandas/polars code: one thread each, no nested thread pools
    env = {"POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with dask.config.set({"distributed.worker.daemon": False, "distributed.admin.tick.limit": "60s",
                          "distributed.nanny.pre-spawn-environ": env}):
        lc = LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True, dashboard_address=":0",
                          memory_limit=memory_limit or "auto", silence_logs=40)
        client = Client(lc)
        try:
            yield client
        finally:
            client.close()
            lc.close()


def run_many(fn: Callable, items: list, *args, client=None) -> list:
    """fn(item, *args) for every item: on the cluster when a client is given, else in a loop here. Order kept."""
    if client is None:
        return [fn(item, *args) for item in items]
    futures = client.map(fn, items, *[[a] * len(items) for a in args], pure=False)
    return client.gather(futures)


# --------------------------------------------------------------------------- combined indicators

def summarise(rows: list[dict], levels: dict[str, str]) -> dict:
    """Partial sums of one package's indicator rows: (code, level, origin) -> statistics."""
    out: dict = {}
    for r in rows:
        value = r.get("value")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        key = (r["indicator_code"], levels.get(r.get("locality_id") or "", "") or "", r.get("origin") or "")
        s = out.setdefault(key, {"n": 0, "sum": 0.0, "sumsq": 0.0, "min": math.inf, "max": -math.inf,
                                 "numerator": 0.0, "denominator": 0.0, "pooled_n": 0})
        s["n"] += 1
        s["sum"] += value
        s["sumsq"] += value * value
        s["min"], s["max"] = min(s["min"], value), max(s["max"], value)
        num, den = r.get("numerator"), r.get("denominator")
        if num is not None and den is not None and not (math.isnan(num) or math.isnan(den)) and den > 0:
            s["numerator"] += num
            s["denominator"] += den
            s["pooled_n"] += 1
    return out


def combine(parts: list[dict]) -> dict:
    out: dict = {}
    for part in parts:
        for key, s in part.items():
            t = out.get(key)
            if t is None:
                out[key] = dict(s)
                continue
            t["n"] += s["n"]
            t["sum"] += s["sum"]
            t["sumsq"] += s["sumsq"]
            t["min"], t["max"] = min(t["min"], s["min"]), max(t["max"], s["max"])
            t["numerator"] += s["numerator"]
            t["denominator"] += s["denominator"]
            t["pooled_n"] += s["pooled_n"]
    return out


def _summarise_result(result: dict) -> dict:
    return summarise(result.get("indicators") or [], result.get("levels") or {})


def _summarise_frame(df, path: str | None = None) -> dict:
    """Partial sums of one package's indicator table, by the locality level of each row (from its localities table)."""
    levels = {}
    if path is not None:
        import json

        from .check import _levels

        folder = Path(path)
        try:
            levels = _levels(folder, json.loads((folder / "datapackage.json").read_text(encoding="utf-8-sig")))
        except (OSError, ValueError):
            levels = {}
    return summarise(df.to_dict("records"), levels)


def tree_reduce(client, parts: list, fanin: int = 16):
    """Combine partial results on the workers, `fanin` at a time, until one is left (a future)."""
    while len(parts) > 1:
        parts = [client.submit(combine, parts[i:i + fanin], pure=False) for i in range(0, len(parts), fanin)]
    return parts[0]


def combined_table(sums: dict, scales: dict[str, float] | None = None) -> list[dict]:
    """Rows per (indicator, level, origin): packages with a value, mean, min, max, pooled rate."""
    rows = []
    for (code, level, origin), s in sorted(sums.items()):
        mean = s["sum"] / s["n"] if s["n"] else math.nan
        var = (s["sumsq"] / s["n"] - mean * mean) if s["n"] else math.nan
        pooled = math.nan
        if s["denominator"] > 0 and scales and code in scales:
            pooled = s["numerator"] / s["denominator"] * scales[code]
        rows.append({"indicator_code": code, "level": level, "origin": origin, "n": s["n"], "mean": mean,
                     "sd": math.sqrt(max(var, 0.0)) if s["n"] else math.nan, "min": s["min"], "max": s["max"],
                     "pooled": pooled, "pooled_n": s["pooled_n"]})
    return rows


# --------------------------------------------------------------------------- many-package indicators

def _package_indicators(path: str, validate: bool, standard_root: str | None, lang: str):
    import jiceng
    from ..standard import Standard

    std = Standard(standard_root) if standard_root else None
    return jiceng.indicators(jiceng.load(path, validate=validate, standard=std), lang=lang)


def _stack(frames: list):
    import pandas as pd

    from ..indicators import COLUMNS

    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    for c in ("value", "numerator", "denominator", "n_valid", "ci_low", "ci_high"):
        df[c] = df[c].astype("float64")
    return df


def indicators_many(paths: Iterable, *, client=None, validate: bool = True, standard=None, lang: str = "zh",
                    with_summary: bool = False):
    """`jiceng.indicators(jiceng.load_many(paths))`, one task per package on a Dask cluster.

    Gives the same table as the sequential call. With `with_summary`, also the combined
    statistics per indicator, reduced on the workers (see `combined_table`).
    """
    from ..load import _expand

    folders = [str(p) for p in _expand(list(paths) if not isinstance(paths, (str, Path)) else paths)]
    root = str(standard.root) if standard is not None and hasattr(standard, "root") else (str(standard) if standard else None)
    if client is None:
        frames = [_package_indicators(f, validate, root, lang) for f in folders]
        table = _stack(frames)
        if with_summary:
            return table, combine([_summarise_frame(f, p) for f, p in zip(frames, folders)])
        return table
    futures = client.map(_package_indicators, folders, [validate] * len(folders), [root] * len(folders),
                         [lang] * len(folders), pure=False)
    summary = None
    if with_summary:
        summary = tree_reduce(client, client.map(_summarise_frame, futures, folders, pure=False)).result()
    table = _stack(client.gather(futures))
    return (table, summary) if with_summary else table
