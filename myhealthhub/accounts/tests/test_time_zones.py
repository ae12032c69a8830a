"""An account's time zone and units: taken from the browser at sign-up, changed on the account page."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from myhealthhub.accounts.middleware import AccountPreferencesMiddleware
from myhealthhub.accounts.models import User
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import PASSWORD, World

ACCOUNT = reverse("accounts:account")
PREFERENCES = reverse("accounts:set_units")


def sign_up(time_zone: str) -> User:
    email = "new.keeper@example.org"
    Client().post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, "time_zone": time_zone},
    )
    return User.objects.get(email=email)


def test_the_sign_up_page_asks_the_browser_for_its_zone(db):
    page = Client().get(reverse("account_signup")).content.decode()
    assert '<input type="hidden" name="time_zone" value="" data-browser-time-zone="fill">' in page
    assert 'src="/static/myhealthhub/time-zone.js" defer' in page


def test_sign_up_keeps_the_zone_the_browser_reported(db):
    assert sign_up("Europe/Madrid").time_zone == "Europe/Madrid"


def test_sign_up_with_an_unknown_zone_keeps_the_site_s(db):
    assert sign_up("Mars/Olympus_Mons").time_zone == ""


def test_the_account_page_changes_the_time_zone_and_body_units_audited(world: World):
    owner = world.accounts["owner"]
    client = world.client("owner")
    response = client.post(PREFERENCES, {"time_zone": "America/New_York", "body_units": "us"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert (owner.time_zone, owner.body_units, owner.unit_system) == (
        "America/New_York",
        "us",
        "conventional",
    )
    assert list(
        AuditEvent.objects.filter(actor=owner, profile__isnull=True)
        .filter(action__in=[Action.TIME_ZONE_CHANGED, Action.UNITS_CHANGED])
        .order_by("id")
        .values_list("action", flat=True)
    ) == [Action.TIME_ZONE_CHANGED, Action.UNITS_CHANGED]
    page = client.get(ACCOUNT).content.decode()
    assert "Your preferences were saved." in page
    assert '<option value="America/New_York" selected>New York</option>' in page
    assert 'value="us" id="id_body_units_1" checked' in page
    assert "Times are in America/New York." in page


def test_saving_the_same_preferences_again_records_nothing(world: World):
    client = world.client("owner")
    client.post(PREFERENCES, {"time_zone": "Europe/Madrid"})
    before = AuditEvent.objects.count()
    assert client.post(PREFERENCES, {"time_zone": "Europe/Madrid"}).status_code == 302
    assert AuditEvent.objects.count() == before


def test_an_unknown_zone_is_refused_and_changes_nothing(world: World):
    response = world.client("owner").post(PREFERENCES, {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert (
        "Select a valid choice. Mars/Olympus_Mons is not one of the available choices."
        in response.content.decode()
    )
    world.accounts["owner"].refresh_from_db()
    assert world.accounts["owner"].time_zone == ""


def test_an_account_without_a_zone_is_offered_the_browser_s(world: World):
    page = world.client("owner").get(ACCOUNT).content.decode()
    assert 'src="/static/myhealthhub/time-zone.js" defer' in page
    assert '<select name="time_zone" data-browser-time-zone="offer"' in page
    assert '<option value="" selected>The server&#x27;s (UTC)</option>' in page
    assert (
        '<p class="help" id="id_time_zone_browser" hidden>'
        "Your browser's time zone is chosen above. Press Save to keep it.</p>"
    ) in page


def test_sign_ins_are_listed_in_the_account_s_zone(world: World):
    owner = world.accounts["owner"]
    User.objects.filter(pk=owner.pk).update(time_zone="Europe/Madrid")
    with time_machine.travel(dt.datetime(2027, 7, 1, 8, 5, tzinfo=dt.UTC), tick=False):
        client = Client()
        client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
        page = client.get(ACCOUNT).content.decode()
    # Summer time in Madrid: UTC+2.
    assert '<time datetime="2027-07-01T10:05:00+02:00">July 1, 2027, 10:05 a.m.</time>' in page
    assert "Times are in Europe/Madrid." in page


def zone_seen_by_a_request(user: object) -> str:
    request = RequestFactory().get("/")
    request.user = user  # type: ignore[assignment]
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    AccountPreferencesMiddleware(view)(request)
    return seen[0]


def test_each_request_runs_in_its_account_s_zone_and_leaves_none_behind(db):
    assert zone_seen_by_a_request(User(time_zone="America/New_York")) == "America/New_York"
    assert timezone.get_current_timezone_name() == "UTC"
    assert zone_seen_by_a_request(AnonymousUser()) == "UTC"
    assert zone_seen_by_a_request(User(time_zone="")) == "UTC"


def test_a_zone_the_system_no_longer_knows_falls_back_to_the_site_s(settings):
    settings.TIME_ZONE = "Europe/Madrid"
    # Saved when it was known; an upgraded zone database may have dropped it.
    assert zone_seen_by_a_request(User(time_zone="Gone/Away")) == "Europe/Madrid"
