"""The packages in datapackages/ pass `jiceng validate`."""
from __future__ import annotations

from pathlib import Path

import pytest

from jiceng.validation import validate

PACKAGES = sorted(p.parent for p in (Path(__file__).resolve().parents[1] / "datapackages").glob("*/datapackage.json"))


@pytest.mark.skipif(not PACKAGES, reason="no packages in datapackages/ yet")
@pytest.mark.parametrize("package", PACKAGES, ids=[p.name for p in PACKAGES])
def test_package_is_valid(package):
    report = validate(package)
    errors = [f"{f.code} {f.resource} row {f.row} {f.field}: {f.message_en}" for f in report.errors if f.severity == "ERROR"]
    assert report.valid and report.exit_code == 0, "\n".join(errors[:20])
    assert set(report.encodings.values()) <= {"utf-8", "utf-8-sig"}
