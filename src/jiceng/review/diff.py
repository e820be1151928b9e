"""`jiceng schema diff`: every change between two versions of the standard, each classified.

major: data or code that followed the old version may now fail or mean something else
(a field, table, code of a closed list or indicator removed; a type or constraint narrowed;
a field made required; an indicator's formula, unit or computation changed; a new ERROR rule).
minor: additions and relaxations that keep old data valid (an optional field or table, a code,
a WARNING rule, a deprecation). patch: wording and translations only.
"""
from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..constraints import (LEVEL_ZH, MAJOR, MINOR, PATCH, RANK, TEXT_KEYS, Change, Collector,  # noqa: F401
                           diff_constraints)
from ..standard import Standard
from . import ReviewError


# Properties that only carry words: a change to them is a patch.
# Field properties that change how a CSV cell is read: any change may break old data.
PARSING_KEYS = {"format", "trueValues", "falseValues", "bareNumber", "groupChar", "decimalChar",
                "floatNumber", "missingValues", "arrayItem", "rdfType"}
# Type changes that accept every value the old type accepted.
WIDENINGS = {("integer", "number"), ("year", "integer"), ("year", "number")}
# Codelist columns that only carry words, and those that carry deprecation notes.
CODE_TEXT_COLUMNS = {"zh", "en", "description_zh", "description_en"}
CODE_DEPRECATION_COLUMNS = {"deprecated", "replacement"}
# Files whose content the structured diff reads; any other file is compared byte by byte.
STRUCTURED = {"standard.json", "codelists.json", "indicators.json", "datapackage.profile.json"}
SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


@dataclass
class SchemaDiff:
    old_version: str
    new_version: str
    changes: list[Change] = field(default_factory=list)

    @property
    def required(self) -> str | None:
        """The smallest version bump that covers every change (None when nothing changed)."""
        return max((c.level for c in self.changes), key=RANK.__getitem__, default=None)

    @property
    def declared(self) -> str | None:
        return bump_level(self.old_version, self.new_version)

    @property
    def ok(self) -> bool:
        """True when the version bump is at least as large as the changes require."""
        declared = self.declared
        return declared != "downgrade" and RANK[declared] >= RANK[self.required]

    def counts(self) -> dict[str, int]:
        return {lvl: sum(c.level == lvl for c in self.changes) for lvl in (MAJOR, MINOR, PATCH)}

    def to_dict(self) -> dict:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "required_bump": self.required,
            "declared_bump": self.declared,
            "ok": self.ok,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }

    def to_text(self) -> str:
        lines = [f"标准 / standard {self.old_version} → {self.new_version}"]
        for level in (MAJOR, MINOR, PATCH):
            items = [c for c in self.changes if c.level == level]
            if not items:
                continue
            lines.append("")
            lines.append(f"{level.upper()} ({LEVEL_ZH[level]}) — {len(items)}")
            for c in items:
                lines.append(f"  [{c.kind}] {c.where}: {c.message_zh} / {c.message_en}{_values(c)}")
        lines.append("")
        if not self.changes:
            lines.append("没有变化 / no changes")
        req, dec = self.required, self.declared
        lines.append(f"需要的版本升级 / required bump: {req or 'none'} ({LEVEL_ZH[req]}); "
                     f"声明的版本升级 / declared bump: {dec or 'none'}")
        if not self.ok:
            lines.append(f"✗ 版本号升级不足:变化需要{LEVEL_ZH[req]}升级 / the version bump is too small: "
                         f"the changes need a {req} bump")
        return "\n".join(lines)


def _values(c: Change) -> str:
    """` (old → new)` when both are short enough to read on one line."""
    if c.old is None and c.new is None:
        return ""
    old, new = json.dumps(c.old, ensure_ascii=False), json.dumps(c.new, ensure_ascii=False)
    return f" ({old} → {new})" if len(old) + len(new) <= 100 else ""


# ---------------------------------------------------------------- versions

