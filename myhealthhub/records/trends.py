"""A result's values over time, in the viewer's units, for the trend page and its chart.

Laboratory analytes follow the viewer's conventional or SI choice, weight,
height and temperature their metric or US one (the same rules as
lib/formatting.py, which shows single values).

Blood pressure is a pair, not one value: :func:`build_pressure_trend` reads
both halves whichever way they were stored.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import BodyUnits, UnitSystem
from myhealthhub.lib import formatting
from myhealthhub.lib.units import Analyte, analyte_for_loinc, linear
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import Observation
from myhealthhub.records.models.base import EntryQuerySet


@dataclass(frozen=True)
class Point:
    date: dt.date
    value: float
    comparator: str = ""


@dataclass
class Trend:
    title: str
    unit: str
    points: list[Point] = field(default_factory=list)
    low: float | None = None
    high: float | None = None
    # Values whose unit could not be converted to ``unit``: left out, and said so.
    left_out: int = 0
    # Decimals the values are shown with, the unit's usual ones; None: each value's own.
    digits: int | None = None


def _series(profile: Profile, code: str, name: str) -> EntryQuerySet | None:
    observations = Observation.objects.filter(profile_id=profile.pk)
    if code:
        return observations.filter(code=code)
    if name:
        return observations.filter(code="", display__iexact=name)
    return None


def series_stamp(profile: Profile, *, code: str = "", name: str = "") -> str:
    """Changes whenever a value of the series is added, edited, deleted or restored."""
    observations = _pressures(profile) if is_blood_pressure(code) else _series(profile, code, name)
    if observations is None:
        return ""
    stamp = observations.aggregate(count=Count("id"), last=Max("updated_at"))
    return f"{stamp['count']}:{stamp['last'].isoformat() if stamp['last'] else ''}"


def build_trend(
    profile: Profile,
    *,
    code: str = "",
    name: str = "",
    unit_system: str,
    body_units: str = BodyUnits.METRIC,
) -> Trend | None:
    """The numeric values of one result (by code, or by name when uncoded), oldest first."""
    series = _series(profile, code, name)
    if series is None:
        return None
    observations = series.alive().filter(value_number__isnull=False, date__isnull=False)
    rows = list(
        observations.order_by("date", "effective_time", "id").values_list(
            "display",
            "date",
            "value_number",
            "comparator",
            "unit",
            "unit_text",
            "reference_low",
            "reference_high",
        )
    )
    if not rows:
        return None
    analyte = analyte_for_loinc(code) if code else None
    units = [_ucum(unit, unit_text) for _d, _dt, _v, _c, unit, unit_text, _l, _h in rows]
    target = _target_unit(analyte, unit_system, body_units, units)
    trend = Trend(title=rows[-1][0], unit=target, digits=formatting.usual_decimals(target, analyte))
    for (_display, date, value, comparator, _u, _t, low, high), unit in zip(
        rows, units, strict=True
    ):
        converted = _convert(value, unit, target, analyte)
        if converted is None:
            trend.left_out += 1
            continue
        trend.points.append(Point(date, converted, comparator))
        # The reference range of the latest result that gives one.
        if low is not None or high is not None:
            trend.low = _convert(low, unit, target, analyte) if low is not None else None
            trend.high = _convert(high, unit, target, analyte) if high is not None else None
    return trend


def _ucum(unit: str, unit_text: str) -> str:
    # Sources often give only the printed unit; it is usually valid UCUM ("mg/dL", "%", "kg").
    return formatting.ucum_code(unit or unit_text)


def _target_unit(
    analyte: Analyte | None, unit_system: str, body_units: str, units: list[str]
) -> str:
    if analyte is not None:
        return analyte.si if unit_system == UnitSystem.SI else analyte.conventional
    most = formatting.ucum_code(Counter(units).most_common(1)[0][0])
    if most in formatting.BODY_UNITS:
        dimension, system = formatting.BODY_UNITS[most]
        if system != body_units:
            return formatting.BODY_TARGETS[(dimension, body_units)]
    return most


def _convert(value: float, unit: str, target: str, analyte: Analyte | None) -> float | None:
    if unit == target:
        return value
    line = linear(unit, target, analyte.key if analyte else "")
    return None if line is None else line[0] * value + line[1]


# Blood pressure.

BLOOD_PRESSURE, SYSTOLIC, DIASTOLIC = "85354-9", "8480-6", "8462-4"
# The panel, or either half on its own: each opens the one trend of the pair.
BLOOD_PRESSURE_CODES = frozenset({BLOOD_PRESSURE, SYSTOLIC, DIASTOLIC})
MM_HG = "mm[Hg]"


def is_blood_pressure(code: str) -> bool:
    return code in BLOOD_PRESSURE_CODES


@dataclass(frozen=True)
class Pressure:
    """One blood pressure reading: both halves, or the one half a source gave alone."""

    date: dt.date
    time: dt.time | None
    systolic: float | None
    diastolic: float | None

    @property
    def moment(self) -> dt.datetime:
        """Where the reading sits on the chart: home readings come twice a day."""
        return dt.datetime.combine(self.date, self.time or dt.time(0))

    @property
    def text(self) -> str:
        """ "132/84 mmHg" in the reader's units and language; a lone half says which it is."""
        if self.systolic is not None and self.diastolic is not None:
            parts = [
                {"code": SYSTOLIC, "value": self.systolic, "unit": MM_HG},
                {"code": DIASTOLIC, "value": self.diastolic, "unit": MM_HG},
            ]
            return formatting.parts_line(parts, account=None)
        if self.systolic is not None:
            return formatting.joined(_("Systolic"), _mm_hg(self.systolic))
        assert self.diastolic is not None  # a reading has at least one half
        return formatting.joined(_("Diastolic"), _mm_hg(self.diastolic))


