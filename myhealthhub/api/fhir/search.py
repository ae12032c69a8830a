"""Search by type: which of our kinds each FHIR type is, ``_lastUpdated``, and pages.

A type's resources are those the FHIR export writes for its kinds (the
makers in exports/fhir_resources/), in the export's order: kind by kind,
oldest row first. A page ends with a signed cursor, the next page's link.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.api.problems import Problem
from myhealthhub.exports.fhir_resources import RESOURCES, Json, bundle_entry, people
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry

# The types a profile's record is searched by, and the kinds the export writes as each.
# Care team members (Practitioner, Organization) are named by the Patient, documents
# and sources (DocumentReference, Provenance) only come whole, in $everything.
SEARCHABLE: dict[str, tuple[str, ...]] = {
    "AllergyIntolerance": ("allergies", "no-known-allergies"),
    "Condition": ("conditions",),
    "MedicationStatement": ("medications",),
    "Immunization": ("immunizations",),
    "Observation": ("results", "workouts"),
    "Procedure": ("procedures", "medication-reviews"),
    "Encounter": ("visits",),
    "Appointment": ("appointments",),
    "FamilyMemberHistory": ("family-history",),
}
DEFAULT_COUNT = 50
MOST_COUNT = 500
_PAGE_SALT = "myhealthhub.api.fhir.search.page"
# FHIR's date search value: a prefix, then a date or a time at any precision.
_DATE = re.compile(
    r"^(?P<prefix>[a-z]{2})?"
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?P<time>T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass(frozen=True)
class Query:
    updated: Q
    count: int
    # Where the page starts: after row ``after_id`` of the type's kind ``position``.
    position: int = 0
    after_id: int = 0


@dataclass(frozen=True)
class Page:
    total: int
    resources: list[Json]
    # The next page's cursor, or "" on the last.
    next: str


def read_query(params: QueryDict, zone: dt.tzinfo) -> Query:
    """The search's parameters, or a 400 that says which is wrong. Unknown ones are ignored.

    A date, or a time without an offset, is read in ``zone`` (the profile's, as its exports).
    """
    updated = Q()
    for value in params.getlist("_lastUpdated"):
        updated &= _updated(value, zone)
    count = _count(params.get("_count", ""))
    position, after_id = _cursor(params.get("_page", ""))
    return Query(updated=updated, count=count, position=position, after_id=after_id)


def run(profile: Profile, resource_type: str, query: Query) -> Page:
    kinds = SEARCHABLE[resource_type]
    matching = [
        KINDS[slug].queryset(profile).alive().filter(query.updated).order_by("id") for slug in kinds
    ]
    total = sum(rows.count() for rows in matching)
    # One row past the page says whether there is a next one.
    found: list[tuple[int, Entry]] = []
    for position in range(query.position, len(kinds)):
        wanted = query.count + 1 - len(found)
        if wanted <= 0 or query.count == 0:
            break
        rows = matching[position]
        if position == query.position and query.after_id:
            rows = rows.filter(id__gt=query.after_id)
        found += [(position, entry) for entry in rows[:wanted]]
    cursor = ""
    if len(found) > query.count > 0:
        found = found[: query.count]
        last_position, last = found[-1]
        cursor = signing.dumps([last_position, last.pk], salt=_PAGE_SALT)
    patient = people.patient_reference(profile)
    resources = [RESOURCES[kinds[position]](entry, patient) for position, entry in found]
    return Page(total=total, resources=resources, next=cursor)


def searchset(page: Page, self_url: str, next_url: str) -> Json:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": page.total,
        "link": links,
    }
    if page.resources:
        bundle["entry"] = [
            {**bundle_entry(resource), "search": {"mode": "match"}} for resource in page.resources
        ]
    return bundle


def _count(value: str) -> int:
    if not value:
        return DEFAULT_COUNT
    if not value.isdigit() or int(value) > MOST_COUNT:
        raise Problem(
            400,
            _("The search is not right"),
            _("_count takes a number from 0 to %(most)d.") % {"most": MOST_COUNT},
        )
    return int(value)


def _cursor(value: str) -> tuple[int, int]:
    if not value:
        return 0, 0
    try:
        position, after_id = signing.loads(value, salt=_PAGE_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        raise Problem(
            400,
            _("The search is not right"),
            _("This page's link is not one this server made. Start the search again."),
        ) from None
    return int(position), int(after_id)


def _updated(value: str, zone: dt.tzinfo) -> Q:
    """One ``_lastUpdated`` value as a filter on when the entry last changed."""
    # An unencoded "+01:00" arrives as " 01:00".
    value = value.strip().replace(" ", "+")
    match = _DATE.match(value)
    try:
        if match is None:
            raise ValueError(value)
        start, end = _range(match, zone)
    except (ValueError, OverflowError):
        raise _bad_date(value) from None
    comparisons = {
        "eq": Q(updated_at__gte=start, updated_at__lt=end),
        "ne": Q(updated_at__lt=start) | Q(updated_at__gte=end),
        "gt": Q(updated_at__gte=end),
        "sa": Q(updated_at__gte=end),
        "lt": Q(updated_at__lt=start),
        "eb": Q(updated_at__lt=start),
        "ge": Q(updated_at__gte=start),
        "le": Q(updated_at__lt=end),
    }
    comparison = comparisons.get(match["prefix"] or "eq")
    if comparison is None:
        raise _bad_date(value)
    return comparison


def _range(match: re.Match[str], zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The instants the value stands for, at its precision: "2026-01" is all of January."""
    year = int(match["year"])
    if match["time"]:
        start = dt.datetime.fromisoformat(
            f"{match['year']}-{match['month']}-{match['day']}{match['time']}"
        )
        if timezone.is_naive(start):
            start = timezone.make_aware(start, zone)
        clock = match["time"][1:].split("+")[0].split("-")[0].rstrip("Z")
        step = {5: dt.timedelta(minutes=1), 8: dt.timedelta(seconds=1)}.get(
            len(clock), dt.timedelta(microseconds=1)
        )
        return start, start + step
    if match["day"]:
        day = dt.date(year, int(match["month"]), int(match["day"]))
        return _midnight(day, zone), _midnight(day + dt.timedelta(days=1), zone)
    if match["month"]:
        month = dt.date(year, int(match["month"]), 1)
        following = dt.date(year + month.month // 12, month.month % 12 + 1, 1)
        return _midnight(month, zone), _midnight(following, zone)
    return _midnight(dt.date(year, 1, 1), zone), _midnight(dt.date(year + 1, 1, 1), zone)


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), zone)


def _bad_date(value: str) -> Problem:
    return Problem(
        400,
        _("The search is not right"),
        _(
            "_lastUpdated takes a date or time with a prefix (eq, ne, gt, lt, ge, le, sa, eb), "
            "such as ge2026-01-01T00:00:00Z; “%(value)s” is not one."
        )
        % {"value": value[:40]},
    )
