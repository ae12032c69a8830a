"""What the personal health summary holds, section by section, with the person's choices.

Each section is one function that gathers its part of the record in a bounded
number of queries, whatever the record's size, registered under a stable name
(``ExportOptions.sections`` and the form's checkboxes use these names). The
current state (allergies, medications, conditions) comes from the same
selections as the profile overview, so the two never disagree.

"To verify with your clinician": when sources disagree the summary must say
so beside the item (DESIGN.md principle 5). Which items state the same thing
and which disagree is reconcile's to say, an app above this one: it answers
the records' grouping hook once per summary, and the lists of medicines,
allergies and problems keep one line per group, with its number of sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from myhealthhub.lib import formatting
from myhealthhub.lib.dates import Precision
from myhealthhub.lib.formatting import Preferences
from myhealthhub.profiles.models import EmergencyContact, Grant, Profile, Role
from myhealthhub.profiles.zones import zone_label
from myhealthhub.records.abnormal import Flag, result_flag
from myhealthhub.records.grouped import Grouping, grouping
from myhealthhub.records.measurements import board as measurement_board
from myhealthhub.records.models import (
    Appointment,
    CareTeamMember,
    Encounter,
    Entry,
    Immunization,
    MedicationReview,
    Observation,
    Procedure,
)
from myhealthhub.records.models.base import NEWEST_FIRST
from myhealthhub.records.models.immunizations import ImmunizationStatus
from myhealthhub.records.models.visits import AppointmentStatus
from myhealthhub.records.overview import (
    active_conditions,
    allergy_status,
    medications_taken_now,
    still_taking_unknown,
)
from myhealthhub.records.panels import by_panel
from myhealthhub.records.presenting import result_name, result_range, result_value
from myhealthhub.records.trends import build_pressure_trend
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.sparkline import Series, sparkline_uris

# Without a chosen period, results look back this far; other sections show everything.
RECENT_RESULTS_DAYS = 2 * 365
# The tests worth a line on a one-page summary, most telling first (LOINC).
IMPORTANT_RESULTS = (
    "4548-4",  # hemoglobin A1c
    "2345-7",  # glucose
    "13457-7",  # LDL cholesterol (calculated)
    "18262-6",  # LDL cholesterol (direct)
    "2093-3",  # total cholesterol
    "2160-0",  # creatinine
    "33914-3",  # eGFR (MDRD)
    "62238-1",  # eGFR (CKD-EPI)
    "2823-3",  # potassium
    "718-7",  # hemoglobin
    "3016-3",  # TSH
    "6301-6",  # INR
    "85354-9",  # blood pressure panel
    "29463-7",  # body weight
    "39156-5",  # BMI
)
SHOWN_RESULTS = 6
# Newest results read to find uncoded or other tests when the list above runs short.
RECENT_SCAN = 200
TREND_POINTS = 24
# Blood pressure, the panel of its two halves (LOINC 85354-9).
BLOOD_PRESSURE = "85354-9"
SHOWN_EVENTS = 8
SHOWN_APPOINTMENTS = 5
SHOWN_CARE_TEAM = 8
SHOWN_CONTACTS = 4
SHOWN_VACCINES = 12


@dataclass(frozen=True)
class Period:
    """Items dated before ``since`` are left out; ``chosen`` says whether the person set it."""

    today: dt.date
    since: dt.date | None
    chosen: bool

    def for_results(self) -> dt.date:
        if self.since is not None:
            return self.since
        return self.today - dt.timedelta(days=RECENT_RESULTS_DAYS)


# What a section's template receives, gathered from the record.
Gatherer = Callable[[Profile, "Period"], dict[str, Any]]


@dataclass(frozen=True)
class Spec:
    name: str
    label: Promise
    template: str
    gather: Gatherer


@dataclass(frozen=True)
class Part:
    """One section as gathered: its name, heading, template and what the template shows."""

    name: str
    label: Promise
    template: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Summary:
    profile: Profile
    language: str
    paper: str
    generated: dt.date
    period: Period
    parts: list[Part] = field(default_factory=list)
    # The zone its times are in: the reader's on the page, the profile's in an export.
    zone: str = ""
    grouping: Grouping = field(default_factory=Grouping)


SECTIONS: dict[str, Spec] = {}


def section(name: str, label: Promise) -> Callable[[Gatherer], Gatherer]:
    def register(gather: Gatherer) -> Gatherer:
        SECTIONS[name] = Spec(name, label, f"summary/sections/{name}.html", gather)
        return gather

    return register


def section_choices() -> list[tuple[str, Promise]]:
    return [(spec.name, spec.label) for spec in SECTIONS.values()]


def gather(profile: Profile, options: ExportOptions) -> Summary:
    """The summary of ``profile`` as the person chose it; call it in the summary's language."""
    today = timezone.localdate()
    period = Period(today=today, since=options.since, chosen=options.since is not None)
    # Unknown names are ignored; none known left means the default ones.
    chosen = (options.sections & SECTIONS.keys()) or DEFAULT_SECTIONS
    summary = Summary(
        profile=profile,
        language=options.language,
        paper=options.paper,
        generated=today,
        period=period,
        zone=zone_label(timezone.get_current_timezone()),
    )
    grouping(profile, summary.grouping)
    for spec in SECTIONS.values():
        if spec.name in chosen:
            label = spec.label
            if spec.name == "medications" and profile.deceased_date is not None:
                # A person who died takes nothing now: the list is the last one recorded.
                label = _("Medications last recorded as taken")
            data = spec.gather(profile, period)
            for listed in FOLDED.get(spec.name, ()):
                data[listed] = summary.grouping.one_per_group(data[listed])
            summary.parts.append(Part(spec.name, label, spec.template, data))
    return summary


