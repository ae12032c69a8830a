"""A profile's documents: list, read, download, upload with context, delete.

Uploads, downloads and deletions go the pages' way: documents/actions.py keeps
and deletes, documents/serving.py gives a file its headers (DESIGN.md
principles 2, 7 and 8), and refusals carry the pages' own messages.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from myhealthhub.api.auth import caller_of
from myhealthhub.api.gate import needs, reach
from myhealthhub.api.models import Scope
from myhealthhub.api.problems import Problem
from myhealthhub.audit.models import Action
from myhealthhub.documents import actions, keys, uploads
from myhealthhub.documents.models import Document, DocumentKind, DocumentLink
from myhealthhub.documents.serving import as_file, download_name, prepend
from myhealthhub.errors import ActionRefused
from myhealthhub.lib import crypto
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.access import Access
from myhealthhub.profiles.models import Role

log = logging.getLogger(__name__)

router = Router(tags=["documents"])

DEFAULT_LIMIT = 50
MOST_LIMIT = 200


class EntryLink(Schema):
    """An entry the document is about: a records kind slug and the entry's UUID."""

    kind: str
    uuid: uuid.UUID


class DocumentOut(Schema):
    uuid: uuid.UUID
    title: str
    kind: DocumentKind
    when: str | None = Field(description="A partial date: YYYY, YYYY-MM or YYYY-MM-DD")
    facility: str
    why: str
    size: int = Field(description="Bytes")
    content_type: str
    created_at: dt.datetime
    links: list[EntryLink]
    file_url: str


class DocumentDetail(DocumentOut):
    description: str
    text_state: str
    page_count: int | None
    duplicate_of: uuid.UUID | None
    version: int
    updated_at: dt.datetime


class DocumentPage(Schema):
    items: list[DocumentOut]
    next: str | None = Field(description="The cursor of the next page; null on the last")


class ListQuery(Schema):
    cursor: str | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MOST_LIMIT)
    kind: DocumentKind | None = None


class UploadIn(Schema):
    kind: DocumentKind = DocumentKind.OTHER
    when: str = Field("", description="A partial date: YYYY, YYYY-MM or YYYY-MM-DD")
    facility: str = Field("", max_length=200)
    why: str = Field("", max_length=5000)
    description: str = Field("", max_length=20000)


# The file is optional to the parser only: an upload stopped for its size
# arrives without it, and is answered with why (413) rather than "missing".
FILE_REQUIRED = {
    "requestBody": {"content": {"multipart/form-data": {"schema": {"required": ["file"]}}}}
}


PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# What a file download answers: the stored file's own type, decided from its bytes.
A_FILE = {
    "description": "The file, as an attachment",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}


def answers(*, file: bool = False, **statuses: str) -> dict[str, object]:
    """What an operation answers besides v1.REFUSALS, for its OpenAPI entry: ``s409="…"``.

    ``file``: a download, whose stored file may also fail its integrity check (500).
    """
    # Integer codes, as ninja writes its own, so that 200 adds to its entry rather than twins it.
    responses: dict[int, object] = {
        int(code.removeprefix("s")): {"description": description, "content": PROBLEM}
        for code, description in statuses.items()
    }
    if file:
        responses[200] = A_FILE
        responses[500] = {"description": "The stored file is damaged", "content": PROBLEM}
    return {"responses": responses}


def _documents(access: Access) -> QuerySet[Document]:
    links = DocumentLink.objects.filter(profile_id=access.profile.pk).order_by("pk")
    return (
        Document.objects.filter(profile_id=access.profile.pk)
        .alive()
        .select_related("file")
        .prefetch_related(Prefetch("links", queryset=links))
    )


def _out(access: Access, document: Document) -> DocumentOut:
    return DocumentOut(
        uuid=document.uuid,
        title=document.title,
        kind=DocumentKind(document.kind),
        when=document.when.isoformat() if document.when else None,
        facility=document.facility,
        why=document.why,
        size=document.size,
        content_type=document.content_type,
        created_at=document.uploaded_at,
        links=[EntryLink(kind=link.kind, uuid=link.entry_uuid) for link in document.links.all()],
        file_url=reverse("api:documents_file", args=[access.profile.uuid, document.uuid]),
    )


def _detail(access: Access, document: Document) -> DocumentDetail:
    duplicate = (
        Document.objects.filter(profile_id=access.profile.pk, pk=document.duplicate_of_id)
        .values_list("uuid", flat=True)
        .first()
        if document.duplicate_of_id
        else None
    )
    return DocumentDetail(
        **_out(access, document).model_dump(),
        description=document.description,
        text_state=document.text_state,
        page_count=document.page_count,
        duplicate_of=duplicate,
        version=document.version,
        updated_at=document.updated_at,
    )


def damaged() -> Problem:
    """A stored file that failed its integrity check (DESIGN.md principle 7), as pages say."""
    return Problem(
        500,
        _("This file is damaged"),
        _(
            "The stored file does not match what was stored: it was changed or damaged "
            "after it was saved, so it is not shown. Ask whoever runs this MyHealthHub "
            "to restore it from a backup."
        ),
    )


def _refused(refusal: ActionRefused) -> Problem:
    return Problem(422, _("The file was not kept"), refusal.message)


