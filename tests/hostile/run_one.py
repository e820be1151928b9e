"""Run every command on hostile inputs, one input after another in this process (started by
test_hostile.py with a memory limit and a deadline), and print what happened, one JSON line per
input as soon as it is done (so that a process that dies loses nothing before it).

    python tests/hostile/run_one.py SPECS_JSON

SPECS: a list of {"name", "path", "kind", "commands": [...], "work": folder for outputs,
"import_target": path or null, "limit": seconds per command}. Each command runs through `jiceng.cli.main` exactly as from a
shell (stdout and stderr captured as the terminal would get them); `load` calls `jiceng.load`.
"""
from __future__ import annotations

import io
import json
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path


class Deadline(BaseException):
    """Raised by the alarm: not an Exception, so no command can swallow it."""


def _alarm(signum, frame):
    raise Deadline()


def run_cli(argv: list[str], limit: int) -> dict:
    from jiceng.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    code: object = None
    crash = None
    t0 = time.monotonic()
    signal.alarm(limit)
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Deadline:
        code = "timeout"
    except BaseException as exc:  # noqa: BLE001 - what escaped main() is the finding
        code = "exception"
        crash = "".join(traceback.format_exception(exc))[-3000:]
    finally:
        signal.alarm(0)
        sys.stdout, sys.stderr = saved
    return {"argv": argv, "exit": code, "stdout": out.getvalue()[-2_000_000:], "stderr": err.getvalue()[-200_000:],
            "stdout_len": len(out.getvalue()), "seconds": round(time.monotonic() - t0, 2), "crash": crash}


def run_load(path: str, limit: int) -> dict:
    import jiceng
    from jiceng.load import PackageError

    t0 = time.monotonic()
    signal.alarm(limit)
    result = {"argv": ["load", path], "stdout": "", "stderr": "", "stdout_len": 0, "crash": None}
    try:
        for validate in (True, False):
            try:
                jiceng.load(path, validate=validate)
                result[f"validate={validate}"] = "loaded"
            except PackageError as exc:
                result[f"validate={validate}"] = f"refused {type(exc).__name__}"
                result["stderr"] += str(exc)[:20_000] + "\n"
        result["exit"] = 0
    except Deadline:
        result["exit"] = "timeout"
    except BaseException as exc:  # noqa: BLE001
        result["exit"] = "exception"
        result["crash"] = "".join(traceback.format_exception(exc))[-3000:]
    finally:
        signal.alarm(0)
    result["seconds"] = round(time.monotonic() - t0, 2)
    return result


_CLIENT = None


def run_web(path: str, kind: str, limit: int) -> dict:
    """Upload the input to the validation page (a package folder as the zip a clerk would make)
    and read the page it answers with."""
    global _CLIENT
    import zipfile

    from starlette.testclient import TestClient

    from jiceng.web.app import create_app

    t0 = time.monotonic()
    result = {"argv": ["web", path], "stdout": "", "stderr": "", "stdout_len": 0, "crash": None}
    signal.alarm(limit)
    try:
        p = Path(path)
        if p.is_dir():
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                for f in sorted(p.rglob("*")):
                    if f.is_file():
                        z.write(f, f.relative_to(p).as_posix())
            name, data = p.name + ".zip", buf.getvalue()
        else:
            name, data = p.name, p.read_bytes()
        if _CLIENT is None:
            _CLIENT = TestClient(create_app(), raise_server_exceptions=False)
        for lang in ("zh", "en"):
            resp = _CLIENT.post("/check", files={"file": (name, data, "application/octet-stream")}, data={"lang": lang})
            result["stdout"] += resp.text[:2_000_000]
            result["stdout_len"] += len(resp.text)
            result.setdefault("status", []).append(resp.status_code)
        result["exit"] = 0 if all(s < 500 for s in result["status"]) else f"http {result['status']}"
    except Deadline:
        result["exit"] = "timeout"
    except BaseException as exc:  # noqa: BLE001
        result["exit"] = "exception"
        result["crash"] = "".join(traceback.format_exception(exc))[-3000:]
    finally:
        signal.alarm(0)
    result["seconds"] = round(time.monotonic() - t0, 2)
    return result


def _patch(patches: dict) -> list:
    import importlib

    saved = []
    for target, value in patches.items():
        module_name, name = target.split(":")
        module = importlib.import_module(module_name)
        saved.append((module, name, getattr(module, name)))
        setattr(module, name, value)
    return saved


def main(spec: dict) -> list[dict]:
    saved = _patch(spec.get("patch") or {})
    try:
        return _main(spec)
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def _main(spec: dict) -> list[dict]:
    signal.signal(signal.SIGALRM, _alarm)
    path, work, limit = spec["path"], Path(spec["work"]), int(spec.get("limit", 60))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for command in spec["commands"]:
        if any(r["exit"] == "timeout" for r in results):  # one hang is the finding; do not wait again
            results.append({"command": command, "exit": "skipped after a timeout", "stdout": "", "stderr": "",
                            "crash": None})
            continue
        if command == "validate":
            for fmt, lang in (("text", "zh"), ("text", "en"), ("json", "zh"), ("html", "zh"), ("html", "en")):
                if any(r["exit"] == "timeout" for r in results):
                    break
                r = run_cli(["validate", path, "--format", fmt, "--lang", lang, *spec.get("args", [])], limit)
                r["command"] = f"validate-{fmt}-{lang}"
                results.append(r)
        elif command == "privacy-report":
            r = run_cli(["privacy-report", path], limit)
            r["command"] = command
            results.append(r)
        elif command == "export":
            r = run_cli(["export", path, "-o", str(work / "export.xlsx")], limit)
            r["command"] = command
            results.append(r)
        elif command == "import":
            source = path
            if spec["kind"] == "package":
                source = str(Path(path) / "data")  # the package's CSV files as a clerk's folder
            target = spec.get("import_target") or str(work / "imported")
            r = run_cli(["import", source, "-o", target, "--changes", str(work / "changes.csv")], limit)
            r["command"] = command
            r["files"] = _texts(work)
            results.append(r)
        elif command == "load":
            r = run_load(path, limit)
            r["command"] = command
            results.append(r)
        elif command == "web":
            r = run_web(path, spec["kind"], limit)
            r["command"] = command
            results.append(r)
    return results


def _texts(folder: Path) -> str:
    """The text of the reports and lists written under `folder` (not the package data, which is
    the clerk's own data), for the personal-data check."""
    parts = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix.lower() in (".csv", ".json", ".txt", ".html", ".md") and "data" not in p.parts[-2:-1]:
            if p.name == "datapackage.json":
                continue
            try:
                parts.append(p.read_text(encoding="utf-8-sig", errors="replace")[:2_000_000])
            except OSError:
                pass
    return "\n".join(parts)


def warm_up() -> None:
    """Import what the commands import and load the name tagger, outside the per-command deadline."""
    import jiceng.cli  # noqa: F401
    import jiceng.load  # noqa: F401
    import jiceng.validation.core  # noqa: F401
    from jiceng.privacy.names import _tagger

    _tagger()


if __name__ == "__main__":
    warm_up()
    for spec in json.loads(sys.argv[1]):
        try:
            out = main(spec)
        finally:
            shutil.rmtree(Path(spec["work"]) / "imported", ignore_errors=True)
        sys.__stdout__.write(json.dumps({"name": spec["name"], "results": out}, ensure_ascii=False) + "\n")
        sys.__stdout__.flush()
