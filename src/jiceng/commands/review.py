"""Commands for the standard's reviewers: schema diff, schema impact, schema version-check, migrate, docs."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _fail(exc, code: int = 2) -> None:
    zh = getattr(exc, "message_zh", None) or str(exc)
    en = getattr(exc, "message_en", None) or str(exc)
    typer.echo(f"✗ {zh}" if zh == en else f"✗ {zh}\n  {en}", err=True)
    raise typer.Exit(code)


def _emit(text: str, output: Optional[Path]) -> None:
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)


def _standard(schemas: Optional[Path]):
    from ..review.diff import open_standard
    from ..standard import current

    return open_standard(schemas) if schemas else current()


def register(app: typer.Typer, schema_app: typer.Typer) -> None:
    @schema_app.command("diff")
    def schema_diff(
        old: str = typer.Argument(..., help="旧版本:含 schemas/ 的文件夹、schemas 文件夹或 git 版本(如 HEAD~3、v1.0.0)"
                                            " / old version: a folder holding schemas/, a schemas folder, or a git revision"),
        new: str = typer.Argument(..., help="新版本,同上 / new version, likewise"),
        fmt: Format = typer.Option(Format.text, "--format", "-f", help="输出格式 / output format"),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="输出文件(默认标准输出)/ output file (default: stdout)"),
        check: bool = typer.Option(False, "--check", help="版本号升级不足时以状态码 1 退出 / exit 1 when the version bump is too small"),
    ) -> None:
        """列出两个版本之间的每个变化并分级(主/次/修订)/ List and classify every change between two versions."""
        from ..review import ReviewError
        from ..review.diff import diff_paths

        try:
            d = diff_paths(old, new)
        except ReviewError as exc:
            _fail(exc)
        if fmt == Format.markdown:
            from ..review.proposal import diff_markdown

            _emit(diff_markdown(d), output)
        else:
            _emit(json.dumps(d.to_dict(), ensure_ascii=False, indent=2) if fmt == Format.json else d.to_text(), output)
        if check and not d.ok:
            raise typer.Exit(1)

    @schema_app.command("impact")
    def schema_impact(
        schemas: str = typer.Option(..., "--schemas", help="拟议版本:文件夹(含 schemas/ 和 validators/)或 git 版本 / the proposed version: a folder (schemas/ and validators/) or a git revision"),
        packages: Optional[List[Path]] = typer.Argument(None, help="数据包或装有数据包的文件夹(默认:登记册 registry/catalogue.yaml 中的全部,其次 datapackages/)/ packages or folders of packages (default: every package of the registry catalogue, else datapackages/)"),
        current_schemas: Optional[str] = typer.Option(None, "--current", help="当前版本:文件夹或 git 版本(默认为安装的标准)/ current version: a folder or git revision (default: the installed standard)"),
        registry: Optional[Path] = typer.Option(None, "--registry", help="登记册目录文件(默认 registry/catalogue.yaml)/ registry catalogue (default registry/catalogue.yaml)"),
        fmt: Format = typer.Option(Format.text, "--format", "-f", help="输出格式 / output format"),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="输出文件(默认标准输出)/ output file (default: stdout)"),
        check: bool = typer.Option(False, "--check", help="新增失败的数据包比例超过 --max-share 时以状态码 1 退出 / exit 1 when more than --max-share of the packages newly fail"),
        max_share: float = typer.Option(1.0, "--max-share", help="--check 允许新增失败的数据包比例(百分比,默认 1)/ per cent of packages that may newly fail under --check (default 1)"),
        no_migrate: bool = typer.Option(False, "--no-migrate", help="评判前不应用迁移 / do not apply migrations before judging"),
    ) -> None:
        """用当前和拟议的标准(含规则)校验数据包,报告新增失败和转为通过 / Validate packages against the current and proposed standard, rules included."""
        import tempfile

        from ..review import ReviewError
        from ..review.diff import resolve
        from ..review.impact import find_packages, impact
        from ..standard import current

        tmp = tempfile.TemporaryDirectory(prefix="jiceng-impact-")
        try:
            proposed = resolve(schemas, Path(tmp.name))
            current_std = resolve(current_schemas, Path(tmp.name)) if current_schemas else current()
            source = None
            if packages:
                expanded = []
                for p in packages:
                    if Path(p).is_dir() and not (Path(p) / "datapackage.json").is_file() and find_packages(Path(p)):
                        expanded += find_packages(Path(p))
                    else:
                        expanded.append(Path(p))
                packages = expanded
            else:
                catalogue = registry or next((c for c in (Path("registry") / "catalogue.yaml",
                                                          current_std.root / "registry" / "catalogue.yaml") if c.is_file()), None)
                if catalogue is not None:
                    from ..registry.catalogue import CatalogueError, read_catalogue

                    try:  # the registry's local packages (entries at a URL are left out)
                        packages = [Path(e.location) for e in read_catalogue(catalogue) if not e.remote]
                    except CatalogueError as exc:
                        raise ReviewError(exc.message_zh, exc.message_en) from None
                    source = str(catalogue)
                else:
                    folder = Path("datapackages")
                    if not folder.is_dir():
                        folder = current_std.root / "datapackages"
                    packages = find_packages(folder) if folder.is_dir() else []
                    source = str(folder)
                if not packages:
                    raise ReviewError("没有找到数据包:请指定数据包,或在含 registry/ 或 datapackages/ 的文件夹中运行",
                                      "no packages found: name them, or run where registry/ or datapackages/ is")
            missing = [p for p in packages if not (Path(p) / "datapackage.json").is_file()]
            if missing:
                raise ReviewError(f"不是数据包(缺少 datapackage.json):{', '.join(map(str, missing))}",
                                  f"not a package (no datapackage.json): {', '.join(map(str, missing))}")
            report = impact(packages, proposed, current_std, migrate=not no_migrate, max_share=max_share, source=source)
        except ReviewError as exc:
            _fail(exc)
        finally:
            tmp.cleanup()
        if fmt == Format.json:
            _emit(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), output)
        else:
            _emit(report.to_markdown() if fmt == Format.markdown else report.to_text(), output)
        if check and not report.ok:
            raise typer.Exit(1)

    @schema_app.command("version-check")
    def version_check(
        root: Path = typer.Option(Path("."), "--root", help="标准仓库的根目录 / root of the standard's git checkout"),
    ) -> None:
        """检查版本号升级与 CHANGELOG 是否与变化相符 / Check the version bump and CHANGELOG against the changes."""
        from ..review import ReviewError
        from ..review.release import check_release

        try:
            result = check_release(root)
        except ReviewError as exc:
            _fail(exc)
        typer.echo(result.to_text())
        if not result.ok:
            raise typer.Exit(1)

    @app.command("migrate")
    def migrate(
        package: Path = typer.Argument(..., help="要升级的数据包文件夹 / package folder to upgrade"),
        to: Optional[str] = typer.Option(None, "--to", help="目标版本(默认为所用标准的版本)/ target version (default: the standard's)"),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="新数据包的文件夹 / folder for the new package"),
        in_place: bool = typer.Option(False, "--in-place", help="直接覆盖原数据包 / overwrite the package itself"),
        schemas: Optional[Path] = typer.Option(None, "--schemas", help="目标版本的 schemas(默认为安装的标准)/ target schemas (default: installed)"),
        fmt: Format = typer.Option(Format.text, "--format", "-f", help="报告格式 / report format"),
        no_validate: bool = typer.Option(False, "--no-validate", help="迁移后不校验 / do not validate the result"),
    ) -> None:
        """按 schemas/migrations/ 中的迁移步骤升级数据包 / Upgrade a package with the migrations in schemas/migrations/.

        状态码 / exit status: 0 迁移完成且通过校验 / migrated and valid; 1 已写出但校验有错误 / written but invalid;
        2 无法迁移 / could not migrate."""
        from ..review import ReviewError
        from ..review.migrate import migrate_package

        try:
            std = _standard(schemas)
            result = migrate_package(package, std, to, output, in_place)
        except ReviewError as exc:
            _fail(exc)
        except (OSError, ValueError) as exc:
            _fail(ReviewError(f"迁移失败:{exc}", f"migration failed: {exc}"))
        report = None
        if not no_validate:
            from ..validation import validate

            report = validate(result.output, standard=std)
        if fmt == Format.json:
            data = result.to_dict()
            data["validation"] = None if report is None else {"valid": report.valid, "counts": report.counts}
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            typer.echo(f"数据包 / package {result.source}: {result.from_version} → {result.to_version}"
                       f" ({' · '.join(result.chain) or '无需迁移 / nothing to migrate'})")
            for change in result.changes:
                typer.echo(f"  {change} ({change.rows} 行 / rows)")
            typer.echo(f"✓ 已写入 / written: {result.output}")
            if report is not None:
                counts = report.counts
                mark = "✓" if report.valid else "✗"
                typer.echo(f"{mark} 校验 / validation: {counts.get('ERROR', 0)} 错误 errors, {counts.get('WARNING', 0)} 警告 warnings"
                           + ("" if report.valid else f"(详见 / details: jiceng validate {result.output})"))
        if report is not None and not report.valid:
            raise typer.Exit(1)

    @app.command("docs")
    def docs(
        output: Path = typer.Option(Path("site"), "--output", "-o", help="输出文件夹 / output folder"),
        schemas: Optional[Path] = typer.Option(None, "--schemas", help="schemas 文件夹(默认为安装的标准)/ schemas (default: installed)"),
        changelog: Optional[Path] = typer.Option(None, "--changelog", help="CHANGELOG.md(默认在标准根目录)/ CHANGELOG.md (default: beside schemas/)"),
    ) -> None:
        """由 schemas/ 生成中英双语的静态参考文档 / Generate the bilingual reference website from schemas/."""
        from ..review import ReviewError
        from ..review.docs import build_docs

        try:
            index = build_docs(_standard(schemas), output, changelog)
        except ReviewError as exc:
            _fail(exc)
        except (OSError, ValueError, KeyError) as exc:
            _fail(ReviewError(f"无法生成文档:{exc}", f"cannot generate the docs: {exc}"))
        typer.echo(f"✓ 文档 / docs: {index}")
