"""Readings pushed from devices: a bathroom scale, a blood pressure cuff, a phone shortcut.

They become results as the "Enter home readings" page makes them (records/
actions.py ``add_home_readings``): coded, named in the profile's language,
within the same bounds, in the same stored units. Each keeps the key its
client gave it as its source identifier (DESIGN.md principle 3), filed as an
import files its keys (imports.models.ImportedRecord) under a system of the
token's account, so a batch sent again adds nothing twice. A batch is
answered line by line, and written in one transaction with one audit event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from myhealthhub.accounts.middleware import account_zone
from myhealthhub.accounts.models import User
from myhealthhub.api.auth import caller_of
from myhealthhub.api.gate import needs, reach
from myhealthhub.api.models import Scope
from myhealthhub.api.problems import Problem
from myhealthhub.api.readings import Checked, add_device_readings, key_system
from myhealthhub.api.schemas import (
    MOST_PER_PAGE,
    PER_PAGE,
    Moment,
    cursor_after,
    iso,
    row_after,
)
from myhealthhub.imports.units import ucum_code
from myhealthhub.lib import units
from myhealthhub.profiles.models import Role
from myhealthhub.records.actions import (
    BLOOD_PRESSURE,
    DIASTOLIC,
    GLUCOSE,
    HOME_READINGS,
    SYSTOLIC,
    HomeReading,
)
from myhealthhub.records.models import Observation
from myhealthhub.records.sources import Typists, source_label

router = Router(tags=["readings"])

MOST_AT_ONCE = 500
KEY_LENGTH = 200
LABEL_LENGTH = 200
# A device's clock may run a little ahead of ours (the page allows the same).
AHEAD = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Rule:
    """What a metric accepts: the units it converts from, and the page's bounds in its unit."""

    reading: HomeReading
    units: tuple[str, ...]
    low: float
    high: float
    whole: bool = False


_HOME = {reading.field: reading for reading in HOME_READINGS}
RULES: dict[str, Rule] = {
    # Bounds of its halves below (SYSTOLIC_RANGE, DIASTOLIC_RANGE).
    "blood_pressure": Rule(BLOOD_PRESSURE, ("mm[Hg]",), 0, 0, whole=True),
    "heart_rate": Rule(_HOME["pulse"], ("/min",), 20, 250, whole=True),
    "weight": Rule(_HOME["weight"], ("kg", "g", "[lb_av]"), 0.5, 500),
    "body_temperature": Rule(_HOME["temperature"], ("Cel", "[degF]"), 30, 45),
    "oxygen_saturation": Rule(_HOME["oxygen"], ("%",), 50, 100, whole=True),
    # Kept in the unit it was measured in, as the page keeps it.
    "glucose": Rule(GLUCOSE, ("mg/dL", "mmol/L"), 0.5, 1000),
}
# The home readings page's names for the same metrics.
ALIASES = {"pulse": "heart_rate", "temperature": "body_temperature", "oxygen": "oxygen_saturation"}
METRIC_OF_CODE = {rule.reading.loinc: metric for metric, rule in RULES.items()}
# The page's bounds of each half of a blood pressure.
SYSTOLIC_RANGE, DIASTOLIC_RANGE = (40, 300), (20, 200)

METRICS_DOC = (
    "Metrics and the units each accepts (UCUM, or as people write them: bpm, lbs, mmHg, °F):\n\n"
    '- `blood_pressure`: value `"132/84"`, mm[Hg]\n'
    "- `heart_rate` (or `pulse`): /min\n"
    "- `weight`: kg, g, [lb_av]; kept in kg\n"
    "- `body_temperature` (or `temperature`): Cel, [degF]; kept in Cel\n"
    "- `oxygen_saturation` (or `oxygen`): %\n"
    "- `glucose`: mg/dL or mmol/L, kept as sent\n\n"
    "`time` is ISO 8601; one without an offset is on the token account's clock. "
    f"At most {MOST_AT_ONCE} readings a batch. A `key` sent again, in any later batch, "
    "answers `present` and adds nothing."
)


class ReadingIn(Schema):
    key: str = Field(description="The client's own identifier of this reading, unique to it")
    metric: str
    value: float | str = Field(description='A number; for blood pressure "systolic/diastolic"')
    unit: str = ""
    time: str = Field(
        description="When it was taken, ISO 8601", examples=["2025-03-01T07:30:00+01:00"]
    )
    source: str = Field("", description="The device, as the record should name it")


