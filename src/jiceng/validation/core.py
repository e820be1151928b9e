"""`jiceng.validate(path)`: every check on a package in one run, all findings reported."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import polars as pl

from ..standard import Standard, current
from .collect import Collector
from .metadata import check_metadata
from .privacy import FIELD_CODE, WHAT, find_personal, free_text_fields, personal_field, scan_columns
from .batches import Shifted, merge_into, prefetched
from .needs import needed_columns
from .reading import (InputError, NotStreamable, OpenedPackage, ResourceError, locate, open_package, read_table,
                      same_encoding, stream_csv, streamable)
from .report import Report, fatal_report
from .structure import (Checked, check_foreign_key, check_resource, check_rows, check_unique_and_primary_key, combine,
                        polars_pattern, resource_header, rows_of)

DEBUG = os.environ.get("JICENG_DEBUG") == "1"


def validate(path: str | Path, *, standard: Standard | None = None, allow_remote: bool = False,
             max_per_group: int | None = 1000, privacy_k: int | None = None) -> Report:
    """Validate a package folder, a datapackage.json or a zip of a package.

    `standard`: the standard to validate against (default: the installed one); `allow_remote`:
    fetch resources whose path is an http(s) URL; `max_per_group`: findings listed per kind
    (code, table, field), counts stay exact (None: list all); `privacy_k`: the k of the
    k-anonymity check (default: validators/privacy/quasi_identifiers.yaml, 3).
    """
    std = standard or current()
    try:
        version = std.version
        std.tables, std.codelists, std.profile  # noqa: B018 - read now: a broken standard is one clear error
    except Exception as exc:
        if DEBUG:
            raise
        return fatal_report(str(path), "STANDARD_UNREADABLE", f"无法读取标准({type(exc).__name__}:{exc})",
                            f"the standard cannot be read ({type(exc).__name__}: {exc})", None)
    try:
        pkg = open_package(path)
    except InputError as exc:
        return fatal_report(str(path), exc.code, exc.message_zh, exc.message_en, version)
    try:
        return _validate(pkg, std, str(path), allow_remote, Collector(max_per_group), privacy_k)
    except InputError as exc:
        return fatal_report(str(path), exc.code, exc.message_zh, exc.message_en, version)
    finally:
        pkg.close()


def _validate(pkg: OpenedPackage, std: Standard, path: str, allow_remote: bool, out: Collector,
              privacy_k: int | None = None, keep: dict | None = None) -> Report:
    """`keep`: filled with the checked resources (typed frames) for jiceng.load."""
    descriptor = pkg.descriptor
    out.extend(pkg.findings)
    eff = std
    try:
        from ..extensions import effective_standard

        eff, ext_findings = effective_standard(descriptor, pkg.base, std)
        out.extend(ext_findings)
    except Exception as exc:
        if DEBUG:
            raise
        out.add("EXTENSION_ERROR", f"无法应用数据包扩展:{type(exc).__name__}", f"cannot apply the package's extensions: {type(exc).__name__}")
        eff = std
    check_metadata(descriptor, eff, out)

    resources = descriptor.get("resources") if isinstance(descriptor.get("resources"), list) else []
    checked: dict[str, Checked] = {}
    encodings: dict[str, str] = {}
    order: list[str] = []
    seen: set[str] = set()
    for i, res in enumerate(resources):
        if not isinstance(res, dict) or not isinstance(res.get("name"), str):
            continue  # reported by the metadata check
        name = res["name"]
        order.append(name)
        if name not in eff.tables:
            out.add("RESOURCE_UNKNOWN_TABLE", f"资源 {name} 不是标准中的表", f"resource {name} is not a table of the standard",
                    resource=name, field=f"resources[{i}].name", value=name)
            continue
        if name in seen:
            out.add("RESOURCE_DUPLICATE", f"表 {name} 出现多次,只检查第一个", f"table {name} appears more than once; only the first is checked",
                    resource=name)
            continue
        seen.add(name)
        try:
            result = _check_one(pkg, res, name, eff, out, allow_remote, encodings, slim=keep is None, earlier=checked)
        except (InputError, MemoryError):
            raise
        except Exception as exc:
            if DEBUG:
                raise
            out.add("CHECK_FAILED", f"检查 {name} 时出错:{type(exc).__name__}", f"checking {name} failed: {type(exc).__name__}", resource=name)
            result = None
        if result is not None:
            checked[name] = result

    from .structure import check_foreign_keys

    if keep is not None:
        keep.update(checked)
    check_foreign_keys(checked, set(seen), out)
    _check_package_locality(descriptor, checked, out)
    try:
        from .rules import run_rules

        run_rules(eff, checked, out)
    except Exception as exc:
        if DEBUG:
            raise
        out.add("RULE_FAILED", f"规则无法执行:{type(exc).__name__}", f"the rules could not be run: {type(exc).__name__}")
    try:  # checks needing the package's period or several tables at once (package_checks.py)
        from .package_checks import run_package_checks

        run_package_checks(descriptor, checked, eff, out)
    except Exception as exc:
        if DEBUG:
            raise
        out.add("CHECK_FAILED", f"数据包级检查出错:{type(exc).__name__}", f"the package-level checks failed: {type(exc).__name__}")
    risks = _check_quasi_identifiers(eff, checked, out, privacy_k)

    report = Report.from_collector(out, path=path, package=descriptor.get("name") if isinstance(descriptor.get("name"), str) else None,
                                 schema_version=str(descriptor["schema_version"]) if descriptor.get("schema_version") is not None else None,
                                 standard_version=std.version, encodings=encodings, resources=order)
    report.privacy_risks = risks  # k-anonymity per table, for `jiceng privacy-report`
    return report


def _check_one(pkg: OpenedPackage, res: dict, name: str, std: Standard, out: Collector, allow_remote: bool,
               encodings: dict, slim: bool = False, earlier: dict | None = None) -> Checked | None:
    """The checks of one resource; its typed rows for the checks across tables. `slim`: a table
    read in batches keeps only the columns those checks read (validation/needs.py); `earlier`:
    the tables checked before it (a batch checks its foreign keys to them at once)."""
    schema = std.table(name)
    embedded = res.get("schema")
    reference = embedded_names(embedded)
    differs = check_embedded_schema(name, embedded, schema, out) if isinstance(embedded, dict) else False
    if schema.get("deprecated"):
        zh, en = _deprecation_note(schema["deprecated"])
        out.add("DEPRECATED_TABLE", f"表 {name} 已弃用{zh}", f"table {name} is deprecated{en}", resource=name)
    dialect = csv_dialect(res)
    if dialect is None:
        out.add("RESOURCE_FORMAT_UNSUPPORTED", "不支持该 CSV 方言(分隔符和引号须为单个字符,须有表头,引号内的引号须双写)",
                "unsupported CSV dialect (delimiter and quote must be one character, a header row is required, "
                "quotes inside quotes are doubled)", resource=name)
        return None
    delimiter, quote = dialect
    checked = None
    try:
        src = locate(pkg, res, allow_remote)
        declared = res.get("encoding") if isinstance(res.get("encoding"), str) else None
        if streamable(src, delimiter, quote):
            checked = _check_in_batches(name, src, schema, std, out, reference, delimiter, quote, slim, earlier)
            encoding = "utf-8-sig" if _starts_with_bom(src) else "utf-8"
        if checked is None:  # a file of one batch, or one the whole-file reader must read
            parsed, encoding = read_table(src, declared, delimiter, quote)
    except ResourceError as exc:
        out.add(exc.code, exc.message_zh, exc.message_en, resource=name, row=exc.row, value=exc.value)
        return None
    encodings[name] = encoding
    if declared and not same_encoding(declared, encoding):
        out.add("ENCODING_DECLARED_MISMATCH", f"声明的编码为 {declared},文件实际为 {encoding};按 {encoding} 读取",
                f"declared encoding {declared}, but the file is {encoding}; read as {encoding}", resource=name,
                value=encoding)
    if checked is not None:  # checked in batches
        _after_rows(name, checked, reference, differs, out)
        return checked
    checked = check_resource(name, parsed, schema, out, std.codelists, reference)
    _scan_privacy(name, parsed, checked.expected, schema, out)
    del parsed
    if checked is not None:
        _after_rows(name, checked, reference, differs, out)
        _check_codes(checked, std, out)
    return checked


def _starts_with_bom(src) -> bool:
    with src.open() as fh:
        return fh.read(3) == b"\xef\xbb\xbf"


def _check_in_batches(name: str, src, schema: dict, std: Standard, out: Collector, reference, delimiter: str,
                      quote: str, slim: bool = False, earlier: dict | None = None) -> Checked | None:
    """A large file checked batch by batch (reading.stream_csv) in bounded memory: each batch's
    cells are checked and dropped, its typed values kept; unique values and the primary key are
    checked on the combined table. Findings go to a collector of the table's own, merged into
    `out` at the end, so that when the file turns out to need the whole-file reader (None is
    returned) nothing found so far is kept twice."""
    table_out = Collector(out.max_per_group)
    earlier = earlier or {}
    # foreign keys to tables already checked: checked batch by batch, their columns then dropped
    all_fks = schema.get("foreignKeys") or []  # (positions as check_foreign_keys counts them)
    targets = [((fk.get("reference") or {}).get("resource") or name) if isinstance(fk, dict) else name for fk in all_fks]
    done = {i for i, target in enumerate(targets) if target != name and target in earlier}
    fks = [all_fks[i] for i in sorted(done)]
    needs = needed_columns(std)
    keep_cols = set(needs.without_foreign_keys.get(name, ()))
    keep_text = needs.text.get(name, set())  # (text fields are kept as written anyway)
    for i, fk in enumerate(all_fks):
        if i not in done and isinstance(fk, dict):
            keep_cols.update(_as_list(fk.get("fields")))
    parts: list[Checked] = []
    offset = 0
    header = None
    deprecated_seen: set = set()
    lookups: dict = {}  # each referenced table's keys, made once for all batches
    import numpy  # noqa: F401 - the reader counts cells with numpy: imported here, not in the reading thread

    try:
        for parsed in prefetched(stream_csv(src, delimiter, quote)):
            if header is None:
                header = resource_header(name, parsed, schema, table_out, reference)
                if header is None:
                    return None  # an empty file or a blank header: the whole-file path reports it
            shifted = table_out if offset == 0 else Shifted(table_out, offset)
            checked = check_rows(name, parsed, header, schema, shifted, std.codelists, keys=False)
            # (the header's labels are scanned with the first batch only)
            _scan_privacy(name, parsed if offset == 0 else replace(parsed, labels=None), header.fields, schema, shifted)
            _check_codes(checked, std, shifted, deprecated_seen)
            del parsed
            for fk in fks:
                check_foreign_key(name, checked, fk, earlier, set(), shifted, lookups)
            offset += checked.height
            if slim:  # only what the checks across rows and tables read again
                kept = [c for c in checked.typed.columns if c in keep_cols]
                text = [c for c in kept if c in checked.raw_text.columns
                        and (checked.typed.schema[c] == pl.String or c in keep_text)]
                checked = replace(checked, typed=checked.typed.select(kept), raw_text=checked.raw_text.select(text),
                                  extra=None)
            parts.append(checked)
    except NotStreamable:
        return None
    if not parts:
        return None
    checked = combine(parts)
    del parts
    checked.keys_checked = done
    check_unique_and_primary_key(checked, table_out)
    merge_into(out, table_out)
    return checked


def _after_rows(name: str, checked: Checked, reference, differs: bool, out: Collector) -> None:
    """The package's schema lists the file's columns out of their order (once the header is known)."""
    if checked.header is not None and not checked.header.errors and reference is not None and not differs:
        in_file = [f for f in checked.header.fields if f is not None]
        if in_file != reference:
            out.add("RESOURCE_SCHEMA_DIFFERS",
                    "datapackage.json 中的表结构没有按文件中的列及其顺序列出字段;按字段名校验,但其他工具(如 frictionless)按位置读取,"
                    "请重新生成 datapackage.json",
                    "the schema in datapackage.json does not list the file's columns in their order; validated by field "
                    "name, but other tools (e.g. frictionless) read by position: regenerate datapackage.json",
                    resource=name)


def csv_dialect(res: dict) -> tuple[str, str] | None:
    """(delimiter, quote character) of a resource's CSV dialect; None if the dialect is one the
    standard's reader does not read (the same for `validate` and `load`)."""
    dialect = res.get("dialect") if isinstance(res.get("dialect"), dict) else {}
    delimiter = dialect.get("delimiter", ",")
    quote = dialect.get("quoteChar", '"')
    if not isinstance(delimiter, str) or len(delimiter) != 1 or not isinstance(quote, str) or len(quote) != 1 \
            or delimiter == quote or delimiter in "\r\n" or quote in "\r\n" \
            or dialect.get("header", True) is not True or dialect.get("doubleQuote", True) is not True \
            or dialect.get("escapeChar") not in (None, "") or dialect.get("skipInitialSpace", False) is not False \
            or dialect.get("commentChar") not in (None, "") or dialect.get("headerRows", [1]) != [1]:
        return None
    return delimiter, quote


