"""A valid request for each operation of documents, the summary PDF and exports, for the matrix.

Each function takes the conftest ``world`` and gives (path parameters, body,
the status a caller allowed by the operation's ``x-needs`` gets). A body with
``"__multipart__": True`` is sent as multipart/form-data (without that key);
any other body as JSON; None sends no body.

Exports are personal, as on the exports page: ``world.export_job`` was started
by the owner, so for ``exports_get`` and ``exports_file`` only the owner's
token is an allowed caller; an editor's or viewer's token answers 404 there,
as for a job that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from myhealthhub.conftest import World

Sample = tuple[dict[str, str], dict[str, Any] | None, int]


def _profile(world: World) -> dict[str, str]:
    return {"profile_uuid": str(world.profile.uuid)}


def documents_list(world: World) -> Sample:
    return _profile(world), None, 200


def documents_get(world: World) -> Sample:
    return {**_profile(world), "document_uuid": str(world.document.uuid)}, None, 200


def documents_file(world: World) -> Sample:
    return {**_profile(world), "document_uuid": str(world.document.uuid)}, None, 200


def documents_upload(world: World) -> Sample:
    body = {
        "__multipart__": True,
        "file": SimpleUploadedFile("receta.txt", b"Receta: metformina 500 mg"),
        "kind": "prescription",
        "when": "2026-03",
        "facility": "Centro de Salud",
        "why": "Renovación",
        "description": "",
    }
    return _profile(world), body, 201


def documents_delete(world: World) -> Sample:
    return {**_profile(world), "document_uuid": str(world.document.uuid)}, None, 204


def summary_pdf(world: World) -> Sample:
    return _profile(world), None, 200


def exports_start(world: World) -> Sample:
    # The calendar: a format every role may export, and quick to write.
    return _profile(world), {"format": "ics", "language": "en"}, 202


def exports_get(world: World) -> Sample:
    return {**_profile(world), "export_uuid": str(world.export_job.uuid)}, None, 200


def exports_file(world: World) -> Sample:
    return {**_profile(world), "export_uuid": str(world.export_job.uuid)}, None, 200


SAMPLES: dict[str, Callable[[World], Sample]] = {
    "documents_list": documents_list,
    "documents_get": documents_get,
    "documents_file": documents_file,
    "documents_upload": documents_upload,
    "documents_delete": documents_delete,
    "summary_pdf": summary_pdf,
    "exports_start": exports_start,
    "exports_get": exports_get,
    "exports_file": exports_file,
}