def parse_version(version: str) -> tuple[int, int, int]:
    m = SEMVER.match(str(version or ""))
    if not m:
        raise ReviewError(f"版本号 {version!r} 不是语义化版本 x.y.z", f"version {version!r} is not semver x.y.z")
    return tuple(int(p) for p in m.groups())  # type: ignore[return-value]


def bump_level(old: str, new: str) -> str | None:
    """major/minor/patch for the step old -> new; None if equal; 'downgrade' if new < old."""
    a, b = parse_version(old), parse_version(new)
    if b == a:
        return None
    if b < a:
        return "downgrade"
    if b[0] > a[0]:
        return MAJOR
    if b[1] > a[1]:
        return MINOR
    return PATCH


def next_version(version: str, level: str) -> str:
    major, minor, patch = parse_version(version)
    if level == MAJOR:
        return f"{major + 1}.0.0"
    if level == MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


# ---------------------------------------------------------------- opening versions of the standard

def open_standard(path: str | Path) -> Standard:
    """A Standard from a folder holding schemas/ (and validators/), or from a schemas folder itself."""
    path = Path(path)
    if (path / "schemas" / "standard.json").is_file():
        return Standard(path)
    if (path / "standard.json").is_file():
        # A bare schemas folder: its rules are in validators/ beside it.
        return Standard(path.parent) if path.name == "schemas" else Standard(path)
    raise ReviewError(f"{path} 中没有 schemas/standard.json", f"no schemas/standard.json in {path}")


def git(repo: Path, *args: str, binary: bool = False) -> str | bytes:
    try:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise ReviewError("找不到 git 命令", "git is not installed") from None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise ReviewError(f"git {' '.join(args)} 失败:{err}", f"git {' '.join(args)} failed: {err}")
    return proc.stdout if binary else proc.stdout.decode("utf-8")


def repo_root(start: Path | None = None) -> Path:
    return Path(str(git(start or Path.cwd(), "rev-parse", "--show-toplevel")).strip())


def checkout_revision(repo: Path, rev: str, dest: Path) -> Path:
    """Write schemas/ and validators/ as they are at git revision `rev` into dest; returns dest."""
    try:
        git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except ReviewError:
        raise ReviewError(f"{rev!r} 既不是文件夹,也不是本仓库的 git 版本",
                          f"{rev!r} is neither a folder nor a git revision of this repository") from None
    listing = str(git(repo, "ls-tree", "-r", "-z", "--name-only", rev, "--", "schemas", "validators"))
    paths = [p for p in listing.split("\0") if p]
    if "schemas/standard.json" not in paths:
        raise ReviewError(f"版本 {rev} 中没有 schemas/standard.json", f"revision {rev} has no schemas/standard.json")
    for p in paths:
        target = dest / p
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(git(repo, "show", f"{rev}:{p}", binary=True))  # type: ignore[arg-type]
    return dest


def resolve(spec: str, workdir: Path, repo: Path | None = None) -> Standard:
    """OLD or NEW of `jiceng schema diff`: an existing folder, else a git revision read into workdir."""
    path = Path(spec)
    if path.is_dir():
        return open_standard(path)
    if repo is None:
        try:
            repo = repo_root()
        except ReviewError:
            raise ReviewError(f"{spec!r} 不是文件夹,而当前目录不在 git 仓库中",
                              f"{spec!r} is not a folder, and the current directory is not in a git repository") from None
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", spec)
    return open_standard(checkout_revision(repo, spec, Path(tempfile.mkdtemp(prefix=f"rev-{safe}-", dir=workdir))))


# ---------------------------------------------------------------- the diff

def diff_standards(old: Standard, new: Standard) -> SchemaDiff:
    out = Collector()
    _diff_info(old, new, out)
    _diff_tables(old, new, out)
    _diff_codelists(old, new, out)
    _diff_indicators(old, new, out)
    _diff_jsonschema("datapackage.profile.json", old.profile, new.profile, out)
    _diff_rules(old, new, out)
    _diff_other_files(old, new, out)
    return SchemaDiff(old.version, new.version, out.changes)


