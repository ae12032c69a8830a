"""Searching one profile: what a person typed in, hits with their snippets out.

Items whose title matches come first, then the others; within each, newest
first. That order is the same on both databases (search/engines.py) and
reads well in a health record: the medicine called "Metformin" before the
fifty letters that mention it, and the latest letter before older ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.search.engines import matching_ids
from myhealthhub.search.models import DOCUMENT, SearchItem
from myhealthhub.search.snippets import Fragment, highlight, snippet
from myhealthhub.search.text import Term, query_terms


@dataclass(frozen=True)
class Hit:
    # An entry kind's slug (records/kinds.py), or "document".
    kind: str
    label: str
    target_uuid: uuid.UUID
    title: str
    title_fragments: list[Fragment]
    date: dt.date | None
    when: PartialDate | None
    url: str
    snippet: list[Fragment]


def search(profile: Profile, text: str, *, limit: int = 50) -> list[Hit]:
    terms = query_terms(text)
    if not terms or limit <= 0:
        return []
    in_title = matching_ids(profile.pk, terms, in_title=True, limit=limit)
    anywhere = matching_ids(profile.pk, terms, in_title=False, limit=limit)
    ids = list(dict.fromkeys([*in_title, *anywhere]))[:limit]
    items = SearchItem.objects.filter(profile_id=profile.pk, id__in=ids).defer(
        "title_words", "words"
    )
    by_id = {item.pk: item for item in items}
    urls = _Urls(profile)
    return [
        _hit(by_id[item_id], terms, urls)
        for item_id in ids
        if item_id in by_id and _known(by_id[item_id].target_kind)
    ]


def _known(kind: str) -> bool:
    # An item left behind by a kind that no longer exists is skipped, not an error.
    return kind == DOCUMENT or kind in KINDS


class _Urls:
    """Detail URLs by kind, reversed once each: fifty reverse() calls cost ~10 ms."""

    PLACEHOLDER = uuid.UUID(int=0)

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.patterns: dict[str, str] = {}

    def __call__(self, kind: str, target_uuid: uuid.UUID) -> str:
        if kind not in self.patterns:
            self.patterns[kind] = self._reverse(kind)
        return self.patterns[kind].replace(str(self.PLACEHOLDER), str(target_uuid))

    def _reverse(self, kind: str) -> str:
        if kind == DOCUMENT:
            return reverse(
                "documents:detail",
                kwargs={"profile_uuid": self.profile.uuid, "document_uuid": self.PLACEHOLDER},
            )
        return reverse(
            "records:detail",
            kwargs={
                "profile_uuid": self.profile.uuid,
                "kind": kind,
                "entry_uuid": self.PLACEHOLDER,
            },
        )


def _hit(item: SearchItem, terms: list[Term], urls: _Urls) -> Hit:
    title = item.title
    if item.target_kind == DOCUMENT:
        label = _("Document")
    else:
        label = capfirst(KINDS[item.target_kind].label)
        if item.target_kind == "no-known-allergies":
            # Stored in English by default; shown in the reader's language, as the timeline does.
            title = _("No known allergies")
    return Hit(
        kind=item.target_kind,
        label=str(label),
        target_uuid=item.target_uuid,
        title=title,
        title_fragments=highlight(title, terms),
        date=item.date,
        when=PartialDate.from_stored(item.date, item.date_precision) if item.date else None,
        url=urls(item.target_kind, item.target_uuid),
        snippet=snippet(item.body, terms),
    )
