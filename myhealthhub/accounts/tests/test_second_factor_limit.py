"""Wrong authenticator codes are limited per account, so a known password is not enough."""

from __future__ import annotations

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from myhealthhub.conftest import PASSWORD, make_account


def test_guessing_the_code_stops_after_five_tries(db):
    account = make_account("ana@example.org")
    secret = generate_totp_secret()
    TOTP.activate(account, secret)
    client = Client()
    client.post(reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD})
    right = format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        assert client.post(reverse("mfa_authenticate"), {"code": wrong}).status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": right})
    assert response.status_code == 200, "the right code is refused once the limit is reached"
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
