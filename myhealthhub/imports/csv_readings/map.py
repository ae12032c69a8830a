"""Rows of a recognised layout to readings, each in its metric's stored unit.

A row that cannot be read (a bad number, a date that is no date, an
unknown metric or unit, an implausible value) is skipped with its reason
and line, never an exception; the reasons are worded to group well in the
preview ("not a number"), with the offending text as the example.

Day or month first? "03/04/2024" says nothing, but "25/04/2024" does: the
first date of a file that settles it decides for the whole file. Rows read
before that wait in ``_pending``; a file that never settles it is read in
its layout's usual order, with a warning.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Reading, Skipped
from myhealthhub.imports.csv_readings.layouts import (
    BLOOD_PRESSURE,
    DEFAULT_UNITS,
    METRIC_NAMES,
    Layout,
    normalize,
)
from myhealthhub.imports.csv_readings.parse import Row
from myhealthhub.imports.units import ucum_code
from myhealthhub.lib import formatting, units
from myhealthhub.records.models.samples import METRIC_UNITS, Metric

# What a reading may be, in the stored unit; anything else is a typo or a unit mix-up.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    Metric.HEART_RATE: (20, 300),
    Metric.STEPS: (0, 200_000),
    Metric.SLEEP: (0, 24 * 60),
    Metric.WEIGHT: (0.3, 700),
    Metric.GLUCOSE: (10, 1500),
    Metric.SYSTOLIC: (40, 300),
    Metric.DIASTOLIC: (20, 200),
    Metric.OXYGEN: (50, 100),
    Metric.RESTING_HEART_RATE: (20, 250),
    Metric.WALKING_HEART_RATE: (20, 300),
    Metric.HRV_SDNN: (1, 500),
    Metric.RESPIRATORY_RATE: (2, 100),
    Metric.ACTIVE_ENERGY: (0, 20_000),
    Metric.BASAL_ENERGY: (0, 10_000),
    Metric.DISTANCE: (0, 500),
    Metric.FLIGHTS: (0, 2_000),
    Metric.BODY_TEMPERATURE: (25, 45),
    Metric.BMI: (5, 150),
    Metric.BODY_FAT: (1, 80),
    Metric.HEIGHT: (20, 280),
    Metric.VO2_MAX: (5, 100),
    Metric.WALKING_SPEED: (0, 25),
    Metric.EXERCISE_MINUTES: (0, 24 * 60),
    Metric.STAND_HOURS: (0, 24),
}
EXAMPLE_LENGTH = 80

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "ene", "enero"),
            ("feb", "february", "febrero"),
            ("mar", "march", "marzo"),
            ("apr", "april", "abr", "abril"),
            ("may", "mayo"),
            ("jun", "june", "junio"),
            ("jul", "july", "julio"),
            ("aug", "august", "ago", "agosto"),
            ("sep", "sept", "september", "septiembre", "set", "setiembre"),
            ("oct", "october", "octubre"),
            ("nov", "november", "noviembre"),
            ("dec", "december", "dic", "diciembre"),
        ),
        start=1,
    )
    for name in names
}
_REST = r"(?:[t\s,]+(?P<rest>.*))?$"
_YEAR_FIRST = re.compile(r"(?P<y>\d{4})[-/.](?P<a>\d{1,2})[-/.](?P<b>\d{1,2})" + _REST, re.I)
_NUMERIC = re.compile(r"(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _REST, re.I)
_MONTH_NAMED = re.compile(
    r"(?P<m>[a-z]{3,10})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _REST, re.I
)
_DAY_NAMED = re.compile(
    r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[-\s]+(?:de\s+)?(?P<m>[a-z]{3,10})\.?,?[-\s]+(?:de\s+)?"
    r"(?P<y>\d{4})" + _REST,
    re.I,
)
_CLOCK = re.compile(
    r"(?P<h>\d{1,2})[:.h](?P<m>\d{2})(?:[:.](?P<s>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?:(?P<ampm>[ap])\.?\s*m\.?)?\s*(?P<zone>z|utc|gmt|[+-]\d{2}:?\d{2})?$",
    re.I,
)
_HOURS_MINUTES = re.compile(r"(\d{1,2}):(\d{2})")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")
_THOUSANDS_DOT = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")
_VALUE_AND_UNIT = re.compile(r"(?P<number>[+\-\u2212]?[\d.,\s]*\d[.,]?)\s*(?P<unit>\D*)")
_ZONE_NAME = re.compile(r"[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+){0,2}")


@dataclass(frozen=True)
class _Ambiguous:
    """A date such as 03/04/2024, and the clock and zone of its row."""

    year: int
    first: int
    second: int
    clock: dt.time
    zone: dt.tzinfo

    def resolve(self, month_first: bool) -> dt.datetime:
        month, day = (self.first, self.second) if month_first else (self.second, self.first)
        return dt.datetime.combine(dt.date(self.year, month, day), self.clock, self.zone)


@dataclass(frozen=True)
class _Pending:
    when: _Ambiguous
    values: list[tuple[str, float]]
    where: str
    example: str


class ReadingsMapper:
    """Reads the rows of one file into ``mapping``; ``finish`` when all rows are in."""

    def __init__(
        self,
        layout: Layout,
        mapping: Mapping,
        where: Callable[[int], str],
        *,
        decimal_comma: bool = False,
        file_label: str = "",
    ) -> None:
        self.layout = layout
        self.mapping = mapping
        self.where = where
        self.decimal_comma = decimal_comma
        self.file_label = file_label  # where a warning about the whole file points
        self.origin = layout.name
        self.read = 0
        self.rows = 0
        self.first_skip: Skipped | None = None
        self._zone = timezone.get_current_timezone()
        self._latest = timezone.now() + dt.timedelta(days=1)
        self._zones: dict[str, dt.tzinfo] = {}
        self._factors: dict[tuple[str, str], tuple[float, float] | str] = {}
        self._month_first: bool | None = None
        self._mixed = False
        self._pending: list[_Pending] = []

    def add(self, row: Row) -> None:
        self.rows += 1
        where = self.where(row.line)
        layout = self.layout
        date_text = row.cells[layout.date]
        time_text = row.cells[layout.time] if layout.time else ""
        if time_text and not re.search(r"\d:\d", date_text):
            date_text = f"{date_text} {time_text}"
        when = self._moment(date_text, row.cells[layout.zone] if layout.zone else "")
        if isinstance(when, str):
            self.skip(when, where, date_text)
            return
        values = self._template(row, where) if layout.metric else self._columns(row, where)
        if not values:
            return
        if isinstance(when, dt.datetime):
            self._emit(when, values, where, date_text)
        elif self._month_first is not None:
            self._emit(when.resolve(self._month_first), values, where, date_text)
        else:
            self._pending.append(_Pending(when, values, where, date_text))

    def finish(self) -> None:
        """Read the rows that waited for the order of dates; Refused if nothing could be read."""
        if self._pending:
            self.mapping.warn(
                _(
                    "No date in this file shows whether it is written day first or month "
                    "first; the dates were read as %(order)s. Check them in the preview."
                )
                % {
                    "order": _("month/day/year") if self.layout.month_first else _("day/month/year")
                },
                self.file_label,
            )
            self._settle(self.layout.month_first)
        if self._mixed:
            self.mapping.warn(
                _(
                    "Some dates in this file are written day first and others month first; "
                    "the ones that fit both were read as %(order)s."
                )
                % {"order": _("month/day/year") if self._month_first else _("day/month/year")},
                self.file_label,
            )
        if self.read:
            return
        if self.first_skip is not None:
            raise Refused(
                _("No row of this file could be read. The first problem: %(reason)s.")
                % {"reason": self.first_skip.reason},
                self.first_skip.where,
            )
        raise Refused(_("This file has the columns of readings, but no readings under them."))

    def skip(self, reason: str, where: str, example: str = "") -> None:
        self.mapping.skip(self.origin, reason, where, _clip(example))
        if self.first_skip is None:
            self.first_skip = self.mapping.skipped[-1]

    # Values.

    def _template(self, row: Row, where: str) -> list[tuple[str, float]]:
        layout = self.layout
        assert layout.metric is not None and layout.value is not None
        name, text = row.cells[layout.metric], row.cells[layout.value]
        unit = row.cells[layout.unit] if layout.unit else ""
        metric = METRIC_NAMES.get(normalize(name))
        if metric is None:
            self.skip(_("not a metric MyHealthHub keeps"), where, name)
            return []
        if not text:
            self.skip(_("no value"), where, name)
            return []
        return self._checked(self._value(metric, text, unit, where, f"{name}: {text}"), where)

    def _columns(self, row: Row, where: str) -> list[tuple[str, float]]:
        layout = self.layout
        kind = row.cells[layout.record_type] if layout.record_type else None
        values: list[tuple[str, float]] = []
        filled = False
        for column in layout.values:
            if column.record_type is not None and column.record_type != kind:
                continue
            text = row.cells[column.header]
            if not text:
                continue
            filled = True
            example = f"{column.header}: {text}"
            values.extend(self._value(column.metric, text, column.unit, where, example))
        if not filled:
            if kind is not None and kind not in {column.record_type for column in layout.values}:
                self.skip(
                    _("not a glucose reading (a note, insulin, food or a device event)"),
                    where,
                    f"{layout.record_type}: {kind}",
                )
            else:
                self.skip(_("no reading in this row"), where)
        return self._checked(values, where)

    def _checked(self, values: list[tuple[str, float]], where: str) -> list[tuple[str, float]]:
        found = dict(values)
        systolic, diastolic = found.get(Metric.SYSTOLIC), found.get(Metric.DIASTOLIC)
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            self.skip(
                _("the diastolic pressure is not below the systolic"),
                where,
                f"{systolic:g}/{diastolic:g}",
            )
            return [item for item in values if item[0] not in (Metric.SYSTOLIC, Metric.DIASTOLIC)]
        return values

    def _value(
        self, metric: str, text: str, unit: str, where: str, example: str
    ) -> list[tuple[str, float]]:
        if metric == BLOOD_PRESSURE:
            parts = text.split("/")
            if len(parts) != 2:
                self.skip(_("not a blood pressure such as 120/80"), where, example)
                return []
            return [
                *self._value(Metric.SYSTOLIC, parts[0], unit, where, example),
                *self._value(Metric.DIASTOLIC, parts[1], unit, where, example),
            ]
        number: float | None
        if metric == Metric.SLEEP and (clock := _HOURS_MINUTES.fullmatch(text.strip())):
            number, unit = int(clock.group(1)) * 60 + int(clock.group(2)), "min"
        else:
            number, written_unit = self._number(text)
            unit = unit or written_unit
        if number is None:
            self.skip(_("not a number"), where, example)
            return []
        factor = self._factor(unit, metric)
        if isinstance(factor, str):
            self.skip(factor, where, example)
            return []
        slope, intercept = factor
        value = round(number * slope + intercept, 4)
        low, high = PLAUSIBLE[metric]
        if not low <= value <= high:
            self.skip(
                _("outside what %(metric)s can be (%(low)s to %(high)s %(unit)s)")
                % {
                    "metric": Metric(metric).label.lower(),
                    "low": f"{low:g}",
                    "high": f"{high:g}",
                    "unit": _display_unit(metric),
                },
                where,
                example,
            )
            return []
        return [(metric, value)]

    def _number(self, text: str) -> tuple[float | None, str]:
        match = _VALUE_AND_UNIT.fullmatch(text.strip())
        if match is None:
            return None, ""
        written_unit = match.group("unit").strip()
        if written_unit and not re.match(r"[^\W\d]|[%\[{/µ°]", written_unit):
            return None, ""
        return parse_number(match.group("number"), decimal_comma=self.decimal_comma), written_unit

    def _factor(self, unit: str, metric: str) -> tuple[float, float] | str:
        """(slope, intercept) to reach the metric's stored unit, or why the unit will not do."""
        key = (unit, metric)
        if key not in self._factors:
            self._factors[key] = _factor(unit, metric)
        return self._factors[key]

    # Dates.

    def _moment(self, text: str, zone_text: str) -> dt.datetime | _Ambiguous | str:
        """The moment a row was taken, a date waiting for its order, or why it is no date."""
        text = text.strip()
        if not text:
            return _("no date")
        parsed = _parse_date(text)
        if parsed is None:
            return _("not a date")
        year, first, second, year_first, rest = parsed
        clock = _parse_clock(rest)
        if clock is None:
            return _("not a time of day")
        time, offset = clock
        zone = offset or self._zone_named(zone_text)
        if year < 1900:
            return _("not a date")
        if not year_first:
            if first > 12 and second > 12:
                return _("not a date")
            if first <= 12 and second <= 12 and first != second:
                return _Ambiguous(year, first, second, time, zone)
            if first != second:
                self._settle(month_first=second > 12)
            first, second = (second, first) if first > 12 else (first, second)
        try:
            return dt.datetime.combine(dt.date(year, first, second), time, zone)
        except ValueError:
            return _("not a date")

    def _settle(self, month_first: bool) -> None:
        if self._month_first is None:
            self._month_first = month_first
            pending, self._pending = self._pending, []
            for waiting in pending:
                at = waiting.when.resolve(month_first)
                self._emit(at, waiting.values, waiting.where, waiting.example)
        elif self._month_first != month_first:
            self._mixed = True

    def _zone_named(self, name: str) -> dt.tzinfo:
        if not name:
            return self._zone
        if name not in self._zones:
            zone: dt.tzinfo = self._zone
            if len(name) <= 64 and _ZONE_NAME.fullmatch(name):
                with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
                    zone = zoneinfo.ZoneInfo(name)
            self._zones[name] = zone
        return self._zones[name]

    def _emit(
        self, at: dt.datetime, values: list[tuple[str, float]], where: str, example: str
    ) -> None:
        if at > self._latest:
            self.skip(_("in the future"), where, example)
            return
        for metric, value in values:
            self.mapping.readings.append(Reading(metric, at, value, self.origin, where))
            self.read += 1


