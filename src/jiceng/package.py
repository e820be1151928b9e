"""Writing data packages: CSV resources plus a datapackage.json whose schemas come from schemas/."""
from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Iterable, Mapping

from .standard import Standard, current


def resource_schema(std: Standard, table: str, present: Iterable[str]) -> dict:
    """The table's schema as embedded in a package.

    Foreign keys to tables the package does not carry are left out, so that plain
    `frictionless validate` does not fail on a reference it cannot resolve.
    """
    schema = copy.deepcopy(std.table(table))
    present = set(present)
    fks = [fk for fk in schema.get("foreignKeys", []) if (fk["reference"].get("resource") or table) in present]
    if fks:
        schema["foreignKeys"] = fks
    else:
        schema.pop("foreignKeys", None)
    return schema


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def write_package(
    folder: str | Path,
    metadata: Mapping,
    tables: Mapping[str, list[Mapping]],
    std: Standard | None = None,
) -> Path:
    """Write `tables` (table name -> list of row dicts) as CSV files and a datapackage.json.

    Columns follow the schema's field order; a row key that is not a field is an error, so
    nothing is silently dropped.
    """
    std = std or current()
    folder = Path(folder)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    present = [t for t in std.tables if t in tables]
    unknown = set(tables) - set(std.tables)
    if unknown:
        raise ValueError(f"unknown tables: {sorted(unknown)}")
    resources = []
    for table in present:
        names = std.field_names(table)
        rows = tables[table]
        for row in rows:
            extra = set(row) - set(names)
            if extra:
                raise ValueError(f"{table}: columns not in the schema: {sorted(extra)}")
        path = folder / "data" / f"{table}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(names)
            for row in rows:
                writer.writerow([_cell(row.get(n)) for n in names])
        resources.append({
            "name": table,
            "path": f"data/{table}.csv",
            "format": "csv",
            "encoding": "utf-8",
            "mediatype": "text/csv",
            "schema": resource_schema(std, table, present),
        })
    descriptor = {**metadata, "schema_version": metadata.get("schema_version", std.version), "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder
