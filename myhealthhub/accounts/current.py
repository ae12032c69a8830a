from __future__ import annotations

from django.http import HttpRequest

from myhealthhub.accounts.models import User


def account_of(request: HttpRequest) -> User:
    """The signed-in account of a request that the gate (or login_required) let through."""
    assert isinstance(request.user, User)
    return request.user
