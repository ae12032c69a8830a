"""What a person chose for an export: language, paper, sections, period.

The summary owns them: its page and its PDF read them, and each export
format (exports, above the summary) reads the parts that concern it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

PAPER_SIZES = ("a4", "letter")


@dataclass(frozen=True)
class ExportOptions:
    """What the person chose; each format reads the parts that concern it."""

    # The language of every word the export writes ("en" or "es").
    language: str = "en"
    # The summary's paper (PDF only).
    paper: str = "a4"
    # The summary's sections, by name (summary/sections.py); empty means the default ones.
    sections: frozenset[str] = field(default_factory=frozenset)
    # The summary's period: items dated before this are left out; None means the default.
    since: dt.date | None = None
