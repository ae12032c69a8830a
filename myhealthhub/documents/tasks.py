"""Background work on documents: read the text and draw the thumbnail."""

from __future__ import annotations

import io
import tempfile

from django.db import transaction
from django_tasks import task

from myhealthhub.documents import keys, reading, storage
from myhealthhub.documents.models import Document, SealedFile
from myhealthhub.search.index import index_document

SPOOL_BYTES = 8 * 1024 * 1024


@task()
def read_document(document_id: int) -> None:
    document = Document.objects.select_related("file").filter(pk=document_id).first()
    if document is None:  # deleted for good before the worker came to it
        return
    # Decrypted into a private temporary file (memory up to 8 MiB): PDF
    # readers need to seek, and a 200 MB file must not sit in memory.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as plaintext:
        for chunk in keys.read(document.file):
            plaintext.write(chunk)
        plaintext.seek(0)
        result = reading.read(document.content_type, plaintext)  # type: ignore[arg-type]
    thumbnail = _seal_thumbnail(document, result.thumbnail_png)
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            text=result.text,
            text_state=result.state,
            page_count=result.page_count,
            thumbnail=thumbnail,
        )
        document.refresh_from_db()
        index_document(document)


def _seal_thumbnail(document: Document, png: bytes | None) -> SealedFile | None:
    if png is None or document.thumbnail_id is not None:  # a re-run keeps the first
        return document.thumbnail
    master = keys.current()
    stored = storage.put(
        io.BytesIO(png), master_key=master, folder=f"thumbnails/{document.profile.uuid}"
    )
    return SealedFile.objects.create(
        profile_id=document.profile_id,
        name=stored.name,
        wrapped_key=stored.wrapped_key,
        key_id=keys.key_id(master),
        sha256=stored.sha256,
        size=stored.size,
    )
