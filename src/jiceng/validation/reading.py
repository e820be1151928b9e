"""Reading what the user gave: a package folder, a datapackage.json or a zip of one; resource
files; their encoding; their CSV rows.

Nothing here writes to the input. A zip is unpacked into a temporary folder, entry by entry,
refusing entries that would land outside it and stopping past a size limit. Encodings are
detected over the whole file. CSV is split with polars when the file is plainly shaped (every
record on one line, quotes well formed) and with Python's csv module otherwise, so that every
record and every cell count is exact either way.
"""
from __future__ import annotations

import codecs
import csv
import http.client
import io
import json
import os
import re
import stat
import sys
import tempfile
import time
import weakref
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..findings import Finding

MAX_CELL_CHARS = 32_767  # a spreadsheet cannot hold more; a longer cell did not come from one
MAX_DESCRIPTOR_BYTES = 50 * 1024 * 1024
ZIP_MAX_BYTES = 4 * 1024 ** 3
ZIP_MAX_ENTRIES = 10_000
REMOTE_MAX_BYTES = 1024 ** 3
REMOTE_TIMEOUT = 60  # seconds a single read may wait
REMOTE_DEADLINE = 600  # seconds for the whole download of one resource
CHUNK = 16 * 1024 * 1024

URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
GB_FAMILY = {"gbk", "gb2312", "gb18030", "cp936", "gb_2312", "euc-cn", "euccn", "hz"}
UTF8_FAMILY = {"utf-8", "utf8", "utf-8-sig", "utf_8", "u8"}


class InputError(Exception):
    """The input cannot be read at all (exit code 2)."""

    def __init__(self, code: str, message_zh: str, message_en: str):
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en = code, message_zh, message_en


class ResourceError(Exception):
    """One resource cannot be read; the others are still checked."""

    def __init__(self, code: str, message_zh: str, message_en: str, value: str | None = None, row: int | None = None):
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en, self.value, self.row = code, message_zh, message_en, value, row


# ---------------------------------------------------------------- the package


@dataclass
class OpenedPackage:
    descriptor: dict
    base: Path  # folder the resource paths are relative to
    findings: list[Finding] = field(default_factory=list)
    _tmp: tempfile.TemporaryDirectory | None = None
    _scratch: tempfile.TemporaryDirectory | None = None

    def scratch(self) -> Path:
        """A temporary folder for downloaded resources, removed by close()."""
        if self._scratch is None:
            self._scratch = _temporary("jiceng-remote-")
        return Path(self._scratch.name)

    def close(self) -> None:
        for tmp in (self._tmp, self._scratch):
            if tmp is not None:
                tmp.cleanup()
        self._tmp = self._scratch = None


