"""Apple Health records to device readings, and what is not read said as such.

Point measurements become samples in the metric's unit: heart rate (also
resting, and walking average), heart rate variability, respiratory rate,
body mass, height, body mass index, body fat, body temperature, blood
glucose, oxygen saturation, blood pressure, VO2 max and walking speed.
So do totals: steps, active and resting energy, walking and running
distance, flights climbed, exercise minutes, hours stood and time asleep,
each record kept at the moment its interval began, with the device that
counted it (``sourceName``): a phone and a watch count the same steps, and
the daily totals weigh one against the other rather than add them up
(``records/samples.py``). A blood-pressure ``Correlation`` pairs a systolic
and a diastolic record that the export also writes at the top level, where
they are read: the correlation itself is counted as used, so nothing is
doubled.

A ``Workout`` becomes an entry, and an ``ActivitySummary`` a day of the
activity rings (``workouts.py``); a workout's route is read from the zip
afterwards (``routes.py``). Every other record is left out with a reason,
counted by its type, never lost silently.

Dates are written "2024-05-01 08:00:00 +0200"; numbers in some locales
with a decimal comma. A record that cannot be read is skipped, saying why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.imports.apple import workouts
from myhealthhub.imports.apple.parse import Element
from myhealthhub.imports.apple.values import moment, number
from myhealthhub.imports.base import (
    ActivityRow,
    MappedEntry,
    Mapping,
    PatientFound,
    Reading,
    Skipped,
)
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Sex
from myhealthhub.records.models import Metric

ME = "apple-health:me"
# Records left out listed one by one, of each kind and reason; the rest are counted.
LISTED = 3
# Energy in kilocalories: "Cal" is HealthKit's large calorie, one kilocalorie.
_ENERGY = {"kcal": 1.0, "Cal": 1.0, "cal": 0.001, "kJ": 1 / 4.184, "J": 1 / 4184}
# HealthKit type -> the metric, and what one unit the export writes is in the metric's unit.
POINT_MEASUREMENTS: dict[str, tuple[str, dict[str, float]]] = {
    "HKQuantityTypeIdentifierHeartRate": (Metric.HEART_RATE, {"count/min": 1.0}),
    "HKQuantityTypeIdentifierBodyMass": (
        Metric.WEIGHT,
        {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "st": 6.35029318},
    ),
    "HKQuantityTypeIdentifierBloodGlucose": (
        Metric.GLUCOSE,
        {"mg/dL": 1.0, "mmol<180.1558936>/L": 18.01558936},
    ),
    # Apple writes saturation as a fraction of one, in "%".
    "HKQuantityTypeIdentifierOxygenSaturation": (Metric.OXYGEN, {"%": 100.0}),
    "HKQuantityTypeIdentifierBloodPressureSystolic": (Metric.SYSTOLIC, {"mmHg": 1.0}),
    "HKQuantityTypeIdentifierBloodPressureDiastolic": (Metric.DIASTOLIC, {"mmHg": 1.0}),
    "HKQuantityTypeIdentifierRestingHeartRate": (Metric.RESTING_HEART_RATE, {"count/min": 1.0}),
    "HKQuantityTypeIdentifierWalkingHeartRateAverage": (
        Metric.WALKING_HEART_RATE,
        {"count/min": 1.0},
    ),
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": (
        Metric.HRV_SDNN,
        {"ms": 1.0, "s": 1000.0},
    ),
    "HKQuantityTypeIdentifierRespiratoryRate": (Metric.RESPIRATORY_RATE, {"count/min": 1.0}),
    # "degF" is not a factor away from Celsius (it needs an offset): not in this table.
    # Fahrenheit is a scale with another zero, not a factor: see ``OFFSETS``.
    "HKQuantityTypeIdentifierBodyTemperature": (
        Metric.BODY_TEMPERATURE,
        {"degC": 1.0, "degF": 5 / 9},
    ),
    # Apple writes the index as a plain "count".
    "HKQuantityTypeIdentifierBodyMassIndex": (Metric.BMI, {"count": 1.0}),
    # A fraction of one in "%", as oxygen saturation.
    "HKQuantityTypeIdentifierBodyFatPercentage": (Metric.BODY_FAT, {"%": 100.0}),
    "HKQuantityTypeIdentifierHeight": (
        Metric.HEIGHT,
        {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": 2.54, "ft": 30.48},
    ),
    # HealthKit's own spelling, with a middle dot; its older one beside it.
    "HKQuantityTypeIdentifierVO2Max": (
        Metric.VO2_MAX,
        {"mL/min·kg": 1.0, "ml/(kg*min)": 1.0},
    ),
    "HKQuantityTypeIdentifierWalkingSpeed": (
        Metric.WALKING_SPEED,
        {"km/hr": 1.0, "m/s": 3.6, "mi/hr": 1.609344, "ft/s": 1.09728},
    ),
}
# Totals: each record is what was counted over its interval, kept at its start.
TOTALS: dict[str, tuple[str, dict[str, float]]] = {
    "HKQuantityTypeIdentifierStepCount": (Metric.STEPS, {"count": 1.0}),
    "HKQuantityTypeIdentifierActiveEnergyBurned": (Metric.ACTIVE_ENERGY, _ENERGY),
    "HKQuantityTypeIdentifierBasalEnergyBurned": (Metric.BASAL_ENERGY, _ENERGY),
    "HKQuantityTypeIdentifierDistanceWalkingRunning": (
        Metric.DISTANCE,
        {
            "km": 1.0,
            "m": 0.001,
            "cm": 0.00001,
            "mi": 1.609344,
            "yd": 0.0009144,
            "ft": 0.0003048,
        },
    ),
    "HKQuantityTypeIdentifierFlightsClimbed": (Metric.FLIGHTS, {"count": 1.0}),
    "HKQuantityTypeIdentifierAppleExerciseTime": (
        Metric.EXERCISE_MINUTES,
        {"min": 1.0, "hr": 60.0, "s": 1 / 60},
    ),
}
# Units whose zero is not the metric's: subtracted before the factor applies.
OFFSETS = {"degF": 32.0}
# Category records that count one each when their value says so: an hour stood.
CATEGORY_TOTALS: dict[str, tuple[str, frozenset[str]]] = {
    # "...Idle" is an hour not stood: it counts nothing.
    "HKCategoryTypeIdentifierAppleStandHour": (
        Metric.STAND_HOURS,
        frozenset({"HKCategoryValueAppleStandHourStood"}),
    ),
}
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
# Asleep, of whatever stage; older exports say only "Asleep". In bed and awake are not sleep.
ASLEEP = frozenset(
    {
        "HKCategoryValueSleepAnalysisAsleep",
        "HKCategoryValueSleepAnalysisAsleepUnspecified",
        "HKCategoryValueSleepAnalysisAsleepCore",
        "HKCategoryValueSleepAnalysisAsleepDeep",
        "HKCategoryValueSleepAnalysisAsleepREM",
    }
)
BLOOD_PRESSURE = "HKCorrelationTypeIdentifierBloodPressure"
# "<<HKDevice: 0x...>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, ...>"
_DEVICE_MODEL = re.compile(r"\bmodel:([^,>]+)")
_DEVICE_NAME = re.compile(r"\bname:([^,>]+)")
SEXES = {
    "HKBiologicalSexFemale": Sex.FEMALE,
    "HKBiologicalSexMale": Sex.MALE,
    "HKBiologicalSexOther": Sex.OTHER,
}
_PREFIXES = (
    "HKQuantityTypeIdentifier",
    "HKCategoryTypeIdentifier",
    "HKCorrelationTypeIdentifier",
    "HKDataType",
)


class HealthMapper:
    """Reads elements one at a time into a ``Mapping``.

    A record is read millions of times: what can be worked out once (the
    metric of a type, the device of a ``device`` text, how "line" is said)
    is worked out once.
    """

    def __init__(self, mapping: Mapping, name: str, *, readings: bool = True) -> None:
        self.mapping = mapping
        self.name = name
        # Without readings, records are still checked (what is skipped is said
        # again), but none is kept: the commit of an export that brings no new
        # reading, a re-import, need not build millions of them.
        self.keeps_readings = readings
        self.latest = timezone.now() + dt.timedelta(days=1)
        # "export.xml, line 12": the words around the number, translated once.
        self.before_line, _number, self.after_line = (f"{name}, " + _("line %(number)s")).partition(
            "%(number)s"
        )
        self.not_yet = _("MyHealthHub does not import this kind of Apple Health record yet")
        # Skips listed one by one so far, and those only counted, by origin and reason.
        self.listed: dict[tuple[str, str], int] = {}
        self.more: dict[tuple[str, str], tuple[int, str]] = {}
        # The sourceName and device text of a record -> who measured, and on what.
        self.devices: dict[tuple[str, str], tuple[str, str]] = {}
        # Each workout's route: the GPX file's path in the export, and the workout.
        self.routes: list[tuple[str, MappedEntry]] = []

    def read(self, element: Element) -> None:
        if element.tag == "Record":
            self.record(element)
        elif element.tag == "Correlation":
            kind = element.attributes.get("type", "")
            if kind == BLOOD_PRESSURE:
                self.mapping.use(origin_of(kind))  # its records are read at the top level
            else:
                self.skip(origin_of(kind), self.not_yet, element)
        elif element.tag == "Workout":
            self.workout(element)
        elif element.tag == "ActivitySummary":
            self.found(workouts.activity_day(dict(element.attributes), self.where(element)))
        elif element.tag == "Me":
            self.me(element)
        else:
            self.skip(element.tag, self.not_yet, element)

    def workout(self, element: Element) -> None:
        """A workout as an entry; its route's file is read from the export afterwards."""
        entry = workouts.workout_entry(
            dict(element.attributes), element.children, self.where(element)
        )
        self.found(entry)
        route = workouts.route_path(element.children)
        if isinstance(entry, MappedEntry) and route:
            self.routes.append((route, entry))

    def found(self, item: MappedEntry | ActivityRow | Skipped) -> None:
        if isinstance(item, Skipped):
            self.skip(item.origin, item.reason, item.where)
        elif isinstance(item, MappedEntry):
            self.mapping.entries.append(item)
        else:
            self.mapping.activity_days.append(item)
            self.mapping.use(workouts.SUMMARY)

    def record(self, element: Element) -> None:
        attributes = element.attributes
        kind = attributes.get("type", "")
        origin = origin_of(kind)
        measured = POINT_MEASUREMENTS.get(kind) or TOTALS.get(kind)
        if measured is None:
            if kind == SLEEP:
                self.sleep(element, origin)
            elif kind in CATEGORY_TOTALS:
                self.category(element, origin, *CATEGORY_TOTALS[kind])
            else:
                self.skip(origin, self.not_yet, element)
            return
        metric, units = measured
        unit = attributes.get("unit", "")
        factor = units.get(unit)
        if factor is None:
            self.skip(
                origin,
                _("its unit “%(unit)s” is not one MyHealthHub reads") % {"unit": unit},
                element,
            )
            return
        value = number(attributes.get("value", ""))
        if value is None:
            self.skip(origin, _("its value is not a number"), element)
            return
        if unit in OFFSETS:
            value -= OFFSETS[unit]
        self.add(metric, moment(attributes.get("startDate", "")), value * factor, origin, element)

    def sleep(self, element: Element, origin: str) -> None:
        """Time asleep, in minutes, at the moment it began; time in bed or awake is not sleep."""
        attributes = element.attributes
        if attributes.get("value", "") not in ASLEEP:
            self.skip(origin, _("time in bed or awake, not asleep"), element)
            return
        start = moment(attributes.get("startDate", ""))
        end = moment(attributes.get("endDate", ""))
        if start is None or end is None or end < start:
            self.skip(origin, _("its date cannot be read"), element)
            return
        self.add(Metric.SLEEP, start, (end - start).total_seconds() / 60, origin, element)

    def category(self, element: Element, origin: str, metric: str, counted: frozenset[str]) -> None:
        """A category record that counts one when it says so (an hour stood), none otherwise."""
        attributes = element.attributes
        if attributes.get("value", "") not in counted:
            self.mapping.use(origin)  # an hour not stood: nothing to add, nothing lost
            return
        self.add(metric, moment(attributes.get("startDate", "")), 1.0, origin, element)

    def add(
        self, metric: str, at: dt.datetime | None, value: float, origin: str, element: Element
    ) -> None:
        if at is None:
            self.skip(origin, _("its date cannot be read"), element)
            return
        if at > self.latest:
            self.skip(origin, _("in the future"), element)
            return
        if not self.keeps_readings:
            return
        attributes = element.attributes
        # "<<HKDevice: 0x2837a4b40>, name:Apple Watch, ...>": the address differs
        # from one record to the next, what follows it does not.
        made_by = (
            attributes.get("sourceName", ""),
            attributes.get("device", "").partition(">")[2],
        )
        device = self.devices.get(made_by)
        if device is None:
            device = self.devices[made_by] = measured_by(*made_by)
        self.mapping.readings.append(
            Reading(
                metric,
                at,
                value,
                origin,
                f"{self.before_line}{element.line}{self.after_line}",
                *device,
            )
        )

    def me(self, element: Element) -> None:
        attributes = element.attributes
        birth = None
        with contextlib.suppress(ValueError):
            birth = PartialDate.parse(
                attributes.get("HKCharacteristicTypeIdentifierDateOfBirth", "")
            )
        sex = SEXES.get(attributes.get("HKCharacteristicTypeIdentifierBiologicalSex", ""), "")
        self.mapping.patients.append(
            PatientFound(ME, birth=birth, sex=sex, where=self.where(element))
        )
        self.mapping.use("Me")

    def skip(self, origin: str, reason: str, element: Element | str) -> None:
        """Left out, saying why, at an element or a place already said; past the first
        few of a kind, only counted."""
        key = (origin, reason)
        listed = self.listed.get(key, 0)
        if listed < LISTED:
            self.listed[key] = listed + 1
            self.mapping.skipped.append(Skipped(origin, reason, self.where(element)))
        elif key in self.more:
            count, first = self.more[key]
            self.more[key] = (count + 1, first)
        else:
            self.more[key] = (1, self.where(element))

    def finish(self) -> None:
        """The skips only counted: one for each kind and reason, naming where the first was."""
        for (origin, reason), (count, first) in self.more.items():
            self.mapping.skipped.append(Skipped(origin, reason, first, count=count))

    def where(self, element: Element | str) -> str:
        if isinstance(element, str):
            return element
        return f"{self.before_line}{element.line}{self.after_line}"


def measured_by(source_name: str, device: str) -> tuple[str, str]:
    """The app or device that measured ("Anna's Apple Watch") and what kind it is."""
    model = _DEVICE_MODEL.search(device) or _DEVICE_NAME.search(device)
    return source_name.strip(), device_model(model.group(1).strip() if model else "")


def device_model(model: str) -> str:
    """What kind of device measured, as people call it: "Apple Watch", "iPhone"."""
    if model == "Watch":
        return "Apple Watch"
    return model


@functools.lru_cache(maxsize=1024)  # a hostile file may name any number of types
def origin_of(kind: str) -> str:
    """A HealthKit type as the preview names it: "HeartRate" for
    "HKQuantityTypeIdentifierHeartRate"."""
    for prefix in _PREFIXES:
        if kind.startswith(prefix):
            return kind[len(prefix) :] or kind
    return kind or "Record"
