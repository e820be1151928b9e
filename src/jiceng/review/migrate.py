"""`jiceng migrate`: upgrade a data package across versions of the standard.

Migrations are data, stored with the schemas: schemas/migrations/<from>__<to>.yaml, e.g.

    from: 0.9.0
    to: 1.0.0
    description: {zh: 议事会议增加形式字段, en: meetings gain a mode}
    steps:
      - {op: rename_table, from: issues, to: cases}
      - {op: rename_field, table: cases, from: origin, to: source}
      - {op: map_codes, table: cases, field: source, map: {phone: hotline}}
      - {op: map_codes, codelist: case_source, map: {phone: hotline}}   # every field using the list
      - {op: split_field, table: grids, field: valid_period, into: [valid_from, valid_to], separator: "/"}
      - {op: merge_fields, table: localities, fields: [note_a, note_b], into: note, separator: "; "}
      - {op: add_default, table: meetings, field: mode, value: offline}  # fills empty cells only
      - {op: drop_field, table: meetings, field: legacy_flag}            # values lost are counted

`migrate_package` finds the chain of migrations from the package's schema_version to the
target, applies every step to the rows, reports each change (table, field, rows affected) and
writes a new package with write_package. The input is never modified unless asked.
"""
from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from ..extensions import effective_standard
from ..package import write_package
from ..standard import Standard
from . import ReviewError
from .diff import parse_version

OPS = {
    "rename_table": ("from", "to"),
    "rename_field": ("table", "from", "to"),
    "map_codes": ("map",),
    "split_field": ("table", "field", "into"),
    "merge_fields": ("table", "fields", "into"),
    "add_default": ("table", "field", "value"),
    "drop_field": ("table", "field"),
}


class MigrationError(ReviewError):
    pass


@dataclass
class Change:
    step: str  # "0.9.0→1.0.0"
    op: str
    table: str | None
    field: str | None
    rows: int
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = ".".join(x for x in (self.table, self.field) if x)
        return f"[{self.step}] {self.op} {where}: {self.message_zh} / {self.message_en}"


@dataclass
class MigrationResult:
    source: Path
    output: Path
    from_version: str
    to_version: str
    chain: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"source": str(self.source), "output": str(self.output), "from_version": self.from_version,
                "to_version": self.to_version, "chain": self.chain, "changes": [asdict(c) for c in self.changes]}


# ---------------------------------------------------------------- migration files

