"""django-axes: 10 failed sign-ins in 15 minutes lock one e-mail from one address."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import PASSWORD, make_account

ATTACKER = "203.0.113.7"
OWNER_ELSEWHERE = "198.51.100.20"


def sign_in(email: str, password: str, address: str, language: str = "en"):
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    return client.post(reverse("account_login"), {"login": email, "password": password})


def fail(times: int, email: str = "ana@example.org", address: str = ATTACKER) -> list[int]:
    return [sign_in(email, "wrong password", address).status_code for _ in range(times)]


@pytest.fixture
def ana(db):
    return make_account("ana@example.org")


def test_nine_failures_do_not_lock(ana):
    assert fail(9) == [200] * 9
    assert sign_in("ana@example.org", PASSWORD, ATTACKER).status_code == 302


def test_ten_failures_lock_the_pair_with_a_clear_message(ana):
    statuses = fail(10)
    assert statuses[:9] == [200] * 9
    assert statuses[9] == 429
    response = sign_in("ana@example.org", PASSWORD, ATTACKER)
    assert response.status_code == 429, "the right password must not get through a lockout"
    assert b"Too many failed sign-ins" in response.content
    assert response["Retry-After"] == "900"


def test_lockout_message_is_in_spanish(ana):
    fail(10)
    response = sign_in("ana@example.org", PASSWORD, ATTACKER, language="es")
    assert response.status_code == 429
    assert "Demasiados intentos fallidos" in response.content.decode()


def test_owner_still_signs_in_from_elsewhere(ana):
    fail(10)
    response = sign_in("ana@example.org", PASSWORD, OWNER_ELSEWHERE)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_other_accounts_from_the_same_address_are_not_locked(ana):
    make_account("luis@example.org")
    fail(10)
    assert sign_in("luis@example.org", PASSWORD, ATTACKER).status_code == 302


def test_letter_case_does_not_dodge_the_count(ana):
    for index in range(10):
        email = "ANA@example.org" if index % 2 else "ana@example.org"
        sign_in(email, "wrong password", ATTACKER)
    assert sign_in("ana@example.org", PASSWORD, ATTACKER).status_code == 429


def test_lock_lifts_after_the_cool_down(ana):
    fail(10)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16), tick=False):
        assert sign_in("ana@example.org", PASSWORD, ATTACKER).status_code == 302


def test_unknown_addresses_lock_the_same_way(db):
    """Locking only known accounts would tell an attacker which ones exist."""
    statuses = fail(10, email="nobody@example.org")
    assert statuses[9] == 429


def test_failed_sign_ins_are_audited(ana):
    fail(2)
    events = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED)
    assert events.count() == 2
    assert {event.ip_address for event in events} == {ATTACKER}
    assert {event.actor_id for event in events} == {ana.pk}
    assert sign_in("ana@example.org", PASSWORD, ATTACKER).status_code == 302
    assert AuditEvent.objects.filter(action=Action.SIGN_IN, actor=ana).count() == 1