def _diff_info(old: Standard, new: Standard, out: Collector) -> None:
    a = {k: v for k, v in old.info.items() if k != "version"}
    b = {k: v for k, v in new.info.items() if k != "version"}
    if a.get("name") != b.get("name"):
        out.add(MAJOR, "standard-renamed", "standard.json", "标准名称改变", "name of the standard changed",
                a.get("name"), b.get("name"))
    out.props("standard", "standard.json", a, b, {"name"})


# -- tables and fields

def _diff_tables(old: Standard, new: Standard, out: Collector) -> None:
    for t in sorted(set(old.tables) - set(new.tables)):
        out.add(MAJOR, "table-removed", t, f"删除表 {t}", f"table {t} removed")
    for t in sorted(set(new.tables) - set(old.tables)):
        req = [f["name"] for f in new.fields(t) if (f.get("constraints") or {}).get("required")]
        out.add(MINOR, "table-added", t, f"新增表 {t}(可选表)", f"table {t} added (an optional table)", None,
                {"fields": new.field_names(t), "required": req})
    for t in sorted(set(old.tables) & set(new.tables)):
        _diff_table(t, old.tables[t], new.tables[t], old, new, out)


def _diff_table(t: str, a: dict, b: dict, old: Standard, new: Standard, out: Collector) -> None:
    fa = {f["name"]: f for f in a.get("fields", [])}
    fb = {f["name"]: f for f in b.get("fields", [])}
    for name in [n for n in fa if n not in fb]:
        out.add(MAJOR, "field-removed", f"{t}.{name}", f"删除字段 {t}.{name}", f"field {t}.{name} removed")
    for name in [n for n in fb if n not in fa]:
        required = bool((fb[name].get("constraints") or {}).get("required"))
        if required:
            out.add(MAJOR, "field-added-required", f"{t}.{name}", f"新增必填字段 {t}.{name}",
                    f"required field {t}.{name} added", None, fb[name].get("type"))
        else:
            out.add(MINOR, "field-added", f"{t}.{name}", f"新增可选字段 {t}.{name}",
                    f"optional field {t}.{name} added", None, fb[name].get("type"))
    common_a = [n for n in fa if n in fb]
    common_b = [n for n in fb if n in fa]
    if common_a != common_b:
        out.add(MINOR, "fields-reordered", t, "字段顺序改变(CSV列顺序)", "field order changed (CSV column order)",
                common_a, common_b)
    for name in common_a:
        _diff_field(t, fa[name], fb[name], old, new, out)

    if a.get("primaryKey") != b.get("primaryKey"):
        out.add(MAJOR, "primary-key-changed", t, "主键改变", "primary key changed", a.get("primaryKey"), b.get("primaryKey"))
    ka = {json.dumps(fk, sort_keys=True) for fk in a.get("foreignKeys", [])}
    kb = {json.dumps(fk, sort_keys=True) for fk in b.get("foreignKeys", [])}
    for fk in sorted(kb - ka):
        out.add(MAJOR, "foreign-key-added", t, "新增外键(收紧)", "foreign key added (narrows)", None, json.loads(fk))
    for fk in sorted(ka - kb):
        out.add(MINOR, "foreign-key-removed", t, "删除外键(放宽)", "foreign key removed (relaxes)", json.loads(fk), None)
    if a.get("deprecated") != b.get("deprecated"):
        dep = b.get("deprecated")
        if dep:
            out.add(MINOR, "table-deprecated", t, f"表自 {dep.get('since')} 起弃用,替代表:{dep.get('replacement') or '无'}",
                    f"table deprecated since {dep.get('since')}, replacement: {dep.get('replacement') or 'none'}",
                    a.get("deprecated"), dep)
        else:
            out.add(MINOR, "table-undeprecated", t, "取消弃用", "deprecation withdrawn", a.get("deprecated"), None)
    if a.get("missingValues") != b.get("missingValues"):
        out.add(MAJOR, "missing-values-changed", t, "缺失值表示改变", "missingValues changed",
                a.get("missingValues"), b.get("missingValues"))
    out.props("table", t, a, b, {"name", "fields", "primaryKey", "foreignKeys", "missingValues", "deprecated"})