def _temporary(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary folder removed on close, on garbage collection and at interpreter exit."""
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    weakref.finalize(tmp, tmp.cleanup)
    return tmp


def special_file(path: Path) -> str | None:
    """'pipe', 'device', 'socket' … when the path (followed through links) is not a regular file
    or folder: such a file is never opened (a pipe blocks, /dev/zero never ends)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


_SPECIAL_ZH = {"pipe": "管道", "device": "设备文件", "socket": "套接字", "special file": "特殊文件"}


def open_package(path: str | Path) -> OpenedPackage:
    text = str(path)
    if URL.match(text):
        raise InputError("INPUT_NOT_A_PACKAGE", f"{text} 是网址;请先下载数据包", f"{text} is a URL; download the package first")
    p = Path(path)
    if not p.exists():
        raise InputError("INPUT_NOT_FOUND", f"路径不存在:{p}", f"no such file or folder: {p}")
    kind = special_file(p) or (special_file(p / "datapackage.json") if p.is_dir() else None)
    if kind:
        raise InputError("INPUT_SPECIAL_FILE", f"{p} 是{_SPECIAL_ZH[kind]},不是数据包文件;未读取",
                         f"{p} is a {kind}, not a package file; not read")
    if p.is_dir():
        descriptor_path = p / "datapackage.json"
        if not descriptor_path.is_file():
            raise InputError("INPUT_NOT_A_PACKAGE", f"文件夹 {p} 中没有 datapackage.json",
                             f"folder {p} has no datapackage.json")
        return OpenedPackage(_read_descriptor(descriptor_path), p)
    if p.suffix.lower() == ".zip" or zipfile.is_zipfile(p):
        tmp = _temporary("jiceng-zip-")
        try:
            findings = extract_zip(p, Path(tmp.name))
            descriptor_path = _find_descriptor(Path(tmp.name))
            pkg = OpenedPackage(_read_descriptor(descriptor_path), descriptor_path.parent, findings, tmp)
        except BaseException:
            tmp.cleanup()
            raise
        return pkg
    if p.suffix.lower() == ".json":
        return OpenedPackage(_read_descriptor(p), p.parent)
    raise InputError("INPUT_NOT_A_PACKAGE", f"{p} 不是数据包文件夹、datapackage.json 或 zip",
                     f"{p} is not a package folder, a datapackage.json or a zip")


def _read_descriptor(path: Path) -> dict:
    try:
        size = path.stat().st_size
        if size > MAX_DESCRIPTOR_BYTES:
            raise InputError("DESCRIPTOR_UNREADABLE", f"{path.name} 过大({size} 字节)", f"{path.name} is too large ({size} bytes)")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError("DESCRIPTOR_UNREADABLE", f"无法读取 {path}:{exc.strerror}", f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("DESCRIPTOR_UNREADABLE", f"{path.name} 不是 UTF-8 编码(第 {exc.start} 字节)",
                         f"{path.name} is not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("DESCRIPTOR_UNREADABLE", f"{path.name} 不是有效的 JSON:第 {exc.lineno} 行第 {exc.colno} 列",
                         f"{path.name} is not valid JSON: line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise InputError("DESCRIPTOR_UNREADABLE", f"{path.name} 嵌套过深", f"{path.name} is nested too deeply") from None
    if not isinstance(data, dict):
        raise InputError("DESCRIPTOR_UNREADABLE", f"{path.name} 应为 JSON 对象", f"{path.name} must be a JSON object")
    return data


def _find_descriptor(root: Path) -> Path:
    if (root / "datapackage.json").is_file():
        return root / "datapackage.json"
    found = [p for p in root.glob("*/datapackage.json") if p.is_file()]
    if len(found) == 1:
        return found[0]
    raise InputError("INPUT_NOT_A_PACKAGE", "zip 中没有(唯一的)datapackage.json",
                     "the zip holds no (single) datapackage.json at its top level")


def unsafe_member(name: str) -> bool:
    """A zip entry or resource path that could escape the package folder."""
    if not name or "\x00" in name or name.startswith(("/", "\\")) or WINDOWS_DRIVE.match(name):
        return True
    parts = re.split(r"[\\/]", name)
    return any(part == ".." for part in parts)


def extract_zip(archive: Path, dest: Path, *, max_entries: int | None = None, max_bytes: int | None = None,
                refuse_unsafe: bool = False) -> list[Finding]:
    """Unpack `archive` into `dest`, safely; findings for the entries refused.

    The size is checked while decompressing. An entry that would land outside `dest` (or a link)
    is skipped with a finding, or, with `refuse_unsafe` (an upload), refuses the whole zip. The
    limits default to the module's ZIP_MAX_ENTRIES and ZIP_MAX_BYTES."""
    max_entries = ZIP_MAX_ENTRIES if max_entries is None else max_entries
    max_bytes = ZIP_MAX_BYTES if max_bytes is None else max_bytes
    findings: list[Finding] = []
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError("ZIP_UNREADABLE", f"无法打开 zip:{type(exc).__name__}", f"cannot open the zip: {type(exc).__name__}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            raise InputError("ZIP_TOO_LARGE", f"zip 含 {len(infos)} 个文件,超过上限 {max_entries}",
                             f"the zip holds {len(infos)} entries, more than the limit of {max_entries}")
        total = 0
        root = dest.resolve()
        for info in infos:
            name = info.filename
            is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
            target = (dest / name).resolve()
            if unsafe_member(name) or is_link or (target != root and root not in target.parents):
                if refuse_unsafe:
                    raise InputError("ZIP_ENTRY_UNSAFE", f"zip 中的文件 {name[:80]!r} 会写到文件夹之外,已拒绝整个文件",
                                     f"zip entry {name[:80]!r} would be written outside its folder; the file was refused")
                findings.append(Finding("ZIP_ENTRY_UNSAFE", "ERROR", f"zip 中的文件 {name!r} 会写到数据包之外,已跳过",
                                        f"zip entry {name!r} would be written outside the package; skipped",
                                        value=name))
                continue
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 20):
                        total += len(chunk)
                        if total > max_bytes:
                            raise InputError("ZIP_TOO_LARGE", f"zip 解压后超过 {max_bytes} 字节({max_bytes >> 20} MB),已停止",
                                             f"the zip decompresses past {max_bytes} bytes ({max_bytes >> 20} MB); stopped")
                        out.write(chunk)
            except InputError:
                raise
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
                raise InputError("ZIP_UNREADABLE", f"zip 中的 {name[:80]!r} 无法解压:{type(exc).__name__}",
                                 f"zip entry {name[:80]!r} cannot be decompressed: {type(exc).__name__}") from None
    return findings


# ---------------------------------------------------------------- one resource's bytes


@dataclass
class Source:
    """Where a resource's bytes are: a file on disk or bytes fetched."""

    path: Path | None = None
    data: bytes | None = None
    where: str = ""

    def open(self):
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data)

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.data)


