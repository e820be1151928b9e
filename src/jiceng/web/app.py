"""`jiceng serve`: the validation page for data clerks.

Starlette application, server-rendered with Jinja2; every asset (one stylesheet) ships in this
package: no CDN, no script, no build step. An upload is streamed into a private temporary
folder (size-limited while reading), processed with the same Python API as the command line
(`import_path`, `validate`, `annotate`), and the folder is deleted before the report is sent.
The downloads (normalised package, annotated workbook, HTML and JSON reports) travel inside the
report page itself as data links, so nothing is kept on the server. The server never fetches a
URL. Heavy work runs in worker threads, at most `workers` at a time; further uploads wait, and
beyond `max_waiting` they are told to come back later.

This module imports the lower layers (publish, validation); nothing imports it back.
"""
from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
MiB = 1024 * 1024


@dataclass
class Limits:
    max_upload: int = 50 * MiB  # bytes of one uploaded file
    max_unpacked: int = 512 * MiB  # bytes a zip may unpack to
    max_entries: int = 2000  # files in a zip
    workers: int = 2  # uploads processed at the same time
    max_waiting: int = 64  # uploads waiting beyond that: "busy, try again"
    drain: int = 1024 * MiB  # an oversized body is read (and dropped) up to this, so the browser gets the answer
    max_problems_shown: int = 1000  # rows in the page's table (the downloads have all of them)
    max_annotated_rows: int = 50_000  # larger workbooks are not annotated on the server (openpyxl holds them whole)


class UploadError(Exception):
    """A coded, bilingual refusal (the same codes as the command line where one exists)."""

    def __init__(self, code: str, zh: str, en: str, status: int = 400):
        from ..validation.report import redact

        super().__init__(en)
        self.code, self.zh, self.en, self.status = code, redact(zh), redact(en), status


# -- receiving the upload ---------------------------------------------------------------------

async def receive_upload(request: Request, work: Path, limits: Limits) -> tuple[str, Path, dict[str, str]]:
    """Stream a multipart form into `work`: (file name, path of the file, other fields)."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadError("WEB_BAD_REQUEST", "请用页面上的表单上传文件", "please upload the file with the page's form")
    too_large = UploadError(
        "WEB_UPLOAD_TOO_LARGE",
        f"文件超过 {limits.max_upload // MiB} MB 的上限,未处理;请把数据拆分成几个文件,或请管理员调高上限(--max-upload-mb)",
        f"the file is larger than the {limits.max_upload // MiB} MB limit and was not processed; split the data or ask "
        f"the administrator to raise the limit (--max-upload-mb)", status=413)
    declared = request.headers.get("content-length")
    state = {"headers": {}, "name": None, "field": None, "out": None, "size": 0, "over": False,
             "fields": {}, "filename": None, "hname": b"", "hvalue": b"", "buf": b""}
    target = work / "upload.bin"

    def on_part_begin():
        state["headers"], state["field"], state["filename"] = {}, None, None

    def on_header_field(data, start, end):
        state["hname"] += data[start:end]

    def on_header_value(data, start, end):
        state["hvalue"] += data[start:end]

    def on_header_end():
        state["headers"][state["hname"].decode("latin-1").lower()] = state["hvalue"]
        state["hname"], state["hvalue"] = b"", b""

    def on_headers_finished():
        _, p = parse_options_header(state["headers"].get("content-disposition", b""))
        name = p.get(b"name", b"").decode("utf-8", "replace")
        fname = p.get(b"filename")
        if fname is not None and state["out"] is None:
            state["field"], state["filename"] = "__file__", fname.decode("utf-8", "replace")
            state["name"] = state["filename"]
            state["out"] = open(target, "wb")
        else:
            state["field"], state["buf"] = name, b""

    def on_part_data(data, start, end):
        chunk = data[start:end]
        if state["field"] == "__file__":
            state["size"] += len(chunk)
            if state["size"] > limits.max_upload:
                state["over"] = True
            elif not state["over"]:
                state["out"].write(chunk)
        elif state["field"] is not None and len(state["buf"]) < 1024:
            state["buf"] += chunk[:1024]

    def on_part_end():
        if state["field"] not in (None, "__file__"):
            state["fields"][state["field"]] = state["buf"].decode("utf-8", "replace")
        state["field"] = None

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end})
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limits.drain:
                raise too_large
            if declared and declared.isdigit() and int(declared) > limits.max_upload + 64 * 1024:
                state["over"] = True  # read (and drop) the rest so that the browser gets the answer
                continue
            if not state["over"]:
                try:
                    parser.write(chunk)
                except Exception:
                    raise UploadError("WEB_BAD_REQUEST", "上传的数据不完整或格式不对,请重试", "the upload is incomplete or malformed; try again")
    finally:
        if state["out"] is not None:
            state["out"].close()
    if state["over"]:
        raise too_large
    if state["name"] is None or state["size"] == 0:
        raise UploadError("WEB_NO_FILE", "没有收到文件,或文件是空的;请选择一个文件再上传",
                          "no file was received, or it is empty; choose a file and upload it")
    return Path(state["name"]).name or "upload", target, state["fields"]


# -- processing -------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What the report page shows."""

    filename: str
    kind: str = ""  # workbook | csv | package
    refused: list[dict] = field(default_factory=list)  # [{code, zh, en}]
    valid: bool = False
    counts: dict = field(default_factory=dict)
    rows: list[tuple[str, int]] = field(default_factory=list)  # (table label, rows)
    changes: list[dict] = field(default_factory=list)
    changes_total: int = 0
    problems: list = field(default_factory=list)
    problems_total: int = 0
    downloads: list[dict] = field(default_factory=list)  # {label_zh, label_en, name, mime, data (base64)}
    package: str | None = None
    notes: list[dict] = field(default_factory=list)  # {zh, en}


