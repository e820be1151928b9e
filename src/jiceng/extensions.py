"""Locality extensions: extra fields or tables a package declares beside the core standard.

A package declares its extensions in datapackage.json:

    "extensions": [{"name": "wansao", "version": "1.0.0", "path": "extensions/wansao",
                    "title": "Wansao council details", "zh": {"title": "湾嫂议事厅扩展"}}]

and keeps the extension's schema files in that folder of the package:

    extensions/wansao/tables/<table>.json    fields added to a core table (only the new fields),
                                             or a whole new table (a complete Table Schema)
    extensions/wansao/codelists.json         optional codelists of the extension, like schemas/codelists.json
    extensions/wansao/codelists/<name>.csv

An extension adds; it never changes the core. Redefining a core field, leaving core fields out
of a restated core table, or relaxing a core constraint is an ERROR and the core definition is
kept. An extension may tighten a core field's constraints by listing only `name` and
`constraints` for it (e.g. make an optional core field required in that locality).

`effective_standard` gives the standard a package is validated and loaded against: the core
plus its extensions, with each extension field and table marked `"extension": <name>`.
"""
from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path

from .findings import Finding
from .constraints import MINOR, Collector, diff_constraints
from .schema_check import PERSONAL_FIELD, SNAKE
from .standard import CATALOGUE_CODELIST, Codelist, Standard

SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


class ExtendedStandard(Standard):
    """The core standard with a package's extensions laid over it, in memory.

    Everything not touched by an extension (version, catalogue, rules) is the core's.
    """

    def __init__(self, core: Standard, tables: dict, codelists: dict, registry: dict, profile: dict,
                 extensions: list[dict]):
        super().__init__(core.root)
        self.core = core
        self.extensions = extensions
        # Fill the cached properties of Standard directly: they are read from these, not from disk.
        self.__dict__.update(tables=tables, codelists=codelists, codelist_registry=registry, profile=profile,
                             info=core.info, catalogue=core.catalogue, indicator_by_code=core.indicator_by_code)

    def extension_fields(self, table: str) -> list[str]:
        return [f["name"] for f in self.fields(table) if f.get("extension")] if table in self.tables else []


def _finding(code: str, severity: str, zh: str, en: str, table: str | None = None, field: str | None = None,
             ext: str | None = None) -> Finding:
    return Finding(code, severity, zh, en, resource=table, field=field, value=ext)


def _read_json(path: Path, ext: str, out: list[Finding]) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        out.append(_finding("EXTENSION_UNREADABLE", "ERROR", f"扩展 {ext} 的文件 {path.name} 无法读取:{exc}",
                            f"extension {ext}: cannot read {path.name}: {exc}", ext=ext))
        return None
    if not isinstance(data, dict):
        out.append(_finding("EXTENSION_UNREADABLE", "ERROR", f"扩展 {ext} 的文件 {path.name} 不是 JSON 对象",
                            f"extension {ext}: {path.name} is not a JSON object", ext=ext))
        return None
    return data


def _declarations(descriptor: dict, package_dir: Path, out: list[Finding]) -> list[tuple[dict, Path]]:
    decls = descriptor.get("extensions")
    if not isinstance(decls, list):
        out.append(_finding("EXTENSION_DECLARATION", "ERROR", "datapackage.json 的 extensions 必须是列表",
                            "extensions in datapackage.json must be a list"))
        return []
    found, names = [], set()
    root = package_dir.resolve()
    for i, d in enumerate(decls):
        name = d.get("name") if isinstance(d, dict) else None
        path = d.get("path") if isinstance(d, dict) else None
        label = name or f"#{i + 1}"
        if not isinstance(name, str) or not SNAKE.match(name) or not isinstance(path, str) or not path:
            out.append(_finding("EXTENSION_DECLARATION", "ERROR",
                                f"扩展声明 {label} 需要 name(英文 snake_case)和 path(包内文件夹)",
                                f"extension declaration {label} needs a name (English snake_case) and a path (a folder in the package)",
                                ext=name if isinstance(name, str) else None))
            continue
        if name in names:
            out.append(_finding("EXTENSION_DECLARATION", "ERROR", f"扩展 {name} 重复声明",
                                f"extension {name} declared twice", ext=name))
            continue
        names.add(name)
        if "version" in d and not SEMVER.match(str(d["version"])):
            out.append(_finding("EXTENSION_DECLARATION", "ERROR", f"扩展 {name} 的版本 {d['version']!r} 不是 x.y.z",
                                f"extension {name}: version {d['version']!r} is not x.y.z", ext=name))
        folder = (package_dir / path).resolve()
        if Path(path).is_absolute() or ".." in Path(path).parts or not folder.is_relative_to(root):
            out.append(_finding("EXTENSION_DECLARATION", "ERROR", f"扩展 {name} 的路径 {path!r} 必须在数据包内",
                                f"extension {name}: path {path!r} must be inside the package", ext=name))
            continue
        if not (folder / "tables").is_dir():
            out.append(_finding("EXTENSION_NOT_FOUND", "ERROR", f"扩展 {name} 的文件夹 {path}/tables 不存在",
                                f"extension {name}: folder {path}/tables not found", ext=name))
            continue
        found.append((d, folder))
    return found


