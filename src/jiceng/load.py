"""Loading data packages into pandas for analysis: `load` (one package) and `load_many` (several).

Column types come from the standard's Table Schemas (schemas/tables), codes and their order
from its codelists; nothing here lists fields or codes of its own. Columns the standard does
not know (a locality's extension fields) are kept as text, and codes outside a codelist are
kept as extra categories: loading never drops or changes a value.
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable

import pandas as pd

from .standard import Codelist, Standard, current

DESCRIPTOR = "datapackage.json"
PROVINCE_CODELIST = "province"


# --------------------------------------------------------------------------- errors

class PackageError(ValueError):
    """A package cannot be loaded; the message is in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")


class PackageInvalid(PackageError):
    """The validator found errors in the package; `.report` holds its full report."""

    def __init__(self, path: Path, report):
        self.path = Path(path)
        self.report = report
        errors = list(report.errors)
        lines = []
        for f in errors[:10]:
            where = ".".join(str(x) for x in (f.resource, f.field) if x)
            if f.row is not None:
                where += f" 第{f.row}行/row {f.row}"
            lines.append(f"  - [{f.code}] {where}: {f.message_zh} / {f.message_en}")
        if len(errors) > 10:
            lines.append(f"  … 另有 {len(errors) - 10} 个错误 / {len(errors) - 10} more errors")
        detail = "\n" + "\n".join(lines) if lines else ""
        super().__init__(
            f"数据包 {self.path} 有 {len(errors)} 个错误,拒绝载入(可先运行 jiceng validate 查看,"
            f"或用 validate=False 强制载入)",
            f"package {self.path} has {len(errors)} errors and was not loaded (see `jiceng validate`, "
            f"or pass validate=False to load it anyway){detail}",
        )


class VersionMismatch(PackageError):
    """Packages (or a package and this tool) follow different major versions of the standard."""


class LoadWarning(UserWarning):
    """A value could not be read as its schema type; the column was kept as text."""


# --------------------------------------------------------------------------- codelist dtypes

def _major(version: str) -> str:
    return str(version).split(".")[0]


def codelist_order(codelist: Codelist) -> tuple[list[str], bool]:
    """The codelist's codes in their meaningful order, and whether that order is a ranking.

    A codelist with an `order` column (response options) is ranked by that column within
    each `scale`, lowest first; codes without an order (don't know, refused) come last.
    """
    codes = codelist.codes
    if codelist.rows and "order" in codelist.rows[0]:
        scales = list(dict.fromkeys(r.get("scale", "") for r in codelist.rows))

        def key(r: dict):
            order = r.get("order", "")
            return (order == "", scales.index(r.get("scale", "")), float(order) if order else 0.0)

        return [r["code"] for r in sorted(codelist.rows, key=key)], True
    return codes, codelist.ordered


def codelist_dtype(codelist: Codelist, values: Iterable = ()) -> pd.CategoricalDtype:
    """Categorical dtype of a codelist field: the codelist's codes, then any other codes seen."""
    codes, ordered = codelist_order(codelist)
    known = set(codes)
    extra = [v for v in dict.fromkeys(values) if not _isna(v) and v not in known]
    return pd.CategoricalDtype(codes + [str(v) for v in extra], ordered=ordered)


def _isna(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- typing one table

def _text_series(values, index) -> pd.Series:
    import pyarrow as pa

    return pd.Series(pd.arrays.ArrowStringArray(pa.array(values.cast(str_dtype()).to_arrow()).cast(pa.large_string())),
                     index=index, name=values.name)


def str_dtype():
    import polars as pl

    return pl.String


def _codelist_categories(codelist: Codelist, values) -> tuple[list[str], bool]:
    codes, ordered = codelist_order(codelist)
    known = set(codes)
    extra = [v for v in values.drop_nulls().unique(maintain_order=True).to_list() if v not in known]
    return codes + [str(v) for v in extra], ordered


def _pandas_column(typed, fld: dict, std: Standard, index) -> pd.Series:
    """One typed polars column as the pandas column researchers get (via numpy/Arrow, no reparse)."""
    import polars as pl

    name = typed.name
    kind = fld.get("type", "string")
    cl = fld.get("codelist")
    if cl and cl in std.codelists and typed.dtype == pl.String:
        categories, ordered = _codelist_categories(std.codelists[cl], typed)
        codes = typed.replace_strict(categories, list(range(len(categories))), default=None,
                                     return_dtype=pl.Int32).fill_null(-1).to_numpy()
        return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories, ordered=ordered)),
                         index=index, name=name)
    mask = typed.is_null().to_numpy()
    if kind in ("integer",) and typed.dtype == pl.Int64:
        return pd.Series(pd.arrays.IntegerArray(typed.fill_null(0).to_numpy(), mask), index=index, name=name)
    if kind == "number" and typed.dtype == pl.Float64:
        return pd.Series(typed.to_numpy(), index=index, name=name, dtype="float64")
    if kind == "boolean" and typed.dtype == pl.Boolean:
        return pd.Series(pd.arrays.BooleanArray(typed.fill_null(False).to_numpy(), mask), index=index, name=name)
    if kind == "date" and typed.dtype == pl.Date:
        return pd.Series(typed.cast(pl.Datetime("us")).to_numpy(), index=index, name=name).astype("datetime64[us]")
    return _text_series(typed.cast(pl.String), index)


