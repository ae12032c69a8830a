"""What a person would search for in each kind of entry and in a document.

Free text and names only: choice fields (status, severity) are codes whose
labels depend on the reader's language, and numbers are found through their
entry's name. Codes are included, so "E11" or "4548-4" finds what carries
them, and so are the codings' own names ("Diabetes mellitus type 2" on an
entry typed in Spanish). A code the shipped tables know (lib/codes.py) brings
its names in English and Spanish as words to find, never shown: "glucosa"
finds "Glucose [Mass/volume] in Serum or Plasma" (LOINC 2345-7), and
"influenza" finds "Gripe estacional" (CVX 141).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from myhealthhub.documents.models import Document
from myhealthhub.lib import codes
from myhealthhub.records.kinds import CVX, LOINC
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
    # Found by its name ("Running", or what the person called it); the rest is numbers.
    "workouts": ("device",),
    "notes": ("body",),
}
# Lists of parts some kinds keep in JSON, and the key whose text counts.
ENTRY_PARTS: dict[str, tuple[str, str]] = {
    "allergies": ("reactions", "manifestation"),
    "results": ("components", "display"),
}
# The code systems the shipped tables name in several languages.
NAMED_CODES: dict[str, Callable[[], tuple[codes.Code, ...]]] = {
    LOINC: codes.lab_tests,
    CVX: codes.vaccines,
}
# Kinds whose name may be a medicine the shipped table knows by other names
# ("Acetaminophen" is "Paracetamol"); they carry no code that says so.
MEDICINE_NAMED = {"medications", "allergies"}


@dataclass(frozen=True)
class Contents:
    title: str
    body: str
    date: dt.date | None
    date_precision: str
    # What the shipped tables call the entry, in every language they have:
    # indexed with the title's words, never shown.
    known_names: tuple[str, ...] = ()


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
        known_names=_known_names(kind_slug, entry),
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


def _known_names(kind_slug: str, entry: Entry) -> tuple[str, ...]:
    names: list[str] = []
    for system, code in [(entry.code_system, entry.code), *_system_codes(entry.codings)]:
        table = NAMED_CODES.get(system)
        known = codes.find_by_code(table(), code) if table and code else None
        names += known.names if known else ()
    if kind_slug in MEDICINE_NAMED:
        medicine = codes.find_medicine(entry.display)
        names += medicine.names if medicine else ()
    return tuple(dict.fromkeys(names))


def _system_codes(codings: Any) -> Iterator[tuple[str, str]]:
    # Imported JSON, as in _coding_texts.
    if not isinstance(codings, list):
        return
    for coding in codings:
        if isinstance(coding, dict):
            yield str(coding.get("system") or ""), str(coding.get("code") or "")


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