def _safe_unzip(archive: Path, dest: Path, limits: Limits) -> None:
    """Unpack a zip with the command line's extractor and codes (ZIP_UNREADABLE, ZIP_TOO_LARGE,
    ZIP_ENTRY_UNSAFE), under the page's limits; an unsafe entry refuses the whole upload."""
    from ..validation.reading import InputError, extract_zip

    try:
        extract_zip(archive, dest, max_entries=limits.max_entries, max_bytes=limits.max_unpacked, refuse_unsafe=True)
    except InputError as exc:
        raise UploadError(exc.code, exc.message_zh, exc.message_en) from None


def _kind(path: Path, filename: str) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8)
    lower = filename.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise UploadError("ZIP_UNREADABLE", "文件损坏,无法打开", "the file is damaged and cannot be opened")
        if any(n.lower() == "xl/workbook.xml" for n in names):
            return "workbook"
        if any(n.rsplit("/", 1)[-1] == "datapackage.json" for n in names):
            return "package"
        return "csv"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadError("publish.unreadable", "这是旧版 .xls 或加密的工作簿;请在 Excel/WPS 中另存为 .xlsx 后再上传",
                          "this is an old .xls or an encrypted workbook; save it as .xlsx in Excel/WPS and upload again")
    if lower.endswith((".csv", ".txt")):
        return "csv-file"
    if lower.endswith((".xlsx", ".xlsm")):
        raise UploadError("publish.unreadable", f"{filename} 不是有效的 .xlsx 工作簿;请在 Excel/WPS 中另存为 .xlsx 后再上传",
                          f"{filename} is not a valid .xlsx workbook; save it as .xlsx in Excel/WPS and upload again")
    raise UploadError("WEB_NOT_SUPPORTED",
                      "不是能识别的文件:请上传填好的 .xlsx 工作簿、装有 CSV 文件的 zip,或数据包 zip",
                      "not a file this page can read: upload a filled .xlsx workbook, a zip of CSV files, or a package zip")