def parse_number(text: str, *, decimal_comma: bool = False) -> float | None:
    """ "72.5", "72,5", "1,234.5", "1.234,5", "12 345" -> a float; None if it is not one.

    A lone comma is a decimal comma when the file's cells are separated by
    semicolons or tabs (``decimal_comma``); in a comma-separated file it is
    one only where it cannot be a thousands separator ("72,5", not "12,345").
    """
    number = "".join(text.split()).replace("\u2212", "-")
    if "," in number and "." in number:
        decimal = "," if number.rfind(",") > number.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        number = number.replace(grouping, "").replace(decimal, ".")
    elif "," in number:
        if _THOUSANDS_COMMA.fullmatch(number) and (not decimal_comma or number.count(",") > 1):
            number = number.replace(",", "")
        elif number.count(",") == 1:
            number = number.replace(",", ".")
    elif number.count(".") > 1 and _THOUSANDS_DOT.fullmatch(number):
        number = number.replace(".", "")
    if not _PLAIN_NUMBER.fullmatch(number):
        return None
    return float(number)


def _factor(unit: str, metric: str) -> tuple[float, float] | str:
    stored = METRIC_UNITS[metric]
    if not unit:
        default = DEFAULT_UNITS.get(metric)
        if default is None:
            return _("no unit (write it in the header, as in “Weight (kg)”, or in a unit column)")
        unit = default
    code = ucum_code(unit)
    if code is None:
        return _("the unit “%(unit)s” is not one MyHealthHub knows") % {"unit": _clip(unit)}
    analyte = units.ANALYTES["glucose"] if metric == Metric.GLUCOSE else None
    try:
        # Two points: °F to °C is not a factor alone.
        intercept = units.convert(0.0, code, stored, analyte)
        return units.convert(1.0, code, stored, analyte) - intercept, intercept
    except Exception:  # UnitError, and pint's own errors for annotations such as "{beats}"
        return _("the unit “%(unit)s” does not fit %(metric)s") % {
            "unit": _clip(unit),
            "metric": Metric(metric).label.lower(),
        }