def _bilingual(obj: dict, what_zh: str, what_en: str, table: str, field: str | None, ext: str, out: list[Finding]) -> None:
    zh = obj.get("zh") if isinstance(obj.get("zh"), dict) else {}
    if not (str(obj.get("title") or "").strip() and str(zh.get("title") or "").strip()):
        out.append(_finding("EXTENSION_MISSING_TRANSLATION", "WARNING", f"扩展 {ext} 的{what_zh}缺少中文或英文标题",
                            f"extension {ext}: {what_en} lacks a Chinese or English title", table, field, ext))


def _check_new_field(f: dict, table: str, ext: str, codelists: dict, out: list[Finding]) -> bool:
    name = f.get("name")
    if not isinstance(name, str) or not SNAKE.match(name):
        out.append(_finding("EXTENSION_FIELD_NAME", "ERROR", f"扩展 {ext} 的字段名 {name!r} 不是英文 snake_case",
                            f"extension {ext}: field name {name!r} is not English snake_case", table, str(name), ext))
        return False
    from .privacy import personal_field

    zh_title = (f.get("zh") or {}).get("title") if isinstance(f.get("zh"), dict) else None
    if PERSONAL_FIELD.search(name) or personal_field(name, f.get("title"), zh_title):  # names and titles (经办人姓名)
        out.append(_finding("EXTENSION_PERSONAL_FIELD", "ERROR", f"扩展 {ext} 的字段 {name} 表明会发布个人信息",
                            f"extension {ext}: field {name} implies personal data", table, name, ext))
        return False
    _bilingual(f, f"字段 {table}.{name} ", f"field {table}.{name}", table, name, ext, out)
    cname = f.get("codelist")
    if cname is not None:
        cl = codelists.get(cname)
        enum = (f.get("constraints") or {}).get("enum")
        if cl is None:
            out.append(_finding("EXTENSION_UNKNOWN_CODELIST", "ERROR", f"扩展 {ext} 的字段 {name} 引用不存在的代码表 {cname}",
                                f"extension {ext}: field {name} uses unknown codelist {cname}", table, name, ext))
        elif cl.closed and (enum is None or list(enum) != cl.codes):
            out.append(_finding("EXTENSION_ENUM_MISMATCH", "ERROR", f"扩展 {ext} 的字段 {name} 的 enum 与封闭代码表 {cname} 不一致",
                                f"extension {ext}: enum of field {name} differs from closed codelist {cname}", table, name, ext))
    return True


def _tighten(core_field: dict, entry: dict, table: str, ext: str, out: list[Finding]) -> dict:
    """A core field restated by an extension: only tighter constraints are taken."""
    name = core_field["name"]
    differing = sorted(k for k in entry if k not in ("name", "constraints") and entry[k] != core_field.get(k))
    if differing:
        out.append(_finding("EXTENSION_REDEFINES_FIELD", "ERROR",
                            f"扩展 {ext} 重新定义了核心字段 {table}.{name}({', '.join(differing)});扩展只能新增字段",
                            f"extension {ext} redefines core field {table}.{name} ({', '.join(differing)}); an extension may only add fields",
                            table, name, ext))
        return core_field
    old = core_field.get("constraints") or {}
    new = {**old, **(entry.get("constraints") or {})}
    changes = Collector()
    diff_constraints(f"{table}.{name}", old, new, False, changes)
    # Only provable tightening is taken: a replaced pattern or an unknown constraint may relax.
    relaxed = [c for c in changes.changes if c.level == MINOR or c.kind == "constraint-changed"
               or (c.kind == "constraint-narrowed" and c.message_en.startswith("pattern") and c.old is not None)]
    if relaxed:
        what = "; ".join(c.message_en for c in relaxed)
        out.append(_finding("EXTENSION_RELAXES_CONSTRAINT", "ERROR",
                            f"扩展 {ext} 放宽了核心字段 {table}.{name} 的约束({'; '.join(c.message_zh for c in relaxed)})",
                            f"extension {ext} relaxes a core constraint of {table}.{name} ({what})", table, name, ext))
        return core_field
    if new == old:
        return core_field
    return {**core_field, "constraints": new, "extension_constraints": ext}


