"""Apple Health workouts and daily activity summaries, mapped without the database.

A ``<Workout>`` becomes an entry of the workouts kind: its activity, start,
duration, distance, active energy and mean heart rate, and the device that
recorded it. Exports up to iOS 15 write the totals on the workout itself
(``totalDistance``, ``totalEnergyBurned``); later ones only in its
``WorkoutStatistics`` children, beside the heart rate: both are read, the
statistics first. Its ``WorkoutRoute`` names a GPX file of the export
(``route_path``), kept as a document that belongs to the workout
(``route_document``).

An ``<ActivitySummary>`` is one day of the activity rings: move (active
energy), exercise minutes and stand hours, each against its goal
(``activity_day``); ``records/activity.py`` writes them.

Dates are written "2019-06-11 15:00:00 +0200"; the day of a workout is the
day it began where it began.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.imports.apple.values import moment, number
from myhealthhub.imports.base import ActivityRow, MappedDocument, MappedEntry, Skipped
from myhealthhub.lib.dates import PartialDate
from myhealthhub.records.models.workouts import Activity

WORKOUT = "Workout"
SUMMARY = "ActivitySummary"
KEY_PREFIX = "apple-health:workout:"
ROUTE_KEY_PREFIX = "apple-health:route:"
ACTIVITY_PREFIX = "HKWorkoutActivityType"
# Apple's activity types that are one of ours; every other is "other", named by its type.
ACTIVITIES: dict[str, str] = {
    "Walking": Activity.WALKING,
    "Running": Activity.RUNNING,
    "Cycling": Activity.CYCLING,
    "HandCycling": Activity.CYCLING,
    "Swimming": Activity.SWIMMING,
    "Hiking": Activity.HIKING,
    "Yoga": Activity.YOGA,
    "TraditionalStrengthTraining": Activity.STRENGTH,
    "FunctionalStrengthTraining": Activity.STRENGTH,
    "CoreTraining": Activity.STRENGTH,
    "HighIntensityIntervalTraining": Activity.HIIT,
    "Elliptical": Activity.ELLIPTICAL,
    "Rowing": Activity.ROWING,
    "Dance": Activity.DANCE,
    "SocialDance": Activity.DANCE,
    "CardioDance": Activity.DANCE,
    "DanceInspiredTraining": Activity.DANCE,
}
# Units the export writes, to seconds, metres and kcal ("Cal" is the food calorie, a kcal).
SECONDS = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, "hr": 3600.0}
METRES = {"m": 1.0, "km": 1000.0, "cm": 0.01, "mi": 1609.344, "yd": 0.9144, "ft": 0.3048}
KCAL = {"kcal": 1.0, "Cal": 1.0, "kJ": 1 / 4.184}
HEART_RATE_UNITS = frozenset({"count/min"})
# The statistics that carry a workout's distance, by what was moved.
DISTANCES = (
    "HKQuantityTypeIdentifierDistanceWalkingRunning",
    "HKQuantityTypeIdentifierDistanceCycling",
    "HKQuantityTypeIdentifierDistanceSwimming",
    "HKQuantityTypeIdentifierDistanceWheelchair",
    "HKQuantityTypeIdentifierDistanceDownhillSnowSports",
)
ACTIVE_ENERGY = "HKQuantityTypeIdentifierActiveEnergyBurned"
HEART_RATE = "HKQuantityTypeIdentifierHeartRate"
_WORDS = re.compile(r"(?<=[a-z])(?=[A-Z])")

Children = Sequence[tuple[str, dict[str, str]]]


# Workouts ---------------------------------------------------------------------


def workout_entry(
    attributes: dict[str, str], children: Children, where: str
) -> MappedEntry | Skipped:
    """A ``<Workout>`` (its attributes, and each child element in order) as a workouts entry.

    ``children`` are (tag, attributes): ``WorkoutStatistics``, ``WorkoutEvent``,
    ``MetadataEntry``, ``WorkoutRoute`` and, after a route, its ``FileReference``.
    The key names the workout by its type, start and device, so a re-import
    finds it again.
    """
    kind = attributes.get("workoutActivityType", "")
    start = moment(attributes.get("startDate", ""))
    if start is None:
        return _skipped(_("its date cannot be read"), where, kind)
    if start > timezone.now() + dt.timedelta(days=1):
        return _skipped(_("in the future"), where, kind)
    seconds = _duration(attributes, start)
    if seconds is None:
        return _skipped(_("its duration cannot be read"), where, kind)
    statistics = {
        child.get("type", ""): child for tag, child in children if tag == "WorkoutStatistics"
    }
    activity = ACTIVITIES.get(kind.removeprefix(ACTIVITY_PREFIX), Activity.OTHER)
    # Apple names its own devices with a no-break space ("Apple\u00a0Watch").
    device = " ".join(attributes.get("sourceName", "").split())
    return MappedEntry(
        kind="workouts",
        key=f"{KEY_PREFIX}{kind}:{start.isoformat()}:{device}",
        values={
            "display": activity_name(kind)[:500],
            "activity": activity,
            "starts_at": start,
            "date": start.date(),
            "date_precision": "day",
            "duration": seconds,
            "distance": _distance(attributes, statistics),
            "active_energy": _energy(attributes, statistics),
            "average_heart_rate": _heart_rate(statistics),
            "device": device[:200],
        },
        origin=WORKOUT,
        where=where,
    )


def activity_name(kind: str) -> str:
    """What a person calls a workout of Apple's ``kind``: "Running", "Mixed cardio"."""
    known = ACTIVITIES.get(kind.removeprefix(ACTIVITY_PREFIX))
    if known is not None:
        return str(Activity(known).label)
    # A type we have no choice for keeps Apple's own words ("Tennis", "Stair climbing").
    words = _WORDS.sub(" ", kind.removeprefix(ACTIVITY_PREFIX)).strip()
    return words.capitalize() if words else str(Activity.OTHER.label)