def _polars_column(typed, fld: dict, std: Standard):
    import polars as pl

    cl = fld.get("codelist")
    if cl and cl in std.codelists and typed.dtype == pl.String:
        categories, _ = _codelist_categories(std.codelists[cl], typed)
        return typed.cast(pl.Enum(categories))
    return typed


def table_frame(table, name: str, std: Standard, engine: str = "pandas"):
    """A table of the validator's frames (jiceng.validation.frames.Table) as researchers get it:
    the core standard's fields typed, in its order (an optional column the file leaves out comes
    back empty, typed); extension fields, values not of their type and other columns as text."""
    import polars as pl

    core = {f["name"]: f for f in std.tables.get(name, {}).get("fields", [])}
    height = table.typed.height
    index = pd.RangeIndex(height)
    columns = {}
    for fld in table.fields:
        fname = fld["name"]
        typed, raw = table.typed.get_column(fname), table.raw.get_column(fname)
        if fname not in core:
            columns[fname] = raw if engine == "polars" else _text_series(raw, index)
            continue
        bad = raw.is_not_null() & typed.is_null()
        if bad.any():
            rows = bad.arg_true()
            first = raw.gather(rows[:1]).to_list()[0]
            what = {"integer": ("整数", "an integer"), "number": ("数值", "a number"), "boolean": ("布尔值", "a boolean"),
                    "date": ("日期", "a date")}.get(fld.get("type", "string"), ("该类型", f"of type {fld.get('type')}"))
            warnings.warn(
                f"{name}.{fname}: 第{int(rows[0]) + 2}行的值“{first}”不是{what[0]},共{len(rows)}个这样的值,该列按文本保留 / "
                f"row {int(rows[0]) + 2} value {first!r} is not {what[1]} ({len(rows)} such values); column kept as text",
                LoadWarning, stacklevel=4)
            columns[fname] = raw if engine == "polars" else _text_series(raw, index)
            continue
        columns[fname] = _polars_column(typed, core[fname], std) if engine == "polars" \
            else _pandas_column(typed, core[fname], std, index)
    if table.extra is not None:
        for c in table.extra.columns:
            if c not in columns:
                col = table.extra.get_column(c)
                columns[c] = col if engine == "polars" else _text_series(col, index)
    if engine == "polars":
        return pl.DataFrame([v.alias(k) for k, v in columns.items()]) if columns else pl.DataFrame()
    return pd.DataFrame(columns, index=index)


def read_table(csv_path: Path, table: str, std: Standard, encoding: str = "utf-8") -> pd.DataFrame:
    """One package CSV as a typed DataFrame, read by the validator's reader and type system."""
    from .validation.reading import ResourceError, Source
    from .validation.reading import read_table as read_csv_table
    from .validation.structure import check_resource
    from .validation.collect import Discard
    from .validation.frames import _table

    try:
        parsed, _ = read_csv_table(Source(path=Path(csv_path)), encoding)
    except ResourceError as exc:
        raise PackageError(f"无法读取 {csv_path}:{exc.message_zh}", f"cannot read {csv_path}: {exc.message_en}") from None
    checked = check_resource(table, parsed, std.table(table), Discard(), std.codelists)
    return table_frame(_table(checked), table, std)


# --------------------------------------------------------------------------- labels

