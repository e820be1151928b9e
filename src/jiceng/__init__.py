"""jiceng: the Jiceng Open Data Standard (基层治理开放数据标准) and its tools.

`import jiceng` is light: the loader (pandas), the indicators and the validator (polars,
pandera) are imported on first use of `jiceng.load`, `jiceng.indicators`, `jiceng.validate` ….
"""
from __future__ import annotations

import sys
import types

__version__ = "0.1.0"

__all__ = ["Standard", "current", "__version__", "load", "load_many", "indicators", "indicator_gaps", "validate", "Report"]

# name -> (module, attribute): imported on first use
_LAZY = {
    "Standard": ("standard", "Standard"),
    "current": ("standard", "current"),
    "load": ("load", "load"),
    "load_many": ("load", "load_many"),
    "indicators": ("indicators", "indicators"),
    "indicator_gaps": ("indicators", "indicator_gaps"),
    "validate": ("validation", "validate"),
    "Report": ("validation", "Report"),
}
# Functions that share their name with their module (jiceng/load.py, jiceng/indicators.py): the
# package attribute is always the function, also after the module itself is imported.
_SAME_NAME = {"load": "load", "indicators": "indicators"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'jiceng' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    def __setattr__(self, name, value):
        # The import system sets `jiceng.load` to the submodule once it is imported; keep the function.
        if name in _SAME_NAME and isinstance(value, types.ModuleType) and hasattr(value, _SAME_NAME[name]):
            value = getattr(value, _SAME_NAME[name])
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
