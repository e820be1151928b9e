"""Every command on every hostile input (tests/hostile/corpus.py): no traceback, no hang, the
documented exit code, the input unchanged, no raw personal value and no escape sequence in any
output, bounded output.

Each input runs in its own process (tests/hostile/run_one.py) with a memory limit and a deadline,
two at a time.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from hostile import corpus  # noqa: E402

PER_COMMAND = 20  # seconds: a command on these small inputs takes about one
PER_INPUT = 300
MEMORY = 3 << 30  # bytes of address space per input process
DOCUMENTED = {0, 1, 2}
MAX_STDOUT = 3_000_000  # a report is bounded whatever the input

# Cases still failing in another area while it is being worked on: name -> reason.
XFAIL: dict[str, str] = {
    "rows-200k-workbook": "rows-200k-workbook",
}


def _digest(path: Path) -> str | None:
    """A digest of every regular file under `path` (special files are not read)."""
    if not path.exists() or not (path.is_dir() or path.is_file()):
        return None
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    for p in files:
        h.update(str(p.relative_to(path.parent)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _spec(item: corpus.Input, work: Path) -> dict:
    return {"name": item.name, "path": str(item.path), "kind": item.kind, "commands": list(item.commands),
            "work": str(work), "limit": PER_COMMAND, "args": list(item.args), "patch": item.patch,
            "import_target": str(item.import_target) if item.import_target else None}


def _run_batch(items: list[corpus.Input], work: Path) -> dict[str, list[dict]]:
    """Run the inputs one after another in one process (imports paid once); a process that dies
    or hangs marks the input it was on and a new process goes on with the rest."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1] / "src"), "JICENG_DEBUG": "0", "COLUMNS": "120"}
    done: dict[str, list[dict]] = {}
    todo = list(items)
    while todo:
        specs = [_spec(i, work / i.name) for i in todo]
        try:
            proc = subprocess.run([sys.executable, str(HERE / "run_one.py"), json.dumps(specs)], capture_output=True,
                                  text=True, timeout=PER_INPUT * len(todo), env=env, preexec_fn=_limit,
                                  stdin=subprocess.DEVNULL)
            stdout, stderr, died = proc.stdout, proc.stderr, proc.returncode != 0
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            stderr, died = "timeout", True
        for line in stdout.splitlines():
            if line.strip():
                rec = json.loads(line)
                done[rec["name"]] = rec["results"]
        todo = [i for i in todo if i.name not in done]
        if todo and died:
            done[todo[0].name] = [{"command": "*", "exit": "process died", "stdout": "", "stderr": stderr[-3000:],
                                   "crash": stderr[-3000:]}]
            todo = todo[1:]
        elif todo:
            for i in todo:
                done[i.name] = [{"command": "*", "exit": "not run", "stdout": "", "stderr": "", "crash": "not run"}]
            todo = []
    return done


class _Slow(BaseHTTPRequestHandler):
    """/trickle: one byte a second for at most 40 s; /flood: 64 MB as fast as possible, no length."""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        if self.path.startswith("/trickle"):
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            return
        self.end_headers()
        try:
            for _ in range(64):
                self.wfile.write(b"0" * (1 << 20))
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, standard, server):
    root = tmp_path_factory.mktemp("hostile")
    items = corpus.build(root / "inputs", standard, server)
    before = {i.name: (_digest(i.path), _digest(i.import_target) if i.import_target else None) for i in items}
    halves = [items[0::2], items[1::2]]  # two processes: the machine's two cores
    results: dict[str, list[dict]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for part in pool.map(lambda batch: _run_batch(batch, root / "work"), halves):
            results.update(part)
    after = {i.name: (_digest(i.path), _digest(i.import_target) if i.import_target else None) for i in items}
    return {i.name: (i, results[i.name], before[i.name], after[i.name]) for i in items}


NAMES = ["remote-trickle", "remote-flood", "personal-every-form", "personal-in-name-and-version", "personal-in-headers", "ansi-escapes",
         "huge-header-label", "huge-package-name", "cell-200kb", "resources-not-a-list", "resources-hold-a-string",
         "lone-surrogate", "descriptor-not-json", "descriptor-array", "descriptor-deep", "empty-folder",
         "fifo-descriptor", "dev-zero", "fifo-resource", "unsafe-paths", "big5-file", "gbk-declared-utf8", "utf16-file",
         "nul-bytes", "clerk-numbers", "semicolon-dialect", "zip-many-entries", "zip-slip", "zip-damaged",
         "cell-40k-export", "surrogate-bytes-in-csv", "sparse-far-cell", "styled-far-cell", "rows-200k-workbook",
         "empty-template-onto-existing",
         "workbook-personal-hidden-rows"]


def problems_of(item: corpus.Input, results: list[dict], before, after) -> list[str]:
    secrets = tuple(item.secrets)
    out = []
    for r in results:
        cmd = r.get("command", "?")
        shown = (r.get("stdout") or "") + (r.get("stderr") or "") + (r.get("files") or "")
        if str(r["exit"]).startswith("skipped"):
            continue
        if r.get("crash") or r["exit"] in ("exception", "timeout") or str(r["exit"]).startswith(("process", "http")):
            out.append(f"{cmd}: {r['exit']} {(r.get('crash') or '')[-600:]}")
            continue
        if "Traceback (most recent call last)" in shown:
            at = shown.index("Traceback (most recent call last)")
            out.append(f"{cmd}: traceback in the output: {shown[at:at + 1500]!r}")
        base = cmd.split("-")[0] if cmd.startswith("validate") else cmd
        allowed = item.exits.get(base, DOCUMENTED)
        if cmd not in ("load", "web") and r["exit"] not in allowed:
            out.append(f"{cmd}: exit {r['exit']} not in {sorted(allowed)}: {(r.get('stderr') or r.get('stdout') or '')[:300]!r}")
        for s in secrets:
            if s in shown:
                out.append(f"{cmd}: shows the raw personal value {s!r}")
        if cmd != "web" and ("\x1b" in shown or "\x07" in shown):  # the page escapes them as HTML
            out.append(f"{cmd}: an escape sequence reaches the terminal")
        words = item.expect.get(base)
        if words and not any(w in shown for w in words):
            out.append(f"{cmd}: the output says none of {words}")
        if r.get("stdout_len", 0) > MAX_STDOUT:
            out.append(f"{cmd}: {r['stdout_len']} characters of output")
    if before[0] != after[0]:
        out.append("the input was modified")
    if item.import_target and before[1] != after[1]:
        out.append("the existing package was modified by a refused import")
    load = next((r for r in results if r.get("command") == "load" and r["exit"] == 0), None)
    text = next((r for r in results if r.get("command") == "validate-text-zh"), None)
    if load and text and text["exit"] == 0 and load.get("validate=True") != "loaded":
        out.append(f"validate passes but load refuses: {load.get('validate=True')} {load.get('stderr', '')[:300]}")
    return out


@pytest.mark.parametrize("name", NAMES)
def test_hostile_input(name, outcomes):
    item, results, before, after = outcomes[name]
    problems = problems_of(item, results, before, after)
    if problems and name in XFAIL:
        pytest.xfail(XFAIL[name])
    assert not problems, f"{name} ({item.area}): " + "\n".join(problems)


def test_the_corpus_lists_every_input(outcomes):
    assert sorted(outcomes) == sorted(NAMES)
