"""The API's side of the one gate (DESIGN.md principle 1): a profile as a token may use it.

A token reaches a profile when it names it, its account's grant on it is in
force with the role the operation needs, and the token carries the scope. The
first two refusals answer 404, as for a profile that does not exist; a token
that may see the profile but lacks the scope is told so (403).
"""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from myhealthhub.api.auth import caller_of
from myhealthhub.api.models import AccessToken, Scope
from myhealthhub.api.problems import Problem, not_found
from myhealthhub.profiles.access import Access, get_access
from myhealthhub.profiles.models import Role

SCOPE_NAMES = {
    Scope.READ: "read",
    Scope.READINGS: "readings",
    Scope.ENTRIES: "entries",
    Scope.EXPORT: "export",
}


def reach(request: HttpRequest, profile_uuid: uuid.UUID, *, scope: Scope, needs: Role) -> Access:
    caller = caller_of(request)
    named = AccessToken.profiles.through.objects.filter(
        accesstoken_id=caller.token.pk, profile__uuid=profile_uuid
    ).exists()
    if not named:
        raise not_found()
    try:
        access = get_access(caller.account, profile_uuid, needs)
    except Http404:
        raise not_found() from None
    if not caller.token.allows(scope):
        raise Problem(
            403,
            _("This token may not do that"),
            _("It needs the “%(scope)s” scope.") % {"scope": SCOPE_NAMES[scope]},
        )
    return access


def needs(scope: Scope, role: Role) -> dict[str, object]:
    """What an operation needs, said in its OpenAPI entry (``openapi_extra=needs(...)``).

    The API's access matrix reads it from the live schema and checks every
    operation with every kind of caller against it; docs/api.md lists it.
    """
    return {"x-needs": {"scope": scope.value, "role": role.value}}
