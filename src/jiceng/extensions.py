"""Locality extensions: extra fields or tables a package declares beside the core standard.

`effective_standard` gives the standard a package is validated and loaded against: the core
standard when the package declares no extension.
"""
from __future__ import annotations

from pathlib import Path

from .findings import Finding
from .standard import Standard


def effective_standard(descriptor: dict, package_dir: Path, std: Standard) -> tuple[Standard, list[Finding]]:
    """The core standard plus the package's declared extensions, and findings about them."""
    if not descriptor.get("extensions"):
        return std, []
    raise NotImplementedError("package extensions are not supported yet")
