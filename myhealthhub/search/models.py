"""One row per searchable thing: an entry or a document, its words already folded.

The full-text index itself is not a Django field, because each database has
its own (migrations/0001_initial.py creates it): on SQLite an FTS5 table fed
by triggers on this table, on PostgreSQL tsvector columns generated from
``title_words`` and ``words`` with GIN indexes. Whatever writes or deletes
rows here keeps both in step, bulk inserts and cascades included.
"""

from __future__ import annotations

from django.db import models

from myhealthhub.profiles.models import Profile
from myhealthhub.records.models.base import precision_field

DOCUMENT = "document"


class SearchItem(models.Model):
    # Small columns first: SQLite reads a row's columns in order, and a long
    # body would push the date into overflow pages.
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    # An entry kind's slug (records/kinds.py), or DOCUMENT.
    target_kind = models.CharField(max_length=40)
    target_uuid = models.UUIDField()
    date = models.DateField(null=True, blank=True)
    date_precision = precision_field()
    # As written, for the page: the title, and the beginning of the rest of
    # the text, where snippets are cut from.
    title = models.TextField()
    body = models.TextField()
    # Distinct folded words (search/text.py), space-separated: what the index
    # matches. ``words`` has the title's and all of the text's.
    title_words = models.TextField()
    words = models.TextField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("profile", "target_uuid"), name="search_one_item_per_target"
            ),
        )

    def __str__(self) -> str:
        return f"{self.target_kind} {self.target_uuid}"
