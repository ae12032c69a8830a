"""Where a kept document's file lives inside an export, shared by every format that names it.

The full archive stores each original under this path, and the FHIR export's
DocumentReference points to the same path, so the archive's FHIR is whole
on its own. The name the file came with is shown, never trusted: it is
reduced to safe characters, and the document's UUID keeps two alike apart.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.utils.text import get_valid_filename

from myhealthhub.documents.models import Document

DOCUMENTS_FOLDER = "documents"


def document_path(document: Document) -> str:
    title = PurePosixPath(document.title.replace("\\", "/")).name
    try:
        name = get_valid_filename(title)[:120]
    except SuspiciousFileOperation:  # a name such as ".." gets a plain one
        name = ""
    return f"{DOCUMENTS_FOLDER}/{document.uuid}/{name or 'file'}"
