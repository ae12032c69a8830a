"""What the profile overview shows from the record: one query per section, whatever its size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone

from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.overview import Section, overview_section
from myhealthhub.records import presenting
from myhealthhub.records.grouped import folded
from myhealthhub.records.models import (
    Allergy,
    Appointment,
    Condition,
    Medication,
    MedicationReview,
    NoKnownAllergies,
    Observation,
)
from myhealthhub.records.models.allergies import AllergyStatus
from myhealthhub.records.models.base import NEWEST_FIRST, EntryQuerySet, SourceKind
from myhealthhub.records.models.conditions import ClinicalStatus, Verification
from myhealthhub.records.models.medications import MedicationStatus
from myhealthhub.records.models.visits import AppointmentStatus

SHOWN = 8
# Newest results read to find the latest of each test: a long panel (a CBC of
# 20 parts, a metabolic panel) on the last day must not hide every other test.
COUNT_AT_MOST = 1000
RESULTS_SCAN = 200


def allergy_status(profile: Profile, limit: int | None = None) -> dict[str, Any]:
    """Active allergies, or else the latest "no known allergies" statement, or neither.

    Shared by the overview and the visit preparation page, which must agree.
    """
    listed = list(
        Allergy.objects.alive()
        .filter(profile_id=profile.pk, status=AllergyStatus.ACTIVE)
        .order_by("display")[:limit]
    )
    statement = None
    if not listed:
        statement = (
            NoKnownAllergies.objects.alive()
            .filter(profile_id=profile.pk)
            .order_by(*NEWEST_FIRST)
            .first()
        )
    return {"allergies": listed, "no_known_allergies": statement}


def active_conditions(profile: Profile) -> EntryQuerySet:
    """Conditions the person has now; shared by the overview, the summary and the IPS.

    A ruled-out diagnosis is not one the person has, whatever its clinical status.
    """
    return (
        Condition.objects.alive()
        .filter(
            profile_id=profile.pk,
            clinical_status__in=[ClinicalStatus.ACTIVE, ClinicalStatus.RECURRENCE],
        )
        .exclude(verification=Verification.REFUTED)
        .order_by("display")
    )


def medications_taken_now(profile: Profile) -> EntryQuerySet:
    return (
        Medication.objects.alive()
        .filter(profile_id=profile.pk, status=MedicationStatus.ACTIVE)
        .order_by("display")
    )


# How long a document's "taking it" stays news: after a year without word
# from the source, whether the person still takes it is a question to ask.
STILL_TAKING_FOR = dt.timedelta(days=365)


def still_taking_unknown(medications: list[Medication], today: dt.date) -> set[Any]:
    """The UUIDs of imported medicines whose source last said "taking" over a year ago.

    A document years old with no end date says the medicine was taken then,
    not now. What the person typed in themselves stays current by their own
    word; an import counts from the document's own date, else from the
    medicine's start when the file gives no date of its own.
    """
    unknown = set()
    for medication in medications:
        source = medication.source
        if source.kind != SourceKind.IMPORT or medication.end_date is not None:
            continue
        written = source.written_on
        said_on = written.earliest if written else medication.date
        if said_on is not None and today - said_on > STILL_TAKING_FOR:
            unknown.add(medication.uuid)
    return unknown


# Statements read for a panel's lines: several sources state most things.
READ_FOR_LINES = 10


@overview_section(10)
def allergies(profile: Profile) -> Section:
    status = allergy_status(profile, SHOWN * READ_FOR_LINES)
    status["allergies"] = folded(profile, status["allergies"], SHOWN)
    return Section("records/overview/allergies.html", status)


@overview_section(20)
def medications(profile: Profile) -> Section:
    # A person who died takes nothing now: the list is the last one recorded.
    taken = list(
        medications_taken_now(profile).select_related("source")[: SHOWN * 3 * READ_FOR_LINES]
    )
    lines = folded(profile, taken, SHOWN * 3)
    return Section(
        "records/overview/medications.html",
        {
            "medications": lines,
            "unknown": still_taking_unknown(
                [line.entry for line in lines if isinstance(line.entry, Medication)],
                timezone.localdate(),
            ),
            "deceased": profile.deceased_date is not None,
        },
    )


@overview_section(30)
def conditions(profile: Profile) -> Section:
    listed = list(active_conditions(profile)[: SHOWN * 3 * READ_FOR_LINES])
    return Section(
        "records/overview/conditions.html", {"conditions": folded(profile, listed, SHOWN * 3)}
    )


@overview_section(40)
def appointments(profile: Profile) -> Section:
    upcoming = Appointment.objects.alive().filter(
        profile_id=profile.pk,
        starts_at__gte=timezone.now(),
        status__in=[AppointmentStatus.BOOKED, AppointmentStatus.PROPOSED],
    )
    return Section(
        "records/overview/appointments.html",
        {"appointments": list(upcoming.order_by("starts_at")[:SHOWN])},
    )


@dataclass(frozen=True)
class LatestResult:
    """One test's latest value, and how many values of that test the record holds."""

    latest: Observation
    # Counted up to COUNT_AT_MOST + 1: more than the cap reads as "1000+".
    count: int

    @property
    def more_than_counted(self) -> bool:
        return self.count > COUNT_AT_MOST

    @property
    def shown_count(self) -> int:
        return min(self.count, COUNT_AT_MOST)

    @property
    def name(self) -> str:
        return presenting.result_name(self.latest)

    @property
    def trend_query(self) -> str:
        """The trend page's query for this test: by code, else by name, as the page reads it."""
        if self.latest.code:
            return urlencode({"code": self.latest.code})
        return urlencode({"name": self.latest.display})


