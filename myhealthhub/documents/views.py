"""The document pages: list, upload, the document beside its text, and the file itself.

Files are only ever served from here, through the access gate, decrypted as
they stream (DESIGN.md principles 1, 7 and 8).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST, require_safe

from myhealthhub.accounts.current import account_of
from myhealthhub.audit.models import Action
from myhealthhub.documents import actions, keys, showing, uploads
from myhealthhub.documents.forms import EditForm, FilterForm, UploadForm
from myhealthhub.documents.models import Document, DocumentLink, SealedFile
from myhealthhub.documents.serving import as_file, download_name, prepend
from myhealthhub.errors import ActionRefused
from myhealthhub.lib import crypto
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models.base import RESTORE_DAYS

log = logging.getLogger(__name__)

PAGE_SIZE = 30


def _document(access: Access, document_uuid: uuid.UUID, *, deleted: bool = False) -> Document:
    documents = Document.objects.select_related("file", "thumbnail", "duplicate_of")
    return access.get(documents.filter(deleted_at__isnull=not deleted), document_uuid)


@profile_view(read=Role.VIEWER)
def document_list(request: HttpRequest, access: Access) -> HttpResponse:
    form = FilterForm(access.profile, request.GET or None)
    documents = Document.objects.filter(profile_id=access.profile.pk).alive()
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            documents = documents.filter(kind=data["kind"])
        if data["facility"]:
            documents = documents.filter(facility__icontains=data["facility"])
        if data["start"]:
            documents = documents.filter(date__gte=data["start"])
        if data["end"]:
            documents = documents.filter(date__lte=data["end"])
        if data["linked"]:
            entry_uuid = data["linked"].partition(":")[2]
            documents = documents.filter(
                pk__in=DocumentLink.objects.filter(
                    profile_id=access.profile.pk, entry_uuid=entry_uuid
                ).values("document_id")
            )
    documents = documents.select_related("file").order_by(
        F("date").desc(nulls_last=True), "-uploaded_at", "-id"
    )
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/list.html",
        {"access": access, "page": page, "form": form, "documents_current": True},
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def document_upload(request: HttpRequest, access: Access) -> HttpResponse:
    form = UploadForm(access.profile, request.POST or None, request.FILES or None)
    if request.method == "POST" and (stopped := uploads.too_large(request)):
        form.add_error("files", stopped)
    elif request.method == "POST" and form.is_valid():
        added, refused = _add_all(request, access, form)
        if added and not refused:
            messages.success(
                request,
                ngettext("%(count)d document kept.", "%(count)d documents kept.", len(added))
                % {"count": len(added)},
            )
            if len(added) == 1:
                return uploads.go_to(
                    request, reverse("documents:detail", args=[access.profile.uuid, added[0].uuid])
                )
            return uploads.go_to(request, reverse("documents:list", args=[access.profile.uuid]))
        for name, reason in refused:
            form.add_error("files", f"{name}: {reason}")
        if added:
            form.add_error(
                None,
                ngettext(
                    "%(count)d other file was kept.", "%(count)d other files were kept.", len(added)
                )
                % {"count": len(added)},
            )
    status = 400 if form.errors else 200
    return render(
        request,
        "documents/upload.html",
        {
            "access": access,
            "form": form,
            "documents_current": True,
            "max_upload": settings.MAX_UPLOAD_BYTES,
        },
        status=status,
    )


def _add_all(
    request: HttpRequest, access: Access, form: UploadForm
) -> tuple[list[Document], list[tuple[str, str]]]:
    added: list[Document] = []
    refused: list[tuple[str, str]] = []
    details = form.details()
    for upload in form.cleaned_data["files"]:
        name = actions.title_from_filename(upload.name or "")
        try:
            added.append(
                actions.add_document(
                    access.profile,
                    upload,
                    filename=upload.name or "",
                    actor=account_of(request),
                    request=request,
                    details=details,
                )
            )
        except ActionRefused as refusal:
            refused.append((name, refusal.message))
    return added, refused


@profile_view(read=Role.VIEWER)
def document_detail(request: HttpRequest, access: Access, document_uuid: uuid.UUID) -> HttpResponse:
    document = _document(access, document_uuid)
    drawn = showing.drawn(document)
    if drawn is not None and not drawn.problem:
        _log_opened(request, document)  # its contents are on the page
    return render(
        request,
        "documents/detail.html",
        {
            "access": access,
            "document": document,
            "linked": _linked_entries(access, document),
            "drawn": drawn,
            "documents_current": True,
        },
    )


class LinkedEntry(NamedTuple):
    label: str
    display: str
    url: str


def _linked_entries(access: Access, document: Document) -> list[LinkedEntry]:
    """Each linked entry that still exists, with its kind and where it is.

    One query per kind of entry linked, however many links there are.
    """
    wanted: dict[str, list[uuid.UUID]] = {}
    for kind_slug, entry_uuid in DocumentLink.objects.filter(
        profile_id=access.profile.pk, document_id=document.pk
    ).values_list("kind", "entry_uuid"):
        if kind_slug in KINDS:
            wanted.setdefault(kind_slug, []).append(entry_uuid)
    linked = []
    for kind_slug, uuids in wanted.items():
        kind = KINDS[kind_slug]
        entries = kind.queryset(access.profile).alive().filter(uuid__in=uuids).order_by("pk")
        for entry in entries:
            url = reverse("records:detail", args=[access.profile.uuid, kind.slug, entry.uuid])
            linked.append(LinkedEntry(kind.label, str(entry), url))
    return linked


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def document_edit(request: HttpRequest, access: Access, document_uuid: uuid.UUID) -> HttpResponse:
    document = _document(access, document_uuid)
    form = EditForm.for_document(document, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_details(
                document,
                form.details(),
                actor=account_of(request),
                request=request,
                expected_version=form.cleaned_data.get("version"),
            )
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("documents:detail", access.profile.uuid, document.uuid)
    return render(
        request,
        "documents/edit.html",
        {"access": access, "document": document, "form": form, "documents_current": True},
        status=400 if form.errors else 200,
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def document_delete(request: HttpRequest, access: Access, document_uuid: uuid.UUID) -> HttpResponse:
    document = _document(access, document_uuid)
    actions.delete_document(document, actor=account_of(request), request=request)
    messages.success(request, _("Document deleted. It can be restored for 30 days."))
    return redirect("documents:list", access.profile.uuid)


@profile_view(read=Role.EDITOR)
def recently_deleted(request: HttpRequest, access: Access) -> HttpResponse:
    cutoff = timezone.now() - dt.timedelta(days=RESTORE_DAYS)
    documents = Document.objects.filter(profile_id=access.profile.pk, deleted_at__gt=cutoff)
    return render(
        request,
        "documents/deleted.html",
        {
            "access": access,
            "documents": documents.order_by("-deleted_at")[:PAGE_SIZE],
            "documents_current": True,
        },
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def document_restore(
    request: HttpRequest, access: Access, document_uuid: uuid.UUID
) -> HttpResponse:
    document = _document(access, document_uuid, deleted=True)
    try:
        actions.restore_document(document, actor=account_of(request), request=request)
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("documents:deleted", access.profile.uuid)
    messages.success(request, _("Document restored."))
    return redirect("documents:detail", access.profile.uuid, document.uuid)


@profile_view(read=Role.VIEWER)
@require_safe
def document_file(
    request: HttpRequest, access: Access, document_uuid: uuid.UUID
) -> HttpResponseBase:
    """The original file, always as a download."""
    document = _document(access, document_uuid)
    _log_opened(request, document)
    return _stream(
        request, document.file, document.content_type, download_name(document), inline=False
    )


@xframe_options_sameorigin
@profile_view(read=Role.VIEWER)
@require_safe
def document_view(
    request: HttpRequest, access: Access, document_uuid: uuid.UUID
) -> HttpResponseBase:
    """A PDF or picture for the sandboxed viewer on the document page; others download."""
    document = _document(access, document_uuid)
    _log_opened(request, document)
    return _stream(
        request,
        document.file,
        document.content_type,
        download_name(document),
        inline=document.shows_inline,
    )


@profile_view(read=Role.VIEWER)
@require_safe
def document_thumbnail(
    request: HttpRequest, access: Access, document_uuid: uuid.UUID
) -> HttpResponseBase:
    document = _document(access, document_uuid)
    if document.thumbnail is None:  # not drawn yet, or a text file: nothing to show
        return HttpResponse(status=204)
    return _stream(request, document.thumbnail, "image/png", "thumbnail.png", inline=True)


def _log_opened(request: HttpRequest, document: Document) -> None:
    # Whoever received the file's contents, shown or downloaded, is on record.
    actions.log_document(Action.DOCUMENT_OPENED, document, actor=None, request=request)


def _stream(
    request: HttpRequest, sealed: SealedFile, content_type: str, filename: str, *, inline: bool
) -> HttpResponseBase:
    chunks: Iterator[bytes] = keys.read(sealed)
    # The first chunk is read (and authenticated) before the headers go out,
    # so a damaged file fails here with an error page rather than mid-download.
    try:
        first = next(chunks, b"")
    except crypto.IntegrityError:
        log.error("sealed file %s failed its integrity check", sealed.name)
        return render(request, "documents/damaged.html", status=500)
    response = StreamingHttpResponse(prepend(first, chunks), content_type=content_type)
    response["Content-Length"] = str(sealed.size)
    return as_file(response, filename, inline=inline)