class ReadingsIn(Schema):
    items: list[ReadingIn]


class LineOut(Schema):
    key: str
    status: str = Field(description="added, present or refused")
    # The result it is, when added or present.
    uuid: UUID | None = None
    problem: str | None = None


class ReadingsOut(Schema):
    added: int
    present: int
    refused: int
    lines: list[LineOut]


class ReadingOut(Schema):
    uuid: UUID
    metric: str
    value: float | str | None
    unit: str
    time: Moment | None
    source: str
    key: str | None


class ReadingPage(Schema):
    items: list[ReadingOut]
    next: str | None


@router.post(
    "/{profile_uuid}/readings",
    response=ReadingsOut,
    operation_id="push_readings",
    summary="Add a batch of readings, each once however often it is sent",
    description=METRICS_DOC,
    openapi_extra=needs(Scope.READINGS, Role.EDITOR),
)
def push_readings(
    request: HttpRequest, profile_uuid: uuid.UUID, payload: ReadingsIn
) -> ReadingsOut:
    access = reach(request, profile_uuid, scope=Scope.READINGS, needs=Role.EDITOR)
    if len(payload.items) > MOST_AT_ONCE:
        raise Problem(
            413,
            _("Too many readings at once"),
            _("Send at most %(count)d readings a batch.") % {"count": MOST_AT_ONCE},
        )
    caller = caller_of(request)
    zone = account_zone(caller.account)
    now = timezone.now()
    # Each line: the reading ready to store, or why it is refused.
    answers: list[tuple[str, Checked | str]] = []
    seen: set[str] = set()
    for item in payload.items:
        found = _check(item, zone, now)
        if item.key in seen:
            found = _("This key is used twice in this batch.")
        seen.add(item.key)
        answers.append((item.key, found))
    written = add_device_readings(
        access.profile,
        [found for _key, found in answers if isinstance(found, Checked)],
        actor=caller.account,
        request=request,
        default_label=caller.token.name,
    )
    lines = []
    for key, found in answers:
        if isinstance(found, str):
            lines.append(LineOut(key=key, status="refused", problem=found))
        else:
            entry_uuid, fresh = written[key]
            lines.append(LineOut(key=key, status="added" if fresh else "present", uuid=entry_uuid))
    counts = {status: sum(line.status == status for line in lines) for status in _STATUSES}
    return ReadingsOut(**counts, lines=lines)


_STATUSES = ("added", "present", "refused")


@router.get(
    "/{profile_uuid}/readings",
    response=ReadingPage,
    operation_id="list_readings",
    summary="The readings of the metrics above, whatever their source, oldest first",
    openapi_extra=needs(Scope.READ, Role.VIEWER),
)
def list_readings(
    request: HttpRequest,
    profile_uuid: uuid.UUID,
    metric: str = "",
    since: dt.date | None = None,
    limit: Annotated[int, Field(ge=1, le=MOST_PER_PAGE)] = PER_PAGE,
    cursor: str = "",
) -> ReadingPage:
    access = reach(request, profile_uuid, scope=Scope.READ, needs=Role.VIEWER)
    if metric and ALIASES.get(metric, metric) not in RULES:
        raise Problem(
            422,
            _("Unknown metric"),
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(RULES)},
        )
    chosen = [RULES[ALIASES.get(metric, metric)]] if metric else list(RULES.values())
    walk = "readings"
    rows = Observation.objects.alive().filter(
        profile_id=access.profile.pk, code__in=[rule.reading.loinc for rule in chosen]
    )
    if since is not None:
        rows = rows.filter(date__gte=since)
    page = list(
        rows.filter(id__gt=row_after(cursor, walk))
        .select_related("source")
        .order_by("id")[: limit + 1]
    )
    more = len(page) > limit
    page = page[:limit]
    reader = caller_of(request).account
    typists = Typists(access.profile.pk)
    system = key_system(reader)
    return ReadingPage(
        items=[_reading_out(row, reader, typists, system) for row in page],
        next=cursor_after(page[-1].pk, walk) if more else None,
    )


