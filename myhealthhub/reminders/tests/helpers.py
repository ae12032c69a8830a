"""What the reminders' tests share: a moment to stand at, and a record with something due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from myhealthhub.conftest import World
from myhealthhub.profiles.models import Grant
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Appointment, MedicationReview
from myhealthhub.sharing.models import ShareLink


def noon_today() -> dt.datetime:
    """Midday UTC of the day the tests run: tomorrow is the same date from Madrid to New York."""
    return dt.datetime.combine(timezone.now().date(), dt.time(12), tzinfo=dt.UTC)


@dataclass(frozen=True)
class Something:
    """One of each thing a reminder is about, in the world's profile, due at ``now``."""

    now: dt.datetime
    review: MedicationReview
    appointment: Appointment


def something_due(world: World, now: dt.datetime) -> Something:
    """A review due two days ago, an appointment tomorrow at 10:30 UTC, the world's link
    ending in two days and the editor's access in one; the world's failed import is recent."""
    owner = world.accounts["owner"]
    review = create_entry(
        KINDS["medication-reviews"],
        world.profile,
        actor=owner,
        request=None,
        values={
            "display": "Medication review",
            "date": now.date() - dt.timedelta(days=180),
            "with_whom": "pharmacist",
            "reviewer": "Dr Ruiz",
            "next_due": now.date() - dt.timedelta(days=2),
        },
    )
    appointment = create_entry(
        KINDS["appointments"],
        world.profile,
        actor=owner,
        request=None,
        values={
            "display": "Cardiology check-up",
            "starts_at": dt.datetime.combine(
                now.date() + dt.timedelta(days=1), dt.time(10, 30), tzinfo=dt.UTC
            ),
            "clinician": "Dr Pérez",
        },
    )
    ShareLink.objects.filter(pk=world.share_link.pk).update(expires_at=now + dt.timedelta(days=2))
    Grant.objects.filter(pk=world.grants["editor"].pk).update(expires_at=now + dt.timedelta(days=1))
    assert isinstance(review, MedicationReview) and isinstance(appointment, Appointment)
    return Something(now, review, appointment)
