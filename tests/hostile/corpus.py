"""A corpus of hostile and messy inputs, generated (nothing large is committed).

    python tests/hostile/corpus.py OUT_DIR     # write the corpus and list it

Each `Input` is a package folder, a datapackage.json, a zip, a workbook, a CSV folder or a
special file, with the commands it is fed to and the exit codes documented for it. Inputs are
made as an attacker and as a careless clerk would make them: personal data in every written form
(also in cells that fail a pattern or a codelist, in the package's name and version), a Big5
file, a FIFO datapackage.json, huge header labels and cells, ANSI/OSC escapes, lone surrogates,
resources that are not a list, numbers clerks type, unsafe paths, zip bombs, sparse and styled
far-cell workbooks kept small on disk.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fixtures" / "broken"))
sys.path.insert(0, str(HERE.parent))

import broken_corpus as bc  # noqa: E402
from hostile.forms import FORMS, ID_BEIJING  # noqa: E402

ESC = "\x1b]0;owned\x07\x1b[2J\x1b[31m"  # retitle the window, clear the screen, go red


@dataclass
class Input:
    name: str
    path: Path
    kind: str  # package | workbook | csvdir | special
    area: str  # who fixes failures here: PRIVACY, ENGINE or CLERKS
    commands: tuple[str, ...] = ("validate", "privacy-report", "load", "export", "import", "web")
    exits: dict = field(default_factory=dict)  # command -> allowed exit codes (default: 0, 1, 2)
    secrets: tuple[str, ...] = ()  # raw personal values no output may show
    import_target: Path | None = None  # an existing package `import -o` must leave intact
    expect: dict = field(default_factory=dict)  # command -> words one of which its output must contain
    args: tuple[str, ...] = ()  # extra arguments of `validate`
    patch: dict = field(default_factory=dict)  # "module:NAME" -> value set while this input runs (small limits)
    note: str = ""


def _package(std, dest: Path, tables: dict, descriptor: dict | None = None, encoding: dict | None = None) -> Path:
    case = bc.Case(dest.name, tables, set(), descriptor=descriptor or {}, encoding=encoding or {})
    return bc.build(case, dest, std)


def _rewrite_descriptor(pkg: Path, change) -> None:
    p = pkg / "datapackage.json"
    d = json.loads(p.read_text(encoding="utf-8"))
    d = change(d)
    p.write_text(json.dumps(d, ensure_ascii=False, indent=1), encoding="utf-8")


def _csv_with_header(std, table: str, n: int, extra_header: str, extra_value: str = "x") -> str:
    text = bc.table_csv(std, table, n)
    header, rest = text.split("\n", 1)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(next(csv.reader([header])) + [extra_header])
    for row in csv.reader(io.StringIO(rest)):
        if row:
            w.writerow(row + [extra_value])
    return buf.getvalue()


def _field_with(std, table: str, want: str) -> str:
    """A field of `table`: 'pattern' (with a pattern, not a key), 'enum', or 'free' (free text)."""
    from jiceng.privacy import free_text_fields

    schema = std.table(table)
    keys = set(schema.get("primaryKey") or [])
    free = free_text_fields(schema["fields"])
    for f in schema["fields"]:
        cons = f.get("constraints") or {}
        if want == "pattern" and cons.get("pattern") and f["name"] not in keys and not cons.get("required"):
            return f["name"]
        if want == "enum" and cons.get("enum") and not cons.get("required"):
            return f["name"]
        if want == "free" and f["name"] in free:
            return f["name"]
    raise LookupError((table, want))


def _table_with(std, wants) -> str:
    """A table of the standard having a field of each kind in `wants`."""
    for name in ("meetings", "agenda_items", "cases", *std.tables):
        if name not in std.tables:
            continue
        try:
            for w in wants:
                _field_with(std, name, w)
            return name
        except LookupError:
            continue
    raise LookupError(wants)


def build(root: Path, std, server: str | None = None) -> list[Input]:
    """Write every input under `root` (a fresh folder) and describe it. `server`: the base URL of
    a local server (test_hostile.py) answering /trickle (one byte a second) and /flood (bytes as
    fast as it can, no length): the remote fetch must stop at its deadline and its size cap."""
    root.mkdir(parents=True, exist_ok=True)
    out: list[Input] = []
    add = out.append
    if server:
        limits = {"jiceng.validation.reading:REMOTE_DEADLINE": 3, "jiceng.validation.reading:REMOTE_TIMEOUT": 2,
                  "jiceng.validation.reading:REMOTE_MAX_BYTES": 1 << 20}
        for kind in ("trickle", "flood"):
            pkg = _package(std, root / f"remote-{kind}", {})
            _rewrite_descriptor(pkg, lambda d, k=kind: {**d, "resources": d["resources"] + [
                {"name": "cases", "path": f"{server}/{k}/cases.csv", "format": "csv"}]})
            add(Input(f"remote-{kind}", pkg, "package", "ENGINE", commands=("validate",), exits={"validate": {1}},
                      args=("--allow-remote",), patch=limits, expect={"validate": ("RESOURCE_REMOTE_FAILED",)}))
    secrets_all = tuple(s for f in FORMS for s in f.secrets)

    # -- personal data in every form, in free text and in cells failing a pattern or a codelist
    table = _table_with(std, ("free", "pattern", "enum"))
    free, pattern, enum = (_field_with(std, table, w) for w in ("free", "pattern", "enum"))
    edits = {}
    for i, form in enumerate(FORMS):
        edits[3 * i] = {free: form.text}
        edits[3 * i + 1] = {pattern: form.text}
        edits[3 * i + 2] = {enum: form.text}
    pkg = _package(std, root / "personal-every-form", {table: bc.table_csv(std, table, 3 * len(FORMS), edits)})
    add(Input("personal-every-form", pkg, "package", "PRIVACY", secrets=secrets_all,
              exits={"validate": {1}, "privacy-report": {1}, "import": {1}}))

    pkg = _package(std, root / "personal-in-name-and-version", {"cases": bc.table_csv(std, "cases", 2)},
                   {"name": "pkg-138.1234.5678", "schema_version": "2.0.0+13812345678", "title": "联系人:张伟 13987654321"})
    add(Input("personal-in-name-and-version", pkg, "package", "PRIVACY", secrets=("13812345678", "1234.5678", "13987654321", "张伟"),
              exits={"validate": {1, 2}}))

    pkg = _package(std, root / "personal-in-headers", {
        table: _csv_with_header(std, table, 3, f"经办人姓名{ID_BEIJING}", "张伟负责跟进")})
    add(Input("personal-in-headers", pkg, "package", "PRIVACY", secrets=(ID_BEIJING, "张伟"), exits={"validate": {1}}))

    # -- escapes and control characters everywhere
    pkg = _package(std, root / "ansi-escapes", {
        "cases": _csv_with_header(std, "cases", 3, f"col{ESC}", f"v{ESC}\x00\x08\u202e")},
        {"name": f"pkg{ESC}", "title": f"t{ESC}"})
    add(Input("ansi-escapes", pkg, "package", "PRIVACY", exits={"validate": {1, 2}}))

    # -- bounded reports: a 1 MB header label, a 1 MB package name, a 200 KB cell
    pkg = _package(std, root / "huge-header-label", {"cases": _csv_with_header(std, "cases", 200, "长" * 1_000_000)})
    add(Input("huge-header-label", pkg, "package", "PRIVACY", exits={"validate": {1}}))
    pkg = _package(std, root / "huge-package-name", {"cases": bc.table_csv(std, "cases", 2)}, {"name": "n" * 1_000_000})
    add(Input("huge-package-name", pkg, "package", "PRIVACY"))
    pkg = _package(std, root / "cell-200kb", {table: bc.table_csv(std, table, 3, {1: {free: "长" * 200_000}})})
    add(Input("cell-200kb", pkg, "package", "CLERKS", exits={"validate": {1}}, note="import of the CSV folder"))

    # -- descriptors an attacker writes
    pkg = _package(std, root / "resources-not-a-list", {})
    _rewrite_descriptor(pkg, lambda d: {**d, "resources": "data/cases.csv"})
    add(Input("resources-not-a-list", pkg, "package", "ENGINE", exits={"validate": {1, 2}}))
    pkg = _package(std, root / "resources-hold-a-string", {})
    _rewrite_descriptor(pkg, lambda d: {**d, "resources": ["cases", 3, None, {"name": ["x"]}]})
    add(Input("resources-hold-a-string", pkg, "package", "ENGINE", exits={"validate": {1, 2}}))
    pkg = root / "lone-surrogate"
    pkg.mkdir()
    (pkg / "datapackage.json").write_text('{"name": "a\\ud800b", "title": "\\udfff", "resources": []}', encoding="utf-8")
    add(Input("lone-surrogate", pkg, "package", "ENGINE", exits={"validate": {1, 2}}))
    pkg = root / "descriptor-not-json"
    pkg.mkdir()
    (pkg / "datapackage.json").write_bytes(b"\xff\xfe{not json")
    add(Input("descriptor-not-json", pkg, "package", "ENGINE", exits={"validate": {2}, "privacy-report": {2}, "export": {2}}))
    pkg = root / "descriptor-array"
    pkg.mkdir()
    (pkg / "datapackage.json").write_text("[1, 2, 3]", encoding="utf-8")
    add(Input("descriptor-array", pkg, "package", "ENGINE", exits={"validate": {2}, "privacy-report": {2}, "export": {2}}))
    pkg = root / "descriptor-deep"
    pkg.mkdir()
    (pkg / "datapackage.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    add(Input("descriptor-deep", pkg, "package", "ENGINE", exits={"validate": {2}, "privacy-report": {2}, "export": {2}}))
    pkg = root / "empty-folder"
    pkg.mkdir()
    add(Input("empty-folder", pkg, "package", "ENGINE", exits={"validate": {2}, "privacy-report": {2}, "export": {2}}))

    # -- special files: refused before being opened
    fifo_pkg = root / "fifo-descriptor"
    fifo_pkg.mkdir()
    os.mkfifo(fifo_pkg / "datapackage.json")
    add(Input("fifo-descriptor", fifo_pkg, "special", "ENGINE", commands=("validate", "load", "export"),
              exits={"validate": {2}, "export": {2}}))
    add(Input("dev-zero", Path("/dev/zero"), "special", "ENGINE", commands=("validate", "load"), exits={"validate": {2}}))
    fifo_res = _package(std, root / "fifo-resource", {"cases": bc.table_csv(std, "cases", 1)})
    (fifo_res / "data" / "cases.csv").unlink()
    os.mkfifo(fifo_res / "data" / "cases.csv")
    add(Input("fifo-resource", fifo_res, "special", "ENGINE", commands=("validate", "load", "export"), exits={"validate": {1, 2}}))

    # -- unsafe resource paths
    pkg = _package(std, root / "unsafe-paths", {"cases": bc.table_csv(std, "cases", 1)})
    _rewrite_descriptor(pkg, lambda d: {**d, "resources": d["resources"] + [
        {"name": "volunteers", "path": "../../../../etc/passwd", "format": "csv"},
        {"name": "meetings", "path": "/etc/hostname", "format": "csv"},
        {"name": "surveys", "path": "http://127.0.0.1:9/x.csv", "format": "csv"}]})
    add(Input("unsafe-paths", pkg, "package", "ENGINE", exits={"validate": {1}}))

    # -- encodings
    grids = bc.table_csv(std, "grids", 2, {0: {_field_with(std, "grids", "free"): "第1網格(舊城區)"}})
    pkg = _package(std, root / "big5-file", {"grids": grids.encode("big5")})
    add(Input("big5-file", pkg, "package", "ENGINE", exits={"validate": {1, 2}, "import": {1, 2}},
              note="Big5 must be reported or decoded, never guessed as GB18030"))
    pkg = _package(std, root / "gbk-declared-utf8", {table: bc.table_csv(std, table, 2, {0: {free: "网格员上门"}}).encode("gbk")})
    add(Input("gbk-declared-utf8", pkg, "package", "ENGINE"))
    pkg = _package(std, root / "utf16-file", {"cases": bc.table_csv(std, "cases", 2).encode("utf-16")})
    add(Input("utf16-file", pkg, "package", "ENGINE"))
    pkg = _package(std, root / "nul-bytes", {table: bc.table_csv(std, table, 2, {0: {free: "a\x00b\x01c"}})})
    add(Input("nul-bytes", pkg, "package", "ENGINE"))

    # -- numbers clerks type
    int_field = next(f["name"] for f in std.table("grids")["fields"] if f.get("type") == "integer")
    rows = {i: {int_field: v} for i, v in enumerate(["７０", "1_000", "inf", "NaN", "1e309", "+5", "100000000000000000000000"])}
    pkg = _package(std, root / "clerk-numbers", {"grids": bc.table_csv(std, "grids", len(rows), rows)})
    add(Input("clerk-numbers", pkg, "package", "ENGINE", exits={"validate": {1}}))
    pkg = _package(std, root / "semicolon-dialect", {"grids": bc.table_csv(std, "grids", 3).replace(",", ";")})
    _rewrite_descriptor(pkg, lambda d: {**d, "resources": [{**r, "dialect": {"delimiter": ";"}} if r["name"] == "grids" else r
                                                          for r in d["resources"]]})
    add(Input("semicolon-dialect", pkg, "package", "ENGINE"))

    # -- zips
    good = _package(std, root / "zip-src", {"cases": bc.table_csv(std, "cases", 2)})
    zpath = root / "many-entries.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.write(good / "datapackage.json", "datapackage.json")
        for i in range(10_050):
            z.writestr(f"data/x{i}.txt", "")
    add(Input("zip-many-entries", zpath, "package", "ENGINE", commands=("validate", "privacy-report", "load", "web"),
              exits={"validate": {2}, "privacy-report": {2}}))
    zpath = root / "zip-slip.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.write(good / "datapackage.json", "datapackage.json")
        z.writestr("../../escaped.txt", "x")
        z.writestr("data/cases.csv", (good / "data" / "cases.csv").read_text(encoding="utf-8"))
    add(Input("zip-slip", zpath, "package", "ENGINE", commands=("validate", "privacy-report", "load")))
    zpath = root / "not-a-zip.zip"
    zpath.write_bytes(b"PK\x03\x04garbage")
    add(Input("zip-damaged", zpath, "package", "ENGINE", commands=("validate", "privacy-report", "load", "web"),
              exits={"validate": {2}, "privacy-report": {2}}))

    # -- long cells for export (Excel's limit is 32,767 characters)
    pkg = _package(std, root / "cell-40k-export", {table: bc.table_csv(std, table, 2, {0: {free: "事" * 40_000}})})
    add(Input("cell-40k-export", pkg, "package", "CLERKS", commands=("export",), exits={"export": {2}},
              expect={"export": ("32,767", "32767")}, note="export must refuse or split, never truncate silently"))
    surrogate = bc.table_csv(std, table, 2).encode("utf-8").replace(b"\n", b",\xed\xa0\x80\n", 2)
    pkg = _package(std, root / "surrogate-bytes-in-csv", {table: surrogate})
    add(Input("surrogate-bytes-in-csv", pkg, "package", "ENGINE", exits={"validate": {1, 2}}))

    # -- workbooks, small on disk
    out.extend(_workbooks(root, std))
    return out


def write_rows_workbook(path, rows):
    """A workbook of `rows` rows written as raw XML: a second, a few MB on disk."""
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="民情事项" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wbrels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct); z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb); z.writestr("xl/_rels/workbook.xml.rels", wbrels)
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            f.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>case_id</t></is></c><c r="B1" t="inlineStr"><is><t>status</t></is></c></row>')
            chunk = []
            for n in range(2, rows + 2):
                chunk.append(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>C{n}</t></is></c><c r="B{n}"><v>{n}</v></c></row>')
                if len(chunk) == 10000:
                    f.write("".join(chunk).encode()); chunk = []
            f.write("".join(chunk).encode())
            f.write(b"</sheetData></worksheet>")


def _workbooks(root: Path, std) -> list[Input]:
    import openpyxl

    from jiceng.publish.template import write_template

    out = []
    wb = openpyxl.Workbook()
    wb.active["XFD1048576"] = "far"
    path = root / "sparse-far-cell.xlsx"
    wb.save(path)
    out.append(Input("sparse-far-cell", path, "workbook", "CLERKS", commands=("import", "web"), exits={"import": {1, 2}}))

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["L1048576"].font = openpyxl.styles.Font(bold=True)
    path = root / "styled-far-cell.xlsx"
    wb.save(path)
    out.append(Input("styled-far-cell", path, "workbook", "CLERKS", commands=("import", "web"), exits={"import": {1, 2}}))

    path = root / "rows-200k.xlsx"
    write_rows_workbook(path, 200_000)
    out.append(Input("rows-200k-workbook", path, "workbook", "CLERKS", commands=("import",), exits={"import": {1, 2}},
                     note="streamed within the time limit and the memory limit"))

    template = root / "template.xlsx"
    write_template(template, None, "zh")
    existing = root / "existing-package"
    _package(std, existing, {"cases": bc.table_csv(std, "cases", 2)})
    out.append(Input("empty-template-onto-existing", template, "workbook", "CLERKS", commands=("import",),
                     exits={"import": {2}}, import_target=existing, note="the existing package must stay intact"))

    # a filled workbook: export a package holding personal data and hidden rows, re-import it
    table = _table_with(std, ("free",))
    src = _package(std, root / "wb-src", {table: bc.table_csv(std, table, 4, {
        0: {_field_with(std, table, "free"): "张伟负责跟进,电话138.1234.5678"}})})
    from jiceng.publish.exporter import export_package

    path = root / "filled-personal-hidden.xlsx"
    export_package(src, path, "zh")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.max_row > 4:
            ws.row_dimensions[ws.max_row].hidden = True
    wb.save(path)
    out.append(Input("workbook-personal-hidden-rows", path, "workbook", "CLERKS", commands=("import", "web"),
                     exits={"import": {1}}, secrets=("13812345678", "138.1234.5678", "张伟"),
                     expect={"import": ("隐藏", "hidden")}))
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1] / "src"))
    from jiceng.standard import current

    dest = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for item in build(dest, current()):
        print(f"{item.name:32} {item.kind:9} {item.area:8} {item.path}")
