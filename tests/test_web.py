"""`jiceng serve`, started on a free port: a clerk's upload in headless Chromium (report with cells,
downloads checked), 20 concurrent uploads with the server's memory measured, and hostile uploads
that each get their coded message while the server keeps serving."""
from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openpyxl
import pytest

from jiceng.publish import write_template
from jiceng.publish.exporter import formula_cells
from jiceng.publish.layout import table_title

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LOC = "330102003001"
HOSTILE_HTML = "<script>alert('x')</script>约300户"
PERSONAL = "网格员电话13812345678"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    private = tmp_path_factory.mktemp("server-tmp")  # the server's temporary folders, to see that none is left
    proc = subprocess.Popen([sys.executable, "-c", "from jiceng.cli import main; main()", "serve", "--port", str(port),
                             "--max-upload-mb", "20", "--max-unpacked-mb", "64"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(private)})
    proc.private_tmp = private
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(url + "/health", timeout=1).text == "ok":
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("jiceng serve did not start: " + proc.stdout.read().decode(errors="replace"))
    yield url, proc
    proc.terminate()
    proc.wait(10)


_TEMPLATE: list[Path] = []


def _variant(book: Path, old: str, new: str, out: Path) -> Path:
    """A copy of `book` with one typed value replaced (openpyxl writes values inline in the sheet XML)."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(old.encode(), new.encode())
            dst.writestr(info, data)
    return out


def _workbook(tmp: Path, std, name: str = "填好的.xlsx", households: str = "约300户") -> Path:
    """A filled template with the mistakes clerks make."""
    if not _TEMPLATE:
        import tempfile

        _TEMPLATE.append(write_template(Path(tempfile.mkdtemp(prefix="jiceng-test-")) / "template.xlsx"))
    wb = openpyxl.load_workbook(_TEMPLATE[0])

    def fill(table, rows):
        ws = wb[table_title(std, table, "zh")]
        cols = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
        for r, row in enumerate(rows, start=3):
            for key, value in row.items():
                ws.cell(r, cols[key]).value = value

    grid = {"locality_id": LOC, "grid_level": "网格", "grid_kind": "综合网格"}
    fill("localities", [{"locality_id": LOC, "name": "测试社区", "level": "社区"}])
    fill("grids", [{"grid_id": "G01", **grid, "households": households, "valid_from": "2023/5/9", "name": PERSONAL},
                   {"grid_id": "G02", **grid, "households": "１２", "has_party_branch": "TRUE"}])
    fill("cases", [{"case_id": "C1", "locality_id": LOC, "category": "环境卫生", "reported_date": "2023年5月9日",
                    "status": "已解决", "source": "电话反映"}])
    ws = wb["元数据"]
    keys = {ws.cell(r, 2).value: r for r in range(2, ws.max_row + 1)}
    for key, value in {"title": "测试数据包", "locality_id": LOC, "period": "2023", "publisher.name": "测试街道办事处",
                       "licenses": "CC-BY-4.0"}.items():
        ws.cell(keys[key], 3).value = value
    out = tmp / name
    wb.save(out)
    return out


# -- the browser ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        if IN_CI:
            pytest.fail("selenium is not installed")
        pytest.skip("selenium is not installed")
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        if IN_CI:
            pytest.fail("chromium and chromedriver are needed")
        pytest.skip("chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver)")
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1300,1400"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(60)
    driver.downloads = downloads
    yield driver
    driver.quit()


def _wait_for(path: Path, timeout: float = 20) -> Path:
    end = time.time() + timeout
    while time.time() < end:
        if path.exists() and not Path(str(path) + ".crdownload").exists() and path.stat().st_size > 0:
            return path
        time.sleep(0.2)
    raise AssertionError(f"{path.name} was not downloaded: {sorted(p.name for p in path.parent.iterdir())}")


def test_clerk_uploads_a_workbook_and_gets_the_report_and_downloads(server, browser, tmp_path, standard):
    from selenium.webdriver.common.by import By

    url, _ = server
    book = _workbook(tmp_path, standard, households=HOSTILE_HTML)
    browser.get(url + "/")
    assert "检查填好的数据" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.ID, "file").send_keys(str(book))
    browser.find_element(By.ID, "submit").click()
    # the click starts the upload; the report page arrives when the server has checked the workbook
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 120).until(expected_conditions.presence_of_element_located((By.ID, "summary")))
    summary = browser.find_element(By.ID, "summary").text
    assert "错误" in summary and "填好的.xlsx" in summary
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#problems tbody tr")]
    text = "\n".join(rows)
    # sheet, A1 cell, the column's Chinese title, the value as typed, what is wrong, the fix
    assert any("网格" in r and "H3" in r and "覆盖户数" in r and "不是整数" in r and "请只填整数" in r for r in rows), text
    assert any("民情事项" in r and "F3" in r and "电话反映" in r and "是不是要填" in r for r in rows), text
    # HTML typed into a cell is shown as text, never run
    assert HOSTILE_HTML in text
    assert browser.execute_script("return document.querySelectorAll('script').length") == 0
    # normalisations: summarised, with what was typed
    normalised = browser.find_element(By.ID, "normalised").text
    assert "１２" in normalised and "2023年5月9日" in normalised
    # personal data is reported, masked, never echoed
    assert "13812345678" not in browser.page_source and "138****5678" in text
    browser.save_screenshot(str(tmp_path / "report.png"))
    if os.environ.get("JICENG_SCREENSHOT"):
        shutil.copy(tmp_path / "report.png", os.environ["JICENG_SCREENSHOT"])

    links = {a.get_attribute("download"): a for a in browser.find_elements(By.CSS_SELECTOR, "#downloads a[download]")}
    assert set(links) == {"填好的-数据包.zip", "填好的-标注.xlsx", "填好的-校验报告.html", "填好的-校验报告.json"}
    for name in ("填好的-标注.xlsx", "填好的-数据包.zip"):
        links[name].click()
    annotated = _wait_for(browser.downloads / "填好的-标注.xlsx")
    package = _wait_for(browser.downloads / "填好的-数据包.zip")

    wb = openpyxl.load_workbook(annotated)
    assert wb.sheetnames[0] == "问题清单"
    listing = wb["问题清单"]
    cells = {listing.cell(r, 4).value: r for r in range(2, listing.max_row + 1)}
    assert "H3" in cells
    link = listing.cell(cells["H3"], 4).hyperlink
    assert link is not None and link.location == "'网格'!H3"
    marked = wb["网格"]["H3"]
    assert marked.value == HOSTILE_HTML  # the workbook as the clerk sent it
    assert marked.comment is not None and "整数" in marked.comment.text and "whole number" in marked.comment.text
    assert marked.fill.fgColor.rgb.endswith("FFC7CE")
    assert formula_cells(annotated) == []
    for ws in wb.worksheets[:1]:
        assert not any("13812345678" in str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    assert not any(c.comment and "13812345678" in c.comment.text for row in wb["网格"].iter_rows() for c in row)

    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        assert "datapackage.json" in names and "data/grids.csv" in names
        grids = zf.read("data/grids.csv").decode("utf-8")
    assert "G02" in grids and ",grid," in grids and "2023-05-09" in grids and ",12," in grids


def test_english_switch(server, browser):
    from selenium.webdriver.common.by import By

    url, _ = server
    browser.get(url + "/")
    browser.find_element(By.CSS_SELECTOR, "nav a.lang").click()
    assert "Check your data" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.CSS_SELECTOR, "input[name=lang]").get_attribute("value") == "en"


def test_template_rules_and_guide_are_served(server):
    url, _ = server
    template = httpx.get(url + "/template.xlsx", timeout=60)
    assert template.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    assert "元数据" in wb.sheetnames
    assert 'id="CASE_CLOSED_BEFORE_REPORTED"' in httpx.get(url + "/rules", timeout=60).text
    assert "模板" in httpx.get(url + "/guide", timeout=30).text


# -- many at once ---------------------------------------------------------------------------

def _rss_mib(pid: int) -> float:
    import psutil

    proc = psutil.Process(pid)
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return total / 2 ** 20


def test_twenty_concurrent_uploads_are_isolated_and_memory_stays_bounded(server, tmp_path, standard):
    url, proc = server
    base = _workbook(tmp_path, standard, name="base.xlsx", households="约PLACEHOLDER户数")
    # each upload has its own wrong value, so that a mixed-up report would show
    books = [(i, _variant(base, "PLACEHOLDER", str(i + 11), tmp_path / f"book{i}.xlsx")) for i in range(20)]
    peak = [_rss_mib(proc.pid)]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak.append(_rss_mib(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()

    def upload(item):
        i, book = item
        with open(book, "rb") as fh:
            r = httpx.post(url + "/check", files={"file": (book.name, fh, "application/octet-stream")},
                           data={"lang": "zh"}, timeout=300)
        return i, r

    start = time.time()
    try:
        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(upload, books))
    finally:
        done.set()
        sampler.join()
    elapsed = time.time() - start
    for i, r in results:
        assert r.status_code == 200, r.text[:500]
        assert f"book{i}.xlsx" in r.text and f"约{i + 11}户数" in r.text and "H3" in r.text
        others = [j for j in range(20) if j != i and f"约{j + 11}户数" in r.text]
        assert not others, f"upload {i} shows values of uploads {others}"
    print(f"\n20 concurrent uploads: {elapsed:.1f} s, server peak RSS {max(peak):.0f} MiB (idle {peak[0]:.0f} MiB)")
    assert max(peak) < 1024
    # nothing kept: no private folder of this server is left behind
    left = list(proc.private_tmp.glob("jiceng-web-*"))
    assert not left, left


# -- hostile uploads ------------------------------------------------------------------------

def _post(url: str, name: str, data: bytes, lang: str = "zh") -> httpx.Response:
    return httpx.post(url + "/check", files={"file": (name, data, "application/octet-stream")}, data={"lang": lang},
                      timeout=300)


def _alive(url: str) -> None:
    assert httpx.get(url + "/health", timeout=10).text == "ok"


def test_zip_bomb_is_refused(server):
    url, _ = server
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("grids.csv", "w", force_zip64=True) as fh:
            block = b"0" * (1 << 20)
            for _ in range(100):
                fh.write(block)
    assert len(buf.getvalue()) < 5 * 2 ** 20
    r = _post(url, "bomb.zip", buf.getvalue())
    assert r.status_code == 400 and "ZIP_TOO_LARGE" in r.text
    _alive(url)


def test_zip_slip_is_refused(server, tmp_path):
    url, _ = server
    buf = io.BytesIO()
    marker = f"jiceng-slip-{os.getpid()}.csv"
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("网格.csv", "grid_id\nG01\n")
        zf.writestr(f"../../../../../../tmp/{marker}", "x")
    r = _post(url, "slip.zip", buf.getvalue())
    assert r.status_code == 400 and "ZIP_ENTRY_UNSAFE" in r.text
    assert not Path("/tmp", marker).exists()
    _alive(url)


def test_oversized_upload_is_refused_while_streaming(server):
    url, _ = server
    size = 200 * 2 ** 20
    boundary = "jicengboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        block = b"\0" * (1 << 20)
        for _ in range(size // len(block)):
            yield block
        yield tail

    r = httpx.post(url + "/check", content=body(), timeout=300,
                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                            "Content-Length": str(len(head) + size + len(tail))})
    assert r.status_code == 413 and "WEB_UPLOAD_TOO_LARGE" in r.text and "20 MB" in r.text
    _alive(url)


def test_not_a_workbook_and_other_files(server):
    url, _ = server
    r = _post(url, "data.xlsx", "这不是工作簿".encode())
    assert r.status_code == 400 and "publish.unreadable" in r.text
    r = _post(url, "13812345678.xlsx", "这不是工作簿".encode())  # a file named after a phone number
    assert r.status_code == 400 and "13812345678" not in r.text and "138****5678" in r.text
    r = _post(url, "photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert r.status_code == 400 and "WEB_NOT_SUPPORTED" in r.text
    broken = b"PK\x03\x04" + os.urandom(2000)
    r = _post(url, "broken.xlsx", broken)
    assert r.status_code == 400 and "ZIP_UNREADABLE" in r.text
    r = httpx.post(url + "/check", content=b"x", headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 400 and "WEB_BAD_REQUEST" in r.text
    _alive(url)


def test_far_cell_workbook_is_refused_without_blowing_up(server, tmp_path):
    url, proc = server
    wb = openpyxl.Workbook()
    wb.active["A1"] = "网格标识"
    wb.active["XFD1048576"] = "远处"
    path = tmp_path / "far.xlsx"
    wb.save(path)
    r = _post(url, "far.xlsx", path.read_bytes())
    assert r.status_code == 422 and "publish.sheet_too_large" in r.text and "XFD1048576" in r.text
    assert _rss_mib(proc.pid) < 1024
    _alive(url)


def test_package_zip_and_csv_folder_zip(server, tmp_path):
    url, _ = server
    repo = Path(__file__).resolve().parents[1]
    package = repo / "datapackages" / "zj-hangzhou-linli"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in package.rglob("*"):
            if p.is_file():
                zf.write(p, str(p.relative_to(package.parent)))
    r = _post(url, "linli.zip", buf.getvalue())
    assert r.status_code == 200 and "zj-hangzhou-linli" in r.text
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("我的数据/地方.csv", f"地方标识,名称,层级\n{LOC},测试社区,社区\n".encode("gbk"))
        zf.writestr("我的数据/网格.csv", f"网格标识,所属地方,网格层级,网格类型,覆盖户数\nG01,{LOC},网格,综合网格,约300户\n")
    r = _post(url, "csv.zip", buf.getvalue(), lang="en")
    assert r.status_code == 200 and "not a whole number" in r.text and "约300户" in r.text
    _alive(url)
