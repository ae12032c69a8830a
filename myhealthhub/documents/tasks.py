"""Background work on documents: read the text and draw the thumbnail."""

from __future__ import annotations

import io
import logging
import tempfile

from django.db import DatabaseError, transaction
from django_tasks import task

from myhealthhub.documents import changes, keys, reading, storage
from myhealthhub.documents.models import Document, SealedFile, TextState
from myhealthhub.lib import keyring

log = logging.getLogger(__name__)

SPOOL_BYTES = 8 * 1024 * 1024


@task()
def read_document(document_id: int) -> None:
    document = Document.objects.select_related("file", "profile").filter(pk=document_id).first()
    if document is None:  # deleted for good before the worker came to it
        return
    # Decrypted into a private temporary file (memory up to 8 MiB): PDF
    # readers need to seek, and a 200 MB file must not sit in memory.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as plaintext:
        for chunk in keys.read(document.file):
            plaintext.write(chunk)
        plaintext.seek(0)
        result = reading.read(document.content_type, plaintext)  # type: ignore[arg-type]
    try:
        _save(document, result)
    except DatabaseError:
        # Whatever the database refused of what was read, the document must
        # not stay "being read" for ever.
        log.warning("could not save what was read of document %s", document.pk, exc_info=True)
        Document.objects.filter(pk=document.pk).update(text="", text_state=TextState.FAILED)


def _save(document: Document, result: reading.Reading) -> None:
    sealed = _seal_thumbnail(document, result.thumbnail_png)
    try:
        with transaction.atomic():
            current = Document.objects.select_for_update().get(pk=document.pk)
            thumbnail = current.thumbnail_id
            if sealed is not None and thumbnail is None:  # a re-run keeps the first
                stored, key_id = sealed
                thumbnail = SealedFile.objects.create(
                    profile_id=document.profile_id,
                    name=stored.name,
                    wrapped_key=stored.wrapped_key,
                    key_id=key_id,
                    sha256=stored.sha256,
                    size=stored.size,
                ).pk
                sealed = None
            Document.objects.filter(pk=document.pk).update(
                text=result.text,
                text_state=result.state,
                page_count=result.page_count,
                thumbnail_id=thumbnail,
            )
            current.refresh_from_db()
            changes.saved([current])
    finally:
        if sealed is not None:  # not kept: never leave a blob without its row
            storage.delete(sealed[0])


def _seal_thumbnail(document: Document, png: bytes | None) -> tuple[storage.StoredFile, str] | None:
    """The thumbnail sealed into storage, and the id of the key that sealed it."""
    if png is None or document.thumbnail_id is not None:
        return None
    master = keyring.current()
    stored = storage.put(
        io.BytesIO(png), master_key=master, folder=f"thumbnails/{document.profile.uuid}"
    )
    return stored, keyring.key_id(master)
