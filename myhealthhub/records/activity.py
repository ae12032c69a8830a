"""Days of activity rings (Apple's ``ActivitySummary``), each day written once, and read back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db import transaction

from myhealthhub.lib import bulk, formatting
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import ActivityDay, Source

COLUMNS = ("move", "move_goal", "exercise_minutes", "exercise_goal", "stand_hours", "stand_goal")
# Days the readings page shows.
RECENT_DAYS = 14


class ActivityRowLike(Protocol):
    """A day as an importer maps it (``imports/apple/workouts.ActivityRow``)."""

    @property
    def day(self) -> dt.date: ...
    @property
    def move(self) -> float | None: ...
    @property
    def move_goal(self) -> float | None: ...
    @property
    def exercise_minutes(self) -> int | None: ...
    @property
    def exercise_goal(self) -> int | None: ...
    @property
    def stand_hours(self) -> int | None: ...
    @property
    def stand_goal(self) -> int | None: ...


@transaction.atomic
def add_activity_days(profile: Profile, source: Source, rows: Iterable[ActivityRowLike]) -> int:
    """Insert the days the profile has none of yet, as of ``source``; returns how many.

    Apple's summary of a day names no device: it is the person's day, summed
    from all of them. So a day already stored, from an earlier import of
    whichever source, is left as it is, and a re-import adds nothing; of a
    day given twice, the first is kept.
    """
    given: dict[dt.date, ActivityRowLike] = {}
    for row in rows:
        given.setdefault(row.day, row)
    if not given:
        return 0
    # One writer per profile at a time: two imports of one export would each
    # find the other's days missing.
    Profile.objects.select_for_update().filter(pk=profile.pk).first()
    stored = set(
        ActivityDay.objects.filter(
            profile_id=profile.pk, day__gte=min(given), day__lte=max(given)
        ).values_list("day", flat=True)
    )
    new: list[bulk.Values] = [
        {
            "profile_id": profile.pk,
            "source_id": source.pk,
            "day": day,
            **{column: getattr(row, column) for column in COLUMNS},
        }
        for day, row in sorted(given.items())
        if day not in stored
    ]
    bulk.insert(ActivityDay, new)
    return len(new)


def recent_days(profile: Profile, count: int = RECENT_DAYS) -> list[ActivityDay]:
    """The profile's last ``count`` days of activity, newest first (one row a day)."""
    rows = ActivityDay.objects.filter(profile_id=profile.pk).order_by("-day", "id")
    latest: dict[dt.date, ActivityDay] = {}
    for row in rows[: count * 2]:  # a day kept from two sources is shown once
        latest.setdefault(row.day, row)
    return list(latest.values())[:count]


@dataclass(frozen=True)
class ShownDay:
    """A day's rings as the readings page shows them: "350 / 630 kcal", and whether it was met."""

    day: dt.date
    move: str
    exercise: str
    stand: str
    move_met: bool
    exercise_met: bool
    stand_met: bool


def shown_days(profile: Profile, count: int = RECENT_DAYS) -> list[ShownDay]:
    return [
        ShownDay(
            day=row.day,
            move=formatting.against_goal(row.move, row.move_goal, "kcal"),
            exercise=formatting.against_goal(row.exercise_minutes, row.exercise_goal, "min"),
            stand=formatting.against_goal(row.stand_hours, row.stand_goal, "h"),
            move_met=_met(row.move, row.move_goal),
            exercise_met=_met(row.exercise_minutes, row.exercise_goal),
            stand_met=_met(row.stand_hours, row.stand_goal),
        )
        for row in recent_days(profile, count)
    ]


def _met(value: float | None, goal: float | None) -> bool:
    return value is not None and goal is not None and goal > 0 and value >= goal
