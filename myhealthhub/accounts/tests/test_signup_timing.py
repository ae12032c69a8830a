"""Sign-up does the same expensive work whether or not the address has an account.

A new address has its password hashed (argon2, hundreds of milliseconds) and
an account made; a known one only gets a notice. If the known one skipped the
hashing, the time of the answer would tell which addresses have accounts.
Timing itself is not asserted (it would be flaky): the hashing is counted.
"""

from __future__ import annotations

import re
from typing import ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.urls import reverse

from myhealthhub.conftest import make_account

KNOWN = "ana@example.org"
PASSPHRASE = "a long new passphrase"
# Each client has its own CSRF token; nothing else on the page may differ.
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


class CountingHasher(MD5PasswordHasher):
    """Counts every password it hashes, whoever asks."""

    algorithm = "counting_md5"
    encoded: ClassVar[list[str]] = []

    def encode(self, password: str, salt: str) -> str:
        type(self).encoded.append(password)
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def counting(settings, db) -> list[str]:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    make_account(KNOWN)
    CountingHasher.encoded = []
    return CountingHasher.encoded


def sign_up(email: str) -> tuple[int, str, bytes]:
    """What a visitor sees of a sign-up: status, where it leads, and the page there.

    The address typed is masked out of the page: it is shown back on both.
    """
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    page = client.get(response["Location"]).content if response.status_code == 302 else b""
    page = CSRF_TOKEN.sub(b"", page).replace(email.encode(), b"@")
    return response.status_code, response.get("Location", ""), page


def work_done(email: str, counting: list[str]) -> tuple[list[str], int]:
    """The passwords hashed and the e-mails sent while signing up with ``email``."""
    counting.clear()
    mail.outbox.clear()
    sign_up(email)
    return list(counting), len(mail.outbox)


def test_known_and_new_addresses_hash_the_same(counting):
    new = work_done("nobody@example.org", counting)
    known = work_done(KNOWN, counting)
    assert new == ([PASSPHRASE], 1), "a new account hashes its password once and sends its code"
    assert known == new, "a known address must cost the same hashing and e-mails"


def test_known_and_new_addresses_answer_the_same():
    known = sign_up(KNOWN)
    new = sign_up("nobody@example.org")
    assert known[0] == 302
    assert known == new