def _derived_enum(f: dict, std: Standard) -> bool:
    """True when the field's enum is just the codes of its codelist (the codelist diff reports changes)."""
    cl = std.codelists.get(f.get("codelist") or "")
    enum = (f.get("constraints") or {}).get("enum")
    return cl is not None and enum is not None and list(enum) == cl.codes


def _diff_field(t: str, a: dict, b: dict, old: Standard, new: Standard, out: Collector) -> None:
    where = f"{t}.{a['name']}"
    ta, tb = a.get("type", "string"), b.get("type", "string")
    if ta != tb:
        widening = (ta, tb) in WIDENINGS or tb in ("string", "any")
        out.add(MINOR if widening else MAJOR, "type-widened" if widening else "type-changed", where,
                f"类型由 {ta} 改为 {tb}" + ("(放宽)" if widening else "(收窄或改变)"),
                f"type {ta} -> {tb}" + (" (widens)" if widening else " (narrows or changes)"), ta, tb)
    for key in sorted(PARSING_KEYS):
        if a.get(key) != b.get(key):
            out.add(MAJOR, "parsing-changed", where, f"读取方式 {key} 改变", f"how cells are read ({key}) changed",
                    a.get(key), b.get(key))
    if a.get("codelist") != b.get("codelist"):
        out.add(MAJOR, "codelist-changed", where, f"代码表由 {a.get('codelist')} 改为 {b.get('codelist')}",
                f"codelist {a.get('codelist')} -> {b.get('codelist')}", a.get("codelist"), b.get("codelist"))
    if a.get("deprecated") != b.get("deprecated"):
        if b.get("deprecated"):
            dep = b["deprecated"]
            out.add(MINOR, "field-deprecated", where,
                    f"字段自 {dep.get('since')} 起弃用,替代字段:{dep.get('replacement') or '无'}",
                    f"field deprecated since {dep.get('since')}, replacement: {dep.get('replacement') or 'none'}",
                    a.get("deprecated"), dep)
        else:
            out.add(MINOR, "field-undeprecated", where, "取消弃用", "deprecation withdrawn", a.get("deprecated"), None)
    if a.get("privacy") != b.get("privacy"):
        out.add(MINOR, "privacy-changed", where, "隐私属性改变", "privacy property changed", a.get("privacy"), b.get("privacy"))
    skip_enum = (a.get("codelist") == b.get("codelist") and _derived_enum(a, old) and _derived_enum(b, new))
    diff_constraints(where, a.get("constraints") or {}, b.get("constraints") or {}, skip_enum, out)
    out.props("field", where, a, b, {"name", "type", "codelist", "deprecated", "privacy", "constraints"} | PARSING_KEYS)


# -- codelists

def _diff_codelists(old: Standard, new: Standard, out: Collector) -> None:
    ra, rb = old.codelist_registry, new.codelist_registry
    for name in sorted(set(ra) - set(rb)):
        out.add(MAJOR, "codelist-removed", f"codelist {name}", f"删除代码表 {name}", f"codelist {name} removed")
    for name in sorted(set(rb) - set(ra)):
        out.add(MINOR, "codelist-added", f"codelist {name}", f"新增代码表 {name}", f"codelist {name} added",
                None, new.codelists[name].codes)
    for name in sorted(set(ra) & set(rb)):
        _diff_codelist(name, old.codelists[name], new.codelists[name], out)


