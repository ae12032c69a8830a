"""What the profile overview shows from the record: at most one query per section.

The record's six panels are one overview section, read in a handful of
queries and kept in the cache per profile (overview_cache.py) until an entry
or a group of the profile changes, or until the first upcoming appointment
listed starts. What the clock decides from what is kept ("still taking?",
"review due") is worked out at each request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Case, Count, Exists, Q, Subquery, Value, When
from django.utils import timezone

from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.overview import Section, overview_section
from myhealthhub.records import overview_cache, presenting
from myhealthhub.records.grouped import Listed, grouping_of, lines_of
from myhealthhub.records.models import (
    Allergy,
    Appointment,
    Condition,
    Medication,
    MedicationReview,
    NoKnownAllergies,
    Observation,
    Source,
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
        .order_by("display", "id")[:limit]
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
        .order_by("display", "id")
    )


def medications_taken_now(profile: Profile) -> EntryQuerySet:
    # By name, then as recorded: which statement of a medicine heads its line
    # must not depend on the index the database happens to walk.
    return (
        Medication.objects.alive()
        .filter(profile_id=profile.pk, status=MedicationStatus.ACTIVE)
        .order_by("display", "id")
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

    Two queries whatever the record's size: the newest rows (bounded), then
    the chosen results, each with its test's values counted no further than
    COUNT_AT_MOST.
    """
    alive = Observation.objects.alive().filter(profile_id=profile.pk)
    # An undated result is not a "latest" one; the list's own order walks its index.
    newest = (
        alive.filter(date__isnull=False)
        .order_by(*NEWEST_FIRST)
        .values_list("id", "code", "display")[:RESULTS_SCAN]
    )
    chosen: dict[tuple[str, str], int] = {}
    for pk, code, display in newest:
        key = result_key(code, display)
        if key not in chosen:
            chosen[key] = pk
            if len(chosen) == limit:
                break
    if not chosen:
        return []
    rows = (
        alive.filter(pk__in=chosen.values())
        .select_related("source")
        .annotate(
            values_counted=Case(
                *(When(pk=pk, then=_counted(alive, key)) for key, pk in chosen.items()),
                default=Value(1),
            )
        )
        .in_bulk()
    )
    return [LatestResult(rows[pk], rows[pk].values_counted) for pk in chosen.values() if pk in rows]


def _counted(alive: EntryQuerySet, key: tuple[str, str]) -> Case:
    """How many values of one test, counted no further than COUNT_AT_MOST.

    Counting every value of a test a device measures hourly would walk tens
    of thousands of rows for a number no one reads exactly: past the cap the
    overview says "1000+ values". The test's code is written in the query, not
    taken from the outer row, so PostgreSQL plans each test on its own
    statistics (a correlated subquery got a generic plan reading every result
    of the profile); the full count runs only when no value lies past the cap,
    as a CASE evaluates its subqueries only when reached.
    """
    code, display = key
    series = (
        alive.filter(code=code) if code else alive.filter(code="", display=display)
    ).order_by()
    return Case(
        When(Exists(series[COUNT_AT_MOST : COUNT_AT_MOST + 1]), then=Value(COUNT_AT_MOST + 1)),
        default=Subquery(series.values("profile_id").annotate(n=Count("id")).values("n")),
    )


def last_medication_review(profile: Profile) -> MedicationReview | None:
    return (
        MedicationReview.objects.alive()
        .filter(profile_id=profile.pk)
        .filter(Q(date__isnull=False) | Q(next_due__isnull=False))
        .order_by(*NEWEST_FIRST)
        .first()
    )


@dataclass(frozen=True)
class KeptPanels:
    """What the entries and their groups alone decide: kept in the cache per profile."""

    allergies: list[Listed]
    no_known_allergies: NoKnownAllergies | None
    medications: list[Listed]
    conditions: list[Listed]
    results: list[LatestResult]
    review: MedicationReview | None
    # The next ones when read: exact until the first of them starts.
    appointments: list[Appointment]
    # Nothing was ever added (every entry and document has a source): the page
    # shows where to begin. A copy kept before this was known says False.
    nothing_yet: bool = False

    def stale(self, now: dt.datetime) -> bool:
        """Whether an appointment listed has started since: the next one may be missing."""
        return any(appointment.starts_at < now for appointment in self.appointments)


def read_panels(profile: Profile) -> KeptPanels:
    """Read from the record: one query per panel, and one for all of their groups."""
    now = timezone.now()
    status = allergy_status(profile, SHOWN * READ_FOR_LINES)
    # A person who died takes nothing now: the list is the last one recorded.
    taken = list(
        medications_taken_now(profile).select_related("source")[: SHOWN * 3 * READ_FOR_LINES]
    )
    listed = list(active_conditions(profile)[: SHOWN * 3 * READ_FOR_LINES])
    groups = grouping_of(profile, [*status["allergies"], *taken, *listed])
    return KeptPanels(
        allergies=lines_of(groups, status["allergies"], SHOWN),
        no_known_allergies=status["no_known_allergies"],
        medications=lines_of(groups, taken, SHOWN * 3),
        conditions=lines_of(groups, listed, SHOWN * 3),
        results=latest_results(profile),
        review=last_medication_review(profile),
        appointments=list(upcoming_appointments(profile, now)[:SHOWN]),
        nothing_yet=not Source.objects.filter(profile_id=profile.pk).exists(),
    )


def upcoming_appointments(profile: Profile, now: dt.datetime) -> EntryQuerySet:
    return (
        Appointment.objects.alive()
        .filter(
            profile_id=profile.pk,
            starts_at__gte=now,
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.PROPOSED],
        )
        .order_by("starts_at")
    )


@overview_section(10)
def record(profile: Profile) -> Section:
    """The record's panels, in order: allergies to medication review."""
    now = timezone.now()
    kept = overview_cache.kept_panels(profile, read_panels)
    if kept.stale(now):
        kept = overview_cache.read_again(profile, read_panels)
    today = timezone.localdate(now)
    review = kept.review
    panels = [
        Section(
            "records/overview/allergies.html",
            {"allergies": kept.allergies, "no_known_allergies": kept.no_known_allergies},
        ),
        Section(
            "records/overview/medications.html",
            {
                "medications": kept.medications,
                "unknown": still_taking_unknown(
                    [line.entry for line in kept.medications if isinstance(line.entry, Medication)],
                    today,
                ),
                "deceased": profile.deceased_date is not None,
            },
        ),
        Section("records/overview/conditions.html", {"conditions": kept.conditions}),
        Section(
            "records/overview/appointments.html",
            {"appointments": kept.appointments},
        ),
        Section("records/overview/results.html", {"results": kept.results}),
        Section(
            "records/overview/medication_review.html",
            {
                "review": review,
                "due": bool(review and review.next_due and review.next_due <= today),
            },
        ),
    ]
    return Section(
        "records/overview/record.html", {"panels": panels, "nothing_yet": kept.nothing_yet}
    )
