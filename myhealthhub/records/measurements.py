"""The few measurements a person follows, side by side: blood pressure, weight, glucose,
HbA1c, LDL cholesterol, eGFR and heart rate, each a small chart with its latest value.

The Measurements page and the summary's section read the same board. Each
series is found by its LOINC codes, or by its names when a source gave no
code (as the trend page finds uncoded results); heart rate comes from the
devices' daily summaries, never their samples. A series with values under
several codes is drawn from the one with the latest value, the code the
trend page it links to shows. Values are in the reader's units, as there.

Finding which series have values costs three queries whatever the record's
size; each chart drawn one more, and the charts one cache round trip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from myhealthhub.lib import codes, formatting
from myhealthhub.lib.formatting import Preferences
from myhealthhub.profiles.models import Profile
from myhealthhub.records.charts import pressure_svg, svg_uris, trend_svg
from myhealthhub.records.models import (
    ChosenMeasurement,
    DailySummary,
    MeasurementSeries,
    Metric,
    Observation,
)
from myhealthhub.records.models.samples import METRIC_UNITS
from myhealthhub.records.trends import (
    BLOOD_PRESSURE,
    DIASTOLIC,
    SYSTOLIC,
    Point,
    PressureTrend,
    Trend,
    build_pressure_trend,
    build_trend,
)


@dataclass(frozen=True)
class Measure:
    """One key series: the codes its values come under, most usual first."""

    series: MeasurementSeries
    codes: tuple[str, ...]
    # A device metric whose daily summaries draw it before any coded value.
    metric: str = ""
    # Where a value is added by hand: the home readings form, or a new result.
    at_home: bool = True


MEASURES = (
    Measure(MeasurementSeries.BLOOD_PRESSURE, (BLOOD_PRESSURE, SYSTOLIC, DIASTOLIC)),
    Measure(MeasurementSeries.WEIGHT, ("29463-7", "3141-9")),
    Measure(
        MeasurementSeries.GLUCOSE,
        ("2345-7", "2339-0", "41653-7", "1558-6", "14749-6", "15074-8", "2340-8"),
    ),
    Measure(MeasurementSeries.HBA1C, ("4548-4", "17856-6", "59261-8", "4549-2"), at_home=False),
    Measure(MeasurementSeries.LDL, ("13457-7", "18262-6", "2089-1", "22748-8"), at_home=False),
    Measure(MeasurementSeries.EGFR, ("33914-3", "62238-1", "98979-8"), at_home=False),
    Measure(MeasurementSeries.HEART_RATE, ("8867-4",), metric=Metric.HEART_RATE),
)
CODES = frozenset(code for measure in MEASURES for code in measure.codes)
# Blood pressure's uncoded values hold no single number: only its codes find it.
NAMED = tuple(measure for measure in MEASURES if measure.series != MeasurementSeries.BLOOD_PRESSURE)


@cache
def _names() -> dict[str, MeasurementSeries]:
    """Each lower-cased name an uncoded value of a series may carry: the shipped table's
    names of its codes, in English and Spanish ("Body weight", "Peso corporal")."""
    found: dict[str, MeasurementSeries] = {}
    for measure in NAMED:
        for code in measure.codes:
            test = codes.find_by_code(codes.lab_tests(), code)
            for name in test.names if test else ():
                found.setdefault(name.lower(), measure.series)
    return found


@dataclass(frozen=True)
class Found:
    """Where a series' values are: one code, one uncoded name, or a device metric."""

    last: dt.date
    code: str = ""
    name: str = ""
    metric: str = ""


@dataclass
class Chart:
    measure: Measure
    title: str
    # The latest value in the reader's units ("72.4 kg", "132/84 mmHg") and its day.
    latest: str
    latest_date: dt.date
    count: int
    # The chart's text alternative: how many values, over which days, between what.
    description: str
    # The query of the series' trend page ("code=29463-7"); "" for a device's readings.
    query: str
    # What the chart draws.
    drawn: Trend | PressureTrend = field(repr=False, default_factory=lambda: Trend("", ""))
    image: str = ""

    @property
    def key(self) -> str:
        return str(self.measure.series)

    @property
    def from_devices(self) -> bool:
        return not self.query