def embedded_names(embedded) -> list[str] | None:
    """The field names of a resource's schema in datapackage.json, in order (None without one)."""
    if not isinstance(embedded, dict) or not isinstance(embedded.get("fields"), list):
        return None
    return [str(f.get("name")) for f in embedded["fields"] if isinstance(f, dict)]


_LOWER = ("minimum", "exclusiveMinimum", "minLength")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength")


def _loosened(std_field: dict, emb_field: dict) -> list[str]:
    """How the package's copy of a field loosens or contradicts the standard's definition."""
    out = []
    for key in ("type", "format"):
        a = std_field.get(key, "string" if key == "type" else "default")
        b = emb_field.get(key, "string" if key == "type" else "default")
        if str(a or "default").removeprefix("fmt:") != str(b or "default").removeprefix("fmt:"):
            out.append(f"{key} {a} → {b}")
    for key in ("trueValues", "falseValues", "bareNumber", "groupChar", "decimalChar", "missingValues"):
        if std_field.get(key) != emb_field.get(key):
            out.append(key)
    a = std_field.get("constraints") or {}
    b = emb_field.get("constraints") if isinstance(emb_field.get("constraints"), dict) else {}
    for key in ("required", "unique"):
        if a.get(key) and not b.get(key):
            out.append(f"{key} removed")
    for key in _LOWER + _UPPER:
        if key not in a:
            continue
        if key not in b:
            out.append(f"{key} removed")
            continue
        try:
            looser = b[key] < a[key] if key in _LOWER else b[key] > a[key]
        except TypeError:
            looser = b[key] != a[key]
        if looser:
            out.append(f"{key} {a[key]} → {b[key]}")
    if "pattern" in a and "pattern" not in b and not _enum_within(b.get("enum"), a["pattern"]):
        out.append("pattern removed")  # (another pattern may be an older, stricter one: a warning below)
    if "enum" in a:
        if "enum" not in b or not isinstance(b["enum"], list):
            out.append("enum removed")
        else:
            added = [v for v in b["enum"] if v not in a["enum"]]
            if added:
                out.append(f"enum adds {', '.join(map(str, added[:5]))}")
    for key in set(b) - {"required", "unique", "pattern", "enum", *_LOWER, *_UPPER}:
        if a.get(key) != b.get(key):
            out.append(f"{key} changed")
    return out


