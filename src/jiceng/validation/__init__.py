"""Validation of data packages: `jiceng validate` and `jiceng.validate(path)`.

reading.py   input, zip safety, encodings, CSV rows
metadata.py  datapackage.json against the profile
structure.py Table Schema checks (as frictionless makes them), keys
rules.py     the standard's rules from validators/, run with pandera
privacy.py   ID numbers, mobile numbers, names
report.py    the JSON contract and its text and HTML renderings
rules_page.py the bilingual rules page generated from validators/
"""
from .core import validate
from .report import Report

__all__ = ["validate", "Report"]
