"""Hostile and broken input: unreadable packages, zip archives, resource paths, encodings, the
command line. Each case gets its own code; nothing crashes; the input is never modified."""
from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import socketserver
import threading
import zipfile
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.validation import reading, validate

HERE = Path(__file__).parent
import broken_corpus as corpus  # tests/fixtures/broken, put on sys.path by conftest.py


@pytest.fixture
def package(tmp_path, standard):
    """A small valid package with one damaged case row (so that the report is not empty)."""
    case = corpus.Case("pkg", {"cases": corpus.table_csv(standard, "cases", 3, {2: {"resident_rating": "9"}})}, set())
    return corpus.build(case, tmp_path / "pkg", standard)


def _descriptor(pkg: Path) -> dict:
    return json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))


def _write_descriptor(pkg: Path, data: dict) -> None:
    (pkg / "datapackage.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _set_path(pkg: Path, table: str, path: str) -> None:
    data = _descriptor(pkg)
    for r in data["resources"]:
        if r["name"] == table:
            r["path"] = path
    _write_descriptor(pkg, data)


def _digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- the package itself


@pytest.mark.parametrize("make, code", [
    (lambda d: d / "nowhere", "INPUT_NOT_FOUND"),
    (lambda d: d, "INPUT_NOT_A_PACKAGE"),  # a folder without datapackage.json
    (lambda d: (d / "x.txt").write_text("hello") and d / "x.txt", "INPUT_NOT_A_PACKAGE"),
    (lambda d: (d / "datapackage.json").write_text('{"name": "x",\n "resources": [') and d / "datapackage.json", "DESCRIPTOR_UNREADABLE"),
    (lambda d: (d / "datapackage.json").write_text("[1, 2]") and d / "datapackage.json", "DESCRIPTOR_UNREADABLE"),
    (lambda d: (d / "datapackage.json").write_bytes(b'{"name": "\xff"}') and d / "datapackage.json", "DESCRIPTOR_UNREADABLE"),
    (lambda d: (d / "p.zip").write_bytes(b"PK\x03\x04 not really a zip") and d / "p.zip", "ZIP_UNREADABLE"),
])
def test_unreadable_input_exits_2_with_its_code(tmp_path, make, code):
    target = make(tmp_path)
    report = validate(target)
    assert report.exit_code == 2 and not report.valid and report.codes() == {code}
    finding = report.errors[0]
    assert finding.message_zh and finding.message_en
    data = json.loads(report.to_json())
    assert data["valid"] is False and data["errors"][0]["code"] == code


def test_invalid_json_reports_line_and_column(tmp_path):
    (tmp_path / "datapackage.json").write_text('{"name": "x",\n "resources": [', encoding="utf-8")
    report = validate(tmp_path)
    assert "第 2 行" in report.errors[0].message_zh and "line 2" in report.errors[0].message_en


def test_datapackage_json_path_and_metadata(package):
    data = _descriptor(package)
    del data["licenses"]
    data["schema_version"] = "9.0.0"
    data["province_code"] = "44"
    data["resources"].append({"name": "cases", "path": "data/cases.csv", "schema": {}})
    data["resources"].append({"name": "households", "path": "data/households.csv", "schema": {}})
    _write_descriptor(package, data)
    report = validate(package / "datapackage.json")
    assert report.exit_code == 1
    assert {"METADATA_INVALID", "SCHEMA_VERSION_UNSUPPORTED", "PACKAGE_PROVINCE_MISMATCH", "RESOURCE_DUPLICATE",
            "RESOURCE_UNKNOWN_TABLE", "ABOVE_MAXIMUM"} <= report.codes()
    assert [f.field for f in report.by_code("METADATA_INVALID")] == ["licenses"]


# ---------------------------------------------------------------- zip archives


def _zip(pkg: Path, dest: Path, prefix: str = "", extra: dict | None = None) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(pkg.rglob("*")):
            if p.is_file():
                zf.write(p, prefix + str(p.relative_to(pkg)))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return dest


@pytest.mark.parametrize("prefix", ["", "pkg/"])
def test_zip_validates_like_the_folder(package, tmp_path, prefix):
    archive = _zip(package, tmp_path / "p.zip", prefix)
    before = _digest(tmp_path)
    a, b = validate(package), validate(archive)
    assert [(f.code, f.resource, f.row, f.field) for f in a.errors] == [(f.code, f.resource, f.row, f.field) for f in b.errors]
    assert b.exit_code == 1
    assert _digest(tmp_path) == before


def test_zip_entries_escaping_the_folder_are_refused(package, tmp_path):
    evil = tmp_path / "zone"
    evil.mkdir()
    archive = _zip(package, evil / "p.zip", extra={"../escaped.csv": "x", "/tmp/absolute-jiceng.csv": "y", "a/../../up.csv": "z"})
    report = validate(archive)
    unsafe = sorted(f.value for f in report.by_code("ZIP_ENTRY_UNSAFE"))
    assert unsafe == ["../escaped.csv", "/tmp/absolute-jiceng.csv", "a/../../up.csv"]
    assert not (tmp_path / "escaped.csv").exists() and not (evil / "escaped.csv").exists()
    assert not Path("/tmp/absolute-jiceng.csv").exists()
    assert report.exit_code == 1


def test_zip_symlink_entry_is_refused(package, tmp_path):
    archive = _zip(package, tmp_path / "p.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        info = zipfile.ZipInfo("data/link.csv")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    report = validate(archive)
    assert [f.value for f in report.by_code("ZIP_ENTRY_UNSAFE")] == ["data/link.csv"]


def test_zip_bomb_stops_at_the_size_limit(package, tmp_path, monkeypatch):
    archive = _zip(package, tmp_path / "p.zip", extra={"data/filler.csv": "0" * 2_000_000})
    assert archive.stat().st_size < 200_000  # compresses well: the point of a bomb
    monkeypatch.setattr(reading, "ZIP_MAX_BYTES", 1_000_000)
    report = validate(archive)
    assert report.codes() == {"ZIP_TOO_LARGE"} and report.exit_code == 2


def test_zip_with_too_many_entries(package, tmp_path, monkeypatch):
    archive = _zip(package, tmp_path / "p.zip", extra={f"junk/{i}.txt": "" for i in range(20)})
    monkeypatch.setattr(reading, "ZIP_MAX_ENTRIES", 10)
    assert validate(archive).codes() == {"ZIP_TOO_LARGE"}


def test_zip_without_descriptor(tmp_path):
    with zipfile.ZipFile(tmp_path / "p.zip", "w") as zf:
        zf.writestr("readme.txt", "nothing")
    assert validate(tmp_path / "p.zip").codes() == {"INPUT_NOT_A_PACKAGE"}


# ---------------------------------------------------------------- resource paths


@pytest.mark.parametrize("path, code", [
    ("/etc/passwd.csv", "RESOURCE_PATH_UNSAFE"),
    ("../outside.csv", "RESOURCE_PATH_UNSAFE"),
    ("data/../../outside.csv", "RESOURCE_PATH_UNSAFE"),
    ("C:\\data\\cases.csv", "RESOURCE_PATH_UNSAFE"),
    ("https://example.org/cases.csv", "RESOURCE_REMOTE_REFUSED"),
    ("data/nothing.csv", "RESOURCE_FILE_MISSING"),
    ("data/cases.xlsx", "RESOURCE_FORMAT_UNSUPPORTED"),
    ("data\\cases.csv", "RESOURCE_PATH_INVALID"),
])
def test_resource_paths(package, tmp_path, path, code):
    (tmp_path / "outside.csv").write_text("secret\n")
    (package / "data" / "cases.xlsx").write_bytes(b"PK\x03\x04")
    _set_path(package, "cases", path)
    report = validate(package)
    found = [(f.code, f.resource) for f in report.errors if f.resource == "cases"]
    assert (code, "cases") in found
    assert report.exit_code == 1
    assert "grids" in report.encodings  # the other resources are still checked


def test_symlink_leaving_the_package_is_refused(package, tmp_path):
    (tmp_path / "outside.csv").write_text("secret\n")
    os.symlink(tmp_path / "outside.csv", package / "data" / "link.csv")
    _set_path(package, "cases", "data/link.csv")
    assert "RESOURCE_PATH_UNSAFE" in validate(package).codes()


@pytest.fixture
def http_root(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = socketserver.TCPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_remote_resources_only_with_allow_remote(package, http_root):
    root, url = http_root
    shutil.copy(package / "data" / "cases.csv", root / "cases.csv")
    _set_path(package, "cases", f"{url}/cases.csv")
    refused = validate(package)
    assert "RESOURCE_REMOTE_REFUSED" in refused.codes() and "ABOVE_MAXIMUM" not in refused.codes()
    fetched = validate(package, allow_remote=True)
    assert "ABOVE_MAXIMUM" in fetched.codes() and "RESOURCE_REMOTE_REFUSED" not in fetched.codes()
    _set_path(package, "cases", f"{url}/missing.csv")
    assert "RESOURCE_REMOTE_FAILED" in validate(package, allow_remote=True).codes()
    _set_path(package, "cases", "file:///etc/passwd")
    assert "RESOURCE_PATH_UNSAFE" in validate(package, allow_remote=True).codes()


# ---------------------------------------------------------------- encodings


def _with_cases(tmp_path, standard, content: bytes, encoding: str = "utf-8"):
    case = corpus.Case("enc", {"cases": content}, set(), encoding={"cases": encoding})
    return corpus.build(case, tmp_path / "enc", standard)


def test_gbk_with_chinese_only_after_100kb(tmp_path, standard):
    lines = corpus.table_csv(standard, "cases", 1) + "".join(corpus.line(standard, "cases", i) + "\n" for i in range(1, 2000))
    assert len(lines.encode()) > 100_000
    content = (lines + corpus.line(standard, "cases", 2000, category="道路维修") + "\n").encode("gbk")
    report = validate(_with_cases(tmp_path, standard, content, "gbk"))
    assert report.encodings["cases"] == "gbk"
    bad = report.by_code("PATTERN_MISMATCH")
    assert [(f.row, f.value) for f in bad] == [(2002, "道路维修")]
    assert "ENCODING_DECLARED_MISMATCH" not in report.codes()


def test_gb18030_only_characters_and_utf16(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 2, {1: {"category": "㐀䶵"}})
    assert validate(_with_cases(tmp_path / "a", standard, text.encode("gb18030"), "gb18030")).encodings["cases"] == "gb18030"
    report = validate(_with_cases(tmp_path / "b", standard, text.encode("utf-16"), "utf-16"))
    assert report.encodings["cases"] == "utf-16" and [f.value for f in report.by_code("PATTERN_MISMATCH")] == ["㐀䶵"]


def test_utf8_bom_is_read(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 2)
    report = validate(_with_cases(tmp_path, standard, b"\xef\xbb\xbf" + text.encode("utf-8")))
    assert report.encodings["cases"] == "utf-8-sig" and report.valid


def test_undecodable_file_reports_the_byte_position(tmp_path, standard):
    head = corpus.table_csv(standard, "cases", 2).encode("utf-8")
    content = head + b"C9,\x80\xff\x80\x81\n"
    report = validate(_with_cases(tmp_path, standard, content))
    [finding] = report.by_code("ENCODING_ERROR")
    position = len(head) + 3
    assert f"第 {position} 字节" in finding.message_zh and f"byte {position}" in finding.message_en
    assert finding.row == 4  # the line
    assert report.exit_code == 1 and "cases" not in report.encodings


def test_declared_encoding_differs(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 2, {1: {"category": "道路"}})
    report = validate(_with_cases(tmp_path, standard, text.encode("gbk"), "utf-8"))
    assert report.encodings["cases"] == "gbk" and "ENCODING_DECLARED_MISMATCH" in report.codes()


# ---------------------------------------------------------------- reports


def test_summary_groups_a_shifted_header(tmp_path, standard):
    """Titles instead of field names and a column lost: columns pair by position with the
    package's schema, every row fails; the summary stays short and puts the header first."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(corpus._drop_column(corpus.table_csv(standard, "cases", 1500), "grid_id"))))
    titles = {f["name"]: (f.get("zh") or {}).get("title") or f["name"] for f in standard.fields("cases")}
    rows[0] = [titles[n] for n in rows[0]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    pkg = corpus.build(corpus.Case("shift", {"cases": buf.getvalue()}, set()), tmp_path / "pkg", standard)
    report = validate(pkg, max_per_group=100)
    text = report.to_text("zh")
    assert len(text.splitlines()) < 4 * len(report.groups) + 20  # a few lines per kind, not per row
    assert text.index("HEADER_INCORRECT_LABEL") < text.index("TYPE_ERROR")
    assert "请先修正表头" in text and "表头用的是字段标题" in text and "缺少列 meeting_id" in text
    assert report.count("TYPE_ERROR") >= 1500 and all(g.shown <= 100 for g in report.groups)
    data = json.loads(report.to_json())
    assert data["truncated"] is True
    assert sum(g["count"] for g in data["groups"] if g["code"] == "TYPE_ERROR") == report.count("TYPE_ERROR")
    assert data["counts"]["ERROR"] == sum(g["count"] for g in data["groups"] if g["severity"] == "ERROR")


def test_json_contract(package):
    data = json.loads(validate(package).to_json())
    assert {"valid", "schema_version", "package", "counts", "errors"} <= set(data)
    assert data["valid"] is False and data["package"] == "broken-example" and data["schema_version"]
    assert set(data["counts"]) == {"ERROR", "WARNING", "INFO"}
    error = next(e for e in data["errors"] if e["code"] == "ABOVE_MAXIMUM")
    assert set(error) == {"code", "severity", "resource", "row", "field", "value", "message_zh", "message_en",
                          "table_zh", "table_en", "field_zh", "field_en", "hint_zh", "hint_en", "sheet", "cell"}
    assert error["table_zh"] == "民情事项" and error["sheet"] is None and error["cell"] is None
    assert (error["resource"], error["row"], error["field"], error["value"]) == ("cases", 4, "resident_rating", "9")


def test_html_report_escapes_everything(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 2, {1: {"category": "<script>alert(1)</script>"}})
    pkg = corpus.build(corpus.Case("x", {"cases": text}, set()), tmp_path / "pkg", standard)
    page = validate(pkg).to_html("en")
    assert "<script>" not in page and "&lt;script&gt;" in page and page.startswith("<!DOCTYPE html>")


def test_control_characters_are_shown_escaped(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 2, {1: {"category": "a\x1b[31mred"}})
    pkg = corpus.build(corpus.Case("x", {"cases": text}, set()), tmp_path / "pkg", standard)
    report = validate(pkg)
    assert "\x1b" not in report.to_text() and "\\x1b" in report.by_code("PATTERN_MISMATCH")[0].value


# ---------------------------------------------------------------- command line


def test_cli_exit_codes_and_formats(package, tmp_path, standard):
    runner = CliRunner()
    good = corpus.build(corpus.Case("ok", {"cases": corpus.table_csv(standard, "cases", 2)}, set()), tmp_path / "ok", standard)
    assert runner.invoke(app, ["validate", str(good)]).exit_code == 0
    result = runner.invoke(app, ["validate", str(package), "--format", "json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["counts"]["ERROR"] >= 1
    result = runner.invoke(app, ["validate", str(package), "--lang", "en"])
    assert result.exit_code == 1 and "ABOVE_MAXIMUM" in result.stdout and "not valid" in result.stdout
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["validate", str(package), "-f", "html", "-o", str(out)])
    assert result.exit_code == 1 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    result = runner.invoke(app, ["validate", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "INPUT_NOT_FOUND" in result.stdout
    result = runner.invoke(app, ["validate", str(package), "--format", "xml"])
    assert result.exit_code == 2 and "--format" in result.output


def test_cli_never_shows_a_traceback(package, monkeypatch):
    import jiceng.validation

    def boom(*a, **k):
        raise RuntimeError("unexpected")
    monkeypatch.setattr(jiceng.validation, "validate", boom)
    monkeypatch.delenv("JICENG_DEBUG", raising=False)
    result = CliRunner().invoke(app, ["validate", str(package)])
    assert result.exit_code == 3  # an internal error has its own exit code: never 1 (errors found) nor 2 (bad input)
    assert "Traceback" not in result.output and "内部错误" in result.output and "internal error" in result.output
    result = CliRunner().invoke(app, ["validate", str(package), "--format", "json"])
    assert result.exit_code == 3 and json.loads(result.stdout)["errors"][0]["code"] == "INTERNAL_ERROR"


def test_public_api():
    import jiceng

    assert jiceng.validate is validate


def test_broken_standard_is_one_clear_error(package, schemas_copy):
    from jiceng.standard import Standard

    (schemas_copy / "codelists.json").write_text("{not json", encoding="utf-8")
    report = validate(package, standard=Standard.from_schemas(schemas_copy))
    assert report.codes() == {"STANDARD_UNREADABLE"} and report.exit_code == 2


# ---------------------------------------------------------------- special files, remote limits, wrong encodings


def test_special_files_are_refused_before_being_opened(package, tmp_path):
    import time

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    report = validate(fifo)
    assert report.codes() == {"INPUT_SPECIAL_FILE"} and report.exit_code == 2
    assert validate("/dev/zero").codes() == {"INPUT_SPECIAL_FILE"}
    folder = tmp_path / "fifo-pkg"
    folder.mkdir()
    os.mkfifo(folder / "datapackage.json")
    assert validate(folder).codes() == {"INPUT_SPECIAL_FILE"}
    (package / "data" / "cases.csv").unlink()
    os.mkfifo(package / "data" / "cases.csv")
    report = validate(package)
    [f] = report.by_code("RESOURCE_SPECIAL_FILE")
    assert f.resource == "cases" and f.message_zh and f.message_en
    assert time.monotonic() - start < 60  # nothing blocked on a pipe


def _slow_server(body: bytes, pause: float, length: bool):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            if length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(0, len(body), 64):
                    self.wfile.write(body[i:i + 64])
                    self.wfile.flush()
                    time.sleep(pause)
            except OSError:
                pass

        def log_message(self, *a):
            pass

    import time

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/cases.csv"


@pytest.mark.parametrize("scenario", ["trickle", "too_large", "too_large_declared"])
def test_remote_fetch_has_an_overall_deadline_and_a_size_cap(package, monkeypatch, scenario):
    import tempfile
    import time

    body = (package / "data" / "cases.csv").read_bytes() * 20
    monkeypatch.setattr(reading, "REMOTE_DEADLINE", 1.0)
    monkeypatch.setattr(reading, "REMOTE_TIMEOUT", 1.0)
    if scenario != "trickle":
        monkeypatch.setattr(reading, "REMOTE_MAX_BYTES", 1000)
    server, url = _slow_server(body, 0.2 if scenario == "trickle" else 0.0, scenario == "too_large_declared")
    try:
        _set_path(package, "cases", url)
        before = set(Path(tempfile.gettempdir()).glob("jiceng-remote-*"))
        start = time.monotonic()
        report = validate(package, allow_remote=True)
        assert time.monotonic() - start < 15
        [f] = report.by_code("RESOURCE_REMOTE_FAILED")
        assert ("1.0 s" in f.message_en) if scenario == "trickle" else ("1000 bytes" in f.message_en)
        assert set(Path(tempfile.gettempdir()).glob("jiceng-remote-*")) == before  # nothing left behind
    finally:
        server.shutdown()
        server.server_close()


def test_zip_temporary_folder_is_removed_even_on_failure(package, tmp_path, monkeypatch):
    import tempfile

    from jiceng.validation import core

    archive = _zip(package, tmp_path / "p.zip")
    before = set(Path(tempfile.gettempdir()).glob("jiceng-zip-*"))
    validate(archive)
    assert set(Path(tempfile.gettempdir()).glob("jiceng-zip-*")) == before

    def boom(*a, **k):
        raise MemoryError()

    monkeypatch.setattr(core, "_validate", boom)
    with pytest.raises(MemoryError):
        validate(archive)
    assert set(Path(tempfile.gettempdir()).glob("jiceng-zip-*")) == before


def test_big5_is_an_encoding_error_not_gbk_mojibake(tmp_path, standard):
    text = corpus.table_csv(standard, "cases", 3, {1: {"handling_level": "第1網格"}, 2: {"category": "社區服務與環境衛生"}})
    report = validate(_with_cases(tmp_path, standard, text.encode("big5"), "utf-8"))
    [f] = report.by_code("ENCODING_ERROR")
    assert f.resource == "cases" and "Big5" in f.message_en and "乱码" in f.message_zh
    assert "ENCODING_DECLARED_MISMATCH" not in report.codes()
    declared = validate(_with_cases(tmp_path / "declared", standard, text.encode("big5"), "big5"))
    assert "ENCODING_ERROR" not in declared.codes()  # read as what it says it is


@pytest.mark.parametrize("value", ["１２", "1_000", "+5", " 5", "inf", "NaN", "1e309"])
def test_numbers_are_written_as_the_standard_writes_them(tmp_path, standard, value):
    """frictionless reads these as numbers; the standard does not write them so."""
    text = corpus.table_csv(standard, "cases", 2, {1: {"hours_to_close": value}})
    report = validate(_with_cases(tmp_path, standard, text.encode("utf-8")))
    assert [(f.row, f.field) for f in report.by_code("NUMBER_NOT_CANONICAL")] == [(3, "hours_to_close")]
    assert not report.by_code("BELOW_MINIMUM") and not report.by_code("TYPE_ERROR")
    assert not report.valid


def test_start_up_imports_neither_pandas_nor_frictionless(package):
    """`jiceng --help`, `jiceng version` and validating a small package stay light."""
    import subprocess
    import sys

    code = (
        "import sys, jiceng, jiceng.cli\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(jiceng.cli.app, ['--help']); assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(jiceng.cli.app, ['version']); assert r.exit_code == 0, r.output\n"
        "assert not {'pandas', 'frictionless', 'pandera', 'polars'} & set(sys.modules), sorted(sys.modules)\n"
        "report = jiceng.validate(sys.argv[1])\n"
        "assert report.exit_code == 1 and 'ABOVE_MAXIMUM' in report.codes()\n"
        "print(sorted({'pandas', 'frictionless'} & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(package)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