def check_embedded_schema(name: str, embedded: dict, schema: dict, out: Collector) -> bool:
    """The package's copy of the table's schema: each field it lists must be defined as in the
    standard (a package cannot loosen a constraint by editing its copy, an ERROR); it may list
    only the columns the file has and in the file's order, and it may be tighter than the
    standard (an older copy of a codelist): a WARNING then says it differs."""
    fields = {f["name"]: f for f in schema.get("fields", [])}
    differs = False
    for f in embedded.get("fields") or []:
        if not isinstance(f, dict):
            differs = True
            continue
        std_field = fields.get(f.get("name"))
        if std_field is None:
            differs = True  # not a field of the standard: its column, if any, is reported as extra
            continue
        problems = _loosened(std_field, f)
        if problems:
            fname = std_field["name"]
            out.add("RESOURCE_SCHEMA_LOOSENED", f"datapackage.json 中字段 {fname} 的定义与标准不同({'; '.join(problems)});按标准校验",
                    f"the schema in datapackage.json defines field {fname} otherwise than the standard ({'; '.join(problems)}); "
                    "validated against the standard", resource=name, field=fname)
        elif _signature(std_field) != _signature(f):
            differs = True
    mv_std, mv_emb = schema.get("missingValues", [""]), embedded.get("missingValues", [""])
    if isinstance(mv_emb, list) and set(map(str, mv_emb)) - set(map(str, mv_std)):
        out.add("RESOURCE_SCHEMA_LOOSENED", "datapackage.json 中的表结构增加了缺失值标记;按标准校验",
                "the schema in datapackage.json adds missing values; validated against the standard", resource=name,
                field="missingValues")
    elif mv_emb != mv_std:
        differs = True
    pk, emb_pk = _as_list(schema.get("primaryKey")), _as_list(embedded.get("primaryKey"))
    if emb_pk != pk and emb_pk and set(emb_pk) <= set(pk):
        differs = True  # a key on fewer of the standard's columns is stricter
    elif emb_pk != pk:
        out.add("RESOURCE_SCHEMA_LOOSENED", "datapackage.json 中的表结构主键与标准不同;按标准校验",
                "the primary key in datapackage.json differs from the standard's; validated against the standard",
                resource=name, field="primaryKey")
    if differs:
        out.add("RESOURCE_SCHEMA_DIFFERS", resource=name)
    return differs