@dataclass
class Board:
    charts: list[Chart]
    # The series chosen (by default: all) that have no value to draw.
    missing: list[Measure]
    # The series the person chose; empty: the default, every one with values.
    chosen: list[str]
    # The series that have values, whether shown or not.
    with_values: list[str]

    @property
    def missing_names(self) -> str:
        return ", ".join(str(measure.series.label) for measure in self.missing)


def chosen_series(profile: Profile) -> list[str]:
    """The series the person chose to see, in the order of ``MEASURES``; empty for none."""
    return list(
        ChosenMeasurement.objects.filter(profile_id=profile.pk).values_list("series", flat=True)
    )


def board(profile: Profile, units: Preferences, *, since: dt.date | None = None) -> Board:
    """The chosen series (by default every one with values) with their charts, values
    dated from ``since`` on (all of them without), in ``units``."""
    chosen = chosen_series(profile)
    found = _find(profile)
    shown = [m for m in MEASURES if m.series in chosen] if chosen else list(MEASURES)
    charts: list[Chart] = []
    missing: list[Measure] = []
    for measure in shown:
        where = found.get(measure.series)
        recent = where is not None and (since is None or where.last >= since)
        chart = _chart(profile, measure, where, units, since) if where and recent else None
        if chart is None:
            missing.append(measure)
        else:
            charts.append(chart)
    _draw(charts)
    return Board(
        charts=charts,
        missing=missing,
        chosen=[str(m.series) for m in MEASURES if m.series in chosen],
        with_values=[str(m.series) for m in MEASURES if m.series in found],
    )


def _find(profile: Profile) -> dict[str, Found]:
    """Where each series' latest values are, in three grouped queries."""
    candidates: dict[str, list[Found]] = {}
    coded = (
        Observation.objects.alive()
        .filter(profile_id=profile.pk, code__in=CODES, date__isnull=False)
        # A panel's values are in its parts.
        .filter(Q(value_number__isnull=False) | Q(code=BLOOD_PRESSURE))
        .values("code")
        .annotate(last=Max("date"))
        .order_by()
    )
    for row in coded:
        for measure in MEASURES:
            if row["code"] in measure.codes:
                candidates.setdefault(measure.series, []).append(
                    Found(row["last"], code=row["code"])
                )
    named = (
        Observation.objects.alive()
        .filter(profile_id=profile.pk, code="", date__isnull=False, value_number__isnull=False)
        .annotate(lowered=Lower("display"))
        .filter(lowered__in=list(_names()))
        .values("lowered")
        .annotate(last=Max("date"))
        .order_by()
    )
    for row in named:
        series = _names()[row["lowered"]]
        candidates.setdefault(series, []).append(Found(row["last"], name=row["lowered"]))
    metrics = {measure.metric: measure.series for measure in MEASURES if measure.metric}
    devices = (
        DailySummary.objects.filter(profile_id=profile.pk, metric__in=list(metrics))
        .values("metric")
        .annotate(last=Max("day"))
        .order_by()
    )
    found: dict[str, Found] = {}
    for row in devices:
        # Heart rate from the devices, which measure it all day, before a typed value.
        found[metrics[row["metric"]]] = Found(row["last"], metric=row["metric"])
    for key, options in candidates.items():
        if key not in found:
            found[key] = max(options, key=lambda option: (option.last, option.code))
    return found


def _chart(
    profile: Profile,
    measure: Measure,
    where: Found,
    units: Preferences,
    since: dt.date | None,
) -> Chart | None:
    if measure.series == MeasurementSeries.BLOOD_PRESSURE:
        pressure = build_pressure_trend(profile, since)
        return _pressure_chart(measure, pressure) if pressure else None
    if where.metric:
        trend: Trend | None = _device_trend(profile, where.metric, units, since)
        query = ""
    else:
        trend = build_trend(
            profile,
            code=where.code,
            name=where.name,
            unit_system=units.laboratory,
            body_units=units.body,
        )
        query = f"code={where.code}" if where.code else _name_query(where.name)
        if trend is not None and since is not None:
            trend.points = [point for point in trend.points if point.date >= since]
    if trend is None or not trend.points:
        return None
    return _trend_chart(measure, trend, query)


def _name_query(name: str) -> str:
    return urlencode({"name": name})


