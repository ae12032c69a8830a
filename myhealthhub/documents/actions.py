"""Every change to a document: add, change its context, delete, restore (DESIGN.md principle 2).

Adding seals the file into storage first, outside the transaction since it
may take a while; if anything after that fails, the sealed blob is removed
again, so a refused or failed upload leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action, log_actions
from myhealthhub.audit.models import Action
from myhealthhub.documents import changes, storage
from myhealthhub.documents.models import Document, DocumentKind, DocumentLink, SealedFile
from myhealthhub.documents.sniff import FileType, RefusedFile, sniff
from myhealthhub.errors import ActionRefused, StaleEdit
from myhealthhub.lib import keyring
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.usage import profile_allowance
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models.base import RESTORE_DAYS

TITLE_MAX = 255


@dataclass
class Details:
    """What a person says about a document: everything but the file."""

    kind: str = DocumentKind.OTHER
    when: PartialDate | None = None
    facility: str = ""
    why: str = ""
    description: str = ""
    title: str = ""
    # (records kind slug, entry UUID) pairs.
    links: list[tuple[str, uuid.UUID]] = field(default_factory=list)


def title_from_filename(filename: str) -> str:
    """A readable title from whatever name a file arrived with; never used as a path."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    visible = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return visible[:TITLE_MAX] or _("Document")