@dataclass
class PressureTrend:
    """Both halves of blood pressure over time, in mmHg, oldest first."""

    title: str
    readings: list[Pressure] = field(default_factory=list)
    # Each half's reference range, from its latest value that gives one.
    systolic_range: tuple[float | None, float | None] | None = None
    diastolic_range: tuple[float | None, float | None] | None = None
    # Halves whose unit could not be converted to mmHg: left out, and said so.
    left_out: int = 0
    unit: str = MM_HG

    @property
    def ranges_text(self) -> str:
        """ "Systolic 90 – 120 mmHg; Diastolic 60 – 80 mmHg"; "" when no value gives a range."""
        shown = []
        for label, reference in (
            (_("Systolic"), self.systolic_range),
            (_("Diastolic"), self.diastolic_range),
        ):
            if reference is not None:
                low, high = (
                    "—" if bound is None else formatting.number(bound, digits=0)
                    for bound in reference
                )
                shown.append(formatting.joined(label, low, "–", high, formatting.unit(self.unit)))
        return "; ".join(shown)

    def line(self, half: str) -> list[tuple[dt.datetime, float]]:
        """One half's values to draw, ``SYSTOLIC`` or ``DIASTOLIC``, oldest first."""
        values = (
            ((reading.moment, reading.systolic) for reading in self.readings)
            if half == SYSTOLIC
            else ((reading.moment, reading.diastolic) for reading in self.readings)
        )
        return [(moment, value) for moment, value in values if value is not None]


@dataclass(frozen=True)
class Half:
    """A systolic or diastolic value as stored: a panel's part or an observation of its own."""

    code: str
    value: float
    unit: str
    date: dt.date
    time: dt.time | None
    # What a separate half is paired by: its source, as the detail page pairs them
    # (records/presenting.py); a panel's parts are paired already.
    source_id: int
    order: int
    low: float | None = None
    high: float | None = None


def _pressures(profile: Profile) -> EntryQuerySet:
    return Observation.objects.filter(profile_id=profile.pk, code__in=BLOOD_PRESSURE_CODES)


