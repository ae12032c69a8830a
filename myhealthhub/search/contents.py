"""What a person would search for in each kind of entry and in a document.

Free text and names only: choice fields (status, severity) are codes whose
labels depend on the reader's language, and numbers are found through their
entry's name. Codes are included, so "E11" or "4548-4" finds what carries
them, and so are the codings' own names ("Diabetes mellitus type 2" on an
entry typed in Spanish).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from myhealthhub.documents.models import Document
from myhealthhub.records.models import Entry

# A document's extracted text is indexed up to this many characters: enough
# for a long discharge letter, not for a scanned book's text layer.
MAX_DOCUMENT_TEXT = 1_000_000

# Per kind slug (records/kinds.py): the columns beyond display, code and notes.
ENTRY_FIELDS: dict[str, tuple[str, ...]] = {
    "medications": ("strength", "dose", "route", "frequency", "reason", "prescriber", "pharmacy"),
    "conditions": (),
    "allergies": ("reaction", "reaction_severity"),
    "no-known-allergies": (),
    "immunizations": ("lot_number", "site", "location"),
    "results": ("value_text", "unit_text", "reference_text", "interpretation"),
    "procedures": ("performer", "location", "reason", "outcome"),
    "visits": ("clinician", "facility", "reason"),
    "appointments": ("clinician", "facility", "address", "reason", "questions", "bring"),
    "care-team": (
        "specialty",
        "organization",
        "phone",
        "email",
        "address",
        "member_number",
    ),
    "family-history": ("relative",),
    "medication-reviews": ("reviewer", "outcome"),
    "notes": ("body",),
}
# Lists of parts some kinds keep in JSON, and the key whose text counts.
ENTRY_PARTS: dict[str, tuple[str, str]] = {
    "allergies": ("reactions", "manifestation"),
    "results": ("components", "display"),
}


@dataclass(frozen=True)
class Contents:
    title: str
    body: str
    date: dt.date | None
    date_precision: str


def entry_contents(kind_slug: str, entry: Entry) -> Contents:
    # In the order a snippet without a match shows them: the details first.
    parts = [str(getattr(entry, name) or "") for name in ENTRY_FIELDS[kind_slug]]
    if kind_slug in ENTRY_PARTS:
        column, key = ENTRY_PARTS[kind_slug]
        parts += _part_texts(getattr(entry, column), key)
    parts += [entry.notes, *_coding_texts(entry.codings), entry.code]
    return Contents(
        title=_clean(entry.display),
        body=_join(parts),
        date=entry.date,
        date_precision=entry.date_precision,
    )


def document_contents(document: Document) -> Contents:
    parts = [document.facility, document.description, document.why]
    parts.append(document.text[:MAX_DOCUMENT_TEXT])
    return Contents(
        title=_clean(document.title),
        body=_join(parts),
        date=document.date,
        date_precision=document.date_precision,
    )


def _coding_texts(codings: Any) -> list[str]:
    # Imported JSON: a coding may lack a key or not be a dict at all.
    if not isinstance(codings, list):
        return []
    return [
        str(coding.get(key) or "")
        for coding in codings
        if isinstance(coding, dict)
        for key in ("code", "display")
    ]


def _part_texts(parts: Any, key: str) -> list[str]:
    if not isinstance(parts, list):
        return []
    return [str(part.get(key) or "") for part in parts if isinstance(part, dict)]


def _clean(text: str) -> str:
    # Composed form, so a snippet shows "é" as one letter whatever the source sent.
    return unicodedata.normalize("NFC", text.replace("\x00", ""))


def _join(parts: list[str]) -> str:
    # Duplicates happen (code and coding code); one copy is enough to find.
    distinct = dict.fromkeys(_clean(part).strip() for part in parts)
    return "\n".join(part for part in distinct if part)
