"""Keeping the search index in step with entries and documents.

Fed by the hooks records and documents call when they write (their
``changes.py``, joined in apps.py), called by the importers and the
archive's restore for what they write in bulk, and by ``myhealthhub search
reindex``. An item is written whole, inserted or updated in place, and the
database's own index follows through its triggers or generated columns (see
migrations/0001_initial.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

from django.db import transaction

from myhealthhub.documents.models import Document
from myhealthhub.lib import bulk
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry
from myhealthhub.search.contents import Contents, document_contents, entry_contents
from myhealthhub.search.models import DOCUMENT, SearchItem
from myhealthhub.search.text import word_set

BATCH = 1000
# Snippets are cut from the beginning of the text; the words come from all of it.
MAX_BODY = 20_000
# At most 4 bytes a character: PostgreSQL's limit for one tsvector is 1 MB.
MAX_WORDS = 250_000

REPLACED = ["target_kind", "date", "date_precision", "title", "body", "title_words", "words"]

T = TypeVar("T")


def index_entries(kind_slug: str, entries: Iterable[Entry]) -> None:
    """Index (or re-index) saved entries of one kind; deleted ones leave the index."""
    for batch in _batches(entries):
        _replace(
            (entry.profile_id, entry.uuid, kind_slug, entry_contents(kind_slug, entry))
            for entry in batch
            if entry.deleted_at is None
        )
        _remove((entry.profile_id, entry.uuid) for entry in batch if entry.deleted_at is not None)


def index_documents(documents: Iterable[Document]) -> None:
    for batch in _batches(documents):
        _replace(
            (doc.profile_id, doc.uuid, DOCUMENT, document_contents(doc))
            for doc in batch
            if doc.deleted_at is None
        )
        _remove((doc.profile_id, doc.uuid) for doc in batch if doc.deleted_at is not None)


def unindex(profile_id: int, target_uuid: uuid.UUID) -> None:
    SearchItem.objects.filter(profile_id=profile_id, target_uuid=target_uuid).delete()


@transaction.atomic
def reindex_profile(profile: Profile) -> int:
    """Rebuild one profile's index from its entries and documents; returns the item count."""
    SearchItem.objects.filter(profile_id=profile.pk).delete()
    for slug, kind in KINDS.items():
        index_entries(slug, kind.queryset(profile).alive().iterator(chunk_size=BATCH))
    index_documents(
        Document.objects.filter(profile_id=profile.pk).alive().iterator(chunk_size=BATCH)
    )
    return SearchItem.objects.filter(profile_id=profile.pk).count()


def _batches(rows: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _item(profile_id: int, target_uuid: uuid.UUID, kind: str, contents: Contents) -> bulk.Values:
    # The tables' names for what the title names count as the title: a search
    # for "glucosa" puts the glucose result among the title matches, first.
    name = "\n".join((contents.title, *contents.known_names))
    return {
        "profile_id": profile_id,
        "target_kind": kind,
        "target_uuid": target_uuid,
        "date": contents.date,
        "date_precision": contents.date_precision,
        "title": contents.title,
        "body": contents.body[:MAX_BODY],
        "title_words": word_set(name, max_chars=MAX_WORDS),
        "words": word_set(name + "\n" + contents.body, max_chars=MAX_WORDS),
    }


def _replace(rows: Iterable[tuple[int, uuid.UUID, str, Contents]]) -> None:
    # One upsert: two writers indexing the same target cannot both insert it.
    bulk.upsert(
        SearchItem,
        (_item(*row) for row in rows),
        unique=["profile", "target_uuid"],
        update=REPLACED,
    )


def _remove(targets: Iterable[tuple[int, uuid.UUID]]) -> None:
    by_profile: dict[int, list[uuid.UUID]] = {}
    for profile_id, target_uuid in targets:
        by_profile.setdefault(profile_id, []).append(target_uuid)
    for profile_id, uuids in by_profile.items():
        SearchItem.objects.filter(profile_id=profile_id, target_uuid__in=uuids).delete()