def build_pressure_trend(profile: Profile, since: dt.date | None = None) -> PressureTrend | None:
    """Every dated blood pressure (from ``since``), panels and separate halves, in time order."""
    rows = (
        _pressures(profile)
        .alive()
        .filter(date__gte=since or dt.date.min)
        .order_by("id")
        .values_list(
            "id",
            "code",
            "date",
            "effective_time",
            "source_id",
            "value_number",
            "unit",
            "unit_text",
            "reference_low",
            "reference_high",
            "components",
        )
    )
    panels: list[tuple[Half | None, Half | None]] = []
    separate: list[Half] = []
    for pk, code, date, time, source, number, unit, unit_text, low, high, parts in rows:
        if code == BLOOD_PRESSURE:
            halves = _panel_halves(parts, date=date, time=time, source_id=source, order=pk)
            if any(halves):
                panels.append(halves)
        elif number is not None:
            separate.append(
                Half(code, number, unit or unit_text, date, time, source, pk, low, high)
            )
    pairs = panels + pair_halves(separate)
    if not pairs:
        return None
    trend = PressureTrend(title=_("Blood pressure"))
    pairs.sort(key=_sort_key)
    for systolic, diastolic in pairs:
        upper, lower = _in_mm_hg(systolic), _in_mm_hg(diastolic)
        trend.left_out += (systolic is not None and upper is None) + (
            diastolic is not None and lower is None
        )
        if upper is not None or lower is not None:
            first = systolic or diastolic
            assert first is not None  # pairs hold at least one half
            trend.readings.append(Pressure(first.date, first.time, upper, lower))
        # The reference range of the latest value that gives one, as build_trend does.
        if systolic is not None and (systolic.low is not None or systolic.high is not None):
            trend.systolic_range = _range_in_mm_hg(systolic)
        if diastolic is not None and (diastolic.low is not None or diastolic.high is not None):
            trend.diastolic_range = _range_in_mm_hg(diastolic)
    return trend if trend.readings else None


def pair_halves(halves: Iterable[Half]) -> list[tuple[Half | None, Half | None]]:
    """Separate systolic and diastolic values of one source at one moment, as (systolic, diastolic).

    C-CDA files and some FHIR servers send the halves as observations of their
    own. A half whose other is missing stays, alone; two readings at the same
    moment pair in the order they were stored.
    """
    moments: dict[tuple[dt.date, dt.time | None, int], tuple[list[Half], list[Half]]] = {}
    for half in sorted(halves, key=lambda half: half.order):
        key = (half.date, half.time, half.source_id)
        systolic, diastolic = moments.setdefault(key, ([], []))
        (systolic if half.code == SYSTOLIC else diastolic).append(half)
    pairs: list[tuple[Half | None, Half | None]] = []
    for systolic, diastolic in moments.values():
        for index in range(max(len(systolic), len(diastolic))):
            pairs.append(
                (
                    systolic[index] if index < len(systolic) else None,
                    diastolic[index] if index < len(diastolic) else None,
                )
            )
    return pairs


def _panel_halves(
    parts: Any, *, date: dt.date, time: dt.time | None, source_id: int, order: int
) -> tuple[Half | None, Half | None]:
    found: dict[str, Half] = {}
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict) or part.get("code") not in (SYSTOLIC, DIASTOLIC):
            continue
        value = part.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            unit = str(part.get("unit") or part.get("unit_text") or "")
            found.setdefault(
                part["code"], Half(part["code"], float(value), unit, date, time, source_id, order)
            )
    return found.get(SYSTOLIC), found.get(DIASTOLIC)


def _sort_key(pair: tuple[Half | None, Half | None]) -> tuple[dt.date, bool, dt.time, int]:
    first = pair[0] or pair[1]
    assert first is not None  # pairs hold at least one half
    # A reading without a time of day sorts first on its day, then by when it was stored.
    return (first.date, first.time is not None, first.time or dt.time(0), first.order)


def _in_mm_hg(half: Half | None) -> float | None:
    if half is None:
        return None
    return _convert_pressure(half.value, half.unit)


def _range_in_mm_hg(half: Half) -> tuple[float | None, float | None]:
    return (
        _convert_pressure(half.low, half.unit) if half.low is not None else None,
        _convert_pressure(half.high, half.unit) if half.high is not None else None,
    )


def _convert_pressure(value: float, unit: str) -> float | None:
    # Some sources leave a blood pressure's unit out; nobody measures it in anything
    # but mmHg without saying so.
    return _convert(value, _ucum(unit, "") or MM_HG, MM_HG, None)


def _mm_hg(value: float) -> str:
    return formatting.quantity(value, MM_HG, account=None)
