"""The registry's catalogue: one row per published package, read from YAML or CSV.

Columns (YAML keys): id, locality, locality_id, publisher, location (a folder, a zip, or an
http(s) URL fetched only when remote fetching is allowed), licence, frequency (expected update
frequency: daily, weekly, monthly, quarterly, annual, irregular, once) and optional updated
(YYYY-MM-DD, the last update when the package itself does not say).

Relative locations are read relative to the catalogue file.
"""
from __future__ import annotations

import csv
import io
import re
import time
import urllib.request
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

FREQUENCIES = {
    # code: (days allowed since the last update, zh, en); None = no expectation
    "daily": (2, "每日", "daily"),
    "weekly": (9, "每周", "weekly"),
    "monthly": (35, "每月", "monthly"),
    "quarterly": (100, "每季度", "quarterly"),
    "annual": (400, "每年", "annual"),
    "irregular": (None, "不定期", "irregular"),
    "once": (None, "一次性", "once"),
}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
FIELDS = ("id", "locality", "locality_id", "publisher", "location", "licence", "frequency", "updated")


class CatalogueError(ValueError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh, self.message_en = message_zh, message_en


@dataclass(frozen=True)
class Entry:
    id: str
    location: str
    locality: str | None = None
    locality_id: str | None = None
    publisher: str | None = None
    licence: str | None = None
    frequency: str = "irregular"
    updated: str | None = None

    @property
    def remote(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    def to_dict(self) -> dict:
        return asdict(self)


def read_catalogue(path: str | Path) -> list[Entry]:
    """Entries of a catalogue file (.yaml/.yml with a `packages:` list, or .csv)."""
    path = Path(path)
    if path.is_dir():
        for name in ("catalogue.yaml", "catalogue.yml", "catalogue.csv"):
            if (path / name).is_file():
                path = path / name
                break
        else:
            raise CatalogueError(f"{path} 中没有 catalogue.yaml 或 catalogue.csv",
                                 f"no catalogue.yaml or catalogue.csv in {path}")
    if not path.is_file():
        raise CatalogueError(f"找不到目录文件 {path}", f"catalogue {path} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise CatalogueError(f"目录 {path} 不是有效的 YAML:{exc}", f"catalogue {path} is not valid YAML: {exc}") from None
        rows = data.get("packages") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise CatalogueError(f"目录 {path} 需要 packages: 列表", f"catalogue {path} needs a packages: list")
    entries, seen = [], set()
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise CatalogueError(f"目录第 {i} 项不是映射", f"catalogue item {i} is not a mapping")
        row = {k: (str(v).strip() if v is not None and str(v).strip() != "" else None) for k, v in row.items()}
        unknown = set(row) - set(FIELDS)
        if unknown:
            raise CatalogueError(f"目录第 {i} 项有未知的列 {sorted(unknown)}", f"catalogue item {i} has unknown columns {sorted(unknown)}")
        pid, location = row.get("id"), row.get("location")
        if not pid or not ID_PATTERN.match(pid):
            raise CatalogueError(f"目录第 {i} 项的 id {pid!r} 无效(小写字母、数字、. _ -)",
                                 f"catalogue item {i}: id {pid!r} is invalid (lower-case letters, digits, . _ -)")
        if pid in seen:
            raise CatalogueError(f"目录中 id {pid} 出现多次", f"id {pid} appears more than once in the catalogue")
        seen.add(pid)
        if not location:
            raise CatalogueError(f"{pid}:缺少 location", f"{pid}: location is missing")
        if not location.startswith(("http://", "https://")) and not Path(location).is_absolute():
            location = str((path.parent / location).resolve())
        frequency = (row.get("frequency") or "irregular").lower()
        if frequency not in FREQUENCIES:
            raise CatalogueError(f"{pid}:更新频率 {frequency!r} 无效,可用 {', '.join(FREQUENCIES)}",
                                 f"{pid}: frequency {frequency!r} is invalid; use one of {', '.join(FREQUENCIES)}")
        entries.append(Entry(id=pid, location=location, locality=row.get("locality"), locality_id=row.get("locality_id"),
                             publisher=row.get("publisher"), licence=row.get("licence"), frequency=frequency,
                             updated=row.get("updated")))
    return entries


def entries_from_paths(paths) -> list[Entry]:
    """Entries for package folders given directly (no catalogue): id from the folder name."""
    out = []
    for p in paths:
        p = Path(p).resolve()
        pid = re.sub(r"[^a-z0-9._-]", "-", p.name.lower()) or "package"
        out.append(Entry(id=pid, location=str(p)))
    return out


# --------------------------------------------------------------------------- remote packages

class FetchError(Exception):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en


class Budget:
    """An overall deadline and a size cap shared by every download of one registry build."""

    def __init__(self, seconds: float = 300.0, max_bytes: int = 200 * 2**20) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.max_bytes = max_bytes

    def left(self) -> float:
        return self.deadline - time.monotonic()


def fetch(url: str, dest: Path, budget: Budget) -> Path:
    """Download a package (a zip, or a datapackage.json) into dest; returns the path to validate."""
    if budget.left() <= 0:
        raise FetchError(f"下载期限({budget.seconds:.0f} 秒)已过,未下载 {url}",
                         f"the download deadline ({budget.seconds:.0f} s) has passed; {url} not fetched")
    dest.mkdir(parents=True, exist_ok=True)
    data = bytearray()
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "jiceng-registry"})
        with urllib.request.urlopen(req, timeout=max(1.0, min(60.0, budget.left()))) as resp:
            while True:
                if budget.left() <= 0:
                    raise FetchError(f"下载 {url} 超过期限", f"downloading {url} ran past the deadline")
                chunk = resp.read(65536)
                if not chunk:
                    break
                data += chunk
                if len(data) > budget.max_bytes:
                    raise FetchError(f"{url} 超过大小上限 {budget.max_bytes // 2**20} MiB",
                                     f"{url} is larger than the cap of {budget.max_bytes // 2**20} MiB")
    except FetchError:
        raise
    except Exception as exc:  # network errors of every kind
        raise FetchError(f"无法下载 {url}:{exc}", f"cannot download {url}: {exc}") from None
    if data[:4] == b"PK\x03\x04":
        target = dest / "package.zip"
        target.write_bytes(bytes(data))
        return target
    target = dest / "datapackage.json"
    target.write_bytes(bytes(data))
    return target


def unpack_zip(archive: Path, dest: Path, max_bytes: int = 2 * 2**30) -> Path:
    """Extract a package zip safely (no absolute or parent paths, bounded size); returns the package folder."""
    total = 0
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in name:
                raise FetchError(f"压缩包含不安全的路径 {name!r}", f"the zip holds an unsafe path {name!r}")
            total += info.file_size
            if total > max_bytes:
                raise FetchError("压缩包解压后过大", "the zip is too large once extracted")
        zf.extractall(dest)
    found = sorted(dest.rglob("datapackage.json"), key=lambda p: len(p.parts))
    if not found:
        raise FetchError("压缩包中没有 datapackage.json", "no datapackage.json in the zip")
    return found[0].parent
