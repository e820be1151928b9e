"""Publishers' tools: the Excel/WPS template, importing a filled workbook or CSV folder into a
package, and exporting a package back into the workbook."""
from __future__ import annotations

from .exporter import ExportRefused, export_package
from .importer import Change, ImportRefused, ImportResult, import_path
from .template import write_template

__all__ = ["write_template", "import_path", "export_package", "ImportResult", "Change",
           "ImportRefused", "ExportRefused"]
