"""Sign-in, password reset and sign-up answer the same for known and unknown e-mails."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account

KNOWN = "ana@example.org"
UNKNOWN = "nobody@example.org"


@pytest.fixture(autouse=True)
def ana(db):
    return make_account(KNOWN)


def visible(response) -> tuple[int, str, object]:
    """What a visitor can tell apart: status, where it leads, the errors it shows."""
    form = response.context["form"] if response.context and "form" in response.context else None
    errors = form.errors.get_json_data() if form is not None else None
    return response.status_code, response.get("Location", ""), errors


def test_sign_in_failure_reads_the_same(ana):
    known = Client().post(reverse("account_login"), {"login": KNOWN, "password": "wrong password"})
    unknown = Client().post(
        reverse("account_login"), {"login": UNKNOWN, "password": "wrong password"}
    )
    assert known.status_code == 200
    assert visible(known) == visible(unknown)


def test_password_reset_reads_the_same():
    known = Client().post(reverse("account_reset_password"), {"email": KNOWN})
    unknown = Client().post(reverse("account_reset_password"), {"email": UNKNOWN})
    assert known.status_code == 302
    assert visible(known) == visible(unknown)
    # Only the owner of a real account receives a reset link.
    assert [message.to for message in mail.outbox] == [[KNOWN], [UNKNOWN]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


def test_sign_up_reads_the_same_and_makes_no_second_account():
    data = {"password1": "a long new passphrase", "password2": "a long new passphrase"}
    known = Client().post(reverse("account_signup"), {"email": KNOWN, **data})
    unknown = Client().post(reverse("account_signup"), {"email": UNKNOWN, **data})
    assert known.status_code == 302
    assert visible(known) == visible(unknown)
    assert User.objects.filter(email=KNOWN).count() == 1
    # The known address is told someone tried; the new one gets its code.
    assert {tuple(message.to) for message in mail.outbox} == {(KNOWN,), (UNKNOWN,)}


def test_sign_up_can_be_closed(settings):
    settings.SIGNUP_OPEN = False
    response = Client().post(
        reverse("account_signup"),
        {
            "email": UNKNOWN,
            "password1": "a long new passphrase",
            "password2": "a long new passphrase",
        },
    )
    assert not User.objects.filter(email=UNKNOWN).exists()
    assert "account/signup_closed.html" in [template.name for template in response.templates]