def _load_codelists(folder: Path, ext: str, core: Standard, codelists: dict, registry: dict, out: list[Finding]) -> None:
    path = folder / "codelists.json"
    if not path.is_file():
        return
    data = _read_json(path, ext, out)
    for name, meta in ((data or {}).get("codelists") or {}).items():
        if name in core.codelists or name in codelists:
            out.append(_finding("EXTENSION_REDEFINES_CODELIST", "ERROR", f"扩展 {ext} 重新定义了代码表 {name}",
                                f"extension {ext} redefines codelist {name}", ext=ext))
            continue
        csv_path = (folder / str(meta.get("path", ""))).resolve()
        if not csv_path.is_file() or not csv_path.is_relative_to(folder.resolve()):
            out.append(_finding("EXTENSION_NOT_FOUND", "ERROR", f"扩展 {ext} 的代码表文件 {meta.get('path')} 不存在",
                                f"extension {ext}: codelist file {meta.get('path')} not found", ext=ext))
            continue
        with open(csv_path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or "code" not in rows[0]:
            out.append(_finding("EXTENSION_UNREADABLE", "ERROR", f"扩展 {ext} 的代码表 {name} 缺少 code 列或为空",
                                f"extension {ext}: codelist {name} is empty or has no code column", ext=ext))
            continue
        codelists[name] = Codelist(name, {**meta, "extension": ext}, rows)
        registry[name] = {**meta, "extension": ext}


LOCAL_INDICATOR = re.compile(r"^x_[a-z0-9]+_[a-z0-9_]+$")


def local_indicators(descriptor: dict) -> list[dict]:
    """The well-formed local indicators a package declares in datapackage.json (`local_indicators`)."""
    items = descriptor.get("local_indicators") if isinstance(descriptor, dict) else None
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict) and isinstance(i.get("code"), str) and LOCAL_INDICATOR.match(i["code"])]


def _with_local_indicators(descriptor: dict, std: Standard) -> tuple[Standard, list[Finding]]:
    """The standard whose catalogue also holds the package's local indicators (never compared
    across packages: each entry is marked `local: true`)."""
    out: list[Finding] = []
    declared = local_indicators(descriptor)
    if not declared:
        return std, out
    dims = set(std.field_names("indicators")) if "indicators" in std.tables else set()
    catalogue = list(std.catalogue)
    seen: set[str] = set()
    for item in declared:
        code = item["code"]
        if code in seen:
            out.append(_finding("LOCAL_INDICATOR_INVALID", "ERROR", f"本地指标 {code} 重复声明",
                                f"local indicator {code} is declared more than once", "indicators", "indicator_code", code))
            continue
        seen.add(code)
        bad = [d for d in item.get("dimensions") or [] if d not in dims]
        if bad:
            out.append(_finding("LOCAL_INDICATOR_INVALID", "ERROR", f"本地指标 {code} 的维度 {', '.join(map(str, bad))} 不是指标表的列",
                                f"local indicator {code}: dimensions {', '.join(map(str, bad))} are not columns of the indicators table",
                                "indicators", "indicator_code", code))
        zh = item.get("zh") if isinstance(item.get("zh"), dict) else {}
        catalogue.append({"code": code, "title": item.get("title", code), "description": item.get("description", ""),
                          "zh": {"title": zh.get("title", code), "description": zh.get("description", "")},
                          "unit": item.get("unit"), "computation": None, "local": True,
                          "dimensions": [d for d in item.get("dimensions") or [] if d in dims],
                          "numerator": item.get("numerator"), "denominator": item.get("denominator"),
                          "formula": "reported only (local indicator)"})
    local = ExtendedStandard(std, std.tables, dict(std.codelists), std.codelist_registry, std.profile,
                             getattr(std, "extensions", []))
    codelists = dict(std.codelists)
    base = std.codelists.get(CATALOGUE_CODELIST)
    if base is not None:
        rows = list(base.rows) + [{"code": i["code"], "zh": i["zh"]["title"], "en": i["title"],
                                   "description_zh": i["zh"]["description"], "description_en": i["description"]}
                                  for i in catalogue[len(std.catalogue):]]
        codelists[CATALOGUE_CODELIST] = Codelist(CATALOGUE_CODELIST, base.meta, rows)
    local.__dict__.update(catalogue=catalogue, indicator_by_code={i["code"]: i for i in catalogue}, codelists=codelists)
    return local, out