def _zip_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, str(p.relative_to(folder)))
    return buf.getvalue()


def _download(label_zh: str, label_en: str, name: str, mime: str, data: bytes) -> dict:
    return {"label_zh": label_zh, "label_en": label_en, "name": name, "mime": mime, "size": len(data),
            "data": base64.b64encode(data).decode("ascii")}


def process(path: Path, filename: str, work: Path, lang: str, limits: Limits, render_report) -> Outcome:
    """The whole check of one upload inside `work` (deleted by the caller)."""
    from ..publish.clerk import annotate, problems, problems_json
    from ..publish.importer import import_path, summarise_changes
    from ..publish.normalise import KINDS
    from ..validation import validate
    from ..validation.report import Clerk, redact

    clerk = Clerk()
    out = Outcome(redact(filename))  # a file may be named after a person or a phone number
    kind = _kind(path, filename)
    out.kind = kind
    stem = redact(Path(filename).stem[:60]) or "upload"
    if kind == "workbook":
        source = work / "upload.xlsx"
        path.rename(source)
    elif kind == "csv-file":
        folder = work / "csv"
        folder.mkdir()
        source = folder / (Path(filename).stem[:100] + ".csv")
        path.rename(source)
        source = folder
    else:
        unpacked = work / "unpacked"
        unpacked.mkdir()
        _safe_unzip(path, unpacked, limits)
        path.unlink()
        if kind == "package":
            descriptors = sorted(unpacked.rglob("datapackage.json"), key=lambda p: len(p.parts))
            report = validate(descriptors[0].parent)
            out.valid, out.counts, out.package = report.valid, report.counts, report.package
            if not report.readable:
                out.refused = [{"code": g.code, "zh": g.message_zh, "en": g.message_en} for g in report.groups]
                return out
            items = [_finding_problem(f, clerk) for f in report.shown_errors]
            out.problems_total = len(items)
            out.problems = items[:limits.max_problems_shown]
            out.downloads = [
                _download("HTML 校验报告", "HTML report", f"{stem}-校验报告.html", "text/html",
                          render_report(out, lang).encode("utf-8")),
                _download("JSON 校验报告", "JSON report", f"{stem}-校验报告.json", "application/json",
                          report.to_json().encode("utf-8")),
            ]
            return out
        csvs = [p for p in unpacked.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".txt")]
        if not csvs:
            raise UploadError("WEB_NOT_SUPPORTED", "zip 中既没有 datapackage.json 也没有 CSV 文件",
                              "the zip holds neither a datapackage.json nor CSV files")
        folders = {p.parent for p in csvs}
        source = min(folders, key=lambda p: len(p.parts))
    result = import_path(source, work / "package")
    if result.refused:
        out.refused = [{"code": f.code, "zh": f.message_zh, "en": f.message_en} for f in result.findings
                       if f.severity == "ERROR"] or [{"code": "publish.unreadable", "zh": "无法导入", "en": "cannot import"}]
        return out
    report = result.report
    out.valid = result.exit_code == 0
    out.package = report.package if report is not None else None
    out.rows = [(clerk.table_label(t, lang), n) for t, n in result.rows.items()]
    out.changes_total = len(result.changes)
    for g in summarise_changes(result.changes):
        out.changes.append({
            "table": clerk.table_title(g.table, lang) or ("元数据" if lang == "zh" else "metadata"),
            "field": clerk.field_title(g.table, g.field, lang) or g.field,
            "kind": "、".join(KINDS[k][0 if lang == "zh" else 1] for k in g.kinds),
            "count": g.count,
            "examples": [(redact(c.before), redact(c.after)) for c in g.examples]})
    items = problems(result, clerk)
    out.counts = {sev: sum(1 for p in items if p.severity == sev) for sev in ("ERROR", "WARNING", "INFO")}
    out.problems_total = len(items)
    out.problems = items[:limits.max_problems_shown]
    downloads = [_download("规范化后的数据包(zip)", "normalised package (zip)", f"{stem}-数据包.zip", "application/zip",
                           _zip_folder(work / "package"))]
    if kind == "workbook" and sum(result.rows.values()) > limits.max_annotated_rows:
        out.notes.append({
            "zh": f"工作簿超过 {limits.max_annotated_rows:,} 行,网页上不生成标注工作簿(会占用太多内存);"
                  f"请在电脑上用 jiceng import 工作簿.xlsx -o 数据包 --annotate 标注.xlsx 生成",
            "en": f"the workbook has more than {limits.max_annotated_rows:,} rows: the page does not annotate it "
                  f"(too much memory); run jiceng import BOOK.xlsx -o PACKAGE --annotate OUT.xlsx on a computer"})
    elif kind == "workbook":
        annotated = work / "annotated.xlsx"
        annotate(source, items, annotated, lang)
        downloads.append(_download("标注了问题的工作簿", "your workbook with the problems marked", f"{stem}-标注.xlsx",
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                   annotated.read_bytes()))
    downloads.append(_download("HTML 校验报告", "HTML report", f"{stem}-校验报告.html", "text/html",
                               render_report(out, lang).encode("utf-8")))
    downloads.append(_download("JSON 校验报告", "JSON report", f"{stem}-校验报告.json", "application/json",
                               problems_json(result, items).encode("utf-8")))
    out.downloads = downloads
    return out