def labelled(df: pd.DataFrame, table: str | None, std: Standard, lang: str = "zh", headers: bool = False) -> pd.DataFrame:
    """A copy of `df` with codes replaced by their zh or en labels (order and unknown codes kept)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"语言须为 zh 或 en / lang must be 'zh' or 'en', not {lang!r}")
    out = df.copy()
    fields = {f["name"]: f for f in std.tables.get(table, {}).get("fields", [])} if table else {}
    lists = {name: fld.get("codelist") for name, fld in fields.items() if fld.get("codelist")}
    for column, name in lists.items():
        if column not in out.columns or name not in std.codelists:
            continue
        codelist = std.codelists[name]
        col = out[column]
        if isinstance(col.dtype, pd.CategoricalDtype):
            labels = [codelist.label(c, lang) for c in col.cat.categories]
            if len(set(labels)) < len(labels):  # two codes share a label: keep them apart
                labels = [f"{lab} ({c})" if labels.count(lab) > 1 else lab for lab, c in zip(labels, col.cat.categories)]
            out[column] = col.cat.rename_categories(labels)
        else:
            out[column] = col.map(lambda c: c if _isna(c) else codelist.label(str(c), lang))
    if headers:
        titles = {name: (fld.get("zh", {}).get("title") if lang == "zh" else fld.get("title")) or name
                  for name, fld in fields.items()}
        out = out.rename(columns=titles)
    return out


# --------------------------------------------------------------------------- one package

@dataclass
class Package:
    """A loaded package: metadata from datapackage.json and one typed DataFrame per table."""

    path: Path
    descriptor: dict
    tables: dict[str, pd.DataFrame]
    standard: Standard
    report: object | None = None  # the validator's report when the package was validated

    @property
    def name(self) -> str:
        return self.descriptor.get("name", self.path.name)

    @property
    def title(self) -> str | None:
        return self.descriptor.get("title")

    @property
    def locality_id(self) -> str | None:
        return self.descriptor.get("locality_id")

    @property
    def locality_name(self) -> str | None:
        return self.descriptor.get("locality_name")

    @property
    def province_code(self) -> str | None:
        return self.descriptor.get("province_code")

    @property
    def province_codes(self) -> list[str]:
        """Every province the package covers (a package may span several; rows carry their own)."""
        return list(self.descriptor.get("province_codes") or ([self.province_code] if self.province_code else []))

    @property
    def province(self) -> str | None:
        """Chinese name of the province (codelist province)."""
        return province_label(self.standard, self.province_code, "zh")

    @property
    def province_en(self) -> str | None:
        return province_label(self.standard, self.province_code, "en")

    @property
    def period(self) -> str | None:
        return self.descriptor.get("period")

    @property
    def schema_version(self) -> str | None:
        return self.descriptor.get("schema_version")

    @property
    def licenses(self) -> list[dict]:
        return list(self.descriptor.get("licenses", []))

    @property
    def licence(self) -> str | None:
        """The first licence's name (or title, or path)."""
        for lic in self.licenses:
            return lic.get("name") or lic.get("title") or lic.get("path")
        return None

    @property
    def publisher(self) -> str | None:
        return (self.descriptor.get("publisher") or {}).get("name")

    @property
    def metadata(self) -> dict:
        return {
            "package": self.name, "title": self.title, "locality_id": self.locality_id,
            "locality_name": self.locality_name, "province_code": self.province_code,
            "province": self.province, "province_codes": ",".join(self.province_codes), "period": self.period,
            "schema_version": self.schema_version, "licence": self.licence, "publisher": self.publisher,
        }

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in self.tables:
            raise KeyError(f"数据包 {self.name} 没有表 {table} / package {self.name} has no table {table!r}; "
                           f"tables: {', '.join(self.tables)}")
        return self.tables[table]

    def __contains__(self, table: str) -> bool:
        return table in self.tables

    def labels(self, table: str, lang: str = "zh", headers: bool = False) -> pd.DataFrame:
        """Table `table` with codes replaced by Chinese (zh) or English (en) labels; headers too if asked."""
        df = self[table]
        if not isinstance(df, pd.DataFrame):  # engine="polars"
            df = df.to_pandas()
        return labelled(df, table, self.standard, lang, headers)

    def summary(self) -> pd.DataFrame:
        """One row per table: name, Chinese title, rows, columns."""
        rows = []
        for name, df in self.tables.items():
            schema = self.standard.tables.get(name, {})
            rows.append({"table": name, "title_zh": schema.get("zh", {}).get("title"),
                         "rows": len(df), "columns": len(df.columns)})
        return pd.DataFrame(rows)

    def locality_names(self, lang: str = "zh") -> dict[str, str]:
        """locality_id -> name (or name_en) from the localities table, plus the package's own locality."""
        names = {}
        if self.locality_id:
            names[self.locality_id] = self.locality_name
        loc = self.tables.get("localities")
        if loc is not None and "locality_id" in loc:
            column = "name_en" if lang == "en" and "name_en" in loc else "name"
            for lid, name, zh in zip(loc["locality_id"], loc.get(column, loc["locality_id"]), loc.get("name", loc["locality_id"])):
                if not _isna(lid):
                    names[str(lid)] = str(name) if not _isna(name) else (str(zh) if not _isna(zh) else None)
        return names

    def __repr__(self) -> str:
        sizes = ", ".join(f"{t}={len(df)}" for t, df in self.tables.items())
        return (f"<Package {self.name}: {self.locality_name} ({self.locality_id}), {self.province}, "
                f"period {self.period}, standard {self.schema_version}; {sizes}>")


