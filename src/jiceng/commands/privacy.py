"""`jiceng privacy-report PACKAGE`: the re-identification risk of each table about people."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer, schema_app: typer.Typer) -> None:
    app.command("privacy-report")(privacy_report)


def _fail(code: str, zh: str, en: str) -> None:
    typer.echo(f"✗ {code}: {zh}\n  {en}", err=True)
    raise typer.Exit(2)


def privacy_report(
    path: str = typer.Argument(..., help="数据包文件夹、datapackage.json 或 zip / package folder, datapackage.json or zip"),
    k: Optional[int] = typer.Option(None, "--k", min=1, help="k-匿名的 k(默认 3)/ k of k-anonymity (default 3)"),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
    lang: str = typer.Option("zh", "--lang", help="zh | en"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="写入文件 / write to this file"),
) -> None:
    """每张关于个人的表的再识别风险(k-匿名)和直接标识符 / Re-identification risk (k-anonymity) and direct identifiers per table.

    退出码 exit code: 0 无风险 no risk found · 1 有小组合或个人信息 small groups or personal data found · 2 无法读取 input unreadable.
    """
    if fmt not in ("text", "json"):
        _fail("USAGE_FORMAT", f"--format 只能是 text 或 json,而不是 {fmt!r}", f"--format must be text or json, not {fmt!r}")
    if lang not in ("zh", "en"):
        _fail("USAGE_LANG", f"--lang 只能是 zh 或 en,而不是 {lang!r}", f"--lang must be zh or en, not {lang!r}")
    from ..privacy.report import privacy_report as build

    result = build(path, k=k)
    if result.fatal:
        code, zh, en = result.fatal
        _fail(code, zh, en)
    text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n" if fmt == "json" else result.to_text(lang)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail("OUTPUT_UNWRITABLE", f"无法写入 {output}:{exc.strerror}", f"cannot write {output}: {exc.strerror}")
        typer.echo(f"{'✗' if result.at_risk else '✓'} → {output}")
    else:
        typer.echo(text, nl=False)
    raise typer.Exit(1 if result.at_risk else 0)
