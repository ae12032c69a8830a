"""What is due, from the record's own dates only, and who is told.

Never advice: a reminder says which date the record holds (a review's next
due date, an appointment's start, a link's end), never what to do about it.
Who is told: everyone who may read the profile for a review or an
appointment; its owners for a link or a caregiver's access about to end;
whoever started a failed import, or the owners when they no longer can read it.
Nobody is reminded of anything about a person who has died.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q

from myhealthhub.accounts.models import User
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.profiles.models import Grant, Profile, Role
from myhealthhub.profiles.zones import zone_for
from myhealthhub.records.models import Appointment, MedicationReview
from myhealthhub.records.models.base import NEWEST_FIRST
from myhealthhub.records.models.visits import AppointmentStatus
from myhealthhub.reminders.models import Kind
from myhealthhub.sharing.models import ShareLink

# A review is told of this many days before its due date, and once it has passed.
REVIEW_AHEAD = dt.timedelta(days=7)
# A link or a caregiver's access is told of this long before it ends.
ENDING_WITHIN = dt.timedelta(days=3)
# Failed imports older than this are not told of: a reminder is for what just happened.
FAILED_WITHIN = dt.timedelta(days=2)
# Wide enough to hold "tomorrow" in every time zone, from UTC−12 to UTC+14.
TOMORROW_ANYWHERE = dt.timedelta(hours=50)
# What may still happen: an attended, missed or cancelled appointment is not reminded of.
COMING = (AppointmentStatus.BOOKED, AppointmentStatus.PROPOSED)


@dataclass(frozen=True)
class Due:
    """One reminder for one account, as a Notice will keep it."""

    account: User
    profile: Profile
    kind: Kind
    key: str
    subject_uuid: uuid.UUID
    title: str = ""
    person: str = ""
    at: dt.datetime | None = None
    on: dt.date | None = None


def due_at(now: dt.datetime) -> list[Due]:
    """Every reminder due at ``now``, for every account; whether it was given is not asked."""
    return [
        *reviews_due(now),
        *appointments_tomorrow(now),
        *links_ending(now),
        *grants_ending(now),
        *imports_failed(now),
    ]


def _grants(profile_ids: Iterable[int], now: dt.datetime) -> dict[int, list[Grant]]:
    """The live grants of the living profiles among ``profile_ids``, with their accounts."""
    grants: dict[int, list[Grant]] = defaultdict(list)
    for grant in (
        Grant.objects.in_force(now)
        .filter(
            profile_id__in=set(profile_ids),
            profile__deceased_date__isnull=True,
            account__is_active=True,
        )
        .select_related("account", "profile")
        .order_by("id")
    ):
        grants[grant.profile_id].append(grant)
    return grants


def _owners(grants: list[Grant]) -> Iterator[Grant]:
    return (grant for grant in grants if grant.role == Role.OWNER)


def _today(profile: Profile, account: User, now: dt.datetime) -> dt.date:
    return now.astimezone(zone_for(profile, account)).date()


def reviews_due(now: dt.datetime) -> Iterator[Due]:
    """The latest review of each profile, when its next due date is near or past."""
    horizon = (now + REVIEW_AHEAD + dt.timedelta(days=1)).date()
    profile_ids = set(
        MedicationReview.objects.alive()
        .filter(next_due__isnull=False, next_due__lte=horizon)
        .values_list("profile_id", flat=True)
    )
    if not profile_ids:
        return
    latest: dict[int, MedicationReview] = {}
    for review in (
        MedicationReview.objects.alive()
        .filter(profile_id__in=profile_ids)
        .filter(Q(date__isnull=False) | Q(next_due__isnull=False))
        .order_by("profile_id", *NEWEST_FIRST)
    ):
        latest.setdefault(review.profile_id, review)
    grants = _grants(latest, now)
    for profile_id, review in latest.items():
        if review.next_due is None:
            continue  # a newer review set no date: the older date no longer counts
        for grant in grants[profile_id]:
            if review.next_due > _today(grant.profile, grant.account, now) + REVIEW_AHEAD:
                continue
            yield Due(
                account=grant.account,
                profile=grant.profile,
                kind=Kind.REVIEW,
                key=f"review:{review.uuid}:{review.next_due.isoformat()}",
                subject_uuid=review.uuid,
                title=review.display,
                person=review.reviewer,
                on=review.next_due,
            )


def appointments_tomorrow(now: dt.datetime) -> Iterator[Due]:
    """Appointments that start tomorrow where the profile lives (zones.zone_for)."""
    appointments = list(
        Appointment.objects.alive().filter(
            starts_at__gt=now, starts_at__lt=now + TOMORROW_ANYWHERE, status__in=COMING
        )
    )
    grants = _grants((appointment.profile_id for appointment in appointments), now)
    for appointment in appointments:
        for grant in grants[appointment.profile_id]:
            zone = zone_for(grant.profile, grant.account)
            tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
            if appointment.starts_at.astimezone(zone).date() != tomorrow:
                continue
            # The start in the key: moved to another time, it is told of again.
            start = appointment.starts_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
            yield Due(
                account=grant.account,
                profile=grant.profile,
                kind=Kind.APPOINTMENT,
                key=f"appointment:{appointment.uuid}:{start}",
                subject_uuid=appointment.uuid,
                title=appointment.display,
                person=appointment.clinician,
                at=appointment.starts_at,
            )


def links_ending(now: dt.datetime) -> Iterator[Due]:
    """Share links still open that end soon: their profile's owners are told."""
    links = list(ShareLink.objects.live(now).filter(expires_at__lte=now + ENDING_WITHIN))
    grants = _grants((link.profile_id for link in links), now)
    for link in links:
        assert link.expires_at is not None  # filtered on it
        for grant in _owners(grants[link.profile_id]):
            yield Due(
                account=grant.account,
                profile=grant.profile,
                kind=Kind.SHARE_LINK,
                key=f"share_link:{link.uuid}:{link.expires_at.isoformat()}",
                subject_uuid=link.uuid,
                title=link.label,
                at=link.expires_at,
            )


def grants_ending(now: dt.datetime) -> Iterator[Due]:
    """Caregivers' access that ends soon: the profile's owners are told."""
    ending = list(
        Grant.objects.in_force(now)
        .filter(expires_at__lte=now + ENDING_WITHIN)
        .select_related("account")
    )
    grants = _grants((grant.profile_id for grant in ending), now)
    for ending_grant in ending:
        assert ending_grant.expires_at is not None  # filtered on it
        for grant in _owners(grants[ending_grant.profile_id]):
            yield Due(
                account=grant.account,
                profile=grant.profile,
                kind=Kind.GRANT,
                key=f"grant:{ending_grant.uuid}:{ending_grant.expires_at.isoformat()}",
                subject_uuid=ending_grant.uuid,
                title=ending_grant.account.email,
                at=ending_grant.expires_at,
            )


def imports_failed(now: dt.datetime) -> Iterator[Due]:
    """Imports that failed lately and were not tried again: whoever started it is told."""
    jobs = list(
        ImportJob.objects.filter(
            state=JobState.FAILED, retried_as__isnull=True, finished_at__gte=now - FAILED_WITHIN
        )
    )
    grants = _grants((job.profile_id for job in jobs), now)
    for job in jobs:
        readers = grants[job.profile_id]
        told = [grant for grant in readers if grant.account_id == job.created_by_id]
        for grant in told or list(_owners(readers)):
            yield Due(
                account=grant.account,
                profile=grant.profile,
                kind=Kind.IMPORT,
                key=f"import:{job.uuid}",
                subject_uuid=job.uuid,
                title=job.label,
                at=job.finished_at,
            )
