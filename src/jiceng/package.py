"""Writing data packages: CSV resources plus a datapackage.json whose schemas come from schemas/."""
from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Iterable, Mapping

from .standard import Standard, current


# The CSV dialect every resource written here declares, so that no tool has to guess it (frictionless
# would otherwise guess `;` or `|` from free text that holds them). Table Schema / Data Package v1 keys.
CSV_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True}


def resource_schema(std: Standard, table: str, present: Iterable[str], columns: Iterable[str] | None = None) -> dict:
    """The table's schema as embedded in a package: the standard's field definitions, restricted
    to `columns` (the file's columns, in the file's order) when given.

    Foreign keys to tables the package does not carry, or over columns the file lacks, are left
    out, so that plain `frictionless validate` does not fail on a reference it cannot resolve.
    """
    schema = copy.deepcopy(std.table(table))
    if columns is not None:
        by_name = {f["name"]: f for f in schema.get("fields", [])}
        columns = list(columns)
        unknown = [c for c in columns if c not in by_name]
        if unknown:
            raise ValueError(f"{table}: columns not in the schema: {unknown}")
        schema["fields"] = [by_name[c] for c in columns]
    names = {f["name"] for f in schema.get("fields", [])}
    present = set(present)
    fks = [fk for fk in schema.get("foreignKeys", [])
           if (fk["reference"].get("resource") or table) in present
           and all(f in names for f in ([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]))]
    if fks:
        schema["foreignKeys"] = fks
    else:
        schema.pop("foreignKeys", None)
    return schema


def resource_descriptor(std: Standard, table: str, present: Iterable[str], columns: Iterable[str] | None = None,
                        path: str | None = None) -> dict:
    """The datapackage.json entry of one CSV resource: path, format, encoding, an explicit CSV
    dialect and the standard's schema restricted to the file's columns (see resource_schema)."""
    return {
        "name": table,
        "path": path or f"data/{table}.csv",
        "format": "csv",
        "encoding": "utf-8",
        "mediatype": "text/csv",
        "dialect": dict(CSV_DIALECT),
        "schema": resource_schema(std, table, present, columns),
    }


def written_columns(std: Standard, table: str, rows: list[Mapping], omit_empty_optional: bool = False) -> list[str]:
    """The columns write_package writes for a table: every field in the schema's order, or, with
    `omit_empty_optional`, without the optional fields that are empty in every row."""
    names = std.field_names(table)
    if not omit_empty_optional:
        return names
    required = {f["name"] for f in std.fields(table) if (f.get("constraints") or {}).get("required")}
    return [n for n in names if n in required or any(_cell(r.get(n)) != "" for r in rows)]


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
    *,
    omit_empty_optional: bool = False,
) -> Path:
    """Write `tables` (table name -> list of row dicts) as CSV files and a datapackage.json.

    Columns follow the schema's field order; a row key that is not a field is an error, so
    nothing is silently dropped. With `omit_empty_optional`, optional columns that are empty in
    every row are left out (the standard allows an optional column to be absent). Each resource
    declares its CSV dialect and embeds the standard's schema restricted to the written columns.
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
        rows = tables[table]
        all_names = set(std.field_names(table))
        for row in rows:
            extra = set(row) - all_names
            if extra:
                raise ValueError(f"{table}: columns not in the schema: {sorted(extra)}")
        names = written_columns(std, table, rows, omit_empty_optional)
        path = folder / "data" / f"{table}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(names)
            for row in rows:
                writer.writerow([_cell(row.get(n)) for n in names])
        resources.append(resource_descriptor(std, table, present, names, f"data/{table}.csv"))
    descriptor = {**metadata, "schema_version": metadata.get("schema_version", std.version), "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder
