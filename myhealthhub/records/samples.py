"""Adding device readings in bulk and keeping their daily summaries current."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from myhealthhub.lib import bulk
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import DailySummary, DeviceOrder, Sample, Source, SourceKind
from myhealthhub.records.models.samples import SUMMED

BATCH = 10_000
COLUMNS = ("profile_id", "source_id", "metric", "at", "value")
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
    # The first and last moment of each metric: the days between are summed up again.
    spans: dict[str, list[dt.datetime]] = {}
    offered = 0
    for batch in _batches(readings):
        # Plain tuples, not model objects: a phone's export brings millions.
        rows = []
        for source, metric, at, value in batch:
            rows.append((profile.pk, source.pk, metric, at, value))
            span = spans.get(metric)
            if span is None:
                spans[metric] = [at, at]
            elif at < span[0]:
                span[0] = at
            elif at > span[1]:
                span[1] = at
        bulk.insert_rows(Sample, COLUMNS, rows, skip_present=True)
        offered += len(rows)
    zone = timezone.get_current_timezone()
    for metric, (first, last) in spans.items():
        _summarize(profile, metric, first.astimezone(zone).date(), last.astimezone(zone).date())
    return offered


def _summarize(profile: Profile, metric: str, first: dt.date, last: dt.date) -> None:
    zone = timezone.get_current_timezone()
    samples = _between(profile, metric, first, last, zone)
    days = (
        _weighed_totals(profile, metric, samples, zone)
        if metric in SUMMED
        else _days(samples, zone)
    )
    DailySummary.objects.bulk_create(
        [DailySummary(profile=profile, metric=metric, **day) for day in days],
        update_conflicts=True,
        unique_fields=["profile", "metric", "day"],
        update_fields=["count", "minimum", "maximum", "mean", "total"],
        batch_size=1000,
    )


def _between(
    profile: Profile, metric: str, first: dt.date, last: dt.date, zone: dt.tzinfo
) -> QuerySet[Sample]:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return Sample.objects.filter(profile_id=profile.pk, metric=metric, at__gte=start, at__lt=end)


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


Hour = tuple[dt.date, int]


@dataclass
class _Taken:
    """One hour of a day: the device it is taken from, and that device's values in it."""

    order: tuple[int, int, str]
    label: str
    values: list[float]


def _weighed_totals(
    profile: Profile, metric: str, samples: QuerySet[Sample], zone: dt.tzinfo
) -> list[dict[str, Any]]:
    """Each day's total, counting each hour once: from the device that goes first that hour.

    A phone in a pocket and a watch on a wrist count the same steps, and the
    same night's sleep; adding them up would double the day. As the Health
    app does, each stretch of time is taken from one device, in the order
    the person chose for the metric (``DeviceOrder``), else in the order
    ``source_order`` gives: a watch before a phone before anything else.
    An hour only the phone counted (the watch was charging) still counts.
    """
    by_day: dict[dt.date, list[float]] = defaultdict(list)
    rows = samples.values_list(*WEIGHED).iterator(chunk_size=10_000)
    chosen = device_order(profile, metric)
    for (day, _hour), taken in _taken_hours(rows, chosen, zone).items():
        by_day[day].extend(taken.values)
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


# A sample as a day's total weighs it: when, how much, and the device's kind, model and name.
Weighed = tuple[dt.datetime, float, str, str, str]
WEIGHED = ("at", "value", "source__kind", "source__facility", "source__label")


def _taken_hours(
    rows: Iterable[Weighed], chosen: dict[str, int], zone: dt.tzinfo
) -> dict[Hour, _Taken]:
    hours: dict[Hour, _Taken] = {}
    for at, value, kind, model, label in rows:
        local = at.astimezone(zone)
        hour = (local.date(), local.hour)
        order = _order(chosen, kind, model, label)
        taken = hours.get(hour)
        if taken is None or order < taken.order:
            hours[hour] = _Taken(order, label, [value])
        elif order == taken.order:
            taken.values.append(value)
    return hours