def load_migration(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MigrationError(f"无法读取迁移文件 {path.name}:{exc}", f"cannot read migration {path.name}: {exc}") from None
    if not isinstance(data, dict):
        raise MigrationError(f"迁移文件 {path.name} 不是映射", f"migration {path.name} is not a mapping")
    stem_from, _, stem_to = path.stem.partition("__")
    if str(data.get("from")) != stem_from or str(data.get("to")) != stem_to:
        raise MigrationError(f"迁移文件 {path.name} 的 from/to 与文件名不一致",
                             f"migration {path.name}: from/to differ from the file name")
    steps = data.get("steps") or []
    if not isinstance(steps, list):
        raise MigrationError(f"迁移文件 {path.name} 的 steps 必须是列表", f"migration {path.name}: steps must be a list")
    for i, step in enumerate(steps, start=1):
        op = step.get("op") if isinstance(step, dict) else None
        if op not in OPS:
            raise MigrationError(f"迁移文件 {path.name} 第 {i} 步:未知操作 {op!r}(可用:{', '.join(OPS)})",
                                 f"migration {path.name} step {i}: unknown op {op!r} (known: {', '.join(OPS)})")
        missing = [k for k in OPS[op] if k not in step]
        if op == "map_codes" and not (("table" in step and "field" in step) or "codelist" in step):
            missing.append("table+field | codelist")
        if missing:
            raise MigrationError(f"迁移文件 {path.name} 第 {i} 步 {op} 缺少 {missing}",
                                 f"migration {path.name} step {i} ({op}) lacks {missing}")
    return data


def migrations(migrations_dir: Path) -> dict[str, list[str]]:
    """from-version -> [to-versions] of the migration files in the folder."""
    graph: dict[str, list[str]] = {}
    for path in sorted(migrations_dir.glob("*__*.yaml")) if migrations_dir.is_dir() else []:
        a, _, b = path.stem.partition("__")
        graph.setdefault(a, []).append(b)
    return graph


def find_chain(migrations_dir: Path, from_version: str, to_version: str) -> list[Path]:
    """The shortest chain of migration files leading from one version to another.

    Within one major version every step is compatible, so moving up inside a major needs no file
    (an implicit step with nothing to do); crossing a major needs a migration file."""
    graph = migrations(migrations_dir)
    versions = {from_version, to_version, *graph, *(w for ws in graph.values() for w in ws)}

    def implicit(v: str) -> list[str]:
        try:
            pv = parse_version(v)
            if pv[0] == 0:  # before 1.0.0 any step may break (semantic versioning)
                return []
            return [w for w in versions if parse_version(w)[0] == pv[0] and parse_version(w) > pv]
        except ReviewError:
            return []

    previous: dict[str, str | None] = {from_version: None}
    queue = deque([from_version])
    while queue:
        v = queue.popleft()
        if v == to_version:
            break
        for w in graph.get(v, []) + sorted(implicit(v), key=parse_version):
            if w not in previous:
                previous[w] = v
                queue.append(w)
    if to_version not in previous:
        known = ", ".join(f"{a}→{b}" for a, bs in graph.items() for b in bs) or "无 none"
        raise MigrationError(f"没有从 {from_version} 到 {to_version} 的迁移(已有:{known})",
                             f"no migration path from {from_version} to {to_version} (available: {known})")
    chain, v = [], to_version
    while previous[v] is not None:
        path = migrations_dir / f"{previous[v]}__{v}.yaml"
        if v in graph.get(previous[v], []):  # an implicit step within a major has no file
            chain.append(path)
        v = previous[v]  # type: ignore[assignment]
    return chain[::-1]


# ---------------------------------------------------------------- the package as rows

@dataclass
class _Table:
    columns: list[str]
    rows: list[dict]


def read_package(package_dir: Path) -> tuple[dict, dict[str, _Table]]:
    path = package_dir / "datapackage.json"
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MigrationError(f"无法读取 {path}:{exc}", f"cannot read {path}: {exc}") from None
    tables: dict[str, _Table] = {}
    for res in descriptor.get("resources", []):
        name, rel = res.get("name"), res.get("path")
        if not name or not isinstance(rel, str):
            raise MigrationError(f"{path} 中有资源缺少 name 或 path", f"a resource in {path} lacks a name or path")
        encoding = res.get("encoding") or "utf-8"
        try:
            with open(package_dir / rel, encoding="utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding,
                      newline="") as fh:
                reader = csv.DictReader(fh)
                rows = [dict(r) for r in reader]
                columns = list(reader.fieldnames or [])
        except (OSError, UnicodeDecodeError, LookupError) as exc:
            raise MigrationError(f"无法读取资源 {name}({rel}):{exc}", f"cannot read resource {name} ({rel}): {exc}") from None
        tables[name] = _Table(columns, rows)
    return descriptor, tables


# ---------------------------------------------------------------- steps

def _empty(value) -> bool:
    return value is None or str(value) == ""


def _apply(step: dict, tables: dict[str, _Table], label: str, std: Standard) -> list[Change]:
    op = step["op"]

    def change(table, field, rows, zh, en):
        return Change(label, op, table, field, rows, zh, en)

    def absent(table, field=None):
        what = f"{table}.{field}" if field else table
        return [change(table, field, 0, f"数据包中没有 {what},跳过", f"{what} not in the package, skipped")]

    if op == "rename_table":
        a, b = step["from"], step["to"]
        if a not in tables:
            return absent(a)
        if b in tables:
            raise MigrationError(f"{label}: 表 {b} 已存在,不能把 {a} 改名为 {b}", f"{label}: table {b} exists; cannot rename {a}")
        tables[b] = tables.pop(a)
        return [change(a, None, len(tables[b].rows), f"表改名为 {b}", f"table renamed to {b}")]

    table = step.get("table")
    if op == "map_codes" and "codelist" in step:
        targets = [(t, f["name"]) for t in tables if t in std.tables for f in std.fields(t)
                   if f.get("codelist") == step["codelist"]]
    else:
        targets = [(table, step.get("field"))]
    if op == "map_codes":
        mapping = {str(k): str(v) for k, v in (step["map"] or {}).items()}
        out = []
        for t, f in targets:
            if t not in tables or f not in tables[t].columns:
                out += absent(t, f) if "codelist" not in step else []
                continue
            n = 0
            for row in tables[t].rows:
                if row.get(f) in mapping:
                    row[f] = mapping[row[f]]
                    n += 1
            pairs = ", ".join(f"{k}→{v}" for k, v in mapping.items())
            out.append(change(t, f, n, f"代码替换 {pairs}", f"codes mapped {pairs}"))
        return out

    if table not in tables:
        return absent(table)
    tab = tables[table]

    if op == "rename_field":
        a, b = step["from"], step["to"]
        if a not in tab.columns:
            return absent(table, a)
        if b in tab.columns:
            raise MigrationError(f"{label}: {table} 已有字段 {b}", f"{label}: {table} already has a field {b}")
        tab.columns[tab.columns.index(a)] = b
        for row in tab.rows:
            row[b] = row.pop(a, None)
        return [change(table, a, len(tab.rows), f"字段改名为 {b}", f"field renamed to {b}")]

    if op == "add_default":
        f, value = step["field"], "" if step["value"] is None else str(step["value"])
        if f not in tab.columns:
            tab.columns.append(f)
        n = 0
        for row in tab.rows:
            if _empty(row.get(f)):
                row[f] = value
                n += 1
        return [change(table, f, n, f"空值填为默认值 {value!r}", f"empty cells set to the default {value!r}")]

    if op == "split_field":
        f, into, sep = step["field"], list(step["into"]), str(step.get("separator", " "))
        if f not in tab.columns:
            return absent(table, f)
        keep = bool(step.get("keep"))
        n, too_many = 0, 0
        for row in tab.rows:
            value = row.get(f) or ""
            parts = value.split(sep, len(into) - 1) if value else []
            if len(value.split(sep)) > len(into):
                too_many += 1  # the rest stays in the last part: nothing is lost
            parts += [""] * (len(into) - len(parts))
            for name, part in zip(into, parts):
                row[name] = part.strip()
            if value:
                n += 1
            if not keep and f not in into:
                row.pop(f, None)
        pos = tab.columns.index(f)
        new_cols = [c for c in into if c not in tab.columns]
        tab.columns[pos:pos + 1] = ([f] if keep or f in into else []) + new_cols
        note_zh = f";{too_many} 行分隔符多于字段数,余下部分留在 {into[-1]}" if too_many else ""
        note_en = f"; {too_many} rows had extra separators, kept in {into[-1]}" if too_many else ""
        return [change(table, f, n, f"拆分为 {into}{note_zh}", f"split into {into}{note_en}")]

    if op == "merge_fields":
        sources, into, sep = list(step["fields"]), step["into"], str(step.get("separator", " "))
        present = [c for c in sources if c in tab.columns]
        if not present:
            return absent(table, "+".join(sources))
        keep = bool(step.get("keep"))
        n = 0
        for row in tab.rows:
            values = [row.get(c) or "" for c in present]
            merged = sep.join(v for v in values if v)
            if any(values):
                n += 1
            if not keep:
                for c in present:
                    if c != into:
                        row.pop(c, None)
            row[into] = merged
        pos = tab.columns.index(present[0])
        tab.columns = [c for c in tab.columns if keep or c not in present or c == into]
        if into not in tab.columns:
            tab.columns.insert(min(pos, len(tab.columns)), into)
        return [change(table, into, n, f"由 {present} 合并", f"merged from {present}")]

    if op == "drop_field":
        f = step["field"]
        if f not in tab.columns:
            return absent(table, f)
        lost = sum(not _empty(row.get(f)) for row in tab.rows)
        tab.columns.remove(f)
        for row in tab.rows:
            row.pop(f, None)
        return [change(table, f, lost, f"删除字段,{lost} 行的值不再保留", f"field dropped; values of {lost} rows removed")]
    raise MigrationError(f"未知操作 {op}", f"unknown op {op}")  # load_migration already refuses these


# ---------------------------------------------------------------- the command

def migrate_package(package: str | Path, std: Standard, to_version: str | None = None,
                    out: str | Path | None = None, in_place: bool = False) -> MigrationResult:
    """Migrate `package` to `to_version` (default: the version of `std`) and write the result."""
    package = Path(package)
    if not (package / "datapackage.json").is_file():
        raise MigrationError(f"{package} 中没有 datapackage.json", f"no datapackage.json in {package}")
    target = to_version or std.version
    parse_version(target)
    if target != std.version:
        raise MigrationError(f"所用标准的版本是 {std.version},不是 {target};请用 --schemas 指定 {target} 版的 schemas/",
                             f"the schemas in use are version {std.version}, not {target}; pass --schemas with the {target} schemas")
    if in_place and out is not None:
        raise MigrationError("--in-place 与 -o 只能选一个", "use either --in-place or -o, not both")
    if not in_place and out is None:
        raise MigrationError("请用 -o 指定输出文件夹(或用 --in-place 覆盖原数据包)",
                             "give an output folder with -o (or --in-place to overwrite the package)")
    output = package if in_place else Path(out)  # type: ignore[arg-type]
    if not in_place and output.exists() and any(output.iterdir()):
        raise MigrationError(f"输出文件夹 {output} 已存在且不为空", f"output folder {output} exists and is not empty")

    descriptor, tables = read_package(package)
    source = str(descriptor.get("schema_version") or "")
    parse_version(source)
    if parse_version(source) > parse_version(target):
        raise MigrationError(f"数据包版本 {source} 高于目标版本 {target},不支持降级",
                             f"the package follows {source}, above the target {target}; downgrades are not supported")
    result = MigrationResult(package, output, source, target)
    if source != target:
        for path in find_chain(std.schemas_dir / "migrations", source, target):
            spec = load_migration(path)
            label = f"{spec['from']}→{spec['to']}"
            result.chain.append(label)
            for step in spec.get("steps") or []:
                result.changes.extend(_apply(step, tables, label, std))

    with tempfile.TemporaryDirectory(prefix="jiceng-migrate-") as tmp:
        staged = Path(tmp) / "package"
        # Everything that is not a resource (README, extensions/, ...) travels with the package.
        old_files = {(package / r["path"]).resolve() for r in descriptor.get("resources", [])}
        shutil.copytree(package, staged, ignore=lambda d, names: [n for n in names if (Path(d) / n).resolve() in old_files])
        metadata = {k: v for k, v in descriptor.items() if k != "resources"}
        metadata["schema_version"] = target
        effective, findings = effective_standard(metadata, staged, std)
        errors = [f for f in findings if f.severity == "ERROR"]
        if errors:
            raise MigrationError("扩展有错误:" + ";".join(f.message_zh for f in errors),
                                 "the package's extensions have errors: " + "; ".join(f.message_en for f in errors))
        problems_zh, problems_en = [], []
        for name, tab in tables.items():
            if name not in effective.tables:
                problems_zh.append(f"表 {name} 不在 {target} 版中")
                problems_en.append(f"table {name} is not in {target}")
                continue
            extra = [c for c in tab.columns if c not in effective.field_names(name)]
            if extra:
                problems_zh.append(f"{name} 的列 {extra} 不在 {target} 版中")
                problems_en.append(f"columns {extra} of {name} are not in {target}")
        if problems_zh:
            raise MigrationError("迁移后仍有无法放入新版本的数据(需要迁移步骤,数据不会被丢弃):" + ";".join(problems_zh),
                                 "after migration some data has no place in the new version (a migration step is needed; "
                                 "nothing is dropped silently): " + "; ".join(problems_en))
        write_package(staged, metadata, {n: t.rows for n, t in tables.items()}, std=effective)
        if in_place:
            for f in old_files:
                if f.is_file():
                    f.unlink()
            shutil.copytree(staged, output, dirs_exist_ok=True)
        else:
            shutil.copytree(staged, output, dirs_exist_ok=True)
    return result
