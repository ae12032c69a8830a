"""No cookie carries the signed-in person's e-mail address.

allauth says "Successfully signed in as <address>"; Django's default message
storage keeps that in a cookie, signed but not encrypted: anyone who sees the
browser's cookies, or a request in a proxy's log, could read it.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from myhealthhub.conftest import PASSWORD, make_account

EMAIL = "ana.garcia@example.org"


@pytest.fixture
def ana(db):
    return make_account(EMAIL)


def readable_forms(value: str) -> list[str]:
    """``value`` as anyone could read it: as sent, URL-decoded, and each signed part unpacked.

    A signed cookie (django.core.signing) is base64 of its content, zlib
    compressed when it starts with ".", then ":" and the signature.
    """
    forms = [value, unquote(value)]
    for part in unquote(value).split(":"):
        compressed = part.startswith(".")
        packed = part.removeprefix(".")
        try:
            data = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
            if compressed:
                data = zlib.decompress(data)
        except (binascii.Error, ValueError, zlib.error):
            continue
        forms.append(data.decode("utf-8", "replace"))
    return forms


def cookies_with_the_address(cookies) -> list[str]:
    return [
        name
        for name, morsel in cookies.items()
        if any(EMAIL in form.lower() for form in readable_forms(morsel.value))
    ]


def test_signing_in_puts_the_address_in_no_cookie(ana):
    client = Client()
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies, "signing in sets the session cookie at least"
    assert cookies_with_the_address(response.cookies) == []

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"Successfully signed in as {EMAIL}" in page.content.decode()
    assert cookies_with_the_address(page.cookies) == []
    assert cookies_with_the_address(client.cookies) == []