def route_path(children: Children) -> str | None:
    """Where the workout's GPX route is in the export, relative to ``apple_health_export/``.

    "/workout-routes/route_2019-06-11_3.00pm.gpx" is "workout-routes/route_…gpx";
    None when the workout has no route file (older exports list its points
    instead), or when the path would leave the export's folder.
    """
    in_route = False
    for tag, attributes in children:
        if tag == "WorkoutRoute":
            in_route = True
        elif tag == "FileReference" and in_route:
            path = attributes.get("path", "").strip().lstrip("/")
            if _inside(path):
                return path
    return None


def route_document(
    filename: str,
    content: bytes,
    entry_key: str,
    when: dt.datetime | dt.date | PartialDate | None,
    *,
    workout: str = "",
) -> MappedDocument:
    """A workout's GPX route, kept as a document of the workout whose key is ``entry_key``.

    ``filename`` is its path in the export (``route_path``), ``when`` the
    workout's start, ``workout`` its name ("Running") for the title.
    """
    day = _day(when)
    shown = day.localized() if day else ""
    if workout and shown:
        title = _("Route: %(workout)s on %(day)s") % {"workout": workout, "day": shown}
    elif shown:
        title = _("Workout route, %(day)s") % {"day": shown}
    else:
        title = _("Workout route")
    return MappedDocument(
        key=ROUTE_KEY_PREFIX + filename,
        filename=posixpath.basename(filename) or "route.gpx",
        content=content,
        origin="WorkoutRoute",
        title=title[:255],
        kind="other",
        when=day,
        description=_("The way the workout went, as Apple Health recorded it (a GPX file)."),
        entry_keys=[entry_key],
    )


def _skipped(reason: str, where: str, kind: str) -> Skipped:
    return Skipped(WORKOUT, reason, where, example=activity_name(kind) if kind else "")