def locate(pkg: OpenedPackage, resource: dict, allow_remote: bool) -> Source:
    """The resource's file, or ResourceError saying why it cannot be used."""
    path = resource.get("path")
    if isinstance(path, list):
        raise ResourceError("RESOURCE_PATH_INVALID", "不支持由多个文件组成的资源", "resources split over several files are not supported")
    if not isinstance(path, str) or not path.strip():
        raise ResourceError("RESOURCE_PATH_INVALID", "资源缺少 path", "the resource has no path")
    if URL.match(path):
        if not allow_remote:
            raise ResourceError("RESOURCE_REMOTE_REFUSED", "资源路径是网址;如确需下载请加 --allow-remote",
                                "the resource path is a URL; add --allow-remote to fetch it", value=path)
        if not path.lower().startswith(("http://", "https://")):
            raise ResourceError("RESOURCE_PATH_UNSAFE", "只能下载 http/https 网址", "only http and https URLs can be fetched", value=path)
        return Source(path=fetch(path, pkg.scratch() / f"{len(list(pkg.scratch().iterdir()))}.csv"), where=path)
    if unsafe_member(path):
        raise ResourceError("RESOURCE_PATH_UNSAFE", "资源路径不能是绝对路径或含 ..", "the resource path must be relative, without ..", value=path)
    if "\\" in path:
        raise ResourceError("RESOURCE_PATH_INVALID", "资源路径应使用 / 分隔,而不是 \\", "resource paths are separated by /, not \\", value=path)
    base = pkg.base.resolve()
    target = (pkg.base / path).resolve()
    if base not in target.parents:
        raise ResourceError("RESOURCE_PATH_UNSAFE", "资源路径指向数据包文件夹之外", "the resource path leads outside the package folder", value=path)
    kind = special_file(target)
    if kind:
        raise ResourceError("RESOURCE_SPECIAL_FILE", f"资源文件 {path} 是{_SPECIAL_ZH[kind]},未读取",
                            f"resource file {path} is a {kind}; not read", value=path)
    if not target.is_file():
        raise ResourceError("RESOURCE_FILE_MISSING", f"找不到资源文件 {path}", f"resource file {path} not found", value=path)
    fmt = str(resource.get("format") or "").lower()
    if (fmt and fmt != "csv") or target.suffix.lower() != ".csv":
        raise ResourceError("RESOURCE_FORMAT_UNSUPPORTED", f"{path} 不是 CSV 文件;请另存为 CSV(UTF-8)",
                            f"{path} is not a CSV file; save it as CSV (UTF-8)", value=path)
    return Source(path=target, where=path)


