"""Who calls the API: the personal access token in ``Authorization: Bearer``."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer

from myhealthhub.accounts.models import User
from myhealthhub.api import limits, tokens
from myhealthhub.api.models import AccessToken


@dataclass(frozen=True)
class Caller:
    """A request's token and the account it speaks for."""

    token: AccessToken
    account: User


class TokenAuth(HttpBearer):
    """A live token of an active account; its account's language for every answer."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        found = tokens.find(token)
        if found is None:
            return None
        language = found.account.language or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        limits.count_request(found)
        tokens.record_use(found, request.META.get("REMOTE_ADDR"))
        return Caller(token=found, account=found.account)


def caller_of(request: HttpRequest) -> Caller:
    """The caller an authenticated operation runs for (set by TokenAuth)."""
    caller = getattr(request, "auth", None)
    assert isinstance(caller, Caller), "an API operation without TokenAuth"
    return caller
