"""The validation web page (`jiceng serve`): upload, report in the clerk's terms, downloads."""
from __future__ import annotations

from .app import Limits, create_app, serve

__all__ = ["Limits", "create_app", "serve"]
