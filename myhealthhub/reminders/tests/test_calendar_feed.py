"""The private calendar feed: made, fetched as a calendar app does, stopped, and gone with access."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.profiles.actions import revoke_grant
from myhealthhub.reminders.models import CalendarFeed
from myhealthhub.reminders.tests.helpers import noon_today, something_due


def make_feed(world: World, caller: str) -> str:
    """The caller's new feed address (the https one), as its page shows it once."""
    page = world.client(caller).post(
        reverse("reminders:calendar", args=(world.profile.uuid,)), {"action": "make"}
    )
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    text = page.content.decode()
    webcal = re.search(r'value="(webcal://[^"]+)"', text)
    https = re.search(r'value="(https?://[^"]+\.ics)"', text)
    assert webcal and https
    assert webcal.group(1).removeprefix("webcal://") == https.group(1).split("://", 1)[1]
    return https.group(1).split("testserver", 1)[1]


def fetch(path: str, **headers: str):
    # A calendar app: no session, no cookie.
    return Client().get(path, headers=headers)


def test_the_feed_is_a_calendar_with_the_appointments_and_the_review_due(world: World):
    something = something_due(world, noon_today())
    path = make_feed(world, "viewer")

    response = fetch(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    calendar = Calendar.from_ical(response.content)
    events = {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}
    visit = events["Cardiology check-up (Ana)"]
    assert visit.decoded("DTSTART") == dt.datetime(
        *(something.now.date() + dt.timedelta(days=1)).timetuple()[:3], 10, 30, tzinfo=dt.UTC
    )
    assert "Eye exam (Ana)" in events
    review = events["Medication review due (Ana)"]
    assert review.decoded("DTSTART") == something.review.next_due
    assert review.decoded("DTEND") == something.review.next_due + dt.timedelta(days=1)
    assert AuditEvent.objects.filter(
        action=Action.CALENDAR_FEED_CREATED, actor=world.accounts["viewer"]
    ).exists()


def test_the_feed_answers_not_modified_to_its_own_etag(world: World):
    something_due(world, noon_today())
    path = make_feed(world, "owner")
    first = fetch(path)

    again = fetch(path, if_none_match=first["ETag"])

    assert first["ETag"].startswith('"')
    assert again.status_code == 304
    assert fetch(path)["ETag"] == first["ETag"]


def test_the_feed_is_in_the_readers_language(world: World):
    from myhealthhub.accounts.actions import set_language

    something_due(world, noon_today())
    set_language(world.accounts["viewer"], "es", request=None)
    path = make_feed(world, "viewer")

    summaries = {
        str(event["SUMMARY"]) for event in Calendar.from_ical(fetch(path).content).walk("VEVENT")
    }

    assert "Revisión de la medicación prevista (Ana)" in summaries


def test_a_stopped_feed_answers_404(world: World):
    path = make_feed(world, "owner")
    page = reverse("reminders:calendar", args=(world.profile.uuid,))

    assert world.client("owner").post(page, {"action": "revoke"}).status_code == 302

    assert fetch(path).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert AuditEvent.objects.filter(action=Action.CALENDAR_FEED_REVOKED).exists()


def test_a_new_address_stops_the_old_one(world: World):
    old = make_feed(world, "owner")
    new = make_feed(world, "owner")

    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200


def test_a_revoked_caregivers_feed_answers_404(world: World):
    path = make_feed(world, "viewer")
    assert fetch(path).status_code == 200

    revoke_grant(world.grants["viewer"], actor=world.accounts["owner"], request=None)

    assert fetch(path).status_code == 404


def test_access_given_again_does_not_wake_an_old_address(world: World):
    from myhealthhub.profiles.actions import grant_access
    from myhealthhub.profiles.models import Role

    path = make_feed(world, "viewer")
    revoke_grant(world.grants["viewer"], actor=world.accounts["owner"], request=None)
    grant_access(
        world.profile,
        world.accounts["viewer"],
        Role.VIEWER,
        actor=world.accounts["owner"],
        request=None,
    )

    assert fetch(path).status_code == 404


def test_a_wrong_token_answers_404(world: World):
    make_feed(world, "owner")

    assert fetch(reverse("reminders:feed", args=("x" * 43,))).status_code == 404
    assert fetch(reverse("reminders:feed", args=("x" * 500,))).status_code == 404


def test_the_page_never_shows_a_kept_address(world: World):
    make_feed(world, "owner")

    page = world.client("owner").get(reverse("reminders:calendar", args=(world.profile.uuid,)))

    text = page.content.decode()
    assert "webcal://" not in text and ".ics" not in text
    assert "You have an address for this calendar" in text
