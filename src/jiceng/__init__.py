"""jiceng: the Jiceng Open Data Standard (基层治理开放数据标准) and its tools."""
from __future__ import annotations

__version__ = "0.1.0"

from .standard import Standard, current  # noqa: E402

__all__ = ["Standard", "current", "__version__"]
