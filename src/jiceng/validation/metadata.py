"""Package metadata: datapackage.json against the profile in schemas/, the standard version it
declares, and personal numbers in its text."""
from __future__ import annotations

import re
import sys

from ..standard import Standard
from .collect import Collector
from .privacy import find_numbers

SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
# Reported with their own codes by the resource checks; not repeated as metadata errors.
_OWN_CHECKS = (("resources", "*", "name"), ("resources", "*", "path"), ("schema_version",))


def _validator(profile: dict):
    # jsonschema imports the optional rfc3987_syntax at start-up, which builds a grammar for about
    # two seconds; the profile uses no IRI formats, so that import is skipped.
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)
    import jsonschema

    cls = jsonschema.validators.validator_for(profile, default=jsonschema.Draft202012Validator)
    return cls(profile)


def _where(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "datapackage.json"


def _own(path) -> bool:
    for pattern in _OWN_CHECKS:
        if len(path) == len(pattern) and all(p == "*" or p == q for p, q in zip(pattern, path)):
            return True
    return False


def _message(error) -> tuple[str, str, str]:
    """(field path, zh, en) for one jsonschema error, without echoing the value itself."""
    path = list(error.absolute_path)
    kind = error.validator
    where = _where(path)
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        prop = missing[0] if missing else "?"
        return _where(path + [prop]), f"缺少必填元数据 {_where(path + [prop])}", f"missing required metadata {_where(path + [prop])}"
    if kind == "pattern":
        return where, f"{where} 不符合格式 {error.validator_value}", f"{where} does not match {error.validator_value}"
    if kind == "type":
        return where, f"{where} 的类型应为 {error.validator_value}", f"{where} must be of type {error.validator_value}"
    if kind in ("minLength", "minItems"):
        return where, f"{where} 不能为空", f"{where} must not be empty"
    if kind == "enum":
        return where, f"{where} 不是允许的值", f"{where} is not one of the allowed values"
    if kind == "anyOf" and path[:1] == ["licenses"]:
        return where, f"{where} 须有 name 或 path", f"{where} needs a name or a path"
    return where, f"{where} 不符合数据包规范({kind})", f"{where} does not follow the package profile ({kind})"


def check_metadata(descriptor: dict, std: Standard, out: Collector) -> None:
    try:
        validator = _validator(std.profile)
        errors = sorted(validator.iter_errors(descriptor), key=lambda e: [str(p) for p in e.absolute_path])
    except Exception as exc:  # a broken profile in a proposed standard is reported, not raised
        out.add("METADATA_INVALID", f"无法按规范检查元数据:{type(exc).__name__}", f"cannot check metadata against the profile: {type(exc).__name__}")
        errors = []
    for error in errors:
        if _own(list(error.absolute_path)):
            continue
        where, zh, en = _message(error)
        value = error.instance if isinstance(error.instance, (str, int, float)) and not isinstance(error.instance, bool) else None
        out.add("METADATA_INVALID", zh, en, field=where, value=value)
    check_version(descriptor.get("schema_version"), std, out)
    scan_descriptor(descriptor, out)


def check_version(version, std: Standard, out: Collector) -> None:
    if version is None:
        return  # reported as missing metadata
    m = SEMVER.match(str(version))
    ours = SEMVER.match(std.version)
    if not m:
        out.add("SCHEMA_VERSION_UNSUPPORTED", f"schema_version “{version}”不是 x.y.z 形式的版本号",
                f"schema_version '{version}' is not an x.y.z version", field="schema_version", value=version)
    elif ours and m.group(1) != ours.group(1):
        older = int(m.group(1)) < int(ours.group(1))
        hint_zh = f";请用 jiceng migrate 数据包 --to {std.version} -o 新文件夹 升级" if older else ";请使用支持该版本的 jiceng"
        hint_en = (f"; upgrade it with jiceng migrate PACKAGE --to {std.version} -o NEW_FOLDER" if older
                   else "; use a jiceng that supports that version")
        out.add("SCHEMA_VERSION_UNSUPPORTED", f"数据包遵循标准 {version},本工具支持 {std.version}(主版本不同){hint_zh}",
                f"the package follows standard {version}; this tool supports {std.version} (another major version){hint_en}",
                field="schema_version", value=version)
    elif str(version) != std.version:
        out.add("SCHEMA_VERSION_DIFFERS", f"数据包遵循标准 {version},按本工具的标准 {std.version} 校验",
                f"the package follows standard {version}; validated against this tool's {std.version}",
                field="schema_version", value=version)


def scan_descriptor(descriptor: dict, out: Collector) -> None:
    """ID and mobile numbers anywhere in the metadata text (the publisher is an office)."""
    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                if path == [] and k == "resources":
                    for i, r in enumerate(v if isinstance(v, list) else []):
                        if isinstance(r, dict):
                            walk({kk: vv for kk, vv in r.items() if kk != "schema"}, ["resources", i])
                    continue
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + [i])
        elif isinstance(node, str):
            for code, redacted in find_numbers(node[:10_000]):
                if code == "PRIVACY_PHONE_NUMBER":  # an office's landline is a fine contact
                    continue
                out.add(code, "元数据中含个人号码", "the metadata holds a personal number", field=_where(path), value=redacted)

    walk(descriptor, [])
