"""Findings of a table checked in batches: row numbers shifted by the rows of earlier batches,
and the table's findings merged into the package's collector once the table is done."""
from __future__ import annotations

import polars as pl

from .collect import Collector


class Shifted:
    """A collector as seen by one batch: every row number is shifted by `offset` (the data rows
    of the batches before it), so that findings name the row of the file."""

    def __init__(self, out: Collector, offset: int):
        self.out = out
        self.offset = offset
        self.max_per_group = out.max_per_group

    def add(self, code: str, *args, row: int | None = None, **kwargs) -> None:
        self.out.add(code, *args, row=None if row is None else row + self.offset, **kwargs)

    def add_rows(self, code: str, rows, *args, **kwargs) -> None:
        if isinstance(rows, pl.Series):
            rows = rows + self.offset
        else:
            rows = [r + self.offset for r in rows]
        self.out.add_rows(code, rows, *args, **kwargs)


def merge_into(out: Collector, table_out: Collector) -> None:
    """Add a table's findings to the package's: counts summed, findings listed up to the limit."""
    limit = out.max_per_group
    for key, group in table_out.groups.items():
        mine = out.groups.get(key)
        if mine is None:
            out.groups[key] = group
            continue
        mine.count += group.count
        room = len(group.findings) if limit is None else max(limit - len(mine.findings), 0)
        mine.findings.extend(group.findings[:room])
