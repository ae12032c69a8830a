from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
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