def _finding_problem(f, clerk):
    from ..publish.clerk import Problem
    from ..validation.report import redact

    x = clerk.explain(f)
    return Problem(f.severity, f.code, f.message_zh, f.message_en, f.resource, x["table_zh"], f.field, x["field_zh"],
                   x["field_en"], f.resource and (f"{f.resource}.csv"), None, f.row, redact(f.value), x["hint_zh"],
                   x["hint_en"])


# -- the application --------------------------------------------------------------------------

def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]))
    env.filters["size"] = lambda n: f"{n / 1024:,.0f} KB" if n < MiB else f"{n / MiB:,.1f} MB"
    return env


TEXT = {
    "zh": {"title": "基层治理数据校验", "upload": "上传并检查", "template": "下载空白模板", "guide": "填报说明",
           "rules": "规则说明", "switch": "English", "other": "en"},
    "en": {"title": "Jiceng data check", "upload": "Upload and check", "template": "Blank template", "guide": "How to fill it in",
           "rules": "Rules", "switch": "中文", "other": "zh"},
}

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def create_app(limits: Limits | None = None) -> Starlette:
    limits = limits or Limits()
    env = _env()
    gate = asyncio.Semaphore(limits.workers)
    state = {"waiting": 0, "served": 0}
    cache: dict[str, bytes] = {}

    def lang_of(request: Request, form: dict | None = None) -> str:
        lang = (form or {}).get("lang") or request.query_params.get("lang", "zh")
        return lang if lang in ("zh", "en") else "zh"

    def rule_codes() -> set[str]:
        if "rule_codes" not in cache:
            try:
                from ..standard import current
                from ..validation.rules import load_rules

                cache["rule_codes"] = {r.code for r in load_rules(current())[0]}
            except Exception:
                cache["rule_codes"] = set()
        return cache["rule_codes"]

    def page(name: str, lang: str, status: int = 200, **ctx) -> HTMLResponse:
        html = env.get_template(name).render(lang=lang, t=TEXT[lang], limits=limits, rule_codes=rule_codes(), **ctx)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def render_report(outcome: Outcome, lang: str) -> str:
        css = (HERE / "static" / "style.css").read_text(encoding="utf-8")
        return env.get_template("report.html").render(lang=lang, t=TEXT[lang], limits=limits, o=outcome,
                                                      standalone=True, inline_css=css, rule_codes=set())

    async def index(request: Request) -> Response:
        return page("index.html", lang_of(request))

    async def check(request: Request) -> Response:
        lang = lang_of(request)
        if state["waiting"] >= limits.max_waiting:
            return page("error.html", lang, 503, errors=[{
                "code": "WEB_BUSY", "zh": "服务器正忙,请稍后再试", "en": "the server is busy; try again in a moment"}])
        work = Path(tempfile.mkdtemp(prefix="jiceng-web-"))
        os.chmod(work, 0o700)
        state["waiting"] += 1
        try:
            try:
                filename, path, fields = await receive_upload(request, work, limits)
                lang = lang_of(request, fields)
                async with gate:
                    outcome = await run_in_threadpool(process, path, filename, work, lang, limits, render_report)
            except UploadError as exc:
                return page("error.html", lang, exc.status, errors=[{"code": exc.code, "zh": exc.zh, "en": exc.en}])
            except MemoryError:
                return page("error.html", lang, 500, errors=[{
                    "code": "INTERNAL_ERROR", "zh": "内存不足,无法处理这个文件", "en": "out of memory; this file cannot be processed"}])
            except Exception as exc:  # never a traceback in the page
                if os.environ.get("JICENG_DEBUG") == "1":
                    raise
                return page("error.html", lang, 500, errors=[{
                    "code": "INTERNAL_ERROR", "zh": f"内部错误({type(exc).__name__});请把文件交给管理员",
                    "en": f"internal error ({type(exc).__name__}); please pass the file to the administrator"}])
            if outcome.refused:
                return page("error.html", lang, 422, errors=outcome.refused, filename=outcome.filename)
            return page("report.html", lang, o=outcome, standalone=False)
        finally:
            state["waiting"] -= 1
            state["served"] += 1
            shutil.rmtree(work, ignore_errors=True)

    async def template(request: Request) -> Response:
        from ..publish.template import write_template

        lang = lang_of(request)
        if lang not in cache:
            def build() -> bytes:
                with tempfile.TemporaryDirectory(prefix="jiceng-web-") as d:
                    return write_template(Path(d) / "t.xlsx", lang=lang).read_bytes()
            cache[lang] = await run_in_threadpool(build)
        name = "基层治理数据填报模板.xlsx" if lang == "zh" else "jiceng-template.xlsx"
        from urllib.parse import quote

        return Response(cache[lang], media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", **SECURITY_HEADERS})

    async def rules(request: Request) -> Response:
        from ..standard import current
        from ..validation.rules_page import render_rules_html

        if "rules" not in cache:
            cache["rules"] = (await run_in_threadpool(render_rules_html, current())).encode("utf-8")
        headers = dict(SECURITY_HEADERS, **{"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
        if request.query_params.get("download"):
            headers["Content-Disposition"] = "attachment; filename=rules.html"
        return Response(cache["rules"], media_type="text/html; charset=utf-8", headers=headers)

    async def guide(request: Request) -> Response:
        lang = lang_of(request)
        return page("guide.html", lang, body=_guide_html())

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route("/", index),
        Route("/check", check, methods=["POST"]),
        Route("/template.xlsx", template),
        Route("/rules", rules),
        Route("/guide", guide),
        Route("/health", health),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.limits = limits
    app.state.counters = state
    return app


def _guide_html() -> str:
    """docs/publish.md as HTML (shipped with the package; the repository's copy when run from source)."""
    from markdown_it import MarkdownIt

    for candidate in (HERE / "docs" / "publish.md", HERE.parents[2] / "docs" / "publish.md"):
        if candidate.is_file():
            return MarkdownIt("commonmark", {"html": False}).enable("table").render(candidate.read_text(encoding="utf-8"))
    return "<p>docs/publish.md</p>"


def serve(host: str = "127.0.0.1", port: int = 8765, limits: Limits | None = None) -> None:
    import uvicorn

    uvicorn.run(create_app(limits), host=host, port=port, log_level="warning", server_header=False,
                limit_concurrency=256, timeout_keep_alive=5)
