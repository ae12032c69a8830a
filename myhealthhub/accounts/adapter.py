from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.SIGNUP_OPEN)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # Failed passwords are counted by django-axes per (e-mail, address), so the
        # owner can still sign in from elsewhere. allauth's count here is per
        # e-mail from anywhere, which would let a stranger lock the owner out.
        return None


class MFAAdapter(DefaultMFAAdapter):
    """TOTP keys and recovery-code seeds are stored sealed by the master key."""

    def encrypt(self, text: str) -> str:
        from myhealthhub.accounts import secrets

        return secrets.seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        from myhealthhub.accounts import secrets

        return secrets.open_sealed(encrypted_text)
