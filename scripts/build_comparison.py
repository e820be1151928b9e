#!/usr/bin/env python
"""Build the cross-region comparison: run notebooks/02_cross_region_comparison.ipynb top to bottom
and write output/comparison.html (open it in a browser) and output/charts/*.png.

    .venv/bin/python scripts/build_comparison.py [--output DIR] [--datapackages DIR]

A chart label the font cannot draw ("Glyph … missing from font(s)") stops the build.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "02_cross_region_comparison.ipynb"
GUARD_TAG = "jiceng-glyph-guard"
TITLE = "跨地区比较 / Cross-region comparison"

# First cell of every checked run: matplotlib's missing-glyph warning becomes an error.
GLYPH_GUARD = 'import warnings\nwarnings.filterwarnings("error", message=r".*Glyph.*missing.*")'


def output_problems(nb) -> list[str]:
    """Errors shown in outputs that did not stop the run (e.g. a figure that failed to render
    when displayed after its cell), and any missing-glyph warning printed."""
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and "Glyph" in out.get("text", "") and "missing" in out.get("text", ""):
                problems.append(f"cell {i}: {out['text'].strip()}")
    return problems


def execute(path: Path, cwd: Path, timeout: int = 900):
    """The notebook at `path`, executed in `cwd` with the glyph guard; raises on any failure."""
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    nb = nbformat.read(path, as_version=4)
    guard = new_code_cell(GLYPH_GUARD)
    guard.metadata["tags"] = [GUARD_TAG]
    nb.cells.insert(0, guard)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    problems = output_problems(nb)
    if problems:
        raise RuntimeError("\n".join(problems))
    return nb


def to_html(nb) -> str:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {GUARD_TAG}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": TITLE}})
    return offline(body)


_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>\s*", re.I | re.S)
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>\s*", re.I)


def offline(html: str) -> str:
    """The page without scripts or styles fetched from the network (require.js, MathJax from a CDN):
    comparison.html must open the same without a connection. The charts are embedded PNGs."""
    return _REMOTE_LINK.sub("", _REMOTE_SCRIPT.sub("", html))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="跨地区比较 / build the cross-region comparison")
    parser.add_argument("--output", type=Path, default=REPO / "output", help="output folder (default: output/)")
    parser.add_argument("--datapackages", type=Path, default=REPO / "datapackages", help="packages to compare")
    args = parser.parse_args(argv)

    out = args.output.resolve()
    charts = out / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    for old in charts.glob("*.png"):  # no stale chart from an earlier build
        old.unlink()
    os.environ.update({
        "JICENG_CHART_DIR": str(charts),
        "JICENG_STRICT_GLYPHS": "1",
        "JICENG_DATAPACKAGES": str(args.datapackages.resolve()),
    })
    from nbclient.exceptions import CellExecutionError

    try:
        nb = execute(NOTEBOOK, NOTEBOOK.parent)
    except (CellExecutionError, RuntimeError) as exc:
        print(f"✗ 比较笔记本运行失败 / the comparison notebook failed:\n{exc}", file=sys.stderr)
        return 1
    html = out / "comparison.html"
    html.write_text(to_html(nb), encoding="utf-8")
    pngs = sorted(charts.glob("*.png"))
    print(f"✓ 跨地区比较 / cross-region comparison: {html}")
    print(f"✓ {len(pngs)} 张图 / charts in {charts}:")
    for p in pngs:
        print(f"    {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
