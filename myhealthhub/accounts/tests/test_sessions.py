"""Session rotation at sign-in and after the second factor; idle and absolute limits."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from myhealthhub.conftest import PASSWORD, make_account


def current_code(secret: str) -> str:
    counter = int(timezone.now().timestamp()) // 30
    return format_hotp_value(hotp_value(secret, counter))


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def anonymous_session(client: Client) -> str:
    session = client.session
    session["seen"] = True
    session.save()
    assert session.session_key is not None
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


@pytest.fixture
def ana(db):
    return make_account("ana@example.org")


def signed_in_client(when: dt.datetime) -> Client:
    client = Client()
    with time_machine.travel(when, tick=False):
        response = client.post(
            reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD}
        )
        assert response.status_code == 302
    return client


def test_sign_in_gives_a_new_session_key(ana):
    client = Client()
    before = anonymous_session(client)
    response = client.post(
        reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    after = session_key(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists(), "the old key must be dead"


def test_second_factor_gives_another_new_session_key(ana):
    secret = generate_totp_secret()
    TOTP.activate(ana, secret)
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("home")).status_code == 302, "not signed in before the second factor"
    between = session_key(client)

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    after = session_key(client)
    assert after != between
    assert not Session.objects.filter(session_key=between).exists()
    assert client.get(reverse("home")).status_code == 200


def test_a_used_totp_code_cannot_be_replayed(ana):
    secret = generate_totp_secret()
    TOTP.activate(ana, secret)
    code = current_code(secret)
    first = Client()
    first.post(reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD})
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    second = Client()
    second.post(reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD})
    response = second.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200, "the replayed code must be refused"
    assert second.get(reverse("home")).status_code == 302


def test_idle_session_ends_after_thirty_minutes(ana):
    start = timezone.now()
    client = signed_in_client(start)
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(reverse("home")).status_code == 200
    # 29 minutes of activity later, the session lives on: idle counts from the last request.
    with time_machine.travel(start + dt.timedelta(minutes=58), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=89), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    with time_machine.travel(start + dt.timedelta(minutes=90), tick=False):
        assert client.get(reverse("home")).status_code == 302, "the ended session stays ended"


def test_active_session_ends_after_twelve_hours(ana):
    start = timezone.now()
    client = signed_in_client(start)
    minutes = 0
    while minutes < 12 * 60 - 20:
        minutes += 20
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("home")).status_code == 200, f"ended early at {minutes} min"
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=1), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_limits_are_settings(ana, settings):
    settings.SESSION_IDLE_SECONDS = 5 * 60
    start = timezone.now()
    client = signed_in_client(start)
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        assert client.get(reverse("home")).status_code == 302


def test_sign_out_ends_the_session_on_the_server(ana):
    client = signed_in_client(timezone.now())
    key = session_key(client)
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()


def test_a_short_idle_limit_keeps_an_active_person_signed_in(ana, settings):
    settings.SESSION_IDLE_SECONDS = 60
    start = timezone.now()
    client = signed_in_client(start)
    seconds = 0
    while seconds < 5 * 60:
        seconds += 40
        with time_machine.travel(start + dt.timedelta(seconds=seconds), tick=False):
            response = client.get(reverse("home"))
        assert response.status_code == 200, f"signed out while active, at {seconds} s"
    with time_machine.travel(start + dt.timedelta(seconds=seconds + 61), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302, "a pause longer than the limit signs out"
    assert response["Location"].startswith(reverse("account_login"))


def test_activity_is_not_written_on_every_request(ana):
    start = timezone.now()
    client = signed_in_client(start)
    with time_machine.travel(start + dt.timedelta(seconds=1), tick=False):
        # The first page takes the "signed in" message out of the session.
        assert client.get(reverse("home")).status_code == 200
    stored = Session.objects.get(session_key=session_key(client)).session_data
    for seconds in (10, 20, 30, 40):
        with time_machine.travel(start + dt.timedelta(seconds=seconds), tick=False):
            assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(session_key=session_key(client)).session_data == stored
