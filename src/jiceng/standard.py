"""The standard as data: reads schemas/ (tables, codelists, indicator catalogue, profile, version).

Everything else in jiceng derives field lists, codes and labels from here; nothing else
opens schemas/ directly.
"""
from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

# The codelist named "indicator" is the indicator catalogue rather than a CSV.
CATALOGUE_CODELIST = "indicator"


def _find_root() -> Path:
    """Folder holding schemas/ and validators/: the installed copy, else the source checkout."""
    env = os.environ.get("JICENG_STANDARD_ROOT")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "standard_data", here.parents[1]):
        if (candidate / "schemas" / "standard.json").is_file():
            return candidate
    raise FileNotFoundError("schemas/standard.json not found next to the jiceng package")


@dataclass(frozen=True)
class Codelist:
    name: str
    meta: dict
    rows: list[dict]

    @property
    def closed(self) -> bool:
        return bool(self.meta.get("closed"))

    @property
    def ordered(self) -> bool:
        return bool(self.meta.get("ordered"))

    @property
    def codes(self) -> list[str]:
        return [r["code"] for r in self.rows]

    def label(self, code: str, lang: str = "zh") -> str:
        for r in self.rows:
            if r["code"] == code:
                return r[lang]
        return code

    def flagged(self, column: str) -> list[str]:
        """Codes whose extra column (e.g. case_status.closed) is 'true'."""
        return [r["code"] for r in self.rows if str(r.get(column, "")).lower() == "true"]


@dataclass
class Standard:
    """One version of the standard, read from a folder that holds schemas/ (and validators/)."""

    root: Path
    schemas_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.schemas_dir = self.root / "schemas" if (self.root / "schemas").is_dir() else self.root

    @classmethod
    def from_schemas(cls, schemas_dir: str | Path) -> "Standard":
        return cls(Path(schemas_dir))

    @cached_property
    def info(self) -> dict:
        return _read_json(self.schemas_dir / "standard.json")

    @property
    def version(self) -> str:
        return self.info["version"]

    @cached_property
    def tables(self) -> dict[str, dict]:
        """Table name -> Table Schema descriptor, in file-name order."""
        out = {}
        for path in sorted((self.schemas_dir / "tables").glob("*.json")):
            out[path.stem] = _read_json(path)
        return out

    def table(self, name: str) -> dict:
        return self.tables[name]

    def fields(self, table: str) -> list[dict]:
        return self.tables[table]["fields"]

    def field_names(self, table: str) -> list[str]:
        return [f["name"] for f in self.fields(table)]

    @cached_property
    def codelist_registry(self) -> dict[str, dict]:
        return _read_json(self.schemas_dir / "codelists.json")["codelists"]

    @cached_property
    def codelists(self) -> dict[str, Codelist]:
        out = {}
        for name, meta in self.codelist_registry.items():
            path = self.schemas_dir / meta["path"]
            with open(path, encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
            out[name] = Codelist(name, meta, rows)
        out[CATALOGUE_CODELIST] = Codelist(
            CATALOGUE_CODELIST,
            {"closed": False, "ordered": False, "title": "Indicator", "zh": {"title": "指标"}},
            [
                {"code": i["code"], "zh": i["zh"]["title"], "en": i["title"],
                 "description_zh": i["zh"]["description"], "description_en": i["description"]}
                for i in self.catalogue
            ],
        )
        return out

    def codelist(self, name: str) -> Codelist:
        return self.codelists[name]

    @cached_property
    def catalogue(self) -> list[dict]:
        return _read_json(self.schemas_dir / "indicators.json")["indicators"]

    @cached_property
    def indicator_by_code(self) -> dict[str, dict]:
        return {i["code"]: i for i in self.catalogue}

    @cached_property
    def profile(self) -> dict:
        return _read_json(self.schemas_dir / "datapackage.profile.json")

    @property
    def rules_dir(self) -> Path:
        return self.root / "validators"


def _read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def current() -> Standard:
    """The standard shipped with this installation of jiceng."""
    return Standard(_find_root())