def result_key(code: str, display: str) -> tuple[str, str]:
    """What makes two results the same test: the code, else the name as written."""
    return (code, "") if code else ("", display)


def latest_results(profile: Profile, limit: int = SHOWN) -> list[LatestResult]:
    """The latest value of each of the most recently measured tests, newest first, no repeats.

    Three queries whatever the record's size: the newest rows (bounded), the
    chosen results, and one count grouped by test along the (profile, code) index.
    """
    alive = Observation.objects.alive().filter(profile_id=profile.pk)
    # An undated result is not a "latest" one; the plain order walks the index.
    newest = (
        alive.filter(date__isnull=False)
        .order_by("-date", "-id")
        .values_list("id", "code", "display")[:RESULTS_SCAN]
    )
    chosen: dict[tuple[str, str], int] = {}
    for pk, code, display in newest:
        key = result_key(code, display)
        if key not in chosen:
            chosen[key] = pk
            if len(chosen) == limit:
                break
    results = alive.filter(pk__in=chosen.values()).select_related("source").in_bulk()
    counts = {key: _count_of(alive, key) for key in chosen}
    return [LatestResult(results[pk], counts[key]) for key, pk in chosen.items() if pk in results]


def _count_of(alive: EntryQuerySet, key: tuple[str, str]) -> int:
    """How many values of one test, counted no further than COUNT_AT_MOST.

    Counting every value of a test a device measures hourly would walk tens
    of thousands of rows for a number no one reads exactly: past the cap the
    overview says "1000+ values".
    """
    code, display = key
    series = alive.filter(code=code) if code else alive.filter(code="", display=display)
    return series[: COUNT_AT_MOST + 1].count()


@overview_section(50)
def results(profile: Profile) -> Section:
    return Section("records/overview/results.html", {"results": latest_results(profile)})


@overview_section(60)
def medication_review(profile: Profile) -> Section:
    last = (
        MedicationReview.objects.alive()
        .filter(profile_id=profile.pk)
        .filter(Q(date__isnull=False) | Q(next_due__isnull=False))
        .order_by(*NEWEST_FIRST)
        .first()
    )
    due = bool(last and last.next_due and last.next_due <= timezone.localdate())
    return Section("records/overview/medication_review.html", {"review": last, "due": due})