def _device_trend(
    profile: Profile, metric: str, units: Preferences, since: dt.date | None
) -> Trend:
    """A device metric's daily means, in the reader's units."""
    unit, (slope, intercept) = formatting.shown_unit(METRIC_UNITS[metric], account=units)
    days = DailySummary.objects.filter(
        profile_id=profile.pk, metric=metric, day__gte=since or dt.date.min
    ).order_by("day")
    points = [Point(day, slope * mean + intercept) for day, mean in days.values_list("day", "mean")]
    return Trend(
        title=str(Metric(metric).label),
        unit=unit,
        points=points,
        digits=formatting.usual_decimals(unit) or 0,
    )


def _number(value: float, trend: Trend) -> str:
    return formatting.joined(
        formatting.number(value, digits=trend.digits), formatting.unit(trend.unit)
    )


def _day(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _trend_chart(measure: Measure, trend: Trend, query: str) -> Chart:
    latest = trend.points[-1]
    values = [point.value for point in trend.points]
    count = len(values)
    if count == 1:
        description = _("%(name)s: one value, %(value)s on %(day)s.") % {
            "name": measure.series.label,
            "value": _number(latest.value, trend),
            "day": _day(latest.date),
        }
    else:
        description = ngettext(
            "%(name)s: %(count)d value from %(first)s to %(last)s, between %(low)s and %(high)s.",
            "%(name)s: %(count)d values from %(first)s to %(last)s, between %(low)s and %(high)s.",
            count,
        ) % {
            "name": measure.series.label,
            "count": count,
            "first": _day(trend.points[0].date),
            "last": _day(latest.date),
            "low": _number(min(values), trend),
            "high": _number(max(values), trend),
        }
    return Chart(
        measure=measure,
        title=str(measure.series.label),
        latest=formatting.joined(latest.comparator, _number(latest.value, trend)),
        latest_date=latest.date,
        count=count,
        description=description,
        query=query,
        drawn=trend,
    )


def _pressure_chart(measure: Measure, pressure: PressureTrend) -> Chart:
    latest = pressure.readings[-1]
    count = len(pressure.readings)
    spans = []
    for label, half in ((_("systolic"), SYSTOLIC), (_("diastolic"), DIASTOLIC)):
        values = [value for _moment, value in pressure.line(half)]
        if values:
            spans.append(
                _("%(half)s between %(low)s and %(high)s")
                % {
                    "half": label,
                    "low": formatting.number(min(values), digits=0),
                    "high": formatting.quantity(max(values), pressure.unit, account=None),
                }
            )
    if count == 1:
        description = _("%(name)s: one reading, %(value)s on %(day)s.") % {
            "name": measure.series.label,
            "value": latest.text,
            "day": _day(latest.date),
        }
    else:
        description = ngettext(
            "%(name)s: %(count)d reading from %(first)s to %(last)s; %(spans)s.",
            "%(name)s: %(count)d readings from %(first)s to %(last)s; %(spans)s.",
            count,
        ) % {
            "name": measure.series.label,
            "count": count,
            "first": _day(pressure.readings[0].date),
            "last": _day(latest.date),
            "spans": "; ".join(spans),
        }
    return Chart(
        measure=measure,
        title=str(measure.series.label),
        latest=latest.text,
        latest_date=latest.date,
        count=count,
        description=description,
        query=f"code={BLOOD_PRESSURE}",
        drawn=pressure,
    )


def _draw(charts: list[Chart]) -> None:
    """Each chart's small SVG, kept by what it draws."""
    for chart, image in zip(charts, svg_uris([_drawing(chart) for chart in charts]), strict=True):
        chart.image = image


def _drawing(chart: Chart) -> tuple[str, Callable[[], bytes]]:
    drawn = chart.drawn
    # Everything the picture shows, in the words of the active language.
    if isinstance(drawn, PressureTrend):
        shown: Any = (drawn.readings, drawn.systolic_range, drawn.diastolic_range)
    else:
        shown = (drawn.points, drawn.unit, drawn.low, drawn.high)
    digest = hashlib.sha256(repr((shown, get_language())).encode()).hexdigest()
    key = f"measurement|{chart.key}|{digest}"
    if isinstance(drawn, PressureTrend):
        pressure = drawn
        return key, lambda: pressure_svg(
            pressure,
            systolic_label=_("Systolic"),
            diastolic_label=_("Diastolic"),
            reference_label="",
            small=True,
        )
    trend = drawn
    return key, lambda: trend_svg(trend, reference_label="", small=True)
