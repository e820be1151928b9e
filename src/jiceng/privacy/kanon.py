"""Indirect identifiers: k-anonymity over the quasi-identifiers declared in
validators/privacy/quasi_identifiers.yaml.

A combination of quasi-identifier values (gender, age band, locality, role …) shared by fewer
than k persons may single one of them out (GB/T 37964-2019: re-identification risk; PIPL Art. 73:
only data that cannot identify a person, even combined, is anonymised). Findings give the
combination and the number of persons, never the records.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

SMALL_GROUP_CODE = "PRIVACY_SMALL_GROUP"
DEFAULT_K = 3
CONFIG_NAME = Path("privacy") / "quasi_identifiers.yaml"


@dataclass
class TableConfig:
    table: str
    subject: list[str]
    quasi_identifiers: list[str]
    where: dict = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Every column the check reads: subject, quasi-identifiers and the `where` fields."""
        return list(dict.fromkeys([*self.subject, *self.quasi_identifiers, *self.where]))


@dataclass
class Config:
    k: int = DEFAULT_K
    tables: dict[str, TableConfig] = field(default_factory=dict)


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def load_config(std=None) -> Config:
    """The declaration beside the standard's rules (validators/privacy/), else the installed one's."""
    import yaml

    folders = []
    if std is not None:
        try:
            from ..validation.rules import rules_dir

            folder = rules_dir(std)
            if folder is not None:
                folders.append(folder)
        except Exception:
            pass
    try:
        from ..standard import current

        folders.append(current().rules_dir)
    except Exception:
        pass
    for folder in folders:
        path = Path(folder) / CONFIG_NAME
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return parse_config(data)
    return Config()


def parse_config(data: dict) -> Config:
    cfg = Config(k=int(data.get("k", DEFAULT_K)) if isinstance(data, dict) else DEFAULT_K)
    for table, spec in ((data or {}).get("tables") or {}).items():
        if not isinstance(spec, dict):
            continue
        cfg.tables[str(table)] = TableConfig(str(table), _as_list(spec.get("subject")),
                                             _as_list(spec.get("quasi_identifiers")),
                                             spec.get("where") if isinstance(spec.get("where"), dict) else {})
    return cfg


@dataclass
class Group:
    values: dict[str, str | None]  # quasi-identifier -> value
    persons: int

    def describe(self) -> str:
        return ", ".join(f"{k}={'(空 blank)' if v is None else v}" for k, v in self.values.items())


@dataclass
class TableRisk:
    table: str
    quasi_identifiers: list[str]
    persons: int
    groups: int
    small: list[Group]  # combinations shared by fewer than k persons, smallest first
    k: int

    @property
    def persons_at_risk(self) -> int:
        return sum(g.persons for g in self.small)

    @property
    def share_at_risk(self) -> float:
        return self.persons_at_risk / self.persons if self.persons else 0.0

    @property
    def max_risk(self) -> float:
        """Prosecutor risk of the most exposed person: 1 / size of the smallest group."""
        return 1.0 / self.min_group if self.min_group else 0.0

    @property
    def average_risk(self) -> float:
        """Average prosecutor risk over the persons: groups / persons."""
        return self.groups / self.persons if self.persons else 0.0

    min_group: int = 0

    def to_dict(self) -> dict:
        return {"table": self.table, "quasi_identifiers": self.quasi_identifiers, "k": self.k, "persons": self.persons,
                "groups": self.groups, "smallest_group": self.min_group, "groups_below_k": len(self.small),
                "persons_below_k": self.persons_at_risk, "share_below_k": round(self.share_at_risk, 4),
                "max_risk": round(self.max_risk, 4), "average_risk": round(self.average_risk, 4),
                "small_groups": [{"combination": g.values, "persons": g.persons} for g in self.small]}


def table_risk(df: pl.DataFrame, spec: TableConfig, k: int) -> TableRisk | None:
    """k-anonymity of one table (columns as text). None when the table lacks the fields."""
    qis = [q for q in spec.quasi_identifiers if q in df.columns]
    if not qis:
        return None
    for fname, wanted in spec.where.items():
        if fname in df.columns:
            df = df.filter(pl.col(fname).cast(pl.String) == str(wanted))
    subject = [s for s in spec.subject if s in df.columns]
    cols = list(dict.fromkeys(qis + subject))
    frame = df.select([pl.col(c).cast(pl.String) for c in cols])
    if subject:  # one person, several rows: the person's first combination counts once
        frame = frame.filter(pl.all_horizontal([pl.col(s).is_not_null() for s in subject]) | pl.lit(not subject))
        frame = frame.unique(subset=subject, keep="first", maintain_order=True)
    if frame.height == 0:
        return TableRisk(spec.table, qis, 0, 0, [], k)
    counts = frame.group_by(qis, maintain_order=True).len(name="persons").sort("persons")
    small_rows = counts.filter(pl.col("persons") < k)
    small = [Group({q: r[q] for q in qis}, int(r["persons"])) for r in small_rows.iter_rows(named=True)]
    risk = TableRisk(spec.table, qis, frame.height, counts.height, small, k)
    risk.min_group = int(counts["persons"].min())
    return risk


def check(tables: dict[str, pl.DataFrame], cfg: Config, k: int | None = None) -> list[TableRisk]:
    k = k or cfg.k
    out = []
    for name, spec in cfg.tables.items():
        df = tables.get(name)
        if df is None:
            continue
        risk = table_risk(df, spec, k)
        if risk is not None:
            out.append(risk)
    return out
