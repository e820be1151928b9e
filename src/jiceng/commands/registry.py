"""`jiceng registry build`, `jiceng registry indicators` and `jiceng badge`."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

registry_app = typer.Typer(no_args_is_help=True, help="已发布数据包的登记册 / The registry of published packages")


def _fail(zh: str, en: str, code: int = 2) -> None:
    typer.echo(f"✗ {zh}\n  {en}", err=True)
    raise typer.Exit(code)


def _client(scheduler: Optional[str], workers: Optional[int], sequential: bool):
    import contextlib

    if sequential:
        return contextlib.nullcontext(None)
    from ..registry.cluster import cluster

    return cluster(scheduler=scheduler, workers=workers)


def register(app: typer.Typer, schema_app: typer.Typer) -> None:
    app.add_typer(registry_app, name="registry")
    app.command("badge")(badge_command)
    app.command("precommit")(precommit_command)
    schema_app.command("changelog")(changelog_command)
    schema_app.command("report-diff")(report_diff_command)


def changelog_command(
    old: str = typer.Argument(..., help="旧版本:文件夹或 git 版本 / old version: a folder or a git revision"),
    new: str = typer.Argument(".", help="新版本(默认当前文件夹)/ new version (default: this folder)"),
    version: Optional[str] = typer.Option(None, "--version", help="条目的版本号(默认为新版本的版本号)/ version of the entry (default: the new one's)"),
    date: str = typer.Option("Unreleased", "--date", help="日期或 Unreleased / date or Unreleased"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="输出文件(默认标准输出)/ output file (default: stdout)"),
) -> None:
    """由 schema diff 生成 CHANGELOG.md 条目(中英双语)/ Generate a bilingual CHANGELOG.md entry from the diff."""
    from ..review import ReviewError
    from ..review.diff import diff_paths
    from ..review.proposal import changelog_entry

    try:
        d = diff_paths(old, new)
    except ReviewError as exc:
        _fail(exc.message_zh, exc.message_en)
    text = changelog_entry(d, version, date)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"✓ {output}", err=True)


def report_diff_command(
    before: Path = typer.Argument(..., help="之前的校验报告(jiceng validate --format json)/ earlier report (jiceng validate --format json)"),
    after: Path = typer.Argument(..., help="之后的校验报告 / later report"),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json | markdown"),
) -> None:
    """比较同一数据包的两份校验报告:新出现、已消失、次数改变 / Diff two validation reports of one package."""
    import json

    from ..review.impact import diff_reports

    if fmt not in ("text", "json", "markdown"):
        _fail(f"--format 只能是 text、json 或 markdown,而不是 {fmt!r}", f"--format must be text, json or markdown, not {fmt!r}")
    reports = []
    for path in (before, after):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            _fail(f"无法读取校验报告 {path}:{exc}", f"cannot read the validation report {path}: {exc}")
        if not isinstance(data, dict) or not ("groups" in data or "errors" in data):
            _fail(f"{path} 不是 jiceng validate --format json 的报告", f"{path} is not a report of jiceng validate --format json")
        reports.append(data)
    d = diff_reports(*reports)
    if fmt == "json":
        typer.echo(json.dumps(d.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(d.to_markdown() if fmt == "markdown" else d.to_text())
    if d.appeared:
        raise typer.Exit(1)


@registry_app.command("build")
def build_command(
    catalogue: Path = typer.Argument(..., help="目录文件(YAML 或 CSV)或其所在文件夹 / catalogue file (YAML or CSV) or its folder"),
    output: Path = typer.Option(..., "--output", "-o", help="网站输出文件夹 / folder for the site"),
    history: Optional[Path] = typer.Option(None, "--history", help="历史记录文件(默认 SITE/history/history.jsonl;提交到仓库的历史用 registry/history/history.jsonl)/ history file (default SITE/history/history.jsonl)"),
    no_record: bool = typer.Option(False, "--no-record", help="不把本次结果写入历史 / do not append this run to the history"),
    seal: Optional[Path] = typer.Option(None, "--seal", help="认证标准文件(默认 registry/seal.yaml)/ seal criteria (default registry/seal.yaml)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="已有 Dask 集群的调度器地址,如 tcp://10.0.0.5:8786 / address of an existing Dask scheduler"),
    workers: Optional[int] = typer.Option(None, "--workers", help="本机 LocalCluster 的工作进程数(默认 CPU 数)/ worker processes of the local cluster (default: CPUs)"),
    sequential: bool = typer.Option(False, "--sequential", help="不用 Dask,在本进程中逐个检查 / no Dask: check one package after another here"),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="允许下载网址形式的数据包 / fetch packages given as http(s) URLs"),
    remote_timeout: float = typer.Option(300.0, "--remote-timeout", help="全部下载的总期限(秒)/ overall deadline for all downloads (s)"),
    max_download_mb: float = typer.Option(200.0, "--max-download-mb", help="每个下载的大小上限(MiB)/ size cap per download (MiB)"),
    schemas: Optional[Path] = typer.Option(None, "--schemas", help="所用标准(默认为安装的标准)/ standard to check against (default: installed)"),
    strict: bool = typer.Option(False, "--strict", help="有数据包不通过时以状态码 1 退出 / exit 1 when a package is not valid"),
) -> None:
    """校验目录中的每个数据包,计算指标和覆盖,记录历史,生成双语静态网站 / Check every catalogue entry and write the site."""
    from ..registry import CatalogueError, SealError, build, read_catalogue, read_criteria
    from ..review import ReviewError
    from ..review.diff import open_standard
    from ..standard import current

    try:
        entries = read_catalogue(catalogue)
        criteria = read_criteria(seal or _beside(catalogue, "seal.yaml"))
        std = open_standard(schemas) if schemas else current()
    except (CatalogueError, SealError, ReviewError) as exc:
        _fail(exc.message_zh, exc.message_en)
    history = history or (output / "history" / "history.jsonl")
    try:
        with _client(scheduler, workers, sequential) as client:
            result = build(entries, output, std=std, criteria=criteria, history=history, client=client,
                           allow_remote=allow_remote, remote_seconds=remote_timeout, max_download_mb=max_download_mb,
                           record=not no_record)
    except OSError as exc:
        _fail(f"无法写入网站或历史:{exc}", f"cannot write the site or the history: {exc}")
    for r in sorted(result.results, key=lambda r: r["id"]):
        rep = r.get("report") or {}
        c = rep.get("counts") or {}
        seal_ = r.get("seal") or {}
        n_ok = sum(x["passed"] for x in seal_.get("criteria", []))
        mark = {"valid": "✓", "needs-migration": "~"}.get(r["status"], "✗")
        typer.echo(f"{mark} {r['id']}: {r['status']} · ERROR {c.get('ERROR', '-')} · WARNING {c.get('WARNING', '-')} · "
                   f"seal {n_ok}/{len(seal_.get('criteria', []))}"
                   + (f" · {r['problem']['en']}" if r.get("problem") else ""))
    typer.echo(f"✓ 网站 / site: {result.index}")
    typer.echo(f"✓ 历史 / history: {history}" + (" (未写入 / not recorded)" if no_record else ""))
    if strict and any(r["status"] != "valid" for r in result.results):
        raise typer.Exit(1)


def _beside(catalogue: Path, name: str) -> Optional[Path]:
    folder = catalogue if catalogue.is_dir() else catalogue.parent
    return folder / name if (folder / name).is_file() else None


@registry_app.command("indicators")
def indicators_command(
    paths: List[Path] = typer.Argument(..., help="数据包文件夹,或装有多个数据包的文件夹 / package folders, or folders of packages"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="CSV 输出文件(默认标准输出)/ CSV file (default: stdout)"),
    summary: Optional[Path] = typer.Option(None, "--summary", help="按指标和地方层级合并的统计(CSV)/ combined statistics per indicator and level (CSV)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="已有 Dask 集群的调度器地址 / address of an existing Dask scheduler"),
    workers: Optional[int] = typer.Option(None, "--workers", help="本机工作进程数 / local worker processes"),
    sequential: bool = typer.Option(False, "--sequential", help="不用 Dask / no Dask"),
    no_validate: bool = typer.Option(False, "--no-validate", help="不先校验 / do not validate first"),
    lang: str = typer.Option("zh", "--lang", help="zh | en"),
) -> None:
    """在 Dask 集群上计算许多数据包的指标(与 jiceng compare 结果相同)/ Indicators of many packages on a Dask cluster."""
    import pandas as pd

    from ..indicators import IndicatorError
    from ..load import PackageError
    from ..registry.cluster import combined_table, indicators_many

    try:
        with _client(scheduler, workers, sequential) as client:
            table, sums = indicators_many(paths, client=client, validate=not no_validate, lang=lang, with_summary=True)
    except (PackageError, IndicatorError) as exc:
        typer.echo(f"✗ {exc}", err=True)
        raise typer.Exit(1 if exc.__class__.__name__ == "PackageInvalid" else 2)
    if summary is not None:
        from ..standard import current

        scales = {i["code"]: (i.get("computation") or {}).get("scale", 1) for i in current().catalogue
                  if (i.get("computation") or {}).get("denominator")}
        pd.DataFrame(combined_table(sums, scales)).to_csv(summary, index=False)
    if output is None:
        sys.stdout.write(table.to_csv(index=False))
    else:
        table.to_csv(output, index=False)
        typer.echo(f"✓ {len(table)} 行 / rows → {output}", err=True)


def badge_command(
    package: str = typer.Argument(..., help="数据包文件夹、datapackage.json 或 zip / package folder, datapackage.json or zip"),
    output: Path = typer.Option(Path("badge.svg"), "--output", "-o", help="SVG 文件 / SVG file"),
) -> None:
    """校验数据包并写出 SVG 徽章 / Validate a package and write its SVG badge.

    退出码与 jiceng validate 相同 / exit code as jiceng validate: 0 valid · 1 errors · 2 unreadable."""
    from ..registry.badge import report_badge
    from ..validation import validate

    report = validate(package)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report_badge(report), encoding="utf-8")
    except OSError as exc:
        _fail(f"无法写入 {output}:{exc.strerror}", f"cannot write {output}: {exc.strerror}")
    c = report.counts
    typer.echo(f"{'✓' if report.valid else '✗'} ERROR {c['ERROR']} · WARNING {c['WARNING']} → {output}")
    raise typer.Exit(report.exit_code)


def _package_of(path: Path) -> Optional[Path]:
    path = path.resolve()
    for folder in ([path] if path.is_dir() else []) + list(path.parents):
        if (folder / "datapackage.json").is_file():
            # a package inside another (an extension folder) belongs to the outer one
            outer = next((p for p in folder.parents if (p / "datapackage.json").is_file()), None)
            return outer or folder
    return None


def precommit_command(
    files: List[Path] = typer.Argument(None, help="改动的文件(由 pre-commit 传入)/ changed files (passed by pre-commit)"),
    lang: str = typer.Option("zh", "--lang", help="zh | en"),
) -> None:
    """校验改动文件所属的每个数据包(供 pre-commit 使用)/ Validate every package the changed files belong to (for pre-commit).

    退出码 exit code: 0 全部通过 all valid · 1 有错误 errors found · 2 无法读取 unreadable."""
    from ..validation import validate

    packages = sorted({p for p in (_package_of(f) for f in (files or [Path(".")])) if p is not None})
    worst = 0
    for pkg in packages:
        report = validate(pkg)
        c = report.counts
        rel = os.path.relpath(pkg)
        typer.echo(f"{'✓' if report.valid else '✗'} {rel}: ERROR {c['ERROR']} · WARNING {c['WARNING']} · INFO {c['INFO']}")
        if not report.valid:
            for line in report.to_text(lang).splitlines()[1:40]:
                typer.echo(f"    {line}")
            typer.echo(f"    jiceng validate {rel}" + (" --lang en" if lang == "en" else ""))
        worst = max(worst, report.exit_code)
    if not packages:
        typer.echo("没有改动的数据包 / no package changed")
    raise typer.Exit(worst)