def _order(chosen: dict[str, int], kind: str, model: str, label: str) -> tuple[int, int, str]:
    position = chosen.get(label) if kind == SourceKind.DEVICE else None
    if position is not None:
        return 0, position, label
    return 1, *source_order(kind, model, label)


def source_order(kind: str, model: str, label: str) -> tuple[int, str]:
    """Which source's readings count first for a total, unless the person chose: the lowest."""
    model = model.lower()
    if kind == SourceKind.DEVICE and "watch" in model:
        return 0, label
    if kind == SourceKind.DEVICE and "phone" in model:
        return 1, label
    return (2, label) if kind == SourceKind.DEVICE else (3, label)


def device_order(profile: Profile, metric: str) -> dict[str, int]:
    """The person's order of devices for a metric, by label; empty until they choose one."""
    return dict(
        DeviceOrder.objects.filter(profile_id=profile.pk, metric=metric).values_list(
            "label", "position"
        )
    )


@dataclass(frozen=True)
class DeviceDay:
    """What one device counted on a day, and how much of it the day's total took."""

    label: str
    model: str
    total: float
    counted: float


def devices_on(profile: Profile, metric: str, day: dt.date) -> list[DeviceDay]:
    """Each device's own total of a metric on a day, in the order they count."""
    zone = timezone.get_current_timezone()
    # One day's samples: few enough to read once for both sums.
    rows: list[Weighed] = list(_between(profile, metric, day, day, zone).values_list(*WEIGHED))
    chosen = device_order(profile, metric)
    totals: dict[str, float] = defaultdict(float)
    about: dict[str, tuple[tuple[int, int, str], str]] = {}
    for _at, value, kind, model, label in rows:
        totals[label] += value
        about.setdefault(label, (_order(chosen, kind, model, label), model))
    counted: dict[str, float] = defaultdict(float)
    for taken in _taken_hours(rows, chosen, zone).values():
        counted[taken.label] += sum(taken.values)
    return [
        DeviceDay(label, about[label][1], totals[label], counted[label])
        for label in sorted(totals, key=lambda label: about[label][0])
    ]


@transaction.atomic
def move_device(profile: Profile, metric: str, label: str, *, earlier: bool) -> bool:
    """Move a device one place earlier or later in the metric's order, and total every
    day again by the new order. False when it cannot move that way."""
    Profile.objects.select_for_update().filter(pk=profile.pk).first()
    labels = _devices_in_order(profile, metric)
    if label not in labels:
        return False
    at = labels.index(label)
    to = at - 1 if earlier else at + 1
    if not 0 <= to < len(labels):
        return False
    labels[at], labels[to] = labels[to], labels[at]
    DeviceOrder.objects.filter(profile_id=profile.pk, metric=metric).delete()
    DeviceOrder.objects.bulk_create(
        DeviceOrder(profile=profile, metric=metric, label=each, position=position)
        for position, each in enumerate(labels)
    )
    span = DailySummary.objects.filter(profile_id=profile.pk, metric=metric).aggregate(
        first=Min("day"), last=Max("day")
    )
    if span["first"] is not None:
        _summarize(profile, metric, span["first"], span["last"])
    return True


def _devices_in_order(profile: Profile, metric: str) -> list[str]:
    """The labels of the devices that counted a metric, in the order they count now."""
    chosen = device_order(profile, metric)
    devices = (
        Source.objects.filter(profile_id=profile.pk, kind=SourceKind.DEVICE)
        .filter(Exists(Sample.objects.filter(source_id=OuterRef("pk"), metric=metric)))
        .values_list("kind", "facility", "label")
    )
    orders: dict[str, tuple[int, int, str]] = {}
    for kind, model, label in devices:
        order = _order(chosen, kind, model, label)
        orders[label] = min(order, orders.get(label, order))
    return sorted(orders, key=orders.__getitem__)


def _batches(readings: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(readings)
    while batch := list(islice(iterator, BATCH)):
        yield batch
