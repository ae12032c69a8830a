"""Apple Health records to device readings, and what is not read said as such.

Point measurements become samples in the metric's unit: heart rate, body
mass, blood glucose, oxygen saturation and blood pressure; and so do steps
and time asleep, each record kept at the moment its interval began, with
the device that counted it (``sourceName``): a phone and a watch count the
same steps, and the daily totals weigh one against the other rather than
add them up (``records/samples.py``). A blood-pressure
``Correlation`` pairs a systolic and a diastolic record that the export
also writes at the top level, where they are read: the correlation itself
is counted as used, so nothing is doubled.

Every other record (energy, distance, workouts, daily activity...) is left
out with a reason for now, counted by its type, never lost silently.

Dates are written "2024-05-01 08:00:00 +0200"; numbers in some locales
with a decimal comma. A record that cannot be read is skipped, saying why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.imports.apple.parse import Element
from myhealthhub.imports.base import Mapping, PatientFound, Reading, Skipped
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Sex
from myhealthhub.records.models import Metric

ME = "apple-health:me"
# Records left out listed one by one, of each kind and reason; the rest are counted.
LISTED = 3
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
}
# Totals: each record is what was counted over its interval, kept at its start.
TOTALS: dict[str, tuple[str, dict[str, float]]] = {
    "HKQuantityTypeIdentifierStepCount": (Metric.STEPS, {"count": 1.0}),
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
    """Reads elements one at a time into a ``Mapping``."""

    def __init__(self, mapping: Mapping, name: str) -> None:
        self.mapping = mapping
        self.name = name
        self.latest = timezone.now() + dt.timedelta(days=1)
        self.line = _("line %(number)s")  # translated once: exports have millions of lines
        self.not_yet = _("MyHealthHub does not import this kind of Apple Health record yet")
        # Skips listed one by one so far, and those only counted, by origin and reason.
        self.listed: dict[tuple[str, str], int] = {}
        self.more: dict[tuple[str, str], tuple[int, str]] = {}

    def read(self, element: Element) -> None:
        if element.tag == "Record":
            self.record(element)
        elif element.tag == "Correlation":
            kind = element.attributes.get("type", "")
            if kind == BLOOD_PRESSURE:
                self.mapping.use(origin_of(kind))  # its records are read at the top level
            else:
                self.skip(origin_of(kind), self.not_yet, element)
        elif element.tag == "Me":
            self.me(element)
        else:
            self.skip(element.tag, self.not_yet, element)

    def record(self, element: Element) -> None:
        attributes = element.attributes
        kind = attributes.get("type", "")
        origin = origin_of(kind)
        if kind == SLEEP:
            self.sleep(element, origin)
            return
        measured = POINT_MEASUREMENTS.get(kind) or TOTALS.get(kind)
        if measured is None:
            self.skip(origin, self.not_yet, element)
            return
        metric, units = measured
        unit = attributes.get("unit", "")
        if unit not in units:
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
        at = moment(attributes.get("startDate", ""))
        if at is None:
            self.skip(origin, _("its date cannot be read"), element)
            return
        if at > self.latest:
            self.skip(origin, _("in the future"), element)
            return
        self.add(metric, at, value * units[unit], origin, element)

    def sleep(self, element: Element, origin: str) -> None:
        """Time asleep, in minutes, at the moment it began; time in bed or awake is not sleep."""
        attributes = element.attributes
        if attributes.get("value") not in ASLEEP:
            self.skip(origin, _("time in bed or awake, not asleep"), element)
            return
        start = moment(attributes.get("startDate", ""))
        end = moment(attributes.get("endDate", ""))
        if start is None or end is None or end < start:
            self.skip(origin, _("its date cannot be read"), element)
            return
        if start > self.latest:
            self.skip(origin, _("in the future"), element)
            return
        self.add(Metric.SLEEP, start, (end - start).total_seconds() / 60, origin, element)

    def add(
        self, metric: str, at: dt.datetime, value: float, origin: str, element: Element
    ) -> None:
        attributes = element.attributes
        device = attributes.get("device", "")
        model = _DEVICE_MODEL.search(device) or _DEVICE_NAME.search(device)
        self.mapping.readings.append(
            Reading(
                metric,
                at,
                value,
                origin,
                self.where(element),
                device=attributes.get("sourceName", "").strip(),
                device_model=device_model(model.group(1).strip() if model else ""),
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

    def skip(self, origin: str, reason: str, element: Element) -> None:
        """Left out, saying why; past the first few of a kind, only counted."""
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

    def where(self, element: Element) -> str:
        return f"{self.name}, {self.line % {'number': element.line}}"


def device_model(model: str) -> str:
    """What kind of device measured, as people call it: "Apple Watch", "iPhone"."""
    if model == "Watch":
        return "Apple Watch"
    return model


def origin_of(kind: str) -> str:
    """A HealthKit type as the preview names it: "HeartRate" for
    "HKQuantityTypeIdentifierHeartRate"."""
    for prefix in _PREFIXES:
        if kind.startswith(prefix):
            return kind[len(prefix) :] or kind
    return kind or "Record"


def number(text: str) -> float | None:
    """ "72", "72.5", or "72,5" as some locales write it; None when it is not a finite number."""
    try:
        value = float(text.replace(",", ".", 1) if "," in text and "." not in text else text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def moment(text: str) -> dt.datetime | None:
    """ "2024-05-01 08:00:00 +0200" as an aware datetime; None when it cannot be read."""
    if len(text) > 19 and text[19] == " ":
        text = text[:19] + text[20:]
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None