def fetch(url: str, dest: Path) -> Path:
    """Download `url` to `dest` within an overall deadline (REMOTE_DEADLINE) and a size cap
    (REMOTE_MAX_BYTES) both enforced while reading, each read waiting at most REMOTE_TIMEOUT."""
    deadline = time.monotonic() + REMOTE_DEADLINE

    def failed(zh: str, en: str):
        dest.unlink(missing_ok=True)
        return ResourceError("RESOURCE_REMOTE_FAILED", zh, en, value=url)

    try:
        with urllib.request.urlopen(url, timeout=min(REMOTE_TIMEOUT, REMOTE_DEADLINE)) as resp, open(dest, "wb") as out:  # noqa: S310
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > REMOTE_MAX_BYTES:
                raise failed(f"远程文件超过 {REMOTE_MAX_BYTES} 字节", f"the remote file exceeds {REMOTE_MAX_BYTES} bytes")
            total = 0
            while True:
                if time.monotonic() > deadline:
                    raise failed(f"下载超过 {REMOTE_DEADLINE} 秒,已停止", f"the download took more than {REMOTE_DEADLINE} s; stopped")
                chunk = resp.read1(1 << 20) if hasattr(resp, "read1") else resp.read(1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > REMOTE_MAX_BYTES:
                    raise failed(f"远程文件超过 {REMOTE_MAX_BYTES} 字节,已停止", f"the remote file exceeds {REMOTE_MAX_BYTES} bytes; stopped")
                out.write(chunk)
    except ResourceError:
        raise
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        raise failed(f"下载失败:{type(exc).__name__}", f"download failed: {type(exc).__name__}") from None
    return dest


# ---------------------------------------------------------------- encodings and CSV


class NotUTF8(Exception):
    """The content is not UTF-8: the encoding is detected next."""


@dataclass
class Parsed:
    labels: list[str] | None  # the header row's cells, stripped; None when the file has no row at all
    cells: pl.DataFrame  # data rows; columns "0".."W-1" as text; null where empty or absent
    n_cells: pl.Series  # cells per data row (absent cells are those at positions >= n_cells)
    method: str  # "polars" or "python"


def _peek(src: Source, n: int = 4) -> bytes:
    with src.open() as fh:
        return fh.read(n)


def read_table(src: Source, declared: str | None = None, delimiter: str = ",", quote: str | None = '"') -> tuple[Parsed, str]:
    """The CSV rows of a resource and the encoding used to read them.

    UTF-8 (with or without BOM) is tried first; a file that is not UTF-8 is then decoded over its
    whole length as GBK, else GB18030, else the declared encoding. ResourceError with the byte
    position (and line) of the first undecodable byte if none fits."""
    head = _peek(src)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = _transcode(src, "utf-16")
        if isinstance(data, int):
            raise ResourceError("ENCODING_ERROR", f"UTF-16 文件在第 {data} 字节处无法解码", f"UTF-16 file undecodable at byte {data}",
                                value=f"byte {data}")
        return parse_csv(Source(data=data), delimiter, quote), "utf-16"
    bom = head.startswith(codecs.BOM_UTF8)
    try:
        return parse_csv(src, delimiter, quote), ("utf-8-sig" if bom else "utf-8")
    except NotUTF8:
        pass
    bad = _first_invalid_utf8(src)
    candidates = ["gbk", "gb18030"]
    if declared and declared.lower() not in UTF8_FAMILY | GB_FAMILY:
        try:
            candidates.append(codecs.lookup(declared).name)
        except LookupError:
            pass
    wrong = None
    for enc in candidates:
        data = _transcode(src, enc)
        if isinstance(data, int):
            continue
        pua = _PRIVATE_USE.search(data)
        if pua is not None and enc in ("gbk", "gb18030"):
            wrong = wrong or (enc, pua.start(), data)
            continue  # a GBK reading with private-use characters is the wrong reading
        return parse_csv(Source(data=data), delimiter, quote), enc
    if wrong is not None:
        enc, pos, data = wrong
        line = data[:pos].count(b"\n") + 1
        guess = _guess_other(src)
        zh = f"(看起来是 {guess})" if guess else ""
        en = f" (it looks like {guess})" if guess else ""
        raise ResourceError("ENCODING_ERROR",
                            f"文件不是 UTF-8,按 GBK/GB18030 读取会得到乱码(第 {line} 行){zh};请另存为 CSV UTF-8",
                            f"the file is not UTF-8 and reads as garbled text in GBK/GB18030 (line {line}){en}; "
                            "save it as CSV UTF-8", value=f"line {line}", row=line)
    bad = bad if bad is not None else 0
    line = _line_of(src, bad)
    raise ResourceError("ENCODING_ERROR",
                        f"文件既不是 UTF-8 也不是 GBK/GB18030:第 {bad} 字节(第 {line} 行)无法解码;请另存为 CSV UTF-8",
                        f"the file is neither UTF-8 nor GBK/GB18030: byte {bad} (line {line}) cannot be decoded; save it as CSV UTF-8",
                        value=f"byte {bad}", row=line)


# UTF-8 of U+E000–U+F8FF: characters no clerk types; GBK and GB18030 map their user-defined
# areas there, which is where Big5 (traditional Chinese) text lands when read as GBK.
_PRIVATE_USE = re.compile(rb"\xee[\x80-\xbf][\x80-\xbf]|\xef[\x80-\xa3][\x80-\xbf]")


def _guess_other(src: Source) -> str | None:
    """Big5 when the whole content decodes as Big5 without private-use characters."""
    for enc, name in (("big5", "Big5"),):
        data = _transcode(src, enc)
        if not isinstance(data, int) and not _PRIVATE_USE.search(data):
            return name
    return None


def _first_invalid_utf8(src: Source) -> int | None:
    dec = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with src.open() as fh:
        while True:
            chunk = fh.read(CHUNK)
            buffered = len(dec.getstate()[0])
            try:
                dec.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return offset - buffered + exc.start
            if not chunk:
                return None
            offset += len(chunk)


def _transcode(src: Source, encoding: str) -> bytes | int:
    """The content re-encoded as UTF-8, or the byte position where `encoding` fails."""
    dec = codecs.getincrementaldecoder(encoding)()
    out = io.BytesIO()
    offset = 0
    with src.open() as fh:
        while True:
            chunk = fh.read(CHUNK)
            try:
                buffered = len(dec.getstate()[0])
                text = dec.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return offset - buffered + exc.start
            out.write(text.encode("utf-8"))
            if not chunk:
                return out.getvalue()
            offset += len(chunk)


def _line_of(src: Source, position: int) -> int:
    with src.open() as fh:
        return fh.read(position).count(b"\n") + 1


def same_encoding(declared: str, used: str) -> bool:
    d, u = declared.lower().replace("_", "-"), used.lower().replace("_", "-")
    if d in UTF8_FAMILY and u in UTF8_FAMILY:
        return True
    if d in GB_FAMILY and u in GB_FAMILY:
        return True
    try:
        return codecs.lookup(d).name == codecs.lookup(u).name
    except LookupError:
        return False


def _utf8_failure(exc: Exception) -> bool:
    text = str(exc).lower()
    return "utf8" in text or "utf-8" in text


def parse_csv(src: Source, delimiter: str = ",", quote: str | None = '"') -> Parsed:
    """Records and cells of UTF-8 CSV content; NotUTF8 if it is not UTF-8.

    One parse: polars reads the cells, while the record boundaries and the number of cells of
    each record are counted from the bytes (see count_cells). Content that is not plain CSV (a
    quote inside an unquoted cell, a lone carriage return, an unclosed quote) is read with
    Python's csv module instead, so that every record and cell count stays exact."""
    if src.size == 0:
        return Parsed(None, pl.DataFrame(), pl.Series("n", [], pl.Int64), "polars")
    if len(delimiter.encode()) == 1 and (quote is None or len(quote.encode()) == 1):
        try:
            parsed = _parse_polars(src, delimiter, quote)
        except pl.exceptions.PolarsError as exc:
            if _utf8_failure(exc):
                raise NotUTF8() from None
            parsed = None
        if parsed is not None:
            return parsed
    return _parse_python(src, delimiter, quote)


def _polars_source(src: Source):
    return str(src.path) if src.path is not None else io.BytesIO(src.data)


def count_cells(src: Source, delimiter: str, quote: str | None, chunk: int = CHUNK):
    """The number of cells of each CSV record (0 for a blank line), counted from the bytes in
    chunks: records end at line feeds outside quotes, cells at delimiters outside quotes (quote
    parity, RFC 4180 with doubled quotes). None when the content is not plain CSV: a quote that
    neither opens nor closes a cell, a carriage return not followed by a line feed, a quote left
    open at the end."""
    import numpy as np

    d, q = ord(delimiter), (ord(quote) if quote else None)
    counts: list = []
    inside = 0  # inside quotes at the start of the chunk
    carry = 0  # delimiters of the unfinished record
    carry_len = 0  # bytes of the unfinished record (but a final carriage return)
    prev = 10  # the byte before the chunk (a line feed: the start of a record)
    with src.open() as fh:
        if fh.read(3) != codecs.BOM_UTF8:
            fh.seek(0)
        while True:
            data = fh.read(chunk)
            if not data:
                break
            a = np.frombuffer(data, dtype=np.uint8)
            n = a.size
            if n == 0:
                continue
            peek = fh.read(1)  # the byte after the chunk (for quotes and carriage returns ending it)
            if peek:
                fh.seek(-1, 1)
            after = peek[0] if peek else 256  # 256: the end of the content
            nl = np.flatnonzero(a == 10)
            cr = np.flatnonzero(a == 13)
            qs = np.flatnonzero(a == q) if q is not None else np.empty(0, dtype=np.int64)
            dl = np.flatnonzero(a == d)
            if qs.size:
                q_in = (inside + np.arange(qs.size)) & 1  # inside quotes before each quote
                opening = q_in == 0
                pb = np.where(qs > 0, a[np.maximum(qs - 1, 0)], prev)
                ok_open = (pb == d) | (pb == 10) | (pb == q)
                nb = np.where(qs + 1 < n, a[np.minimum(qs + 1, n - 1)].astype(np.int64), after)
                ok_close = (nb == d) | (nb == 10) | (nb == 13) | (nb == q) | (nb == 256)
                if not np.all(np.where(opening, ok_open, ok_close)):
                    return None
                dl = dl[((inside + np.searchsorted(qs, dl)) & 1) == 0]
                nl = nl[((inside + np.searchsorted(qs, nl)) & 1) == 0]
                cr = cr[((inside + np.searchsorted(qs, cr)) & 1) == 0]
                inside = (inside + qs.size) & 1
                del pb, nb, q_in, opening
            elif inside:  # the whole chunk is inside a quoted cell
                dl, nl, cr = dl[:0], nl[:0], cr[:0]
            if cr.size:
                nxt = np.where(cr + 1 < n, a[np.minimum(cr + 1, n - 1)].astype(np.int64), after)
                if not np.all(nxt == 10):
                    return None
            # delimiters of each line: those before its line feed less those before the previous one
            before = np.searchsorted(dl, nl).astype(np.int64)
            per = np.empty(nl.size + 1, dtype=np.int64)
            per[:nl.size] = np.diff(before, prepend=0)
            per[nl.size] = dl.size - (before[-1] if nl.size else 0)
            per[0] += carry
            # record lengths (without a final carriage return): blank lines have no cells
            starts = np.concatenate(([0], nl[:-1] + 1)) if nl.size else np.empty(0, dtype=np.int64)
            lengths = nl - starts
            if nl.size:
                lengths[0] += carry_len
                ends_cr = np.zeros(nl.size, dtype=bool)
                has = nl > 0
                ends_cr[has] = a[nl[has] - 1] == 13
                if nl[0] == 0 and prev == 13:
                    ends_cr[0] = True
                lengths = lengths - ends_cr
                counts.append(np.where(lengths > 0, per[:-1] + 1, 0))
                tail_start = nl[-1] + 1
                carry, carry_len = int(per[-1]), int(n - tail_start)
            else:
                carry, carry_len = int(per[-1]), carry_len + n
            prev = int(a[-1])
            del a, nl, dl, cr, qs, per
    if inside:
        return None
    if carry_len > 0:
        counts.append(np.array([carry + 1], dtype=np.int64))
    return np.concatenate(counts) if counts else np.empty(0, dtype=np.int64)


def _parse_polars(src: Source, delimiter: str, quote: str | None, header: bool = True) -> Parsed | None:
    """Cells from polars' CSV reader, cell counts from count_cells; None when the two disagree
    on the records or the content is not plain CSV (then Python's csv module decides).
    `header`: the first record is the header (False: a later batch of a file, all data)."""
    counts = count_cells(src, delimiter, quote)
    if counts is None:
        return None
    if counts.size == 0:
        return Parsed(None, pl.DataFrame(), pl.Series("n", [], pl.Int64), "polars")
    n_cells = pl.Series("n", counts, dtype=pl.Int64)
    width = max(int(counts.max()), 1)
    names = [str(i) for i in range(width)]
    frame = pl.read_csv(_polars_source(src), has_header=False, separator=delimiter, quote_char=quote,
                        schema={n: pl.String for n in names}, infer_schema=False,
                        truncate_ragged_lines=True, missing_columns="insert", encoding="utf8")
    if frame.height != counts.size:
        return None
    # A quoted empty cell ("") is an empty cell, as for Python's csv module and frictionless.
    frame = frame.with_columns([pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in names])
    if header and frame.height and frame.width and frame.item(0, 0) is not None and frame.item(0, 0).startswith("\ufeff"):
        frame = frame.with_columns(pl.col("0").str.strip_prefix("\ufeff"))  # (a BOM polars kept)
    if not header:
        return Parsed(None, frame, n_cells, "polars")
    return _split_header(frame, n_cells, "polars")


def _parse_python(src: Source, delimiter: str, quote: str | None) -> Parsed:
    raw = src.path.read_bytes() if src.path is not None else src.data
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotUTF8() from None
    del raw
    csv.field_size_limit(min(sys.maxsize, 2 ** 31 - 1))
    kwargs = {"delimiter": delimiter}
    kwargs.update({"quotechar": quote} if quote else {"quoting": csv.QUOTE_NONE})
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), **kwargs)
    try:
        for row in reader:
            rows.append(row)
    except csv.Error:
        raise ResourceError("CSV_MALFORMED", f"第 {reader.line_num} 行附近 CSV 格式错误", f"malformed CSV near line {reader.line_num}",
                            row=reader.line_num) from None
    del text
    width = max((len(r) for r in rows), default=1) or 1
    columns = {str(i): [(r[i] or None) if i < len(r) else None for r in rows] for i in range(width)}
    frame = pl.DataFrame(columns, schema={str(i): pl.String for i in range(width)})
    n_cells = pl.Series("n", [len(r) for r in rows], pl.Int64)
    return _split_header(frame, n_cells, "python")


