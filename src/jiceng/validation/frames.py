"""A package's tables as typed polars frames, for `jiceng.load`: the validator's reader and type
system, so that what `jiceng validate` passes, `jiceng.load` loads with the same values.

With validation the frames are those the validator checked (nothing is parsed twice). Without
it, each resource is read and typed the same way, without the rules and privacy checks; a value
that is not of its field's type is null in `typed` and kept in `raw`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..standard import Standard
from .collect import Collector, Discard
from .reading import InputError, ResourceError, locate, open_package, read_table


class FramesError(Exception):
    """A package or one of its resources cannot be read: (zh, en) messages."""

    def __init__(self, message_zh: str, message_en: str, code: str = ""):
        super().__init__(message_en)
        self.message_zh, self.message_en, self.code = message_zh, message_en, code


@dataclass
class Table:
    name: str
    fields: list[dict]  # the schema's fields, in its order ([] for a table the standard does not define)
    typed: pl.DataFrame  # every field, typed (null where empty, absent or not of the type)
    raw: pl.DataFrame  # every field as text
    present: set  # fields the file has a column for
    extra: pl.DataFrame | None  # the file's other columns, as text, in file order


def package_frames(path: str | Path, std: Standard, validate: bool = True, allow_remote: bool = False):
    """(report or None, descriptor, {table: Table}). With `validate`, the full validation runs
    and its report is returned whatever it says; without, resources that cannot be read raise
    FramesError."""
    try:
        pkg = open_package(path)
    except InputError as exc:
        raise FramesError(exc.message_zh, exc.message_en, exc.code) from None
    try:
        if validate:
            from .core import _validate

            keep: dict = {}
            report = _validate(pkg, std, str(path), allow_remote, Collector(100), keep=keep)
            tables = {name: _table(c) for name, c in keep.items()}
            return report, pkg.descriptor, tables
        return None, pkg.descriptor, _read_all(pkg, std, allow_remote)
    finally:
        pkg.close()


def _table(checked) -> Table:
    present = {f for f in checked.expected if f is not None}
    return Table(checked.name, list(checked.schema.get("fields", [])), checked.typed, checked.raw, present, checked.extra)


def _read_all(pkg, std: Standard, allow_remote: bool) -> dict[str, Table]:
    from .core import csv_dialect, embedded_names
    from .structure import check_resource

    eff = std
    try:
        from ..extensions import effective_standard

        eff, _ = effective_standard(pkg.descriptor, pkg.base, std)
    except Exception:
        eff = std
    resources = pkg.descriptor.get("resources")
    if not isinstance(resources, list):
        raise FramesError("datapackage.json 的 resources 应为列表", "resources in datapackage.json must be a list")
    out: dict[str, Table] = {}
    for res in resources:
        if not isinstance(res, dict) or not isinstance(res.get("name"), str):
            raise FramesError("资源缺少名称", "a resource has no name")
        name = res["name"]
        if name in out:
            continue
        dialect = csv_dialect(res)
        if dialect is None:
            raise FramesError(f"{name}:不支持该 CSV 方言", f"{name}: unsupported CSV dialect", "RESOURCE_FORMAT_UNSUPPORTED")
        try:
            src = locate(pkg, res, allow_remote)
            declared = res.get("encoding") if isinstance(res.get("encoding"), str) else None
            parsed, _ = read_table(src, declared, *dialect)
        except ResourceError as exc:
            raise FramesError(f"{name}:{exc.message_zh}", f"{name}: {exc.message_en}", exc.code) from None
        if name in eff.tables:
            checked = check_resource(name, parsed, eff.table(name), Discard(), eff.codelists,
                                     embedded_names(res.get("schema")))
            out[name] = _table(checked)
        else:  # a table the standard does not define: its columns as text
            labels = parsed.labels or []
            cells = parsed.cells
            cols = [cells.get_column(str(i)).alias(label or f"column{i + 1}") if i < cells.width
                    else pl.Series(label, [None] * cells.height, dtype=pl.String) for i, label in enumerate(labels)]
            frame = pl.DataFrame(cols) if cols else pl.DataFrame()
            out[name] = Table(name, [], frame, frame, set(frame.columns), None)
    return out
