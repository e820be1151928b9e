"""`jiceng template`, `jiceng import`, `jiceng export`: the publishers' door into the standard."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer, schema_app: typer.Typer) -> None:
    app.command("template")(template)
    app.command("import")(import_)
    app.command("export")(export)


def _lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        typer.echo(f"--lang 只能是 zh 或 en / --lang must be zh or en, not {lang!r}", err=True)
        raise typer.Exit(2)
    return lang


def template(
    out: Path = typer.Option(..., "-o", "--output", help="输出的 .xlsx 文件 / workbook to write"),
    tables: Optional[List[str]] = typer.Option(None, "--tables", help="只包含这些表(可重复或用逗号分隔;必填表总会包含)/ only these tables (repeat or comma-separate; required tables are always in)"),
    lang: str = typer.Option("zh", "--lang", help="zh 或 en / zh or en"),
) -> None:
    """生成 Excel/WPS 填报模板 / Write the Excel/WPS template workbook."""
    from ..publish.template import TableChoiceError, write_template

    try:
        path = write_template(out, tables, _lang(lang))
    except TableChoiceError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2)
    except OSError as exc:
        typer.echo(f"无法写入 / cannot write {out}: {exc}", err=True)
        raise typer.Exit(2)
    typer.echo(f"✓ 模板已写入 / template written: {path}")


FINDINGS_PER_KIND = 5  # import notes printed per kind; --annotate and the web page list all


def _print_findings(findings) -> None:
    marks = {"ERROR": "✗", "WARNING": "!", "INFO": "·"}
    shown: dict[str, int] = {}
    for f in findings:
        shown[f.code] = shown.get(f.code, 0) + 1
        if shown[f.code] > FINDINGS_PER_KIND:
            continue
        typer.echo(f"  {marks.get(f.severity, '-')} {f.severity} {f.message_zh}")
        typer.echo(f"      {f.message_en}")
    for code, n in shown.items():
        if n > FINDINGS_PER_KIND:
            typer.echo(f"  … {code}:另有 {n - FINDINGS_PER_KIND} 条(--annotate 标注工作簿中有全部)/ "
                       f"{n - FINDINGS_PER_KIND} more (all of them in the --annotate workbook)")


def _print_changes(changes, table_label, columns=None) -> None:
    """Normalisations by table, column and kind: the count and two examples each."""
    from ..publish.importer import shown, summarise_changes
    from ..publish.normalise import KINDS

    for g in summarise_changes(changes):
        words = "、".join(KINDS[k][0] for k in g.kinds) + " / " + ", ".join(KINDS[k][1] for k in g.kinds)
        examples = []
        for c in g.examples:
            where = f"{c.source}!{_cell_of(c, columns or {})}" if c.row else "推出 / derived"
            examples.append(f"“{shown(c.before)}” → “{shown(c.after)}” ({where})")
        typer.echo(f"  {table_label(g.table)} · {g.field}: {words} ×{g.count}")
        typer.echo(f"      例 e.g. {';'.join(examples)}")


def _cell_of(change, columns) -> str:
    from ..publish.workbook import col_letters

    col = columns.get(change.table, {}).get(change.field)
    return f"{col_letters(col)}{change.row}" if col else f"{change.row}"


def _print_row_notes(result) -> None:
    """The report counts rows of the package's CSV files; say where they are in the workbook."""
    rows_by_table: dict[str, set[int]] = defaultdict(set)
    for f in result.report.errors:
        if f.resource in result.row_sources and f.row is not None and f.row >= 2:
            rows_by_table[f.resource].add(f.row)
    for table, rows in rows_by_table.items():
        source, source_rows = result.row_sources[table]
        offsets = {r - i for i, r in enumerate(source_rows, start=2)}
        if offsets == {0}:
            continue
        if len(offsets) == 1:
            off = offsets.pop()
            typer.echo(f"  行号 / rows: {table} 的第 N 行即“{source}”第 N+{off} 行 / "
                       f"row N of {table} is row N+{off} of '{source}'")
            continue
        pairs = []
        for r in sorted(rows):
            where = result.source_row(table, r)
            if where:
                pairs.append(f"{r}→{where[1]}")
        typer.echo(f"  行号 / rows: {table} → “{source}”: " + ", ".join(pairs))