def _enum_within(enum, pattern: str) -> bool:
    """A closed list of codes, each matching the standard's pattern, is no looser than the pattern."""
    import re

    if not isinstance(enum, list) or not enum:
        return False
    try:
        rx = re.compile(f"^(?:{pattern})$")
    except re.error:
        return False
    return all(isinstance(v, str) and rx.match(v) for v in enum)


def _as_list(value) -> list:
    return [value] if isinstance(value, str) else list(value or []) if isinstance(value, list) else []


def _signature(fdef: dict) -> tuple:
    return (fdef.get("type", "string"), str(fdef.get("format") or "default"),
            sorted((fdef.get("constraints") or {}).items(), key=lambda kv: kv[0]).__repr__())


def _deprecation_note(dep) -> tuple[str, str]:
    if not isinstance(dep, dict):
        return "", ""
    since, repl = dep.get("since"), dep.get("replacement")
    zh = (f"(自 {since} 起" if since else "(") + (f",请改用 {repl}" if repl else "") + ")"
    en = (f" (since {since}" if since else " (") + (f"; use {repl} instead" if repl else "") + ")"
    return (zh, en) if since or repl else ("", "")


def _scan_privacy(name: str, parsed, expected: list, schema: dict, out: Collector) -> None:
    """Personal data in the header and the cells of `parsed`; `expected`: the field each column
    is read as (None for a column outside the standard)."""
    labels = parsed.labels or []
    for pos, label in enumerate(labels):
        if not isinstance(label, str):
            continue
        for code, redacted in find_personal(label[:1000], True):
            out.add(code, "表头含个人信息", "the header holds personal data", resource=name, row=1, value=redacted)
        words = personal_field(label)
        if words:
            out.add(FIELD_CODE, f"第 {pos + 1} 列的列名含“{words}”,表明是个人信息;发布的数据不得含此列",
                    f"the name of column {pos + 1} contains '{words}', which denotes personal data; published data must "
                    "not carry this column", resource=name, row=1, value=label)
    cells = parsed.cells
    if cells.height == 0:
        return
    names = expected or []
    free = free_text_fields(schema.get("fields", []))
    fields = [names[pos] if pos < len(names) else None for pos in range(cells.width)]
    # one vectorised pre-filter for the whole table; columns outside the schema are free text too
    found = scan_columns([(cells.get_column(c), f in free or f is None) for c, f in zip(cells.columns, fields)])
    for pos, (col_name, field, hits) in enumerate(zip(cells.columns, fields, found)):
        if not hits:
            continue
        rows = {"v": [], "code": [], "shown": []}
        for value, found in hits.items():
            for code, redacted in found:
                rows["v"].append(value)
                rows["code"].append(code)
                rows["shown"].append(redacted)
        table = pl.DataFrame(rows, schema={"v": pl.String, "code": pl.String, "shown": pl.String})
        matched = (cells.select(pl.col(col_name).alias("v")).with_row_index("i")
                   .join(table, on="v", how="inner").sort("i"))
        for code, part in matched.group_by("code", maintain_order=True):
            code = code[0]
            what = WHAT.get(code, ("个人信息", "personal data"))
            where_zh = f"字段 {field}" if field else f"第 {pos + 1} 列"
            where_en = f"field {field}" if field else f"column {pos + 1}"
            out.add_rows(code, (part["i"] + 2).to_list(), part["shown"].to_list(), resource=name, field=field,
                         message_zh=f"{where_zh} 含{what[0]};发布的数据不得含个人信息",
                         message_en=f"{where_en} holds {what[1]}; published data must not carry personal data")