# The lists that show one line per group (the rest are events, each its own).
FOLDED = {
    "medications": ("medications",),
    "allergies": ("allergies",),
    "conditions": ("conditions",),
}


def reader_units(profile: Profile) -> Preferences:
    """The units results are shown in: the reader's, set by the caller with
    ``formatting.using(account)``, else those of the profile's owner (a
    background export has no reader at hand)."""
    chosen = formatting.active()
    if chosen is not None:
        return chosen
    grant = (
        Grant.objects.in_force()
        .filter(profile_id=profile.pk, role=Role.OWNER)
        .select_related("account")
        .order_by("id")
        .first()
    )
    return Preferences.of(grant.account if grant else None)


def _dated(queryset: Any, since: dt.date | None) -> Any:
    """Items whose date falls in the period, a partial date counting if its span reaches it.

    "2024" (stored as 1 January) overlaps a period from July 2024; so does
    "July 2024" one from the 15th. Each arm stays a range on the date column.
    """
    if since is None:
        return queryset
    return queryset.filter(
        Q(date__gte=since)
        | Q(date_precision=Precision.MONTH, date__gte=since.replace(day=1))
        | Q(date_precision=Precision.YEAR, date__gte=dt.date(since.year, 1, 1))
    )


@section("allergies", _("Allergies and intolerances"))
def allergies(profile: Profile, period: Period) -> dict[str, Any]:
    status = allergy_status(profile)
    prefetch_related_objects(status["allergies"], "source")
    if status["no_known_allergies"] is not None:
        prefetch_related_objects([status["no_known_allergies"]], "source")
    return status


@section("medications", _("Medications taken now"))
def medications(profile: Profile, period: Period) -> dict[str, Any]:
    review = (
        MedicationReview.objects.alive()
        .filter(profile_id=profile.pk, date__isnull=False)
        .select_related("source")
        .order_by(*NEWEST_FIRST)
        .first()
    )
    taken = list(medications_taken_now(profile).select_related("source"))
    return {
        "medications": taken,
        "unknown": still_taking_unknown(taken, period.today),
        "review": review,
        "deceased": profile.deceased_date is not None,
    }


@section("conditions", _("Active conditions"))
def conditions(profile: Profile, period: Period) -> dict[str, Any]:
    return {"conditions": list(active_conditions(profile).select_related("source"))}


@dataclass
class Result:
    latest: Observation
    # The latest value out of range, as the source says or as its range shows (records/abnormal.py).
    flag: Flag | None
    # The values to draw, oldest first, in the latest one's unit.
    series: Series
    # The chart as a data: URI, or "" with fewer than 2 values.
    chart: str = ""
    # The latest value and its reference range in the reader's units: "5,5 mmol/L", "3,9–5,6".
    value: str = ""
    range: str = ""
    # The test as every page names it: "Mean platelet volume (MPV)", "Glucosa".
    name: str = ""

    @property
    def count(self) -> int:
        return len(self.series.points)


@section("results", _("Recent results"))
def results(profile: Profile, period: Period) -> dict[str, Any]:
    since = period.for_results()
    recent = Observation.objects.alive().filter(
        profile_id=profile.pk, date__isnull=False, date__gte=since
    )
    units = reader_units(profile)
    shown: list[Result] = []
    for code, display in _result_keys(profile, recent):
        series = recent.filter(code=code) if code else recent.filter(code="", display=display)
        # Newest first along the (profile, date) index, stopping at the last point needed.
        newest = list(series.select_related("source").order_by("-date", "-id")[:TREND_POINTS])
        if newest:
            result = _result(newest, units)
            if code == BLOOD_PRESSURE:
                result.series = _pressure_series(profile, since)
            shown.append(result)
        if len(shown) == SHOWN_RESULTS:
            break
    drawn = [result for result in shown if result.count >= 2]
    for result, chart in zip(drawn, sparkline_uris([r.series for r in drawn]), strict=True):
        result.chart = chart
    # A clinician reads the lipids together: the chosen tests by panel, each under its name.
    groups = by_panel(shown, lambda result: result.latest)
    return {
        "results": [result for group in groups for result in group.rows],
        "groups": groups,
        "since": since,
    }


