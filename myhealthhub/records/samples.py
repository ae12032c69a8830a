"""Adding device readings in bulk and keeping their daily summaries current."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import transaction
from django.db.models import Avg, Count, Max, Min, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from myhealthhub.lib import bulk
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import DailySummary, Sample, Source

BATCH = 10_000
Reading = tuple[str, dt.datetime, float]  # metric, when, value in the metric's unit


@transaction.atomic
def add_samples(profile: Profile, source: Source, readings: Iterable[Reading]) -> int:
    """Insert readings (duplicates of stored ones are skipped) and refresh the summaries.

    Returns how many readings were offered. One transaction: a failed batch
    leaves neither samples nor summaries behind.
    """
    # One writer per profile at a time: two imports summarising the same day
    # concurrently would each miss the other's readings (PostgreSQL).
    Profile.objects.select_for_update().filter(pk=profile.pk).first()
    touched: dict[str, set[dt.date]] = {}
    offered = 0
    zone = timezone.get_current_timezone()
    for batch in _batches(readings):
        # Plain values, not model objects: a phone's export brings millions.
        rows: list[bulk.Values] = []
        for metric, at, value in batch:
            rows.append(
                {
                    "profile_id": profile.pk,
                    "source_id": source.pk,
                    "metric": metric,
                    "at": at,
                    "value": value,
                }
            )
            touched.setdefault(metric, set()).add(at.astimezone(zone).date())
        bulk.insert(Sample, rows, skip_present=True)
        offered += len(rows)
    for metric, days in touched.items():
        _summarize(profile, metric, min(days), max(days))
    return offered


def _summarize(profile: Profile, metric: str, first: dt.date, last: dt.date) -> None:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    days = (
        Sample.objects.filter(profile_id=profile.pk, metric=metric, at__gte=start, at__lt=end)
        .annotate(day=TruncDate("at", tzinfo=zone))
        .values("day")
        .annotate(
            count=Count("id"),
            minimum=Min("value"),
            maximum=Max("value"),
            mean=Avg("value"),
            total=Sum("value"),
        )
        .order_by("day")
    )
    DailySummary.objects.bulk_create(
        [DailySummary(profile=profile, metric=metric, **day) for day in days],
        update_conflicts=True,
        unique_fields=["profile", "metric", "day"],
        update_fields=["count", "minimum", "maximum", "mean", "total"],
        batch_size=1000,
    )


def _batches(readings: Iterable[Reading]) -> Iterator[list[Reading]]:
    iterator = iter(readings)
    while batch := list(islice(iterator, BATCH)):
        yield batch