def effective_standard(descriptor: dict, package_dir: Path, std: Standard) -> tuple[Standard, list[Finding]]:
    """The core standard plus the package's declared extensions and local indicators, and findings
    about them."""
    std, local_findings = _with_local_indicators(descriptor, std)
    if not descriptor.get("extensions"):
        return std, local_findings
    package_dir = Path(package_dir)
    out: list[Finding] = []
    tables = copy.deepcopy(std.tables)
    codelists = dict(std.codelists)
    registry = copy.deepcopy(std.codelist_registry)
    new_tables: list[str] = []
    summary: list[dict] = []
    origin: dict[tuple[str, str], str] = {}  # (table, field) -> extension that added it

    for decl, folder in _declarations(descriptor, package_dir, out):
        ext = decl["name"]
        _load_codelists(folder, ext, std, codelists, registry, out)
        info = {k: v for k, v in decl.items()}
        info.update(folder=str(folder), fields={}, tables=[])
        for path in sorted((folder / "tables").glob("*.json")):
            schema = _read_json(path, ext, out)
            if schema is None:
                continue
            table = schema.get("name") or path.stem
            fields = [f for f in schema.get("fields", []) if isinstance(f, dict)]
            if table in std.tables:
                added = _extend_core_table(table, schema, fields, tables[table], std, ext, codelists, origin, out)
                if added:
                    info["fields"][table] = added
            elif table in tables:
                out.append(_finding("EXTENSION_CONFLICT", "ERROR", f"扩展 {ext} 的表 {table} 已由另一个扩展定义",
                                    f"extension {ext}: table {table} is already defined by another extension", table, None, ext))
            else:
                if not SNAKE.match(str(table)) or not fields:
                    out.append(_finding("EXTENSION_TABLE", "ERROR", f"扩展 {ext} 的新表 {table!r} 需要 snake_case 名称和字段",
                                        f"extension {ext}: new table {table!r} needs a snake_case name and fields", str(table), None, ext))
                    continue
                _bilingual(schema, f"表 {table} ", f"table {table}", table, None, ext, out)
                kept = [f for f in fields if _check_new_field(f, table, ext, codelists, out)]
                tables[table] = {**schema, "name": table, "fields": [{**f, "extension": ext} for f in kept],
                                 "extension": ext}
                new_tables.append(table)
                info["tables"].append(table)
        summary.append(info)

    profile = copy.deepcopy(std.profile)
    try:
        enum = profile["properties"]["resources"]["items"]["properties"]["name"]["enum"]
        enum.extend(t for t in new_tables if t not in enum)
    except (KeyError, TypeError):
        pass
    ext = ExtendedStandard(std, tables, codelists, registry, profile, summary)
    ext.__dict__.update(catalogue=std.catalogue, indicator_by_code=std.indicator_by_code)
    return ext, local_findings + out


def _extend_core_table(table: str, schema: dict, fields: list[dict], merged: dict, core: Standard, ext: str,
                       codelists: dict, origin: dict, out: list[Finding]) -> list[str]:
    core_fields = {f["name"]: f for f in core.fields(table)}
    for key in ("primaryKey", "missingValues"):
        if key in schema and schema[key] != core.table(table).get(key):
            code = "EXTENSION_REDEFINES_TABLE" if key == "primaryKey" else "EXTENSION_RELAXES_CONSTRAINT"
            out.append(_finding(code, "ERROR", f"扩展 {ext} 改变了核心表 {table} 的 {key}",
                                f"extension {ext} changes {key} of core table {table}", table, None, ext))
    restated = [f["name"] for f in fields if f.get("name") in core_fields and "type" in f]
    if restated:
        left_out = [n for n in core_fields if n not in {f.get("name") for f in fields}]
        if left_out:
            out.append(_finding("EXTENSION_REMOVES_FIELD", "ERROR",
                                f"扩展 {ext} 重述核心表 {table} 时遗漏了核心字段 {left_out};扩展不能删除核心字段",
                                f"extension {ext} restates core table {table} without core fields {left_out}; an extension cannot remove core fields",
                                table, None, ext))
    added = []
    index = {f["name"]: i for i, f in enumerate(merged["fields"])}
    for f in fields:
        name = f.get("name")
        if name in core_fields:
            merged["fields"][index[name]] = _tighten(merged["fields"][index[name]], f, table, ext, out)
        elif name in index:
            out.append(_finding("EXTENSION_CONFLICT", "ERROR",
                                f"扩展 {ext} 的字段 {table}.{name} 已由扩展 {origin.get((table, name))} 定义",
                                f"extension {ext}: field {table}.{name} is already defined by extension {origin.get((table, name))}",
                                table, name, ext))
        elif _check_new_field(f, table, ext, codelists, out):
            merged["fields"].append({**f, "extension": ext})
            index[name] = len(merged["fields"]) - 1
            origin[(table, name)] = ext
            added.append(name)
    for fk in schema.get("foreignKeys", []):
        if fk not in merged.setdefault("foreignKeys", []):
            merged["foreignKeys"].append(fk)
    return added
