"""Files carried inside imported ones: which types are kept, what kind of document each is.

A FHIR attachment or a C-CDA's unstructured body holds a PDF, a picture or
plain text; the same allow-list as uploads applies (the bytes are sniffed
again when kept), and a LOINC document code says what kind of document it is.
"""

from __future__ import annotations

import re

DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "text/plain": ".txt",
}
# LOINC document and report codes to a documents.DocumentKind value.
DOCUMENT_KINDS = {
    "11488-4": "letter",
    "18842-5": "discharge_letter",
    "34117-2": "visit_summary",
    "11506-3": "visit_summary",
    "34111-5": "visit_summary",
    "28570-0": "visit_summary",
    "51847-2": "visit_summary",
    "11502-2": "lab_report",
    "18748-4": "imaging_report",
    "57833-6": "prescription",
    "11369-6": "immunization_card",
    "82593-5": "immunization_card",
}
_UNSAFE_FILENAME = re.compile(r"[^\w .()-]+")


def filename_for(name: str, extension: str) -> str:
    """A download name from a title in the file: no path, no odd characters, bounded."""
    return (_UNSAFE_FILENAME.sub("_", name).strip(" ._")[:100] or "document") + extension
