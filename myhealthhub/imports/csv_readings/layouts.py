"""The column layouts MyHealthHub recognises, told apart by their header row.

A layout says which column holds the date (and the time, and the time
zone), and either which columns hold a metric, value and unit (our own
template: one reading per row) or which columns each hold one metric (a
device export: several readings per row). docs/formats.md lists them.

The vocabulary here (metric names, unit spellings) is also what ``map.py``
reads the template's cells with.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from myhealthhub.imports.csv_readings.parse import Record, header_names
from myhealthhub.imports.units import UNIT_NAMES, unit_key
from myhealthhub.records.models.samples import Metric

TEMPLATE_COLUMNS = ("date", "time", "metric", "value", "unit", "note")
# A value like "120/80": one cell, two readings (systolic and diastolic).
BLOOD_PRESSURE = "blood_pressure"
# A header row is looked for among the first records: LibreView puts a line
# of metadata (and sometimes a blank line) above it.
HEADER_SEARCH = 5

_METRIC_SPELLINGS: dict[str, tuple[str, ...]] = {
    Metric.HEART_RATE: (
        "heart rate", "heartrate", "pulse", "pulse rate", "hr", "pulso", "pulsaciones",
        "frecuencia cardiaca",
    ),
    Metric.STEPS: ("steps", "step", "step count", "daily steps", "pasos"),
    Metric.SLEEP: (
        "sleep", "sleep minutes", "sleep duration", "sleep time", "time asleep", "asleep",
        "total sleep", "sueno", "duracion del sueno",
    ),
    Metric.WEIGHT: ("weight", "body weight", "body mass", "peso", "peso corporal"),
    Metric.GLUCOSE: (
        "glucose", "blood glucose", "blood sugar", "glucose level", "sugar", "bg", "glycemia",
        "glycaemia", "glucosa", "glucemia",
    ),
    Metric.SYSTOLIC: (
        "systolic", "sys", "sbp", "systolic blood pressure", "blood pressure systolic",
        "systolic pressure", "bp systolic", "systolic bp", "sistolica", "presion sistolica",
        "tension sistolica", "presion arterial sistolica",
    ),
    Metric.DIASTOLIC: (
        "diastolic", "dia", "dbp", "diastolic blood pressure", "blood pressure diastolic",
        "diastolic pressure", "bp diastolic", "diastolic bp", "diastolica", "presion diastolica",
        "tension diastolica", "presion arterial diastolica",
    ),
    Metric.OXYGEN: (
        "spo2", "sp o2", "oxygen saturation", "oxygen", "o2 saturation", "o2 sat", "saturation",
        "blood oxygen", "saturacion", "saturacion de oxigeno",
    ),
    BLOOD_PRESSURE: ("blood pressure", "bp", "presion arterial", "tension arterial"),
}  # fmt: skip

# normalized name -> Metric value (or BLOOD_PRESSURE); Metric values themselves included.
METRIC_NAMES: dict[str, str] = {
    **{
        spelling: metric
        for metric, spellings in _METRIC_SPELLINGS.items()
        for spelling in spellings
    },
    **{" ".join(str(metric).split("_")): str(metric) for metric in Metric},
}
# The unit of a value that names none, where only one makes sense; weight,
# glucose and sleep must say theirs (kg or lb? mg/dL or mmol/L? hours or minutes?),
# and so must energy, distance, height, temperature, speed and exercise time.
DEFAULT_UNITS: dict[str, str] = {
    Metric.HEART_RATE: "/min",
    Metric.STEPS: "{steps}",
    Metric.SYSTOLIC: "mm[Hg]",
    Metric.DIASTOLIC: "mm[Hg]",
    BLOOD_PRESSURE: "mm[Hg]",
    Metric.OXYGEN: "%",
    Metric.RESTING_HEART_RATE: "/min",
    Metric.WALKING_HEART_RATE: "/min",
    Metric.RESPIRATORY_RATE: "/min",
    Metric.HRV_SDNN: "ms",
    Metric.FLIGHTS: "{flights}",
    Metric.BMI: "kg/m2",
    Metric.BODY_FAT: "%",
    Metric.VO2_MAX: "mL/(kg.min)",
    Metric.STAND_HOURS: "h",
}

_DATE_NAMES = frozenset(
    {
        "date", "datetime", "date time", "date/time", "date and time", "timestamp",
        "time stamp", "measurement date", "measured at", "measured", "recorded at", "start",
        "start date", "start time", "day", "when", "fecha", "fecha y hora", "dia y hora",
    }
)  # fmt: skip
_TIME_NAMES = frozenset({"time", "measurement time", "hora"})
_ZONE_NAMES = frozenset({"timezone", "time zone", "zona horaria"})
# Columns only an Omron Connect export has, across its app versions.
_OMRON_MARKERS = frozenset(
    {
        "irregular heartbeat detected", "irregular heartbeat", "body movement", "truread",
        "symptoms", "consumed", "ihb detection counts", "cuff wrap guide",
        "positioning indicator", "measurement mode", "measurement date",
    }
)  # fmt: skip
_WITHINGS_WEIGHT_MARKERS = frozenset({"fat mass", "bone mass", "muscle mass", "hydration"})
# LibreView: which glucose column a record type fills.
_LIBRE_COLUMNS = {"historic glucose": "0", "scan glucose": "1", "strip glucose": "2"}
# Omron's "SYS(mmHg)" and "DIA(mmHg)"; without a unit, "Día" is a Spanish date column.
_ONLY_WITH_UNIT = frozenset({"sys", "dia"})
_BRACKETED = re.compile(r"^(.*?)\s*[(\[]\s*([^)\]]*?)\s*[)\]]$")


@dataclass(frozen=True)
class ValueColumn:
    header: str
    metric: str  # a Metric value, or BLOOD_PRESSURE
    unit: str  # as the header spells it; "" when it names none
    record_type: str | None = None  # LibreView: only rows of this record type


@dataclass(frozen=True)
class Layout:
    name: str  # the origin of what it reads: "csv:omron"
    header_index: int  # which record is the header
    header: list[str]
    date: str
    time: str | None = None
    zone: str | None = None
    # Which order an ambiguous 03/04/2024 is read in when no date in the file settles it.
    month_first: bool = False
    # The template: one reading per row.
    metric: str | None = None
    value: str | None = None
    unit: str | None = None
    # Device exports: one reading per filled value column.
    values: tuple[ValueColumn, ...] = ()
    record_type: str | None = None


def find(first: Sequence[Record]) -> Layout | None:
    """The layout of a file, from its first few records."""
    for index, record in enumerate(first[:HEADER_SEARCH]):
        header = header_names(record.fields)
        columns = _Columns(header)
        for recognise in _RECOGNISERS:
            layout = recognise(columns, index)
            if layout is not None:
                return layout
    return None


def normalize(text: str) -> str:
    """A name as compared: "Heart_Rate " and "heart-rate" are "heart rate"; accents dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.replace("_", " ").replace("-", " ").split())


