"""How two definitions of a field's constraints compare: the algebra shared by the reviewers'
`schema diff` (is a change major or minor?) and the validator's extension check (does a package
loosen the standard?). It sits below both, so neither imports the other.

major: data that followed the old definition may now fail; minor: old data stays valid
(a relaxation); patch: wording only.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MAJOR, MINOR, PATCH = "major", "minor", "patch"
RANK = {None: 0, PATCH: 1, MINOR: 2, MAJOR: 3}
LEVEL_ZH = {MAJOR: "主版本", MINOR: "次版本", PATCH: "修订版本", None: "无"}

# Properties that only carry words: a change to them is a patch.
TEXT_KEYS = {"title", "description", "zh", "example", "examples", "message", "$comment"}


@dataclass(frozen=True)
class Change:
    level: str  # major | minor | patch
    kind: str  # e.g. field-removed, code-added, rule-added
    where: str  # e.g. "cases.status", "codelist case_source: hotline", "rule cases/CASE_DATES"
    message_zh: str
    message_en: str
    old: Any = None
    new: Any = None

    def to_dict(self) -> dict:
        return asdict(self)


class Collector:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    def add(self, level: str, kind: str, where: str, zh: str, en: str, old: Any = None, new: Any = None) -> None:
        self.changes.append(Change(level, kind, where, zh, en, old, new))

    def props(self, area: str, where: str, old: dict, new: dict, handled: set, other: str = MINOR) -> None:
        """Compare the properties not handled by the caller: words are a patch, the rest `other`."""
        for key in sorted((set(old) | set(new)) - handled):
            if old.get(key) == new.get(key):
                continue
            if key in TEXT_KEYS:
                self.add(PATCH, f"{area}-text", where, f"{key} 的文字改变", f"wording of {key} changed",
                         old.get(key), new.get(key))
            else:
                self.add(other, f"{area}-property", where, f"属性 {key} 改变", f"property {key} changed",
                         old.get(key), new.get(key))


_LOWER = ("minimum", "exclusiveMinimum", "minLength")  # raising these narrows
_UPPER = ("maximum", "exclusiveMaximum", "maxLength")  # lowering these narrows


def diff_constraints(where: str, a: dict, b: dict, skip_enum: bool, out: Collector) -> None:
    for key in ("required", "unique"):
        x, y = bool(a.get(key)), bool(b.get(key))
        if x != y:
            label = {"required": ("必填", "required"), "unique": ("唯一", "unique")}[key]
            if y:
                out.add(MAJOR, f"made-{key}", where, f"字段改为{label[0]}", f"field made {label[1]}", x, y)
            else:
                out.add(MINOR, f"no-longer-{key}", where, f"字段不再{label[0]}", f"field no longer {label[1]}", x, y)
    for key in _LOWER + _UPPER:
        x, y = a.get(key), b.get(key)
        if x == y:
            continue
        if x is None:
            narrows = True
        elif y is None:
            narrows = False
        else:
            try:
                narrows = (y > x) if key in _LOWER else (y < x)
            except TypeError:
                narrows = True
        out.add(MAJOR if narrows else MINOR, "constraint-narrowed" if narrows else "constraint-relaxed", where,
                f"约束 {key}: {x} → {y}" + ("(收紧)" if narrows else "(放宽)"),
                f"constraint {key}: {x} -> {y}" + (" (narrows)" if narrows else " (relaxes)"), x, y)
    x, y = a.get("pattern"), b.get("pattern")
    if x != y:
        if y is None:
            out.add(MINOR, "constraint-relaxed", where, "删除 pattern 约束(放宽)", "pattern removed (relaxes)", x, y)
        else:
            out.add(MAJOR, "constraint-narrowed", where, "pattern 约束新增或改变", "pattern added or changed", x, y)
    x, y = a.get("enum"), b.get("enum")
    if x != y and not skip_enum:
        if y is None:
            out.add(MINOR, "enum-removed", where, "删除 enum 约束(放宽)", "enum removed (relaxes)", x, y)
        elif x is None:
            out.add(MAJOR, "enum-added", where, "新增 enum 约束(收紧)", "enum added (narrows)", x, y)
        else:
            gone = [v for v in x if v not in y]
            added = [v for v in y if v not in x]
            if gone:
                out.add(MAJOR, "enum-values-removed", where, f"enum 删除取值 {gone}", f"enum values removed: {gone}", x, y)
            if added:
                out.add(MINOR, "enum-values-added", where, f"enum 新增取值 {added}", f"enum values added: {added}", x, y)
            if not gone and not added:
                out.add(PATCH, "enum-reordered", where, "enum 顺序改变", "enum order changed", x, y)
    for key in sorted((set(a) | set(b)) - {"required", "unique", "pattern", "enum", *_LOWER, *_UPPER}):
        if a.get(key) != b.get(key):
            out.add(MAJOR, "constraint-changed", where, f"约束 {key} 改变", f"constraint {key} changed", a.get(key), b.get(key))
