"""Tools for the people who maintain the standard: diff, impact, migrations, docs, release checks."""
from __future__ import annotations


class ReviewError(Exception):
    """A problem with the reviewer's input, carrying a Chinese and an English message."""

    def __init__(self, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en
