"""`jiceng serve`: the validation page for data clerks, on this computer or for a county's localities."""
from __future__ import annotations

import typer


def register(app: typer.Typer, schema_app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址;默认只有本机能打开,0.0.0.0 供局域网使用 / address to listen on; default: this computer only, 0.0.0.0 to share on the network"),
    port: int = typer.Option(8765, "--port", help="端口 / port"),
    max_upload_mb: int = typer.Option(50, "--max-upload-mb", help="单个上传文件的大小上限(MB)/ largest upload accepted, in MB"),
    max_unpacked_mb: int = typer.Option(512, "--max-unpacked-mb", help="zip 解压后的大小上限(MB)/ largest size a zip may unpack to, in MB"),
    workers: int = typer.Option(2, "--workers", help="同时处理的上传数 / uploads processed at the same time"),
) -> None:
    """启动校验网页:上传工作簿、CSV 文件夹 zip 或数据包 zip,查看报告并下载结果 / Start the validation page: upload a workbook, a CSV-folder zip or a package zip, read the report, download the results.

    在浏览器中打开 / then open http://127.0.0.1:8765 。按 Ctrl+C 停止 / Ctrl+C stops it.
    """
    from ..web import Limits, serve as run

    if not 1 <= port <= 65535 or max_upload_mb < 1 or max_unpacked_mb < 1 or workers < 1:
        typer.echo("✗ --port、--max-upload-mb、--max-unpacked-mb 或 --workers 的值无效 / invalid --port, --max-upload-mb, "
                   "--max-unpacked-mb or --workers", err=True)
        raise typer.Exit(2)
    limits = Limits(max_upload=max_upload_mb * 1024 * 1024, max_unpacked=max_unpacked_mb * 1024 * 1024, workers=workers)
    typer.echo(f"校验网页 / validation page: http://{host}:{port}/  (Ctrl+C 停止 / to stop)")
    run(host, port, limits)
