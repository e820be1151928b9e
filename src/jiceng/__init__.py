"""jiceng: the Jiceng Open Data Standard (基层治理开放数据标准) and its tools."""
from __future__ import annotations

__version__ = "0.1.0"

from .standard import Standard, current  # noqa: E402

# Imported eagerly: the functions share their names with their modules (jiceng/load.py,
# jiceng/indicators.py), and a lazily imported submodule would replace the function.
from .load import load, load_many  # noqa: E402
from .indicators import indicators, indicator_gaps  # noqa: E402

__all__ = ["Standard", "current", "__version__", "load", "load_many", "indicators", "indicator_gaps", "validate", "Report"]


def __getattr__(name: str):
    # The validator (polars, pandera) is imported on first use: `jiceng.validate(path)`.
    if name in ("validate", "Report"):
        from . import validation

        return getattr(validation, name)
    raise AttributeError(f"module 'jiceng' has no attribute {name!r}")
