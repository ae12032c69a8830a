"""Adding device readings in bulk and keeping their daily summaries current."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Avg, Count, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from myhealthhub.lib import bulk
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import DailySummary, Sample, Source, SourceKind
from myhealthhub.records.models.samples import SUMMED

BATCH = 10_000
T = TypeVar("T")
Reading = tuple[str, dt.datetime, float]  # metric, when, value in the metric's unit


def add_samples(profile: Profile, source: Source, readings: Iterable[Reading]) -> int:
    """Insert readings of one source; see ``add_measured``."""
    return add_measured(profile, ((source, *reading) for reading in readings))


@transaction.atomic
def add_measured(
    profile: Profile, readings: Iterable[tuple[Source, str, dt.datetime, float]]
) -> int:
    """Insert readings, each with its source (duplicates of stored ones are skipped),
    and refresh the summaries of the days they fall on.

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
        for source, metric, at, value in batch:
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
    samples = Sample.objects.filter(profile_id=profile.pk, metric=metric, at__gte=start, at__lt=end)
    days = _weighed_totals(samples, zone) if metric in SUMMED else _days(samples, zone)
    DailySummary.objects.bulk_create(
        [DailySummary(profile=profile, metric=metric, **day) for day in days],
        update_conflicts=True,
        unique_fields=["profile", "metric", "day"],
        update_fields=["count", "minimum", "maximum", "mean", "total"],
        batch_size=1000,
    )


def _days(samples: QuerySet[Sample], zone: dt.tzinfo) -> list[dict[str, Any]]:
    days = (
        samples.annotate(day=TruncDate("at", tzinfo=zone))
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
    return [dict(day) for day in days]


def _weighed_totals(samples: QuerySet[Sample], zone: dt.tzinfo) -> list[dict[str, Any]]:
    """Each day's total, counting each hour once: from the source that goes first that hour.

    A phone in a pocket and a watch on a wrist count the same steps, and the
    same night's sleep; adding them up would double the day. As the Health
    app does, each stretch of time is taken from one source, in the order
    ``source_order`` gives: a watch before a phone before anything else.
    An hour only the phone counted (the watch was charging) still counts.
    """
    rows = samples.values_list(
        "at", "value", "source__kind", "source__facility", "source__label"
    ).iterator(chunk_size=10_000)
    hours: dict[tuple[dt.date, int], tuple[tuple[int, str], list[float]]] = {}
    for at, value, kind, model, label in rows:
        local = at.astimezone(zone)
        hour = (local.date(), local.hour)
        order = source_order(kind, model, label)
        best = hours.get(hour)
        if best is None or order < best[0]:
            hours[hour] = (order, [value])
        elif order == best[0]:
            best[1].append(value)
    by_day: dict[dt.date, list[float]] = defaultdict(list)
    for (day, _hour), (_order, values) in hours.items():
        by_day[day].extend(values)
    return [
        {
            "day": day,
            "count": len(values),
            "minimum": min(values),
            "maximum": max(values),
            "mean": sum(values) / len(values),
            "total": sum(values),
        }
        for day, values in sorted(by_day.items())
    ]


def source_order(kind: str, model: str, label: str) -> tuple[int, str]:
    """Which source's readings count first for a total: the lowest."""
    model = model.lower()
    if kind == SourceKind.DEVICE and "watch" in model:
        return 0, label
    if kind == SourceKind.DEVICE and "phone" in model:
        return 1, label
    return (2, label) if kind == SourceKind.DEVICE else (3, label)


def _batches(readings: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(readings)
    while batch := list(islice(iterator, BATCH)):
        yield batch
