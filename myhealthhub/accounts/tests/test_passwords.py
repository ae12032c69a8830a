"""Passwords: Argon2, at least 8 characters, long ones welcome, common ones refused."""

from __future__ import annotations

import pytest
from django.conf import settings as project_settings
from django.test import Client
from django.urls import reverse

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account
from myhealthhub.errors import ActionRefused

PRODUCTION_HASHERS = list(project_settings.PASSWORD_HASHERS)


def test_passwords_are_hashed_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    account = make_account("ana@example.org", password="a" * 8 + " river stone")
    assert account.password.startswith("argon2$argon2id$")


def test_long_passphrases_are_accepted(db):
    passphrase = "the quiet river runs under the old stone bridge " * 3
    assert len(passphrase) > 128
    make_account("ana@example.org", password=passphrase)
    response = Client().post(
        reverse("account_login"), {"login": "ana@example.org", "password": passphrase}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("password", "message"), [("short", "too short"), ("password123", "too common")]
)
def test_weak_passwords_are_refused(db, password, message):
    with pytest.raises(ActionRefused, match=message):
        make_account("ana@example.org", password=password)
    assert not User.objects.filter(email="ana@example.org").exists()


def test_disabling_an_account_ends_its_sessions(db):
    account = make_account("ana@example.org")
    client = Client()
    client.force_login(account)
    assert client.get(reverse("home")).status_code == 200
    account.is_active = False
    account.save(update_fields=["is_active"])
    assert client.get(reverse("home")).status_code == 302
