"""`jiceng.validate(path)`: every check on a package in one run, all findings reported."""
from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from ..standard import Standard, current
from .collect import Collector
from .metadata import check_metadata
from .privacy import free_text_fields, find_names, find_numbers, scan_column
from .reading import InputError, OpenedPackage, ResourceError, locate, open_package, read_table, same_encoding
from .report import Report, fatal_report
from .structure import Checked, check_resource, polars_pattern, rows_of

DEBUG = os.environ.get("JICENG_DEBUG") == "1"


def validate(path: str | Path, *, standard: Standard | None = None, allow_remote: bool = False,
             max_per_group: int | None = 1000) -> Report:
    """Validate a package folder, a datapackage.json or a zip of a package.

    `standard`: the standard to validate against (default: the installed one); `allow_remote`:
    fetch resources whose path is an http(s) URL; `max_per_group`: findings listed per kind
    (code, table, field), counts stay exact (None: list all).
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
        return _validate(pkg, std, str(path), allow_remote, Collector(max_per_group))
    except InputError as exc:
        return fatal_report(str(path), exc.code, exc.message_zh, exc.message_en, version)
    finally:
        pkg.close()


def _validate(pkg: OpenedPackage, std: Standard, path: str, allow_remote: bool, out: Collector) -> Report:
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
            result = _check_one(pkg, res, name, eff, out, allow_remote, encodings)
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

    check_foreign_keys(checked, set(seen), out)
    _check_package_locality(descriptor, checked, out)
    try:
        from .rules import run_rules

        run_rules(eff, checked, out)
    except Exception as exc:
        if DEBUG:
            raise
        out.add("RULE_FAILED", f"规则无法执行:{type(exc).__name__}", f"the rules could not be run: {type(exc).__name__}")

    return Report.from_collector(out, path=path, package=descriptor.get("name") if isinstance(descriptor.get("name"), str) else None,
                                 schema_version=str(descriptor["schema_version"]) if descriptor.get("schema_version") is not None else None,
                                 standard_version=std.version, encodings=encodings, resources=order)


def _check_one(pkg: OpenedPackage, res: dict, name: str, std: Standard, out: Collector, allow_remote: bool,
               encodings: dict) -> Checked | None:
    schema = std.table(name)
    embedded = res.get("schema")
    if isinstance(embedded, dict) and _fields_signature(embedded) != _fields_signature(schema):
        out.add("RESOURCE_SCHEMA_DIFFERS", resource=name)
    if schema.get("deprecated"):
        zh, en = _deprecation_note(schema["deprecated"])
        out.add("DEPRECATED_TABLE", f"表 {name} 已弃用{zh}", f"table {name} is deprecated{en}", resource=name)
    dialect = res.get("dialect") if isinstance(res.get("dialect"), dict) else {}
    delimiter = dialect.get("delimiter", ",")
    quote = dialect.get("quoteChar", '"')
    if not isinstance(delimiter, str) or len(delimiter) != 1 or not isinstance(quote, str) or len(quote) != 1 \
            or dialect.get("header", True) is not True:
        out.add("RESOURCE_FORMAT_UNSUPPORTED", "不支持该 CSV 方言(分隔符和引号须为单个字符,须有表头)",
                "unsupported CSV dialect (delimiter and quote must be one character; a header row is required)", resource=name)
        return None
    try:
        src = locate(pkg, res, allow_remote)
        declared = res.get("encoding") if isinstance(res.get("encoding"), str) else None
        parsed, encoding = read_table(src, declared, delimiter, quote)
        encodings[name] = encoding
        if declared and not same_encoding(declared, encoding):
            out.add("ENCODING_DECLARED_MISMATCH", f"声明的编码为 {declared},文件实际为 {encoding};按 {encoding} 读取",
                    f"declared encoding {declared}, but the file is {encoding}; read as {encoding}", resource=name,
                    value=encoding)
    except ResourceError as exc:
        out.add(exc.code, exc.message_zh, exc.message_en, resource=name, row=exc.row, value=exc.value)
        return None
    checked = check_resource(name, parsed, schema, out, std.codelists)
    _scan_privacy(name, parsed, checked, schema, out)
    del parsed
    if checked is not None:
        _check_codes(checked, std, out)
    return checked


def _fields_signature(schema: dict) -> list:
    """What of a schema changes validation: names, types, formats, constraints, missing values, keys."""
    fields = [(f.get("name"), f.get("type", "string"), str(f.get("format") or "default"),
               sorted((f.get("constraints") or {}).items(), key=lambda kv: kv[0]).__repr__())
              for f in schema.get("fields", []) if isinstance(f, dict)]
    return [fields, schema.get("missingValues", [""]), schema.get("primaryKey")]


def _deprecation_note(dep) -> tuple[str, str]:
    if not isinstance(dep, dict):
        return "", ""
    since, repl = dep.get("since"), dep.get("replacement")
    zh = (f"(自 {since} 起" if since else "(") + (f",请改用 {repl}" if repl else "") + ")"
    en = (f" (since {since}" if since else " (") + (f"; use {repl} instead" if repl else "") + ")"
    return (zh, en) if since or repl else ("", "")


def _scan_privacy(name: str, parsed, checked: Checked | None, schema: dict, out: Collector) -> None:
    labels = parsed.labels or []
    for pos, label in enumerate(labels):
        for code, redacted in find_numbers(label) + find_names(label):
            out.add(code, "表头含个人信息", "the header holds personal data", resource=name, row=1, value=redacted)
    cells = parsed.cells
    if cells.height == 0:
        return
    names = checked.expected if checked is not None else []
    free = free_text_fields(schema.get("fields", []))
    for pos, col_name in enumerate(cells.columns):
        field = names[pos] if pos < len(names) else None
        is_free = field in free or field is None  # columns outside the schema are free text too
        hits = scan_column(cells.get_column(col_name), free_text=is_free)
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
            what = {"PRIVACY_ID_NUMBER": ("居民身份证号码", "a resident ID number"),
                    "PRIVACY_MOBILE_NUMBER": ("手机号码", "a mobile number"),
                    "PRIVACY_PERSON_NAME": ("疑似个人姓名", "what looks like a person's name")}[code]
            where_zh = f"字段 {field}" if field else f"第 {pos + 1} 列"
            where_en = f"field {field}" if field else f"column {pos + 1}"
            out.add_rows(code, (part["i"] + 2).to_list(), part["shown"].to_list(), resource=name, field=field,
                         message_zh=f"{where_zh} 含{what[0]};发布的数据不得含个人信息",
                         message_en=f"{where_en} holds {what[1]}; published data must not carry personal data")


def _truthy(value) -> bool:
    return str(value or "").strip().lower() not in ("", "false", "no", "0")


def _check_codes(checked: Checked, std: Standard, out: Collector) -> None:
    """Deprecated fields and codes in use; codes outside an open codelist (local codes: a note)."""
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
            if used.any():
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