def _parse_date(text: str) -> tuple[int, int, int, bool, str] | None:
    """(year, first, second, year_first, rest): first/second are month/day when year_first."""
    if match := _YEAR_FIRST.match(text):
        return (int(match["y"]), int(match["a"]), int(match["b"]), True, match["rest"] or "")
    if match := _NUMERIC.match(text):
        return (
            _full_year(match["y"]),
            int(match["a"]),
            int(match["b"]),
            False,
            match["rest"] or "",
        )
    for pattern in (_MONTH_NAMED, _DAY_NAMED):
        if (match := pattern.match(text)) and (month := _MONTHS.get(match["m"].lower())):
            return (int(match["y"]), month, int(match["d"]), True, match["rest"] or "")
    return None


def _parse_clock(text: str) -> tuple[dt.time, dt.tzinfo | None] | None:
    text = text.strip()
    if not text:
        return dt.time(0, 0), None
    match = _CLOCK.fullmatch(text)
    if match is None:
        return None
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    zone = match["zone"]
    offset: dt.tzinfo | None = None
    if zone and zone.lower() in ("z", "utc", "gmt"):
        offset = dt.UTC
    elif zone:
        digits = zone[1:].replace(":", "")
        delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if delta >= dt.timedelta(hours=24):
            return None
        offset = dt.timezone(-delta if zone[0] == "-" else delta)
    return dt.time(hour, minute, second), offset


def _full_year(text: str) -> int:
    if len(text) == 4:
        return int(text)
    # "03/01/24": this century, unless that would be well in the future.
    year = 2000 + int(text)
    return year if year <= timezone.localdate().year + 1 else year - 100


def _display_unit(metric: str) -> str:
    spoken: dict[str, str] = {
        Metric.HEART_RATE: _("beats per minute"),
        Metric.RESTING_HEART_RATE: _("beats per minute"),
        Metric.WALKING_HEART_RATE: _("beats per minute"),
        Metric.RESPIRATORY_RATE: _("breaths per minute"),
        Metric.STEPS: _("steps"),
        Metric.FLIGHTS: _("flights"),
        Metric.SLEEP: _("minutes"),
        Metric.EXERCISE_MINUTES: _("minutes"),
        Metric.STAND_HOURS: _("hours"),
        Metric.SYSTOLIC: "mmHg",
        Metric.DIASTOLIC: "mmHg",
    }
    return spoken.get(metric) or formatting.unit(METRIC_UNITS[metric])


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_LENGTH else text[: EXAMPLE_LENGTH - 1] + "…"