def split_unit(header: str) -> tuple[str, str]:
    """ "Weight (lb)" -> ("Weight", "lb"); "Historic Glucose mmol/L" -> (..., "mmol/L")."""
    bracketed = _BRACKETED.match(header.strip())
    if bracketed and bracketed.group(1):
        return bracketed.group(1), bracketed.group(2)
    name, _space, last = header.strip().rpartition(" ")
    if name and unit_key(last) in UNIT_NAMES:
        return name, last
    return header.strip(), ""


class _Columns:
    """A header row, looked up by normalized name (units split off)."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.by_name: dict[str, str] = {}
        self.split: dict[str, tuple[str, str]] = {}
        for column in header:
            name, unit = split_unit(column)
            self.split[column] = (normalize(name), unit)
            self.by_name.setdefault(normalize(column), column)
            self.by_name.setdefault(normalize(name), column)

    def first(self, names: frozenset[str] | set[str]) -> str | None:
        return next((column for column in self.header if self.split[column][0] in names), None)

    def named(self, name: str) -> str | None:
        return self.by_name.get(name)

    def metric_columns(self, exclude: set[str | None]) -> list[ValueColumn]:
        found = []
        for column in self.header:
            if column in exclude:
                continue
            name, unit = self.split[column]
            metric = METRIC_NAMES.get(name)
            if metric is not None and (unit or name not in _ONLY_WITH_UNIT):
                found.append(ValueColumn(column, metric, unit))
        return found


def _template(columns: _Columns, index: int) -> Layout | None:
    metric, value = columns.named("metric"), columns.named("value")
    date = columns.named("date") or columns.first(_DATE_NAMES)
    if metric is None or value is None or date is None:
        return None
    return Layout(
        "csv:template",
        index,
        columns.header,
        date=date,
        time=columns.named("time") if columns.named("time") != date else None,
        metric=metric,
        value=value,
        unit=columns.named("unit") or columns.named("units"),
    )


def _libre(columns: _Columns, index: int) -> Layout | None:
    stamp = columns.named("device timestamp")
    if stamp is None:
        return None
    values = tuple(
        ValueColumn(column, Metric.GLUCOSE, unit, _LIBRE_COLUMNS[name])
        for column, (name, unit) in columns.split.items()
        if name in _LIBRE_COLUMNS
    )
    if not values:
        return None
    record_type = columns.named("record type")
    if record_type is None:  # no record types: any filled glucose cell is a reading
        values = tuple(ValueColumn(value.header, value.metric, value.unit) for value in values)
    return Layout(
        "csv:libre",
        index,
        columns.header,
        date=stamp,
        month_first=True,
        values=values,
        record_type=record_type,
    )


def _omron(columns: _Columns, index: int) -> Layout | None:
    names = {name for name, _unit in columns.split.values()}
    if not names & _OMRON_MARKERS:
        return None
    date = columns.first({"measurement date"}) or columns.first(_DATE_NAMES)
    time = columns.first(_TIME_NAMES)
    values = columns.metric_columns({date, time})
    metrics = {value.metric for value in values}
    if date is None or not {Metric.SYSTOLIC, Metric.DIASTOLIC} <= metrics:
        return None
    return Layout(
        "csv:omron",
        index,
        columns.header,
        date=date,
        time=time,
        zone=columns.first(_ZONE_NAMES),
        month_first=True,
        values=tuple(values),
    )


def _withings_bp(columns: _Columns, index: int) -> Layout | None:
    if not {"date", "heart rate", "systolic", "diastolic"} <= set(columns.by_name):
        return None
    date = columns.by_name["date"]
    return Layout(
        "csv:withings-bp",
        index,
        columns.header,
        date=date,
        values=tuple(columns.metric_columns({date})),
    )


def _withings_weight(columns: _Columns, index: int) -> Layout | None:
    names = {name for name, _unit in columns.split.values()}
    if "date" not in names or "weight" not in names or not names & _WITHINGS_WEIGHT_MARKERS:
        return None
    date = columns.first({"date"})
    values = [value for value in columns.metric_columns({date}) if value.metric == Metric.WEIGHT]
    if date is None or not values:
        return None
    return Layout("csv:withings-weight", index, columns.header, date=date, values=tuple(values))


def _generic(columns: _Columns, index: int) -> Layout | None:
    date = columns.first(_DATE_NAMES)
    time = columns.first(_TIME_NAMES)
    if date is None:
        date, time = time, None  # a lone "Time" column holding date and time
    if date is None:
        return None
    values = columns.metric_columns({date, time})
    if not values:
        return None
    # Pounds say the file comes from the United States, where 03/04 is March 4.
    american = any(UNIT_NAMES.get(unit_key(value.unit)) == "[lb_av]" for value in values)
    return Layout(
        "csv:generic",
        index,
        columns.header,
        date=date,
        time=time,
        zone=columns.first(_ZONE_NAMES),
        month_first=american,
        values=tuple(values),
    )


_RECOGNISERS: tuple[Callable[[_Columns, int], Layout | None], ...] = (
    _template,
    _libre,
    _omron,
    _withings_bp,
    _withings_weight,
    _generic,
)
