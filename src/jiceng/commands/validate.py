"""`jiceng validate` and `jiceng rules-page`."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

FORMATS = ("text", "json", "html")


def register(app: typer.Typer, schema_app: typer.Typer) -> None:
    app.command("validate")(validate_command)
    app.command("rules-page")(rules_page_command)


def _fail(zh: str, en: str, code: str = "INPUT_ERROR") -> None:
    typer.echo(f"✗ {code}: {zh}\n  {en}", err=True)
    raise typer.Exit(2)


def validate_command(
    path: str = typer.Argument(..., help="数据包文件夹、datapackage.json 或 zip / package folder, datapackage.json or zip"),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json | html"),
    lang: str = typer.Option("zh", "--lang", help="zh | en"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="写入文件而非屏幕 / write to this file instead of the screen"),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="允许下载网址形式的资源 / fetch resources given as http(s) URLs"),
    max_per_group: int = typer.Option(1000, "--max-per-group", help="每类问题最多列出条数,0 为不限(计数总是完整的)/ findings listed per kind, 0 = all (counts are always complete)"),
    k: Optional[int] = typer.Option(None, "--k", min=1, help="k-匿名检查的 k(默认 3,见 validators/privacy/)/ k of the k-anonymity check (default 3, see validators/privacy/)"),
) -> None:
    """校验数据包:元数据、表结构、规则、个人信息 / Validate a data package: metadata, structure, rules, privacy.

    退出码 exit code: 0 无错误 no ERROR · 1 有错误 ERROR found · 2 无法读取 input unreadable · 3 内部错误 internal error.
    """
    if fmt not in FORMATS:
        _fail(f"--format 只能是 {' / '.join(FORMATS)},而不是 {fmt!r}", f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if lang not in ("zh", "en"):
        _fail(f"--lang 只能是 zh 或 en,而不是 {lang!r}", f"--lang must be zh or en, not {lang!r}")
    try:
        from ..validation import validate

        report = validate(path, allow_remote=allow_remote, max_per_group=max_per_group or None, privacy_k=k)
    except KeyboardInterrupt:
        _fail("已中断", "interrupted")
    except MemoryError:
        report = _internal(path, "内存不足,无法完成校验", "out of memory; validation could not finish")
    except Exception as exc:  # the command line never shows a traceback
        if os.environ.get("JICENG_DEBUG") == "1":
            raise
        report = _internal(path, f"校验器内部错误({type(exc).__name__});请报告此问题",
                           f"internal error of the validator ({type(exc).__name__}); please report it")
    _emit(report, fmt, lang, output)
    raise typer.Exit(report.exit_code)


def _internal(path: str, zh: str, en: str):
    """A report saying the input could not be checked, in the format asked for; the reason also on stderr."""
    from ..validation.report import fatal_report

    typer.echo(f"✗ {zh}\n  {en}", err=True)
    return fatal_report(path, "INTERNAL_ERROR", zh, en, None)


def _emit(report, fmt: str, lang: str, output: Optional[Path]) -> None:
    if fmt == "json":
        text = report.to_json()
    elif fmt == "html":
        text = report.to_html(lang)
    else:
        text = None
    if output is not None:
        try:
            output.write_text(text if text is not None else report.to_text(lang), encoding="utf-8")
        except OSError as exc:
            _fail(f"无法写入 {output}:{exc.strerror}", f"cannot write {output}: {exc.strerror}")
        counts = report.counts
        verdict = "✓" if report.valid else "✗"
        typer.echo(f"{verdict} ERROR {counts['ERROR']} · WARNING {counts['WARNING']} · INFO {counts['INFO']} → {output}")
    elif text is not None:
        sys.stdout.write(text)
    else:
        report.print_text(lang)


def rules_page_command(
    output: Path = typer.Option(..., "--output", "-o", help="输出文件(.md 或 .html)/ file to write (.md or .html)"),
    schemas: Optional[Path] = typer.Option(None, "--schemas", help="schemas/ 文件夹(默认为随工具安装的标准)/ schemas folder (default: the installed standard)"),
) -> None:
    """生成双语规则页(每条规则附不通过和通过的示例)/ Write the bilingual rules page (a failing and a passing example per rule)."""
    from ..standard import Standard, current

    try:
        from ..validation.rules_page import render_rules_html, render_rules_markdown

        std = Standard.from_schemas(schemas) if schemas else current()
        text = render_rules_html(std) if output.suffix.lower() in (".html", ".htm") else render_rules_markdown(std)
        output.write_text(text, encoding="utf-8")
    except typer.Exit:
        raise
    except OSError as exc:
        _fail(f"无法读写文件:{exc}", f"cannot read or write a file: {exc}")
    except Exception as exc:
        if os.environ.get("JICENG_DEBUG") == "1":
            raise
        typer.echo(f"✗ INTERNAL_ERROR: 无法生成规则页({type(exc).__name__});请报告此问题\n"
                   f"  cannot write the rules page ({type(exc).__name__}); please report it", err=True)
        raise typer.Exit(3)
    typer.echo(f"✓ {output}")
