"""The workbook layout shared by the template, the exporter and the importer.

Everything here is derived from the standard (tables, fields, codelists, package profile);
the only fixed things are the names of the three helper sheets and the row numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..standard import Standard

LANGS = ("zh", "en")

# Helper sheets, in both languages; the importer accepts either spelling.
INSTRUCTIONS = {"zh": "填写说明", "en": "Instructions"}
METADATA = {"zh": "元数据", "en": "Metadata"}
CODELISTS = {"zh": "代码表", "en": "Codelists"}

# Table sheets: row 1 the column titles people read, row 2 (hidden) the field names
# the importer reads, data from row 3.
HEADER_ROW = 1
NAME_ROW = 2
FIRST_DATA_ROW = 3

# Metadata sheet: row 1 titles, then one row per key; key in column B, value in column C,
# column E (hidden) says "json" when the value is JSON text (lists such as sources).
META_COLUMNS = {"label": 1, "key": 2, "value": 3, "help": 4, "encoding": 5}
META_FIRST_ROW = 2

# Words shown in boolean dropdowns; the importer also accepts many other spellings.
BOOLEAN_LABELS = {"zh": ("是", "否"), "en": ("Yes", "No")}
BOOLEAN_LIST = "boolean"  # name of the dropdown list of BOOLEAN_LABELS on the codelist sheet


def field_title(field: dict, lang: str) -> str:
    return field["zh"]["title"] if lang == "zh" else field["title"]


def table_title(std: Standard, table: str, lang: str) -> str:
    schema = std.table(table)
    return schema["zh"]["title"] if lang == "zh" else schema["title"]


def table_order(std: Standard) -> list[str]:
    """Tables with referenced tables first (localities, then grids, ...), else in file order."""
    deps = {
        t: {fk["reference"].get("resource") for fk in s.get("foreignKeys", [])} - {"", None, t}
        for t, s in std.tables.items()
    }
    order: list[str] = []
    remaining = list(std.tables)
    while remaining:
        ready = [t for t in remaining if deps[t] <= set(order)] or remaining[:1]  # a cycle: take the next
        order.append(ready[0])
        remaining.remove(ready[0])
    return order


def required_tables(std: Standard) -> list[str]:
    """Tables every package needs: the one whose key is the package's own locality_id.

    The package profile requires `locality_id` and says it must be a row of that table.
    """
    meta_keys = set(std.profile.get("required", []))
    return [t for t, s in std.tables.items() if s.get("primaryKey") and set(s["primaryKey"]) <= meta_keys]


@dataclass(frozen=True)
class MetaKey:
    """One row of the metadata sheet: a key of datapackage.json (dotted for nested objects)."""

    key: str
    type: str  # JSON Schema type of the property: string, array, object, boolean
    required: bool
    description_zh: str
    description_en: str
    pattern: str | None = None
    codelist: str | None = None
    label_zh: str = ""

    def label(self, lang: str) -> str:
        return (self.label_zh or self.key) if lang == "zh" else self.key


def _short(text: str) -> str:
    """First clause of a description, used as a row label ("数据覆盖期间:年..." -> "数据覆盖期间")."""
    for stop in (":", ":", ",", ",", "(", "(", "。", "."):
        text = text.split(stop)[0]
    return text.strip()


def metadata_keys(std: Standard) -> list[MetaKey]:
    """The metadata rows, from the package profile (resources excluded: the tool writes those)."""
    profile = std.profile
    required = set(profile.get("required", []))
    out: list[MetaKey] = []
    for key, prop in profile.get("properties", {}).items():
        if key in ("resources",):
            continue
        desc_zh = prop.get("zh", {}).get("description", "")
        desc_en = prop.get("description", "")
        if prop.get("type") == "object" and prop.get("properties"):
            sub_required = set(prop.get("required", []))
            for sub, subprop in prop["properties"].items():
                out.append(MetaKey(
                    f"{key}.{sub}", subprop.get("type", "string"), key in required and sub in sub_required,
                    f"{desc_zh}({sub})", f"{desc_en} ({sub})", subprop.get("pattern"),
                    label_zh=f"{_short(desc_zh)}({sub})"))
            continue
        codelist = _codelist_for_key(std, key)
        out.append(MetaKey(key, prop.get("type", "string"), key in required, desc_zh, desc_en,
                           prop.get("pattern"), codelist, label_zh=_short(desc_zh)))
    return out


def _codelist_for_key(std: Standard, key: str) -> str | None:
    """A metadata key takes its dropdown from the codelist of the same name (province_code -> province)."""
    for name in (key, key.removesuffix("_code")):
        if name in std.codelist_registry:
            return name
    return None
