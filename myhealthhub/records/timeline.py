"""Every dated entry of a profile in one stream, newest first.

One indexed query per kind (profile, date), merged here: the number of
queries depends on the number of kinds, never on the size of the profile,
and each query reads only as many rows as the page shows.

A result reads as every page names it (presenting.result_name) and carries
its out-of-range flag (records/abnormal.py), from the same row.
"""

from __future__ import annotations

import datetime as dt
import heapq
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile
from myhealthhub.records import abnormal, presenting
from myhealthhub.records.kinds import KINDS, Kind
from myhealthhub.records.models import Observation
from myhealthhub.records.models.base import NEWEST_FIRST


@dataclass(frozen=True)
class TimelineItem:
    kind: Kind
    uuid: uuid.UUID
    display: str
    when: PartialDate
    source_label: str
    flag: abnormal.Flag | None = None


@dataclass(frozen=True)
class TimelineFilter:
    kinds: tuple[str, ...] = ()
    source: uuid.UUID | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def timeline_page(
    profile: Profile, filters: TimelineFilter, *, page: int, size: int
) -> tuple[list[TimelineItem], bool]:
    """The items of ``page`` (from 1), and whether an older page exists."""
    wanted = page * size + 1  # one more than needed tells whether there is a next page
    streams = [_stream(kind, profile, filters, wanted) for kind in _kinds(filters)]
    merged = list(
        heapq.merge(
            *streams, key=lambda item: (item.when.earliest, item.when.precision), reverse=True
        )
    )
    items = merged[(page - 1) * size : page * size]
    return items, len(merged) > page * size


def _kinds(filters: TimelineFilter) -> Iterable[Kind]:
    for slug, kind in KINDS.items():
        if not filters.kinds or slug in filters.kinds:
            yield kind


def _stream(
    kind: Kind, profile: Profile, filters: TimelineFilter, limit: int
) -> list[TimelineItem]:
    entries = kind.queryset(profile).alive().filter(date__isnull=False)
    if filters.source:
        entries = entries.filter(source__uuid=filters.source)
    if filters.start:
        entries = entries.filter(date__gte=filters.start)
    if filters.end:
        entries = entries.filter(date__lte=filters.end)
    # Undated entries are already filtered out; the lists' own order walks their index.
    common = ("uuid", "display", "date", "date_precision", "source__label")
    if kind.model is Observation:
        return [
            _result_item(kind, row)
            for row in entries.order_by(*NEWEST_FIRST).values_list(*common, *_RESULT_COLUMNS)[
                :limit
            ]
        ]
    rows = entries.order_by(*NEWEST_FIRST).values_list(*common)[:limit]
    return [
        TimelineItem(kind, entry_uuid, display, PartialDate.from_stored(date, precision), source)
        for entry_uuid, display, date, precision, source in rows
    ]


_RESULT_COLUMNS = (
    "code",
    "code_system",
    "codings",
    "interpretation",
    "value_number",
    "comparator",
    "reference_low",
    "reference_high",
)


def _result_item(kind: Kind, row: tuple[Any, ...]) -> TimelineItem:
    entry_uuid, display, date, precision, source = row[:5]
    code, system, codings, interpretation, value, comparator, low, high = row[5:]
    return TimelineItem(
        kind,
        entry_uuid,
        presenting.test_name(display=display, code=code, code_system=system, codings=codings),
        PartialDate.from_stored(date, precision),
        source,
        abnormal.flag_of(
            interpretation=interpretation, value=value, comparator=comparator, low=low, high=high
        ),
    )
