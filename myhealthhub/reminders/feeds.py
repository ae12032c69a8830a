"""The private calendar feed: a secret address per reader and profile, and what it answers.

The address carries a 256-bit token; only its SHA-256 is kept, as for
invitations. The feed is the profile's appointments (the coming ones and
those of the last ``RECENT``) written by records/calendar.py, the one
iCalendar writer, with the latest medication review's due date added as an
all-day event. It answers only while the reader's grant lives, and only a
grant that was already there when the address was made: access revoked and
given again later does not wake an old address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from myhealthhub.profiles.models import Grant, Profile
from myhealthhub.records.calendar import appointments_ics
from myhealthhub.records.models import Appointment, MedicationReview
from myhealthhub.records.overview import last_medication_review
from myhealthhub.reminders.models import CalendarFeed

TOKEN_BYTES = 32
# Longer than any token made here: anything longer is not looked up.
TOKEN_MAX = 64
# Appointments this old stay in the feed, so the calendar keeps the recent past.
RECENT = dt.timedelta(days=30)
# How often a calendar app is asked to fetch it again.
REFRESH = dt.timedelta(hours=1)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_for(token: str) -> CalendarFeed | None:
    """The feed of ``token`` while its reader may still read the profile, else None."""
    if not token or len(token) > TOKEN_MAX:
        return None
    feed = (
        CalendarFeed.objects.select_related("account", "profile")
        .filter(token_hash=hashed(token))
        .first()
    )
    if feed is None or not feed.account.is_active:
        return None
    live = (
        Grant.objects.in_force()
        .filter(
            account_id=feed.account_id,
            profile_id=feed.profile_id,
            granted_at__lte=feed.created_at,
        )
        .exists()
    )
    return feed if live else None


def calendar_of(profile: Profile, now: dt.datetime) -> bytes:
    """The feed's calendar; the same bytes for the same record, so its ETag holds."""
    appointments = list(
        Appointment.objects.alive()
        .filter(profile_id=profile.pk, starts_at__gte=now - RECENT)
        .order_by("starts_at", "id")
    )
    calendar = Calendar.from_ical(appointments_ics(profile, appointments))
    # A subscribed calendar has no METHOD: DTSTAMP is then when the event last
    # changed (RFC 5545 3.8.7.2), not when the file was written.
    changed = {
        f"{appointment.uuid}@myhealthhub": appointment.updated_at for appointment in appointments
    }
    for event in calendar.walk("VEVENT"):
        event.pop("DTSTAMP", None)
        event.add("dtstamp", _utc(changed[str(event["UID"])]))
    review = last_medication_review(profile)
    if review is not None and review.next_due is not None:
        calendar.add_component(_review_due(profile, review))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    result: bytes = calendar.to_ical()
    return result


def etag_of(body: bytes) -> str:
    """A strong ETag: the body's own hash, as the same record gives the same bytes."""
    return quote_etag(hashlib.sha256(body).hexdigest())


def _review_due(profile: Profile, review: MedicationReview) -> Event:
    assert review.next_due is not None
    event = Event()
    event.add("uid", f"{review.uuid}-due@myhealthhub")
    event.add("dtstamp", _utc(review.updated_at))
    event.add("dtstart", review.next_due)
    event.add("dtend", review.next_due + dt.timedelta(days=1))
    event.add("summary", _("Medication review due (%(name)s)") % {"name": profile.given_name})
    if review.reviewer:
        event.add("description", _("Last review with %(person)s") % {"person": review.reviewer})
    # A day's reminder, not a busy day.
    event.add("transp", "TRANSPARENT")
    event.add("sequence", review.version)
    return event


def _utc(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, dt.UTC).replace(microsecond=0)
