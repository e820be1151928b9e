"""The `jiceng` command line. Each command is a thin wrapper over the Python API."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .standard import Standard, current

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="基层治理开放数据标准工具 / Jiceng Open Data Standard tools")
schema_app = typer.Typer(no_args_is_help=True, help="标准本身:检查、比较 / The standard itself: check, diff")
app.add_typer(schema_app, name="schema")


def _standard(schemas: Optional[Path]) -> Standard:
    return Standard.from_schemas(schemas) if schemas else current()


@app.command()
def version() -> None:
    """打印工具和标准版本 / Print the tool and standard versions."""
    from . import __version__
    typer.echo(f"jiceng {__version__}; standard {current().version}")


def _print_version(value: bool) -> None:
    if value:
        version()
        raise typer.Exit()


@app.callback()
def _root(
    show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                      help="打印工具和标准版本 / print the tool and standard versions"),
) -> None:
    """基层治理开放数据标准工具 / Jiceng Open Data Standard tools"""


@schema_app.command("check")
def schema_check(
    schemas: Optional[Path] = typer.Option(None, "--schemas", help="schemas/ 文件夹(默认为随工具安装的标准)/ schemas folder (default: the installed standard)"),
) -> None:
    """检查标准文件的双语、代码表和外键约定 / Check translations, codelists and keys of schemas/."""
    from .schema_check import check

    std = _standard(schemas)
    try:
        problems = check(std)
    except (OSError, ValueError, KeyError) as exc:
        typer.echo(f"无法读取标准 / cannot read the standard at {std.schemas_dir}: {exc}", err=True)
        raise typer.Exit(2)
    for p in problems:
        typer.echo(str(p))
    if problems:
        typer.echo(f"✗ {len(problems)} 个问题 / problems", err=True)
        raise typer.Exit(1)
    n_fields = sum(len(t["fields"]) for t in std.tables.values())
    typer.echo(f"✓ 标准 {std.version}:{len(std.tables)} 张表、{n_fields} 个字段、{len(std.codelists) - 1} 个代码表、"
               f"{len(std.catalogue)} 个指标,检查通过 / standard {std.version}: {len(std.tables)} tables, "
               f"{n_fields} fields, {len(std.codelists) - 1} codelists, {len(std.catalogue)} indicators: all checks pass")


# Command groups live beside their features; each registers its commands here.
COMMAND_MODULES = ("validate", "research", "publish", "review", "registry", "serve", "privacy")


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        module_name = f"jiceng.commands.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(app, schema_app)


_register_commands()


def main() -> None:
    app()