def size_of(upload: IO[bytes]) -> int:
    upload.seek(0, os.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size


def check_size(profile: Profile, size: int) -> None:
    """Refuse a file over the upload limit or over the plan's storage quota."""
    if size > settings.MAX_UPLOAD_BYTES:
        raise ActionRefused(
            _("This file is %(size)s; files up to %(limit)s can be kept.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.MAX_UPLOAD_BYTES)}
        )
    check_quota(profile, size)


def check_quota(profile: Profile, size: int) -> None:
    """Refuse ``size`` more bytes of documents over the plan's storage quota."""
    room = profile_allowance(profile, "storage_bytes", size)
    if not room.allowed:
        raise ActionRefused(
            _(
                "There is no room for this file (%(size)s): the plan allows %(limit)s "
                "of documents and %(remaining)s is left. Nothing was stored."
            )
            % {
                "size": filesizeformat(size),
                "limit": filesizeformat(room.limit or 0),
                "remaining": filesizeformat(room.remaining or 0),
            }
        )


@dataclass(frozen=True)
class SealedUpload:
    """A file checked and sealed into storage, not yet a document."""

    stored: storage.StoredFile
    key_id: str
    file_type: FileType


def seal_upload(
    profile: Profile,
    upload: IO[bytes],
    *,
    file_type: FileType | None = None,
    size_checked: bool = False,
    folder: str = "",
) -> SealedUpload:
    """Check a file's type and size and seal it into storage; RefusedFile/ActionRefused if not.

    ``file_type`` is given only by callers that have read and checked the
    bytes themselves (an importer); everyone else gets the sniffed type.
    ``size_checked`` when the caller checked the size of a whole batch at once.
    """
    file_type = file_type or sniff(upload)
    if not size_checked:
        check_size(profile, size_of(upload))
    master = keyring.current()
    stored = storage.put(upload, master_key=master, folder=folder or f"documents/{profile.uuid}")
    return SealedUpload(stored, keyring.key_id(master), file_type)


def add_document(
    profile: Profile,
    upload: IO[bytes],
    *,
    filename: str,
    actor: User | None,
    request: HttpRequest | None,
    details: Details | None = None,
    file_type: FileType | None = None,
) -> Document:
    """Check, seal and keep one file with its context; RefusedFile/ActionRefused if not."""
    details = details or Details()
    links = _checked_links(profile, details.links)
    sealed = seal_upload(profile, upload, file_type=file_type)
    try:
        with transaction.atomic():
            return keep_sealed(
                profile,
                sealed,
                filename=filename,
                actor=actor,
                request=request,
                details=details,
                links=links,
            )
    except BaseException:
        storage.delete(sealed.stored)
        raise


def keep_sealed(
    profile: Profile,
    sealed: SealedUpload,
    *,
    filename: str,
    actor: User | None,
    request: HttpRequest | None,
    details: Details,
    links: list[tuple[str, uuid.UUID]],
) -> Document:
    """The document rows for a sealed file; the caller owns the transaction and the blob."""
    stored = sealed.stored
    file = SealedFile.objects.create(
        profile=profile,
        name=stored.name,
        wrapped_key=stored.wrapped_key,
        key_id=sealed.key_id,
        sha256=stored.sha256,
        size=stored.size,
    )
    document = Document(
        profile=profile,
        file=file,
        title=details.title[:TITLE_MAX] or title_from_filename(filename),
        kind=details.kind,
        facility=details.facility,
        why=details.why,
        description=details.description,
        content_type=sealed.file_type.content_type,
        duplicate_of=already_present(profile, stored.sha256),
        uploaded_by=actor,
    )
    document.when = details.when
    _validate(document)
    document.save()
    DocumentLink.objects.bulk_create(
        DocumentLink(profile=profile, document=document, kind=kind, entry_uuid=entry_uuid)
        for kind, entry_uuid in links
    )
    log_document(Action.DOCUMENT_ADDED, document, actor=actor, request=request)
    changes.saved([document])
    # Enqueued in the same transaction: the worker sees the job only once
    # the document it reads exists.
    from myhealthhub.documents.tasks import read_document

    read_document.enqueue(document.pk)
    return document


@dataclass(frozen=True)
class KeptFile:
    """One of many sealed files to keep together (the files carried in an import)."""

    sealed: SealedUpload
    filename: str
    details: Details
    links: list[tuple[str, uuid.UUID]]


def keep_sealed_many(
    profile: Profile, files: list[KeptFile], *, actor: User | None, request: HttpRequest | None
) -> list[Document]:
    """``keep_sealed`` for many files in a few queries; the caller owns the transaction."""
    if not files:
        return []
    sealed_files = SealedFile.objects.bulk_create(
        SealedFile(
            profile=profile,
            name=item.sealed.stored.name,
            wrapped_key=item.sealed.stored.wrapped_key,
            key_id=item.sealed.key_id,
            sha256=item.sealed.stored.sha256,
            size=item.sealed.stored.size,
        )
        for item in files
    )
    earlier = {}
    for document in (
        Document.objects.alive()
        .filter(
            profile_id=profile.pk, file__sha256__in={item.sealed.stored.sha256 for item in files}
        )
        .select_related("file")
        .order_by("-uploaded_at", "-pk")
    ):
        earlier[document.file.sha256] = document  # the oldest wins
    documents = []
    for item, sealed_file in zip(files, sealed_files, strict=True):
        document = Document(
            profile=profile,
            file=sealed_file,
            title=item.details.title[:TITLE_MAX] or title_from_filename(item.filename),
            kind=item.details.kind,
            facility=item.details.facility,
            why=item.details.why,
            description=item.details.description,
            content_type=item.sealed.file_type.content_type,
            duplicate_of=earlier.get(item.sealed.stored.sha256),
            uploaded_by=actor,
        )
        document.when = item.details.when
        _validate(document, unique=False)
        documents.append(document)
    Document.objects.bulk_create(documents)
    DocumentLink.objects.bulk_create(
        DocumentLink(profile=profile, document=document, kind=kind, entry_uuid=entry_uuid)
        for item, document in zip(files, documents, strict=True)
        for kind, entry_uuid in item.links
    )
    log_actions(
        Action.DOCUMENT_ADDED,
        request=request,
        actor=actor,
        profile=profile,
        object_type="document",
        object_uuids=[document.uuid for document in documents],
    )
    changes.saved(documents)
    from myhealthhub.documents.tasks import read_document

    for document in documents:
        read_document.enqueue(document.pk)
    return documents


def _validate(document: Document, *, unique: bool = True) -> None:
    try:
        document.full_clean(
            exclude=["profile", "file", "thumbnail", "duplicate_of", "uploaded_by"],
            validate_unique=unique,
        )
    except ValidationError as error:
        raise ActionRefused(
            " ".join(
                f"{getattr(Document._meta.get_field(name), 'verbose_name', name)}: "
                f"{' '.join(messages)}"
                for name, messages in error.message_dict.items()
            )
        ) from None


def log_document(
    action: Action,
    document: Document,
    *,
    actor: User | None,
    request: HttpRequest | None,
    actor_label: str = "",
) -> None:
    log_action(
        action,
        request=request,
        actor=actor,
        actor_label=actor_label,
        profile=document.profile,
        object_type="document",
        object_uuid=document.uuid,
    )


def already_present(profile: Profile, sha256: str) -> Document | None:
    return (
        Document.objects.alive()
        .filter(profile_id=profile.pk, file__sha256=sha256)
        .order_by("uploaded_at", "pk")
        .first()
    )


def _checked_links(
    profile: Profile, links: list[tuple[str, uuid.UUID]]
) -> list[tuple[str, uuid.UUID]]:
    checked = []
    for kind_slug, entry_uuid in dict.fromkeys(links):
        kind = KINDS.get(kind_slug)
        if kind is None or not kind.queryset(profile).alive().filter(uuid=entry_uuid).exists():
            raise ActionRefused(_("A linked entry is not in this record."))
        checked.append((kind_slug, entry_uuid))
    return checked


@transaction.atomic
def update_details(
    document: Document,
    details: Details,
    *,
    actor: User,
    request: HttpRequest | None,
    expected_version: int | None = None,
) -> None:
    current = Document.objects.select_for_update().get(pk=document.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(
            _(
                "Someone else saved this document while you were editing it, so your "
                "changes were not saved. Check what they changed, then make your changes again."
            )
        )
    links = _checked_links(current.profile, details.links)
    current.title = details.title[:TITLE_MAX] or current.title
    current.kind = details.kind
    current.when = details.when
    current.facility = details.facility
    current.why = details.why
    current.description = details.description
    _validate(current)
    current.version += 1
    current.save(
        update_fields=[
            "title",
            "kind",
            "date",
            "date_precision",
            "facility",
            "why",
            "description",
            "version",
            "updated_at",
        ]
    )
    current.links.exclude(entry_uuid__in=[entry_uuid for _kind, entry_uuid in links]).delete()
    DocumentLink.objects.bulk_create(
        (
            DocumentLink(
                profile_id=current.profile_id, document=current, kind=kind, entry_uuid=entry_uuid
            )
            for kind, entry_uuid in links
        ),
        ignore_conflicts=True,
    )
    log_document(Action.DOCUMENT_UPDATED, current, actor=actor, request=request)
    changes.saved([current])


@transaction.atomic
def delete_document(document: Document, *, actor: User, request: HttpRequest | None) -> None:
    """Move the document to "recently deleted"; the sealed file stays until it is purged."""
    updated = Document.objects.filter(pk=document.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), updated_at=timezone.now()
    )
    if not updated:
        return
    log_document(Action.DOCUMENT_DELETED, document, actor=actor, request=request)
    changes.removed(document.profile_id, document.uuid)


@transaction.atomic
def restore_document(document: Document, *, actor: User, request: HttpRequest | None) -> None:
    current = Document.objects.select_for_update().get(pk=document.pk)
    if current.deleted_at is None:
        return
    if current.deleted_at < timezone.now() - dt.timedelta(days=RESTORE_DAYS):
        raise ActionRefused(
            _("Deleted documents can be restored for %(days)d days; this one is older.")
            % {"days": RESTORE_DAYS}
        )
    current.deleted_at = None
    current.save(update_fields=["deleted_at", "updated_at"])
    log_document(Action.DOCUMENT_RESTORED, current, actor=actor, request=request)
    changes.saved([current])


def purge_deleted() -> int:
    """Remove for good the documents deleted more than RESTORE_DAYS ago, files included."""
    cutoff = timezone.now() - dt.timedelta(days=RESTORE_DAYS)
    purged = 0
    while True:
        with transaction.atomic():
            batch = list(
                Document.objects.select_for_update()
                .filter(deleted_at__lt=cutoff)
                .select_related("profile")
                .order_by("pk")[:100]
            )
            if not batch:
                return purged
            purge(batch, actor_label="myhealthhub documents purge")
            purged += len(batch)


def purge(documents: list[Document], *, actor_label: str) -> None:
    """Remove documents for good, within the caller's transaction; the files go after it."""
    sealed = SealedFile.objects.filter(
        pk__in=[
            pk for document in documents for pk in (document.file_id, document.thumbnail_id) if pk
        ]
    )
    names = list(sealed.values_list("name", flat=True))
    for document in documents:
        log_document(
            Action.DOCUMENT_PURGED, document, actor=None, request=None, actor_label=actor_label
        )
        changes.removed(document.profile_id, document.uuid)
    Document.objects.filter(pk__in=[document.pk for document in documents]).delete()
    sealed.delete()
    # The ciphertext goes once the rows are gone for good.
    transaction.on_commit(partial(storage.delete_names, names))


__all__ = ["Details", "RefusedFile", "add_document", "delete_document", "restore_document"]