def _check_quasi_identifiers(std: Standard, checked: dict[str, Checked], out: Collector, k: int | None) -> list:
    """k-anonymity over the quasi-identifiers of validators/privacy/ (jiceng.privacy.kanon):
    the combination and the number of persons, never the records."""
    try:
        from ..privacy.kanon import SMALL_GROUP_CODE, check, load_config

        cfg = load_config(std)
        tables = {}
        for n, spec in cfg.tables.items():
            if n in checked:  # only the columns the check reads, as text
                c = checked[n]
                tables[n] = c.text([x for x in spec.columns if x in c.typed.columns])
        risks = check(tables, cfg, k)
    except Exception as exc:
        if DEBUG:
            raise
        out.add("CHECK_FAILED", f"无法检查准标识符:{type(exc).__name__}", f"the quasi-identifiers could not be checked: {type(exc).__name__}")
        return []
    for risk in risks:
        for g in risk.small:
            out.add(SMALL_GROUP_CODE, f"准标识符组合 {g.describe()} 只有 {g.persons} 人(少于 k={risk.k}),可能识别出个人;"
                    "可合并年龄段、地方或角色以扩大组合",
                    f"the combination {g.describe()} is shared by {g.persons} person(s) (fewer than k={risk.k}) and may "
                    "single someone out; coarsen age bands, places or roles", resource=risk.table,
                    field=",".join(risk.quasi_identifiers))
    return risks