def province_label(std: Standard, code: str | None, lang: str = "zh") -> str | None:
    if code is None or _isna(code):
        return None
    codelist = std.codelists.get(PROVINCE_CODELIST)
    if codelist is None or str(code) not in codelist.codes:
        return None
    return codelist.label(str(code), lang)


def _standard(standard) -> Standard:
    if standard is None:
        return current()
    if isinstance(standard, Standard):
        return standard
    return Standard.from_schemas(standard)


def _package_dir(path) -> Path:
    path = Path(path)
    if path.name == DESCRIPTOR and path.is_file():
        return path.parent
    if not (path / DESCRIPTOR).is_file():
        raise PackageError(f"{path} 不是数据包:找不到 {DESCRIPTOR}", f"{path} is not a data package: no {DESCRIPTOR} found")
    return path


def _read_descriptor(folder: Path) -> dict:
    from .validation.reading import special_file

    kind = special_file(folder / DESCRIPTOR)
    if kind:  # a pipe would block for ever: never opened
        raise PackageError(f"{folder / DESCRIPTOR} 不是普通文件({kind}),不会打开", f"{folder / DESCRIPTOR} is not a regular file ({kind}); not opened")
    try:
        descriptor = json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))
    except RecursionError:
        raise PackageError(f"{folder / DESCRIPTOR} 嵌套过深,无法读取", f"{folder / DESCRIPTOR} is nested too deeply to read") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"无法读取 {folder / DESCRIPTOR}:{exc}", f"cannot read {folder / DESCRIPTOR}: {exc}") from None
    if not isinstance(descriptor, dict):
        raise PackageError(f"{folder / DESCRIPTOR} 不是 JSON 对象", f"{folder / DESCRIPTOR} is not a JSON object")
    return descriptor


def _check_major(folder: Path, descriptor: dict, std: Standard) -> None:
    version = str(descriptor.get("schema_version", ""))
    if _major(version) != _major(std.version):
        raise VersionMismatch(
            f"数据包 {folder} 遵循标准 {version or '(未注明)'},与本工具的标准 {std.version} 主版本不同,无法载入",
            f"package {folder} follows standard {version or '(not stated)'}, a different major version from "
            f"this tool's standard {std.version}; it cannot be loaded",
        )


def _run_validator(folder: Path, standard):
    """The validator's report. Imported here so that loading without validation needs nothing more."""
    try:
        from .validation import validate
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name != "jiceng.validation":
            raise  # a dependency of the validator is missing: show it as it is
        raise PackageError("校验器不可用,无法校验后载入;可用 validate=False(命令行 --no-validate)载入",
                           "the validator is not available; pass validate=False (--no-validate) to load "
                           f"without validation ({exc})") from None
    return validate(folder) if standard is None else validate(folder, standard=standard)


