"""A result's values over time, in the viewer's units, for the trend page and its chart.

Laboratory analytes follow the viewer's conventional or SI choice, weight,
height and temperature their metric or US one (the same rules as
lib/formatting.py, which shows single values).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Max

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
    observations = _series(profile, code, name)
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