def _truthy(value) -> bool:
    return str(value or "").strip().lower() not in ("", "false", "no", "0")


def _check_codes(checked: Checked, std: Standard, out: Collector, deprecated_seen: set | None = None) -> None:
    """Deprecated fields and codes in use; codes outside an open codelist (local codes: a note).
    `deprecated_seen`: deprecated fields already reported (a table checked in batches reports
    each once, at its first row)."""
    import re

    name = checked.name
    codelists = std.codelists
    for fdef in checked.schema.get("fields", []):
        fname = fdef["name"]
        if not checked.present(fname):
            continue
        raw = checked.raw.get_column(fname)
        if fdef.get("deprecated"):
            used = raw.is_not_null()
            if used.any() and (deprecated_seen is None or fname not in deprecated_seen):
                if deprecated_seen is not None:
                    deprecated_seen.add(fname)
                zh, en = _deprecation_note(fdef["deprecated"])
                out.add("DEPRECATED_FIELD", f"字段 {fname} 已弃用{zh}", f"field {fname} is deprecated{en}", resource=name,
                        field=fname, row=int(used.arg_true()[0]) + 2)
        cl = codelists.get(fdef.get("codelist") or "")
        if cl is None:
            continue
        deprecated = {r["code"]: r.get("deprecated") for r in cl.rows if _truthy(r.get("deprecated"))}
        if deprecated:
            mask = raw.is_in(list(deprecated)).fill_null(False)
            if mask.any():
                out.add_rows("DEPRECATED_CODE", rows_of(mask), raw.filter(mask), resource=name, field=fname,
                             message_zh=f"代码表 {cl.name} 中的该代码已弃用", message_en=f"the code is deprecated in codelist {cl.name}")
        if not cl.closed:
            pattern = (fdef.get("constraints") or {}).get("pattern")
            mask = raw.is_not_null() & ~raw.is_in(cl.codes)
            if pattern:
                try:
                    mask = mask & raw.str.contains(polars_pattern(pattern))
                except pl.exceptions.PolarsError:
                    rx = re.compile(f"^{pattern}$")
                    mask = mask & raw.map_elements(lambda v: rx.match(v) is not None, return_dtype=pl.Boolean)
            mask = mask.fill_null(False)
            if mask.any():
                out.add_rows("CODE_NOT_IN_OPEN_CODELIST", rows_of(mask), raw.filter(mask), resource=name, field=fname,
                             message_zh=f"代码不在开放代码表 {cl.name} 中(可作为地方代码;如常用,可申请加入标准)",
                             message_en=f"not in open codelist {cl.name} (allowed as a local code; propose it if common)")


def _check_package_locality(descriptor: dict, checked: dict[str, Checked], out: Collector) -> None:
    lid = descriptor.get("locality_id")
    if not isinstance(lid, str):
        return
    prov = descriptor.get("province_code")
    if isinstance(prov, str) and lid[:2].isdigit() and prov != lid[:2]:
        out.add("PACKAGE_PROVINCE_MISMATCH", f"province_code {prov} 与 locality_id 的前两位 {lid[:2]} 不一致",
                f"province_code {prov} differs from the first two digits of locality_id ({lid[:2]})", field="province_code", value=prov)
    loc = checked.get("localities")
    if loc is not None and loc.present("locality_id") and loc.height:
        if not (loc.typed.get_column("locality_id") == lid).any():
            out.add("PACKAGE_LOCALITY_NOT_FOUND", f"元数据 locality_id {lid} 不在地方表中",
                    f"metadata locality_id {lid} is not a row of localities", field="locality_id", value=lid)