def _duration(attributes: dict[str, str], start: dt.datetime) -> int | None:
    value = number(attributes.get("duration", ""))
    factor = SECONDS.get(attributes.get("durationUnit", "min"))
    if value is not None and factor is not None and value >= 0:
        return round(value * factor)
    end = moment(attributes.get("endDate", ""))
    if end is not None and end >= start:
        return round((end - start).total_seconds())
    return None


def _distance(attributes: dict[str, str], statistics: dict[str, dict[str, str]]) -> float | None:
    for kind in DISTANCES:
        if kind in statistics:
            found = statistics[kind]
            return _measured(found.get("sum", ""), found.get("unit", ""), METRES)
    return _measured(
        attributes.get("totalDistance", ""), attributes.get("totalDistanceUnit", ""), METRES
    )


def _energy(attributes: dict[str, str], statistics: dict[str, dict[str, str]]) -> float | None:
    if ACTIVE_ENERGY in statistics:
        found = statistics[ACTIVE_ENERGY]
        return _measured(found.get("sum", ""), found.get("unit", ""), KCAL)
    return _measured(
        attributes.get("totalEnergyBurned", ""),
        attributes.get("totalEnergyBurnedUnit", ""),
        KCAL,
    )


def _heart_rate(statistics: dict[str, dict[str, str]]) -> float | None:
    found = statistics.get(HEART_RATE)
    if found is None or found.get("unit") not in HEART_RATE_UNITS:
        return None
    value = number(found.get("average", ""))
    return value if value is not None and value > 0 else None


def _measured(text: str, unit: str, units: dict[str, float]) -> float | None:
    # A watch writes 0 for what it did not measure (a strength workout's distance).
    value = number(text)
    if value is None or value <= 0 or unit not in units:
        return None
    return value * units[unit]


def _inside(path: str) -> bool:
    """Whether ``path`` names a file inside the export's folder, and nothing else."""
    if not path or "\\" in path or "\x00" in path or ":" in path:
        return False
    parts = path.split("/")
    return all(part not in ("", ".", "..") for part in parts)


def _day(when: dt.datetime | dt.date | PartialDate | None) -> PartialDate | None:
    if isinstance(when, PartialDate) or when is None:
        return when
    day = when.date() if isinstance(when, dt.datetime) else when
    return PartialDate(day.year, day.month, day.day)


# Daily activity ---------------------------------------------------------------


def activity_day(attributes: dict[str, str], where: str) -> ActivityRow | Skipped:
    """An ``<ActivitySummary>`` as one day's row; Skipped, saying why, when it cannot be one."""
    try:
        day = dt.date.fromisoformat(attributes.get("dateComponents", ""))
    except ValueError:
        return Skipped(SUMMARY, _("its date cannot be read"), where)
    if day > timezone.localdate() + dt.timedelta(days=1):
        return Skipped(SUMMARY, _("in the future"), where)
    unit = attributes.get("activeEnergyBurnedUnit", "kcal")
    if unit not in KCAL:
        return Skipped(
            SUMMARY, _("its unit “%(unit)s” is not one MyHealthHub reads") % {"unit": unit}, where
        )
    row = ActivityRow(
        day,
        move=_amount(attributes.get("activeEnergyBurned", ""), KCAL[unit]),
        move_goal=_amount(attributes.get("activeEnergyBurnedGoal", ""), KCAL[unit]),
        exercise_minutes=_count(attributes.get("appleExerciseTime", "")),
        exercise_goal=_count(attributes.get("appleExerciseTimeGoal", "")),
        stand_hours=_count(attributes.get("appleStandHours", "")),
        stand_goal=_count(attributes.get("appleStandHoursGoal", "")),
    )
    if row.empty:
        # The Health app writes a summary of zeros for each day before a watch was worn.
        return Skipped(SUMMARY, _("a day with no activity and no goals"), where)
    return row


def _amount(text: str, factor: float) -> float | None:
    value = number(text)
    return value * factor if value is not None and value >= 0 else None


def _count(text: str) -> int | None:
    value = number(text)
    # Minutes and hours of a day: anything past a small integer column is no reading.
    return round(value) if value is not None and 0 <= value < 32_768 else None
