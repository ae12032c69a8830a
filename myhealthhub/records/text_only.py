"""Allergies, medicines or problems an imported document lists only as text.

The importers keep such a section as a note, marked by the section's LOINC
code as its first coding (imports/text_only_sections.py): its list reached
no allergy, medication or condition entry, so the kind's page and the
checklist ask the person to review it.
"""

from __future__ import annotations

from collections import defaultdict

from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import Note

LOINC = "http://loinc.org"
# A records kind → the LOINC code of the document section that lists it.
SECTION_CODES = {
    "allergies": "48765-2",  # Allergies and adverse reactions Document
    "medications": "10160-0",  # History of Medication use Narrative
    "conditions": "11450-4",  # Problem list - Reported
}
KIND_OF_SECTION = {code: kind for kind, code in SECTION_CODES.items()}


def lists_kept_as_text(profile: Profile) -> dict[str, list[Note]]:
    """The notes that hold a list of each kind only as text, by records kind."""
    found: dict[str, list[Note]] = defaultdict(list)
    notes = Note.objects.alive().filter(
        profile_id=profile.pk, code_system=LOINC, code__in=SECTION_CODES.values()
    )
    for note in notes.order_by("-date", "-id"):
        found[KIND_OF_SECTION[note.code]].append(note)
    return dict(found)