def _reading_out(row: Observation, reader: User, typists: Typists, system: str) -> ReadingOut:
    value: float | str | None = row.value_number
    if row.code == BLOOD_PRESSURE.loinc:
        parts = {part.get("code"): part.get("value") for part in row.components}
        if parts.get(SYSTOLIC[0]) is not None and parts.get(DIASTOLIC[0]) is not None:
            value = f"{parts[SYSTOLIC[0]]:g}/{parts[DIASTOLIC[0]]:g}"
    keys = [item.get("value") for item in row.source_identifiers if item.get("system") == system]
    return ReadingOut(
        uuid=row.uuid,
        metric=METRIC_OF_CODE[row.code],
        value=value,
        unit=BLOOD_PRESSURE.unit if row.code == BLOOD_PRESSURE.loinc else row.unit or row.unit_text,
        time=iso(row.taken_at),
        source=source_label(row.source, reader, typists=typists),
        key=keys[0] if keys else None,
    )


# Checking a line: the same bounds as the page's form, in the same stored units.


def _check(item: ReadingIn, zone: dt.tzinfo, now: dt.datetime) -> Checked | str:
    """The reading ready to store, or why it is refused."""
    # A key is the client's own: kept exactly as sent, spaces and all.
    key = item.key
    if not key.strip() or len(key) > KEY_LENGTH or "\x00" in key:
        return _("Give each reading a key of 1 to %(most)d characters.") % {"most": KEY_LENGTH}
    metric = ALIASES.get(item.metric, item.metric)
    rule = RULES.get(metric)
    if rule is None:
        return _("Unknown metric. Choose one of: %(choices)s.") % {"choices": ", ".join(RULES)}
    unit = _unit(rule, item.unit)
    if unit is None:
        return _("This metric is not measured in “%(unit)s”. Use one of: %(units)s.") % {
            "unit": item.unit,
            "units": ", ".join(rule.units),
        }
    at = _moment(item.time, zone)
    if at is None:
        return _("Give the time in ISO 8601, such as 2025-03-01T07:30:00+01:00.")
    if at > now + AHEAD:
        return _("A reading cannot be in the future.")
    label = item.source.strip()
    if len(label) > LABEL_LENGTH or "\x00" in label:
        return _("Name the source in at most %(most)d characters.") % {"most": LABEL_LENGTH}
    if rule.reading is BLOOD_PRESSURE:
        pressure = _pressure(item.value)
        if pressure is None:
            return _("Give blood pressure as two whole numbers, such as “132/84”.")
        (systolic, diastolic) = pressure
        if not (
            SYSTOLIC_RANGE[0] <= systolic <= SYSTOLIC_RANGE[1]
            and DIASTOLIC_RANGE[0] <= diastolic <= DIASTOLIC_RANGE[1]
        ):
            return _("This blood pressure is outside what a reading can be.")
        return Checked(key, rule.reading, None, pressure, unit, at, label)
    if isinstance(item.value, str):
        return _("Give the value as a number.")
    value = _converted(float(item.value), unit, rule)
    if rule.whole and not value.is_integer():
        return _("Give this value as a whole number.")
    if not rule.low <= value <= rule.high:
        return _("This value is outside what a reading can be (%(low)g to %(high)g %(unit)s).") % {
            "low": rule.low,
            "high": rule.high,
            "unit": rule.reading.unit or unit,
        }
    return Checked(key, rule.reading, value, None, unit, at, label)


def _unit(rule: Rule, written: str) -> str | None:
    """The UCUM code of the unit as written, if the metric takes it; the usual one when empty."""
    if not written.strip():
        return rule.units[0]
    code = ucum_code(written.strip())
    return code if code in rule.units else None


def _converted(value: float, unit: str, rule: Rule) -> float:
    target = rule.reading.unit
    if not target or unit == target:
        return value
    conversion = units.linear(unit, target)
    assert conversion is not None, f"{unit} is listed for {target} but does not convert"
    slope, intercept = conversion
    # Two decimals keep a tenth of a pound or a degree, as the page does.
    return round(slope * value + intercept, 2)


def _moment(text: str, zone: dt.tzinfo) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, zone)
    return moment


def _pressure(value: float | str) -> tuple[int, int] | None:
    if not isinstance(value, str) or value.count("/") != 1:
        return None
    upper, lower = (part.strip() for part in value.split("/"))
    if not (upper.isdigit() and lower.isdigit()):
        return None
    return int(upper), int(lower)