def load(path, *, validate: bool = True, standard=None, engine: str = "pandas") -> Package:
    """Load one package (a folder holding datapackage.json, or that file).

    With validate=True (the default) the package is checked first with `jiceng.validate` and
    refused with `PackageInvalid` (carrying the report) when it has errors; the tables are then
    the frames the validator read (nothing is parsed twice). Without validation the files are
    read by the same reader and typed by the same rules. `standard` is a `Standard` or a
    schemas folder; default: the installed standard. `engine="polars"` gives polars frames
    (codelist fields as `pl.Enum`) instead of pandas ones.
    """
    if engine not in ("pandas", "polars"):
        raise ValueError(f"engine 须为 pandas 或 polars / engine must be 'pandas' or 'polars', not {engine!r}")
    folder = _package_dir(path)
    std = _standard(standard)
    descriptor = _read_descriptor(folder)
    _check_major(folder, descriptor, std)
    try:
        from .validation.frames import FramesError, package_frames
        from .validation.structure import restore_pandera_pandas
    except ImportError as exc:
        raise PackageError("无法载入读取器", f"the reader is not available ({exc})") from None
    restore_pandera_pandas()
    try:
        report, descriptor, frames = package_frames(folder, std, validate=validate)
    except FramesError as exc:
        if exc.code == "RESOURCE_FILE_MISSING":
            missing = re.search(r"resource file (\S+) not found", exc.message_en)
            rel = missing.group(1) if missing else ""
            raise PackageError(f"数据包 {folder} 缺少文件 {rel}", f"package {folder} lacks file {rel}") from None
        raise PackageError(f"无法读取数据包 {folder}:{exc.message_zh}", f"cannot read package {folder}: {exc.message_en}") from None
    if report is not None and not report.valid:
        raise PackageInvalid(folder, report)
    tables = {}
    for resource in descriptor.get("resources", []):
        name = resource.get("name") if isinstance(resource, dict) else None
        if name in frames and name not in tables:
            tables[name] = table_frame(frames[name], name, std, engine)
    return Package(folder, descriptor, tables, std, report)


# --------------------------------------------------------------------------- several packages

