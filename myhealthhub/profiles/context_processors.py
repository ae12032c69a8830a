from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from myhealthhub.accounts.models import User
from myhealthhub.profiles.access import live_grants


def profile_switcher(request: HttpRequest) -> dict[str, Any]:
    """The profiles the signed-in account may open, for the switcher in every page's header.

    Lazy, so pages that do not render the header pay no query.
    """
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"switcher_grants": ()}
    return {
        "switcher_grants": SimpleLazyObject(
            lambda: list(live_grants(user).order_by("profile__given_name", "profile__family_name"))
        )
    }
