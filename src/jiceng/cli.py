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


def _bilingual_help_option() -> None:
    """Every help text bilingual, the --help option's own included (click writes it in English)."""
    try:
        from typer._click import core as click  # typer's own copy of click
    except ImportError:
        import click

    original = click.Command.get_help_option
    if getattr(original, "_jiceng", False):
        return

    def get_help_option(self, ctx):
        option = original(self, ctx)
        if option is not None:
            option.help = "显示此帮助并退出 / Show this message and exit."
        return option

    get_help_option._jiceng = True
    click.Command.get_help_option = get_help_option


_bilingual_help_option()


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


# Exit codes of every command: 0 done (no ERROR), 1 ERROR found in the input, 2 the input or the
# command line could not be used (a coded, bilingual message), 3 an internal error of the tool.
EXIT_INPUT = 2
EXIT_INTERNAL = 3


class SafeStream:
    """Text written to the terminal (or a pipe) without escape sequences or control characters,
    whatever a package's names, headers or cells hold. Plain colours are kept on a terminal (the
    tool's own, through rich); everything else that could move the cursor, retitle the window or
    reach the clipboard is removed."""

    def __init__(self, stream):
        self._stream = stream
        try:
            self._tty = bool(stream.isatty())
        except Exception:
            self._tty = False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("SafeStream.write() takes text")
        from .privacy import terminal_safe

        self._stream.write(terminal_safe(text, keep_colours=self._tty))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _is(exc: BaseException, name: str) -> bool:
    """Whether `exc` is click's exception `name` (typer vendors its own copy of click)."""
    return any(c.__name__ == name for c in type(exc).__mro__)


def _click_error(exc: Exception) -> int:
    import sys

    ctx = getattr(exc, "ctx", None)
    if _is(exc, "NoArgsIsHelpError"):
        sys.stdout.write((ctx.get_help() + "\n") if ctx else "")
        return EXIT_INPUT
    if _is(exc, "Abort"):
        _say("INTERRUPTED", "已中断", "interrupted")
        return 130
    text = exc.format_message()
    if _is(exc, "UsageError"):
        path = ctx.command_path if ctx is not None else "jiceng"
        _say("USAGE_ERROR", f"命令用法有误:{text}(见 {path} --help)", f"wrong usage: {text} (see {path} --help)")
    else:
        _say("INPUT_ERROR", f"无法使用输入:{text}", f"the input cannot be used: {text}")
    return EXIT_INPUT


def _failure(exc: BaseException) -> int:
    """The exit code and message for what escaped a command."""
    import os
    import sys

    if _is(exc, "ClickException") or _is(exc, "Abort"):
        return _click_error(exc)
    if isinstance(exc, KeyboardInterrupt):
        _say("INTERRUPTED", "已中断", "interrupted")
        return 130
    if isinstance(exc, BrokenPipeError):  # `jiceng … | head`: the reader has gone; nothing more to say
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    if isinstance(exc, MemoryError):
        _say("OUT_OF_MEMORY", "内存不足,命令无法完成", "out of memory; the command could not finish")
        return EXIT_INTERNAL
    if not isinstance(exc, Exception):
        raise exc
    _say("INTERNAL_ERROR", f"jiceng 内部错误({type(exc).__name__});请报告此问题,附上命令和输入(设置 JICENG_DEBUG=1 可看到详情)",
         f"internal error of jiceng ({type(exc).__name__}); please report it with the command and the input "
         "(set JICENG_DEBUG=1 for details)")
    return EXIT_INTERNAL


def _say(code: str, zh: str, en: str) -> None:
    import sys

    from .privacy import message

    sys.stderr.write(f"✗ {code}: {message(zh, 2000)}\n  {message(en, 2000)}\n")


def main(argv=None) -> None:
    """`jiceng`: never a traceback (unless JICENG_DEBUG=1), never exit 1 for a failure of the tool."""
    import os
    import sys


    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout)
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr)
    debug = os.environ.get("JICENG_DEBUG") == "1"
    if not debug:
        # Errors Python can only report as "Exception ignored in …" (a half-written workbook's
        # generator collected after its error was reported) print a traceback at exit: not here.
        sys.unraisablehook = lambda unraisable: None
    try:
        code = app(args=argv, standalone_mode=False)
    except BaseException as exc:  # noqa: BLE001 - every way out gets its exit code and a coded message
        if isinstance(exc, SystemExit):
            raise
        if debug and not (_is(exc, "ClickException") or _is(exc, "Abort")):
            raise
        code = _failure(exc)
    try:
        sys.stdout.flush()
    except Exception:
        pass
    sys.exit(code if isinstance(code, int) else 0)