def import_(
    source: Path = typer.Argument(..., help="填好的 .xlsx 工作簿,或 CSV 文件夹 / filled .xlsx workbook or folder of CSV files"),
    out: Path = typer.Option(..., "-o", "--output", help="输出的数据包文件夹 / package folder to write"),
    name: Optional[str] = typer.Option(None, "--name", help="数据包机器名 / package machine name"),
    title: Optional[str] = typer.Option(None, "--title", help="数据包中文标题 / package title (Chinese)"),
    title_en: Optional[str] = typer.Option(None, "--title-en", help="英文标题 / English title"),
    locality_id: Optional[str] = typer.Option(None, "--locality-id", "--locality", help="地方标识(12 位统计用区划代码等)/ locality id"),
    locality_name: Optional[str] = typer.Option(None, "--locality-name", help="地方名称 / locality name"),
    province_code: Optional[str] = typer.Option(None, "--province-code", help="两位省级代码 / two-digit province code"),
    period: Optional[str] = typer.Option(None, "--period", help="数据期间,如 2023 或 2023-H1 / period, e.g. 2023"),
    publisher: Optional[str] = typer.Option(None, "--publisher", help="发布机构 / publishing office"),
    licence: Optional[str] = typer.Option(None, "--licence", "--license", help="数据许可,如 CC-BY-4.0 / data licence"),
    changes_csv: Optional[Path] = typer.Option(None, "--changes", help="把每一处规范化(填写的值和存储的值)逐行写入此 CSV(带 BOM,Excel 可直接打开)/ write every normalisation (typed and stored value) to this CSV (with BOM for Excel)"),
    annotate: Optional[Path] = typer.Option(None, "--annotate", help="写出标注了所有问题的工作簿副本(问题单元格着色并加批注,首页为问题清单)/ write a copy of the workbook with every problem cell coloured and commented, and a first sheet listing them"),
    force: bool = typer.Option(False, "--force", help="替换输出文件夹中已有的数据包(新数据包完整写出后才替换)/ replace a package already in the output folder (only once the new one is complete)"),
    validate: bool = typer.Option(True, "--validate/--no-validate", help="写出后校验数据包 / validate the written package"),
    lang: str = typer.Option("zh", "--lang", help="校验报告的语言 zh 或 en / language of the validation report"),
) -> None:
    """把填好的工作簿或 CSV 文件夹导入为数据包并校验 / Import a filled workbook or CSV folder as a package, then validate it.

    退出码 / exit codes: 0 通过 ok; 1 数据包有错误 the package has errors; 2 无法读取输入 the input could not be read.
    """
    from ..publish.importer import import_path, write_changes_csv

    lang = _lang(lang)
    overrides = {
        "name": name, "title": title, "title_en": title_en, "locality_id": locality_id,
        "locality_name": locality_name, "province_code": province_code, "period": period,
        "publisher.name": publisher, "licenses": licence,
    }
    typer.echo(f"读取 / reading: {source}")
    result = import_path(source, out, {k: v for k, v in overrides.items() if v}, validate=validate, force=force)
    if result.refused:
        typer.echo("✗ 无法导入,未写出数据包 / cannot import; no package written:", err=True)
        for f in result.findings:
            typer.echo(f"  ✗ {f.message_zh}\n      {f.message_en}", err=True)
        raise typer.Exit(2)
    from ..validation.report import Clerk

    clerk = Clerk()
    for table, n in result.rows.items():
        typer.echo(f"  {clerk.table_label(table, lang)}: {n} 行 / rows")
    typer.echo(f"规范化 / normalisations: {len(result.changes)}"
               + ("(按表、列和类型汇总,每类两个例子;完整清单请加 --changes 文件.csv / by table, column and kind, "
                  "two examples each; the full list with --changes FILE.csv)" if result.changes and not changes_csv else ""))
    _print_changes(result.changes, lambda t: clerk.table_label(t, lang) if t != "metadata" else "元数据 / metadata",
                   result.columns)
    if changes_csv:
        try:
            write_changes_csv(result.changes, changes_csv)
            typer.echo(f"  逐行清单 / full list: {changes_csv}")
        except OSError as exc:
            typer.echo(f"✗ 无法写入 / cannot write {changes_csv}: {exc}", err=True)
    if result.findings:
        typer.echo(f"导入提示 / import notes: {len(result.findings)}")
        _print_findings(result.findings)
    typer.echo(f"✓ 数据包已写入 / package written: {result.package_dir}")
    if result.report is not None:
        typer.echo(result.report.to_text(lang).rstrip("\n"))
        _print_row_notes(result)
    if annotate is not None:
        _annotate(source, result, annotate, lang)
    code = result.exit_code
    if code:
        typer.echo("✗ 数据包有错误,请修改工作簿后重新导入 / the package has errors: correct the workbook and import again", err=True)
    raise typer.Exit(code)


def _annotate(source: Path, result, out: Path, lang: str) -> None:
    from ..publish.clerk import annotate, problems

    if result.source_kind != "sheet":
        typer.echo("  标注工作簿只适用于 .xlsx 输入 / --annotate needs an .xlsx workbook as input", err=True)
        return
    try:
        annotate(source, problems(result), out, lang)
    except Exception as exc:
        typer.echo(f"✗ 无法写出标注工作簿 / cannot write the annotated workbook {out}: {type(exc).__name__}", err=True)
        return
    typer.echo(f"  标注工作簿 / annotated workbook: {out}")


def export(
    package: Path = typer.Argument(..., help="数据包文件夹 / package folder"),
    out: Path = typer.Option(..., "-o", "--output", help="输出的 .xlsx 文件 / workbook to write"),
    lang: str = typer.Option("zh", "--lang", help="zh 或 en / zh or en"),
    force: bool = typer.Option(False, "--force", help="替换已有的同名文件 / replace an existing file"),
) -> None:
    """把数据包写回填报模板的格式,便于修改后重新导入 / Write a package back into the template workbook."""
    from ..publish.exporter import ExportRefused, export_package

    try:
        path = export_package(package, out, _lang(lang), force=force)
    except ExportRefused as exc:
        for f in exc.findings:
            typer.echo(f"✗ {f.message_zh}\n  {f.message_en}", err=True)
        raise typer.Exit(2)
    typer.echo(f"✓ 已导出 / exported: {path}")
