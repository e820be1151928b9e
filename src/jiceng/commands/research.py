"""`jiceng compare`: the indicator table of a set of packages, as CSV or Markdown."""
from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer


class Format(str, Enum):
    csv = "csv"
    markdown = "markdown"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}"
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(df) -> str:
    """A pipe table; numbers with at most two decimals, missing values empty."""
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "|".join("---" for _ in df.columns) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def to_markdown_by_level(df) -> str:
    """One pipe table per level (like is compared with like), then the packages' local indicators,
    which are never compared across packages. Columns empty in a table are left out."""
    parts = []
    catalogue = df[df["catalogue"].astype(bool)] if "catalogue" in df else df
    local = df[~df["catalogue"].astype(bool)] if "catalogue" in df else df.iloc[0:0]
    levels = list(dict.fromkeys(catalogue["level"].fillna("")))
    for level in levels:
        rows = catalogue[catalogue["level"].fillna("") == level]
        packages = rows["package"].nunique()
        parts.append(f"## 层级 level: {level or '—'}({packages} 个数据包 / {packages} packages;只与同一层级比较 / "
                     f"compare only within one level)\n")
        parts.append(to_markdown(rows.loc[:, rows.notna().any(axis=0)]))
    if len(local):
        parts.append("## 本地指标 Local indicators(各数据包自定义,不跨数据包比较 / defined by each package, "
                     "never compared across packages)\n")
        parts.append(to_markdown(local.loc[:, local.notna().any(axis=0)]))
    return "\n".join(parts)


def compare_table(paths, lang: str = "zh", validate: bool = True, by: str = "package"):
    from ..indicators import indicators
    from ..load import load_many

    return indicators(load_many(paths, validate=validate), lang=lang, by=by)


class By(str, Enum):
    package = "package"
    locality = "locality"
    grid = "grid"


def register(app: typer.Typer, schema_app: typer.Typer) -> None:
    @app.command("compare")
    def compare(
        paths: List[Path] = typer.Argument(..., help="数据包文件夹,或装有多个数据包的文件夹 / package folders, or a folder of packages"),
        fmt: Format = typer.Option(Format.csv, "--format", "-f", help="输出格式 / output format"),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="输出文件(默认标准输出)/ output file (default: stdout)"),
        lang: Lang = typer.Option(Lang.zh, "--lang", help="地名、省名的语言 / language of locality and province names"),
        no_validate: bool = typer.Option(False, "--no-validate", help="不先校验数据包 / do not validate the packages first"),
        by: By = typer.Option(By.package, "--by", help="层级:数据包本级、各下级地方或各网格 / level: each package's own "
                              "locality, every sub-locality too, or every grid"),
    ) -> None:
        """比较各地指标:计算值与公布值 / Compare indicators across packages: computed and reported values."""
        from ..indicators import IndicatorError
        from ..load import PackageError, PackageInvalid

        try:
            table = compare_table(paths, lang.value, validate=not no_validate, by=by.value)
        except PackageInvalid as exc:
            typer.echo(f"✗ {exc}", err=True)
            raise typer.Exit(1)
        except (PackageError, IndicatorError) as exc:
            typer.echo(f"✗ {exc}", err=True)
            raise typer.Exit(2)
        text = table.to_csv(index=False) if fmt is Format.csv else to_markdown_by_level(table)
        levels = sorted(set(table.loc[table["catalogue"].astype(bool), "level"].dropna())) if len(table) else []
        if len(levels) > 1:
            typer.echo(f"注意:各行层级不同({'、'.join(levels)}),只比较同一层级(level 列)/ note: rows are at different "
                       f"levels ({', '.join(levels)}); compare only rows of one level (column level)", err=True)
        if output is None:
            typer.echo(text, nl=False)
            return
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            # CSV meant for Excel: a byte-order mark so that Excel on Chinese Windows reads UTF-8
            output.write_text(text, encoding="utf-8-sig" if fmt is Format.csv else "utf-8")
        except OSError as exc:
            typer.echo(f"✗ 无法写入 {output}:{exc} / cannot write {output}: {exc}", err=True)
            raise typer.Exit(2)
        packages = table["package"].nunique()
        typer.echo(f"✓ {len(table)} 行指标({packages} 个数据包)已写入 {output} / "
                   f"{len(table)} indicator rows from {packages} packages written to {output}", err=True)