def _diff_codelist(name: str, a, b, out: Collector) -> None:
    where = f"codelist {name}"
    if a.closed != b.closed:
        if b.closed:
            out.add(MAJOR, "codelist-closed", where, "代码表由开放改为封闭", "codelist changed from open to closed", False, True)
        else:
            out.add(MINOR, "codelist-opened", where, "代码表由封闭改为开放", "codelist changed from closed to open", True, False)
    if a.ordered != b.ordered:
        out.add(MAJOR, "codelist-ordering-changed", where, "代码表是否有序改变", "codelist ordered flag changed", a.ordered, b.ordered)
    out.props("codelist", where, a.meta, b.meta, {"closed", "ordered", "path"})

    rows_a = {r["code"]: r for r in a.rows}
    rows_b = {r["code"]: r for r in b.rows}
    for code in [c for c in rows_a if c not in rows_b]:
        if a.closed:
            out.add(MAJOR, "code-removed", f"{where}: {code}", f"从封闭代码表删除代码 {code}",
                    f"code {code} removed from a closed list", code, None)
        else:
            out.add(MINOR, "code-removed-open", f"{where}: {code}", f"从开放代码表删除代码 {code}",
                    f"code {code} removed from an open list", code, None)
    for code in [c for c in rows_b if c not in rows_a]:
        out.add(MINOR, "code-added", f"{where}: {code}", f"新增代码 {code}", f"code {code} added", None, code)

    cols_a = set(a.rows[0]) if a.rows else set()
    cols_b = set(b.rows[0]) if b.rows else set()
    for col in sorted(cols_a - cols_b - CODE_TEXT_COLUMNS - CODE_DEPRECATION_COLUMNS):
        out.add(MAJOR, "codelist-column-removed", where, f"删除列 {col}", f"column {col} removed", col, None)
    for col in sorted(cols_b - cols_a - CODE_TEXT_COLUMNS - CODE_DEPRECATION_COLUMNS):
        out.add(MINOR, "codelist-column-added", where, f"新增列 {col}", f"column {col} added", None, col)

    for code in [c for c in rows_a if c in rows_b]:
        ra_, rb_ = rows_a[code], rows_b[code]
        cwhere = f"{where}: {code}"
        for col in sorted(set(ra_) | set(rb_)):
            x, y = ra_.get(col) or "", rb_.get(col) or ""
            if x == y:
                continue
            if col in CODE_TEXT_COLUMNS:
                out.add(PATCH, "code-text", cwhere, f"{col} 的文字改变", f"wording of {col} changed", x, y)
            elif col in CODE_DEPRECATION_COLUMNS:
                continue  # reported once below
            elif col in cols_a and col in cols_b:
                # Flags such as case_status.solved or response_option.valid feed indicators.
                out.add(MAJOR, "code-attribute-changed", cwhere, f"属性 {col}: {x} → {y}", f"attribute {col}: {x} -> {y}", x, y)

        dep_a = [(ra_.get(k) or "").strip() for k in ("deprecated", "replacement")]
        dep_b = [(rb_.get(k) or "").strip() for k in ("deprecated", "replacement")]
        if dep_a != dep_b:
            if dep_b[0]:
                out.add(MINOR, "code-deprecated", cwhere, f"代码自 {dep_b[0]} 起弃用,替代代码:{dep_b[1] or '无'}",
                        f"code deprecated since {dep_b[0]}, replacement: {dep_b[1] or 'none'}", dep_a, dep_b)
            else:
                out.add(MINOR, "code-undeprecated", cwhere, "取消弃用", "deprecation withdrawn", dep_a, dep_b)

    common_a = [c for c in rows_a if c in rows_b]
    common_b = [c for c in rows_b if c in rows_a]
    if common_a != common_b:
        if a.ordered and b.ordered:
            out.add(MAJOR, "codes-reordered", where, "有序代码表的顺序改变", "order of an ordered list changed", common_a, common_b)
        else:
            out.add(PATCH, "codes-reordered", where, "代码排列顺序改变", "codes listed in another order", common_a, common_b)


# -- indicator catalogue