def _result_keys(profile: Profile, recent: Any) -> Iterator[tuple[str, str]]:
    """Which tests to show, as (code, display): the important ones, then the most recent others.

    Each lookup walks the (profile, code) or (profile, date) index and stops
    early, so a profile with 100,000 results costs what one with 10 does.
    """
    given: set[tuple[str, str]] = set()
    for code in IMPORTANT_RESULTS:
        # No date here: with one, SQLite may walk the period's rows by date to
        # look for a code that is not there. A code seen only before the period
        # finds no values in it and is passed over.
        if Observation.objects.filter(profile_id=profile.pk, code=code).exists():
            given.add((code, ""))
            yield code, ""
    newest = recent.order_by("-date", "-id").values_list("code", "display")[:RECENT_SCAN]
    for code, display in newest:
        key = (code, "") if code else ("", display)
        if key not in given:
            given.add(key)
            yield key


def _pressure_series(profile: Profile, since: dt.date) -> Series:
    """Blood pressure's two lines in the period: its readings hold no single number to draw."""
    trend = build_pressure_trend(profile, since)
    readings = trend.readings if trend else []
    return Series.of_pressures(readings[-TREND_POINTS:])


def _result(newest: list[Observation], units: Preferences) -> Result:
    latest = newest[0]
    # Only values in the latest one's unit: a chart never mixes mg/dL and mmol/L.
    unit = latest.unit or latest.unit_text
    points = [
        (observation.date, observation.value_number)
        for observation in reversed(newest)
        if observation.value_number is not None
        and (observation.unit or observation.unit_text) == unit
        and observation.date is not None
    ]
    series = Series(points, low=latest.reference_low, high=latest.reference_high)
    return Result(
        latest=latest,
        flag=result_flag(latest),
        series=series,
        value=result_value(latest, account=units).text,
        range=result_range(latest, account=units),
        name=result_name(latest),
    )


@section("measurements", _("Measurements"))
def measurements(profile: Profile, period: Period) -> dict[str, Any]:
    """The small charts of the series the person follows (records/measurements.py)."""
    since = period.for_results()
    return {
        "charts": measurement_board(profile, reader_units(profile), since=since).charts,
        "since": since,
    }


@dataclass(frozen=True)
class Vaccine:
    """One vaccine with every dose given in the period, newest first."""

    name: str
    doses: list[Immunization]


@section("immunizations", _("Immunizations"))
def immunizations(profile: Profile, period: Period) -> dict[str, Any]:
    given = _dated(
        Immunization.objects.alive().filter(
            profile_id=profile.pk, status=ImmunizationStatus.COMPLETED
        ),
        period.since,
    )
    vaccines: dict[str, Vaccine] = {}
    for dose in given.select_related("source").order_by(*NEWEST_FIRST):
        key = dose.code or dose.display.casefold()
        vaccines.setdefault(key, Vaccine(name=dose.display, doses=[])).doses.append(dose)
    listed = list(vaccines.values())
    return {
        "vaccines": listed[:SHOWN_VACCINES],
        "more": max(len(listed) - SHOWN_VACCINES, 0),
    }


@section("events", _("Procedures and major events"))
def events(profile: Profile, period: Period) -> dict[str, Any]:
    """Procedures first, then visits in the room left: routine visits never push out surgery."""

    def newest(model: type[Entry], count: int) -> list[Entry]:
        rows = _dated(model.objects.alive().filter(profile_id=profile.pk), period.since)
        # One more than shown tells whether there are more, without counting them all.
        return list(rows.select_related("source").order_by(*NEWEST_FIRST)[: count + 1])

    procedures = newest(Procedure, SHOWN_EVENTS)
    room = max(SHOWN_EVENTS - len(procedures), 0)
    visits = newest(Encounter, room)
    more = len(procedures) > SHOWN_EVENTS or len(visits) > room
    shown = procedures[:SHOWN_EVENTS] + visits[:room]
    shown.sort(key=lambda entry: (entry.date or dt.date.min, entry.pk), reverse=True)
    return {"events": shown, "more": more}


@section("appointments", _("Upcoming appointments"))
def appointments(profile: Profile, period: Period) -> dict[str, Any]:
    upcoming = (
        Appointment.objects.alive()
        .filter(
            profile_id=profile.pk,
            starts_at__gte=timezone.now(),
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.PROPOSED],
        )
        .select_related("source")
        .order_by("starts_at")
    )
    return {"appointments": list(upcoming[:SHOWN_APPOINTMENTS])}


@section("contacts", _("Care team and emergency contacts"))
def contacts(profile: Profile, period: Period) -> dict[str, Any]:
    team = (
        CareTeamMember.objects.alive()
        .filter(profile_id=profile.pk)
        .select_related("source")
        .order_by("display", "id")
    )
    return {
        "care_team": list(team[:SHOWN_CARE_TEAM]),
        "emergency_contacts": list(
            EmergencyContact.objects.filter(profile_id=profile.pk).order_by("id")[:SHOWN_CONTACTS]
        ),
    }


# Measurements only when chosen: four charts more would push the default summary,
# one page, onto a second.
DEFAULT_SECTIONS = frozenset(SECTIONS) - {"measurements"}