def _split_header(frame: pl.DataFrame, n_cells: pl.Series, method: str) -> Parsed:
    if frame.height == 0:
        return Parsed(None, frame, n_cells, method)
    first = frame.row(0)
    labels = [("" if first[i] is None else str(first[i])).strip() for i in range(int(n_cells[0]))]
    return Parsed(labels, frame.slice(1), n_cells.slice(1), method)


# ---------------------------------------------------------------- reading a large file in batches

BATCH_BYTES = 64 * 1024 * 1024  # a batch of records: its cells, typed values and masks stay well under 1 GiB


class NotStreamable(Exception):
    """The file needs the whole-file reader: it is not UTF-8, or not plain CSV (a quote inside an
    unquoted cell, a lone carriage return, an unclosed quote, a record polars splits otherwise)."""


def streamable(src: Source, delimiter: str, quote: str | None, batch_bytes: int | None = None) -> bool:
    """Whether `src` is read in batches: a local file larger than one batch, with single-byte
    delimiter and quote, not UTF-16."""
    if src.path is None or len(delimiter.encode()) != 1 or (quote is not None and len(quote.encode()) != 1):
        return False
    try:
        if src.size <= (batch_bytes or BATCH_BYTES):
            return False
    except OSError:
        return False
    return not _peek(src, 2).startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def stream_csv(src: Source, delimiter: str = ",", quote: str | None = '"', batch_bytes: int | None = None):
    """Parsed batches of a UTF-8 CSV file, each holding whole records, so that a file of any size
    is checked in bounded memory. The first batch carries the header (`labels`); the others have
    labels None. Records end at line feeds outside quotes (quote parity from a record boundary);
    each batch is then parsed and counted exactly as parse_csv parses a whole file. Raises
    NotStreamable (possibly after some batches) when the whole-file reader must decide: the
    caller then discards what it found and reads the file whole, so findings stay exact."""
    batch_bytes = batch_bytes or BATCH_BYTES
    q = ord(quote) if quote else None
    first = True
    pending = b""
    with src.open() as fh:
        while True:
            data = fh.read(batch_bytes)
            buf = pending + data if pending else data
            if not data:
                if buf:
                    yield _parse_batch(buf, delimiter, quote, first)
                return
            cut = _last_record_end(buf, q)
            if cut is None:  # one record longer than a batch: read on
                pending = buf
                continue
            pending = buf[cut:]
            yield _parse_batch(buf[:cut], delimiter, quote, first)
            first = False


def _last_record_end(buf: bytes, q: int | None) -> int | None:
    """The position after the last line feed of `buf` outside quotes (`buf` starts at a record
    boundary), or None. The last line feed is tried first: an even number of quotes before it
    means it ends a record; otherwise the one before it, and so on (quotes counted in C)."""
    pos = buf.rfind(b"\n")
    if q is None or pos < 0:
        return pos + 1 if pos >= 0 else None
    quote = bytes([q])
    quotes = buf.count(quote, 0, pos)
    while pos >= 0:
        if quotes % 2 == 0:
            return pos + 1
        before = buf.rfind(b"\n", 0, pos)
        if before < 0:
            return None
        quotes -= buf.count(quote, before, pos)
        pos = before
    return None


def _parse_batch(data: bytes, delimiter: str, quote: str | None, first: bool) -> Parsed:
    if first and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotStreamable() from None
    try:
        parsed = _parse_polars(Source(data=data), delimiter, quote, header=first)
    except pl.exceptions.PolarsError:
        raise NotStreamable() from None
    if parsed is None:
        raise NotStreamable()
    return parsed
