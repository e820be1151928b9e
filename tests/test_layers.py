"""Data flows one way: standard → reading/validation/loading → indicators and reports → commands →
web page and registry. A lower layer never imports a higher one."""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "jiceng"

# Each module or package of jiceng, by layer (0 is the lowest).
LAYERS = {
    "standard": 0, "constraints": 0, "findings": 0, "periods": 0,
    "privacy": 0,  # detection and the redaction gate; its package-level checks are a layer up
    "privacy.kanon": 1, "privacy.report": 1,
    "schema_check": 1, "extensions": 1, "package": 1, "validation": 1, "load": 1,
    "indicators": 2, "charts": 2, "examples": 2, "publish": 2, "review": 2,
    "commands": 3, "cli": 3,
    "web": 4, "registry": 4,
}
# Tools of the standard that use the reviewers' version algebra on purpose; the command line is
# also the launcher of the web page and the registry (`jiceng serve`, `jiceng registry`).
ALLOWED = {("schema_check", "review"), ("commands", "web"), ("commands", "registry")}


def _top(module: str) -> str:
    """The most specific entry of LAYERS the module belongs to (e.g. privacy.kanon, else privacy)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYERS:
            return ".".join(parts[:n])
    return parts[0]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    rel = path.relative_to(SRC).with_suffix("")
    package = list(rel.parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{'.'.join(base)}.{a.name}" if base else a.name for a in node.names]
                found.update(n for n in names if n)
            elif node.module and node.module.startswith("jiceng."):
                found.add(node.module.removeprefix("jiceng."))
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("jiceng.") for a in node.names if a.name.startswith("jiceng."))
    return found


def test_no_lower_layer_imports_a_higher_one():
    problems = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        own = _top(str(rel.with_suffix("")).replace("/", ".").removesuffix(".__init__"))
        if own == "__init__" or own == "__main__" or own not in LAYERS:
            continue
        for target in _imports(path):
            top = _top(target)
            if top in LAYERS and LAYERS[top] > LAYERS[own] and (own.split(".")[0], top.split(".")[0]) not in ALLOWED:
                problems.append(f"{rel} imports {target}")
    assert problems == [], "\n".join(problems)


def test_every_module_has_a_layer():
    tops = {p.stem if p.is_file() else p.name for p in SRC.iterdir()
            if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())) and p.stem not in ("__init__", "__main__")}
    assert tops - set(LAYERS) == set(), "add new modules to LAYERS"