def _diff_indicators(old: Standard, new: Standard, out: Collector) -> None:
    ia, ib = old.indicator_by_code, new.indicator_by_code
    for code in [c for c in ia if c not in ib]:
        out.add(MAJOR, "indicator-removed", f"indicator {code}", f"删除指标 {code}", f"indicator {code} removed")
    for code in [c for c in ib if c not in ia]:
        out.add(MINOR, "indicator-added", f"indicator {code}", f"新增指标 {code}", f"indicator {code} added",
                None, ib[code].get("formula"))
    for code in [c for c in ia if c in ib]:
        a, b = ia[code], ib[code]
        where = f"indicator {code}"
        if a.get("computation") != b.get("computation"):
            out.add(MAJOR, "indicator-computation-changed", where, "计算方法改变", "computation changed",
                    a.get("computation"), b.get("computation"))
        za, zb = a.get("zh") or {}, b.get("zh") or {}
        if a.get("formula") != b.get("formula") or za.get("formula") != zb.get("formula"):
            out.add(MAJOR, "indicator-formula-changed", where, "指标公式改变", "formula changed",
                    [a.get("formula"), za.get("formula")], [b.get("formula"), zb.get("formula")])
        if a.get("unit") != b.get("unit"):
            out.add(MAJOR, "indicator-unit-changed", where, "单位改变", "unit changed", a.get("unit"), b.get("unit"))
        if a.get("interval") != b.get("interval"):
            out.add(MINOR, "indicator-interval-changed", where, "置信区间方法改变", "interval method changed",
                    a.get("interval"), b.get("interval"))
        a2 = {**a, "zh": {k: v for k, v in za.items() if k != "formula"}}
        b2 = {**b, "zh": {k: v for k, v in zb.items() if k != "formula"}}
        out.props("indicator", where, a2, b2, {"code", "computation", "formula", "unit", "interval"})


# -- package profile (a JSON Schema)

def _diff_jsonschema(where: str, a: Any, b: Any, out: Collector) -> None:
    if not isinstance(a, dict) or not isinstance(b, dict):
        if a != b:
            out.add(MAJOR, "profile-changed", where, "元数据规范改变", "profile changed", a, b)
        return
    ra, rb = a.get("required", []), b.get("required", [])
    for name in [n for n in rb if n not in ra]:
        out.add(MAJOR, "profile-required-added", f"{where}: {name}", f"元数据 {name} 改为必填", f"metadata {name} made required")
    for name in [n for n in ra if n not in rb]:
        out.add(MINOR, "profile-required-removed", f"{where}: {name}", f"元数据 {name} 不再必填", f"metadata {name} no longer required")
    pa, pb = a.get("properties", {}), b.get("properties", {})
    for name in [n for n in pa if n not in pb]:
        out.add(MAJOR, "profile-property-removed", f"{where}: {name}", f"删除元数据属性 {name}", f"metadata property {name} removed")
    for name in [n for n in pb if n not in pa]:
        out.add(MINOR, "profile-property-added", f"{where}: {name}", f"新增元数据属性 {name}", f"metadata property {name} added")
    for name in [n for n in pa if n in pb]:
        _diff_jsonschema(f"{where}: {name}", pa[name], pb[name], out)
    if "items" in a or "items" in b:
        _diff_jsonschema(f"{where}[]", a.get("items"), b.get("items"), out)
    ea, eb = a.get("enum"), b.get("enum")
    if ea != eb and ea is not None and eb is not None:
        gone, added = [v for v in ea if v not in eb], [v for v in eb if v not in ea]
        if gone:
            out.add(MAJOR, "profile-enum-removed", where, f"删除取值 {gone}", f"values removed: {gone}", ea, eb)
        if added:
            out.add(MINOR, "profile-enum-added", where, f"新增取值 {added}", f"values added: {added}", ea, eb)
    elif ea != eb:
        out.add(MAJOR, "profile-changed", where, "enum 约束改变", "enum constraint changed", ea, eb)
    out.props("profile", where, a, b, {"required", "properties", "items", "enum"}, other=MAJOR)


# -- rules in validators/

def load_rules(rules_dir: Path) -> dict[tuple[str, str], dict]:
    """(table, rule code) -> rule, from validators/<table>.yaml files."""
    rules: dict[tuple[str, str], dict] = {}
    if not rules_dir.is_dir():
        return rules
    for path in sorted(list(rules_dir.glob("*.yaml")) + list(rules_dir.glob("*.yml"))):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ReviewError(f"无法读取规则文件 {path.name}:{exc}", f"cannot read rule file {path.name}: {exc}") from None
        if not isinstance(data, dict):
            raise ReviewError(f"规则文件 {path.name} 不是映射", f"rule file {path.name} is not a mapping")
        table = str(data.get("table") or path.stem)
        for rule in data.get("rules") or []:
            if isinstance(rule, dict) and rule.get("code"):
                rules[(table, str(rule["code"]))] = rule
    return rules