@router.get(
    "/{profile_uuid}/documents",
    response=DocumentPage,
    operation_id="documents_list",
    url_name="documents_list",
    summary="The profile's documents, newest first",
    openapi_extra=needs(Scope.READ, Role.VIEWER),
)
def list_documents(
    request: HttpRequest, profile_uuid: uuid.UUID, query: Query[ListQuery]
) -> DocumentPage:
    access = reach(request, profile_uuid, scope=Scope.READ, needs=Role.VIEWER)
    documents = _documents(access).order_by("-uploaded_at", "-pk")
    if query.kind:
        documents = documents.filter(kind=query.kind)
    if query.cursor:
        after = _after(access, query.cursor)
        documents = documents.filter(
            Q(uploaded_at__lt=after.uploaded_at) | Q(uploaded_at=after.uploaded_at, pk__lt=after.pk)
        )
    page = list(documents[: query.limit + 1])
    more = len(page) > query.limit
    page = page[: query.limit]
    return DocumentPage(
        items=[_out(access, document) for document in page],
        next=str(page[-1].uuid) if more else None,
    )


def _after(access: Access, cursor: str) -> Document:
    """The document a cursor names (the last one of the page before), deleted or not."""
    try:
        document_uuid = uuid.UUID(cursor)
    except ValueError:
        document_uuid = None
    found = (
        Document.objects.filter(profile_id=access.profile.pk, uuid=document_uuid).first()
        if document_uuid
        else None
    )
    if found is None:
        raise Problem(
            422,
            _("Some values are not right"),
            _("This cursor is not one this list gave. Start again without it."),
        )
    return found


@router.get(
    "/{profile_uuid}/documents/{document_uuid}",
    response=DocumentDetail,
    operation_id="documents_get",
    url_name="documents_get",
    summary="One document's details",
    openapi_extra=needs(Scope.READ, Role.VIEWER),
)
def get_document(
    request: HttpRequest, profile_uuid: uuid.UUID, document_uuid: uuid.UUID
) -> DocumentDetail:
    access = reach(request, profile_uuid, scope=Scope.READ, needs=Role.VIEWER)
    return _detail(access, access.get(_documents(access), document_uuid))


@router.get(
    "/{profile_uuid}/documents/{document_uuid}/file",
    operation_id="documents_file",
    url_name="documents_file",
    summary="The document's file, as the pages send it",
    openapi_extra=needs(Scope.READ, Role.VIEWER) | answers(file=True),
)
def download_document(
    request: HttpRequest, profile_uuid: uuid.UUID, document_uuid: uuid.UUID
) -> StreamingHttpResponse:
    access = reach(request, profile_uuid, scope=Scope.READ, needs=Role.VIEWER)
    document = access.get(Document.objects.alive().select_related("file"), document_uuid)
    chunks: Iterator[bytes] = keys.read(document.file)
    # The first chunk is read (and authenticated) before the headers go out,
    # so a damaged file is answered as one rather than cut off mid-download.
    try:
        first = next(chunks, b"")
    except crypto.IntegrityError:
        log.error("sealed file %s failed its integrity check", document.file.name)
        raise damaged() from None
    # Whoever received the file's contents is on record, as on the pages.
    actions.log_document(
        Action.DOCUMENT_OPENED, document, actor=caller_of(request).account, request=request
    )
    response = StreamingHttpResponse(prepend(first, chunks), content_type=document.content_type)
    response["Content-Length"] = str(document.size)
    return as_file(response, download_name(document))


@router.post(
    "/{profile_uuid}/documents",
    response={201: DocumentDetail},
    operation_id="documents_upload",
    url_name="documents_upload",
    summary="Keep a file, with what it is, when, where and why",
    openapi_extra=needs(Scope.ENTRIES, Role.EDITOR) | FILE_REQUIRED,
)
def upload_document(
    request: HttpRequest,
    profile_uuid: uuid.UUID,
    details: Form[UploadIn],
    file: File[UploadedFile | None] = None,
) -> Status[DocumentDetail]:
    access = reach(request, profile_uuid, scope=Scope.ENTRIES, needs=Role.EDITOR)
    if stopped := uploads.too_large(request):
        raise Problem(413, _("The file was not kept"), stopped)
    if file is None:
        raise Problem(
            422,
            _("Some values are not right"),
            errors=[{"where": "body.file", "problem": _("Choose a file to upload.")}],
        )
    when = None
    if details.when.strip():
        try:
            when = PartialDate.parse(details.when)
        except ValueError:
            raise Problem(
                422,
                _("Some values are not right"),
                errors=[{"where": "body.when", "problem": _("This is not a real date.")}],
            ) from None
    try:
        document = actions.add_document(
            access.profile,
            file,
            filename=file.name or "",
            actor=caller_of(request).account,
            request=request,
            details=actions.Details(
                kind=details.kind,
                when=when,
                facility=details.facility,
                why=details.why,
                description=details.description,
            ),
        )
    except ActionRefused as refusal:
        raise _refused(refusal) from None
    return Status(201, _detail(access, access.get(_documents(access), document.uuid)))


@router.delete(
    "/{profile_uuid}/documents/{document_uuid}",
    response={204: None},
    operation_id="documents_delete",
    url_name="documents_delete",
    summary="Move a document to recently deleted (restorable for 30 days on the pages)",
    openapi_extra=needs(Scope.ENTRIES, Role.EDITOR),
)
def delete_document(
    request: HttpRequest, profile_uuid: uuid.UUID, document_uuid: uuid.UUID
) -> Status[None]:
    access = reach(request, profile_uuid, scope=Scope.ENTRIES, needs=Role.EDITOR)
    document = access.get(Document.objects.alive().select_related("profile"), document_uuid)
    actions.delete_document(document, actor=caller_of(request).account, request=request)
    return Status(204, None)