def _expand(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out = []
    for p in paths:
        p = Path(p)
        if (p / DESCRIPTOR).is_file() or (p.name == DESCRIPTOR and p.is_file()):
            out.append(_package_dir(p))
        elif p.is_dir():
            found = sorted(d for d in p.iterdir() if d.is_dir() and (d / DESCRIPTOR).is_file())
            if not found:
                raise PackageError(f"文件夹 {p} 中没有数据包", f"no data packages in folder {p}")
            out.extend(found)
        else:
            raise PackageError(f"找不到 {p}", f"{p} does not exist")
    if not out:
        raise PackageError("没有给出数据包", "no packages given")
    return out


@dataclass
class PackageSet:
    """Several packages together; `.tables` concatenates each table with grouping columns."""

    packages: list[Package]
    standard: Standard

    def __iter__(self):
        return iter(self.packages)

    def __len__(self) -> int:
        return len(self.packages)

    def package(self, name: str) -> Package:
        for p in self.packages:
            if p.name == name:
                return p
        raise KeyError(f"没有数据包 {name} / no package {name!r}")

    @property
    def metadata(self) -> pd.DataFrame:
        """One row per package."""
        return pd.DataFrame([p.metadata for p in self.packages])

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        names = list(dict.fromkeys(t for p in self.packages for t in p.tables))
        return {t: self._concat(t) for t in names}

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in self.tables:
            raise KeyError(f"没有数据包含有表 {table} / no package has table {table!r}")
        return self.tables[table]

    def labels(self, table: str, lang: str = "zh", headers: bool = False) -> pd.DataFrame:
        out = labelled(self[table], table, self.standard, lang, headers)
        if lang == "en" and "province_code" in self[table]:
            out["province"] = [province_label(self.standard, c, "en") for c in self[table]["province_code"]]
        return out

    def _concat(self, table: str) -> pd.DataFrame:
        frames = []
        for p in self.packages:
            if table not in p.tables:
                continue
            df = p.tables[table].copy()
            if "locality_id" not in df.columns:
                # the locality of the record's parent (a staff member's grid, a row's meeting or survey), else the package's
                derived = _locality_through_keys(p, table, df)
                df["locality_id"] = derived.fillna(p.locality_id).astype("string")
            codes = [_province_of(self.standard, lid, p.province_code) for lid in df["locality_id"]]
            df["province_code"] = pd.Series(codes, index=df.index, dtype="string")
            df["province"] = pd.Series([province_label(self.standard, c) for c in codes], index=df.index, dtype="string")
            df.insert(0, "package", pd.Series(p.name, index=df.index, dtype="string"))
            # identifiers are unique only within a package: `uid` is unique across packages (package/primary key)
            key = self.standard.tables.get(table, {}).get("primaryKey") or []
            key = [key] if isinstance(key, str) else [k for k in key if k in df.columns]
            if key:
                parts = [df[k].astype("string").fillna("") for k in key]
                uid = parts[0]
                for part in parts[1:]:
                    uid = uid + "/" + part
                df.insert(1, "uid", (p.name + "/" + uid).astype("string"))
            frames.append(df)
        return _concat_typed(frames)

    def __repr__(self) -> str:
        return f"<PackageSet of {len(self)}: {', '.join(p.name for p in self.packages)}>"


def _locality_through_keys(pkg: Package, table: str, df: pd.DataFrame, depth: int = 0) -> pd.Series:
    """locality_id of each row's parent record, following the table's single-field foreign keys
    (grid_staff → grids, meeting_participation → meetings, agenda_ratings → agenda_items → meetings …)."""
    out = pd.Series(pd.NA, index=df.index, dtype="string")
    if depth > 4:
        return out
    for fk in pkg.standard.tables.get(table, {}).get("foreignKeys", []):
        fields = fk.get("fields")
        fields = [fields] if isinstance(fields, str) else list(fields or [])
        ref = fk.get("reference", {})
        parent = ref.get("resource") or table
        remote = ref.get("fields")
        remote = [remote] if isinstance(remote, str) else list(remote or [])
        if len(fields) != 1 or parent == table or parent not in pkg.tables or fields[0] not in df.columns:
            continue
        pdf = pkg.tables[parent]
        if remote[0] not in pdf.columns:
            continue
        if "locality_id" in pdf.columns:
            plocal = pdf["locality_id"].astype("string")
        else:
            plocal = _locality_through_keys(pkg, parent, pdf, depth + 1)
        mapping = dict(zip(pdf[remote[0]].astype("string"), plocal))
        found = df[fields[0]].astype("string").map(mapping).astype("string")
        out = out.fillna(found)
    return out


def _province_of(std: Standard, locality_id, fallback: str | None) -> str | None:
    """Province of a locality: the first two digits of its NBS-based identifier, else the package's."""
    if not _isna(locality_id):
        code = str(locality_id)[:2]
        if code in std.codelists[PROVINCE_CODELIST].codes:
            return code
    return fallback


def _concat_typed(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames keeping each column's type: categories are united, absent columns become missing."""
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    dtypes = {}
    for c in columns:
        kinds = [f[c].dtype for f in frames if c in f.columns]
        cats = [k for k in kinds if isinstance(k, pd.CategoricalDtype)]
        if cats:
            values = [v for k in cats for v in k.categories]
            dtypes[c] = pd.CategoricalDtype(list(dict.fromkeys(values)), ordered=cats[0].ordered)
        elif all(k == kinds[0] for k in kinds):
            dtypes[c] = kinds[0]
        elif all(pd.api.types.is_integer_dtype(k) for k in kinds):
            dtypes[c] = pd.Int64Dtype()
        elif all(pd.api.types.is_numeric_dtype(k) and not pd.api.types.is_bool_dtype(k) for k in kinds):
            dtypes[c] = "float64"
        elif all(pd.api.types.is_datetime64_any_dtype(k) for k in kinds):
            dtypes[c] = "datetime64[us]"
        else:  # the same field typed differently (e.g. kept as text in one package): keep as text
            dtypes[c] = pd.StringDtype()
    fixed = []
    for f in frames:
        f = f.copy()
        for c in columns:
            if c not in f.columns:
                f[c] = pd.Series(pd.NA if not str(dtypes[c]).startswith("datetime") else pd.NaT, index=f.index).astype(dtypes[c])
            elif f[c].dtype != dtypes[c]:
                f[c] = f[c].astype("string").astype(dtypes[c]) if isinstance(dtypes[c], pd.StringDtype) else f[c].astype(dtypes[c])
        fixed.append(f[columns])
    return pd.concat(fixed, ignore_index=True)


def load_many(paths, *, validate: bool = True, standard=None) -> PackageSet:
    """Load several packages: a folder of package folders, a package folder, or a list of either.

    Packages of different minor versions of the standard load together; a different major
    version is refused with `VersionMismatch`.
    """
    std = _standard(standard)
    folders = _expand(paths)
    versions = {f: str(_read_descriptor(f).get("schema_version", "")) for f in folders}
    majors = {_major(v) for v in versions.values()}
    if len(majors) > 1:
        listing = "; ".join(f"{f.name}: {v}" for f, v in versions.items())
        raise VersionMismatch(f"数据包遵循的标准主版本不同,不能合并:{listing}",
                              f"packages follow different major versions of the standard and cannot be combined: {listing}")
    packages = [load(f, validate=validate, standard=standard) for f in folders]
    names = [p.name for p in packages]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PackageError(f"数据包名称重复:{', '.join(dupes)}", f"duplicate package names: {', '.join(dupes)}")
    return PackageSet(packages, std)
