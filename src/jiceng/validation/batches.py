"""A table checked in batches: the next batch read while the current one is checked, row
numbers shifted by the rows of earlier batches, and the table's findings merged into the
package's collector once the table is done."""
from __future__ import annotations

import queue
import threading
from typing import Iterator

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


def prefetched(batches: Iterator, depth: int = 1) -> Iterator:
    """The items of `batches`, the next one read in a thread while the caller works on the
    current one: polars parses without holding Python's lock, so reading batch k+1 overlaps the
    checks of batch k. An exception of the reader is raised to the caller at the item where it
    happened; a caller that stops early stops the reader."""
    done = object()
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            _read()
        finally:
            close = getattr(batches, "close", None)  # e.g. the file a generator holds open
            if close is not None:
                close()

    def _read() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        items.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put((done, None))
        except BaseException as exc:  # handed to the caller
            items.put((done, exc))

    thread = threading.Thread(target=read, name="jiceng-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = items.get()
            if item is done:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a reader blocked on a full queue see the stop
            try:
                items.get_nowait()
            except queue.Empty:
                pass
            thread.join(timeout=0.05)