def _severity(rule: dict) -> str:
    return str(rule.get("severity", "ERROR")).upper()


def _diff_rules(old: Standard, new: Standard, out: Collector) -> None:
    ra, rb = load_rules(old.rules_dir), load_rules(new.rules_dir)
    for key in [k for k in ra if k not in rb]:
        out.add(MINOR, "rule-removed", f"rule {key[0]}/{key[1]}", f"删除规则({_severity(ra[key])})",
                f"rule removed ({_severity(ra[key])})", _severity(ra[key]), None)
    for key in [k for k in rb if k not in ra]:
        sev = _severity(rb[key])
        level = MAJOR if sev == "ERROR" else MINOR
        out.add(level, "rule-added", f"rule {key[0]}/{key[1]}", f"新增规则({sev})", f"rule added ({sev})", None, sev)
    for key in [k for k in ra if k in rb]:
        a, b = ra[key], rb[key]
        where = f"rule {key[0]}/{key[1]}"
        sa, sb = _severity(a), _severity(b)
        if sa != sb:
            level = MAJOR if sb == "ERROR" else MINOR
            out.add(level, "rule-severity-changed", where, f"严重程度 {sa} → {sb}", f"severity {sa} -> {sb}", sa, sb)
        for key2 in ("kind", "params"):
            if a.get(key2) != b.get(key2):
                level = MAJOR if sb == "ERROR" else MINOR
                out.add(level, "rule-logic-changed", where, f"规则 {key2} 改变", f"rule {key2} changed", a.get(key2), b.get(key2))
        out.props("rule", where, a, b, {"code", "severity", "kind", "params"})


# -- other files (README, migrations, ...): compared byte by byte

def _files(std: Standard) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for base, prefix in ((std.schemas_dir, "schemas"), (std.rules_dir, "validators")):
        if base.is_dir():
            for p in base.rglob("*"):
                # Hidden files (.keep, editor files) are not part of the standard.
                if p.is_file() and "__pycache__" not in p.parts and not any(x.startswith(".") for x in p.relative_to(base).parts):
                    files[f"{prefix}/{p.relative_to(base).as_posix()}"] = p
    return files


def _structured(rel: str, std: Standard) -> bool:
    parts = rel.split("/")
    if parts[0] == "validators":
        return rel.endswith((".yaml", ".yml"))
    inner = "/".join(parts[1:])
    if inner in STRUCTURED or (inner.startswith("tables/") and inner.endswith(".json")):
        return True
    return inner in {m["path"] for m in std.codelist_registry.values()}


def _diff_other_files(old: Standard, new: Standard, out: Collector) -> None:
    fa, fb = _files(old), _files(new)
    for rel in sorted(set(fa) | set(fb)):
        if rel in fa and _structured(rel, old) or rel in fb and _structured(rel, new):
            continue
        if rel not in fb:
            out.add(PATCH, "file-removed", rel, "删除文件", "file removed")
        elif rel not in fa:
            out.add(PATCH, "file-added", rel, "新增文件", "file added")
        elif fa[rel].read_bytes() != fb[rel].read_bytes():
            out.add(PATCH, "file-changed", rel, "文件内容改变", "file changed")


def diff_paths(old: str, new: str, repo: Path | None = None) -> SchemaDiff:
    """Diff two specs (folders or git revisions), reading revisions into a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="jiceng-diff-") as tmp:
        a = resolve(old, Path(tmp), repo)
        b = resolve(new, Path(tmp), repo)
        try:
            return diff_standards(a, b)
        except (OSError, ValueError, KeyError) as exc:
            raise ReviewError(f"无法读取标准:{exc}", f"cannot read a version of the standard: {exc}") from None
