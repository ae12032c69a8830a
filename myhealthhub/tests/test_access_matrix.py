"""Every URL pattern × every caller × GET and POST, against the access matrix.

DESIGN.md principle 1: what a caller may not see answers 404. A URL pattern
that is not listed in MATRIX fails ``test_every_url_pattern_is_in_the_matrix``,
so no new view can slip past the gate unnoticed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from myhealthhub.conftest import CALLERS, World
from myhealthhub.profiles.models import Role

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any account; anonymous callers are sent to sign in
Need = str | Role


@dataclass(frozen=True)
class Rule:
    get: Need
    post: Need | None = None  # None: the same as GET
    kwargs: Callable[[World], dict[str, Any]] = lambda world: {}
    # allauth answers 404 to an account that has no such authenticator yet.
    absent_is_404: bool = False
    query: str = ""

    def need(self, method: str) -> Need:
        return self.get if method == "get" or self.post is None else self.post


def on_profile(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid}


def on_contact(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid, "contact_uuid": world.contact.uuid}


def on_grant(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid, "grant_uuid": world.grants["viewer"].uuid}


def on_kind(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid, "kind": "medications"}


def on_entry(world: World) -> dict[str, Any]:
    return on_kind(world) | {"entry_uuid": world.medication.uuid}


def on_metric(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid, "metric": "heart_rate"}


def on_appointment(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid, "entry_uuid": world.appointment.uuid}


def on_deleted_entry(world: World) -> dict[str, Any]:
    return {
        "profile_uuid": world.profile.uuid,
        "kind": "conditions",
        "entry_uuid": world.deleted_condition.uuid,
    }


def on_document(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid, "document_uuid": world.document.uuid}


def on_deleted_document(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid, "document_uuid": world.deleted_document.uuid}


def on_import(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid, "job_uuid": world.import_job.uuid}


def on_export(world: World) -> dict[str, Any]:
    return {"profile_uuid": world.profile.uuid, "job_uuid": world.export_job.uuid}


def on_reset_key(world: World) -> dict[str, Any]:
    return {"uidb36": "1", "key": "not-a-real-key"}


MATRIX: dict[str, Rule] = {
    "home": Rule(SIGNED_IN),
    "profiles:create": Rule(SIGNED_IN),
    "profiles:overview": Rule(Role.VIEWER, kwargs=on_profile),
    "profiles:edit": Rule(Role.EDITOR, kwargs=on_profile),
    "profiles:delete": Rule(Role.OWNER, kwargs=on_profile),
    "profiles:contact_add": Rule(Role.EDITOR, kwargs=on_profile),
    "profiles:contact_edit": Rule(Role.EDITOR, kwargs=on_contact),
    "profiles:contact_remove": Rule(Role.EDITOR, kwargs=on_contact),
    "profiles:sharing": Rule(Role.OWNER, kwargs=on_profile),
    "profiles:revoke": Rule(Role.OWNER, kwargs=on_grant),
    "audit:trail": Rule(Role.OWNER, kwargs=on_profile),
    "records:list": Rule(Role.VIEWER, kwargs=on_kind),
    "records:create": Rule(Role.EDITOR, kwargs=on_kind),
    "records:detail": Rule(Role.VIEWER, kwargs=on_entry),
    "records:edit": Rule(Role.EDITOR, kwargs=on_entry),
    "records:delete": Rule(Role.EDITOR, kwargs=on_entry),
    "records:restore": Rule(Role.EDITOR, kwargs=on_deleted_entry),
    "records:deleted": Rule(Role.EDITOR, kwargs=on_profile),
    "records:timeline": Rule(Role.VIEWER, kwargs=on_profile),
    "records:readings": Rule(Role.VIEWER, kwargs=on_profile),
    "records:add_readings": Rule(Role.EDITOR, kwargs=on_profile),
    "records:reading_chart": Rule(Role.VIEWER, kwargs=on_metric),
    "records:trend": Rule(Role.VIEWER, kwargs=on_profile, query="?code=4548-4"),
    "records:trend_chart": Rule(Role.VIEWER, kwargs=on_profile, query="?code=4548-4"),
    "records:appointments_ics": Rule(Role.VIEWER, kwargs=on_profile),
    "records:appointment_ics": Rule(Role.VIEWER, kwargs=on_appointment),
    "records:appointment_prepare": Rule(Role.VIEWER, kwargs=on_appointment),
    "documents:list": Rule(Role.VIEWER, kwargs=on_profile),
    "documents:upload": Rule(Role.EDITOR, kwargs=on_profile),
    "documents:deleted": Rule(Role.EDITOR, kwargs=on_profile),
    "documents:detail": Rule(Role.VIEWER, kwargs=on_document),
    "documents:edit": Rule(Role.EDITOR, kwargs=on_document),
    "documents:delete": Rule(Role.EDITOR, kwargs=on_document),
    "documents:restore": Rule(Role.EDITOR, kwargs=on_deleted_document),
    "documents:file": Rule(Role.VIEWER, kwargs=on_document),
    "documents:view": Rule(Role.VIEWER, kwargs=on_document),
    "documents:thumbnail": Rule(Role.VIEWER, kwargs=on_document),
    "search:results": Rule(Role.VIEWER, kwargs=on_profile, query="?q=metformin"),
    "summary:page": Rule(Role.VIEWER, kwargs=on_profile),
    "summary:pdf": Rule(Role.VIEWER, kwargs=on_profile),
    "summary:checklist": Rule(Role.VIEWER, kwargs=on_profile),
    "interop:list": Rule(Role.VIEWER, post=Role.EDITOR, kwargs=on_profile),
    "interop:detail": Rule(Role.VIEWER, kwargs=on_import),
    "interop:choose": Rule(Role.EDITOR, kwargs=on_import),
    "interop:commit": Rule(Role.EDITOR, kwargs=on_import),
    "interop:discard": Rule(Role.EDITOR, kwargs=on_import),
    # A viewer may export what a viewer may read (the calendar); a job is its maker's only.
    "interop:exports": Rule(Role.VIEWER, kwargs=on_profile),
    "interop:export_detail": Rule(Role.OWNER, kwargs=on_export),
    "interop:export_download": Rule(Role.OWNER, kwargs=on_export),
    "accounts:account": Rule(SIGNED_IN),
    "accounts:set_language": Rule(PUBLIC),
    "accounts:set_units": Rule(SIGNED_IN),
    # allauth's pages: its own views decide, within these bounds.
    "account_login": Rule(PUBLIC),
    "account_logout": Rule(PUBLIC),
    "account_inactive": Rule(PUBLIC),
    "account_signup": Rule(PUBLIC),
    "account_reauthenticate": Rule(SIGNED_IN),
    "account_email": Rule(SIGNED_IN),
    "account_email_verification_sent": Rule(PUBLIC),
    "account_change_password": Rule(SIGNED_IN),
    "account_set_password": Rule(SIGNED_IN),
    "account_reset_password": Rule(PUBLIC),
    "account_confirm_login_code": Rule(PUBLIC),
    "account_reset_password_from_key_done": Rule(PUBLIC),
    "account_reset_password_from_key": Rule(PUBLIC, kwargs=on_reset_key),
    "account_reset_password_done": Rule(PUBLIC),
    "mfa_index": Rule(SIGNED_IN),
    "mfa_authenticate": Rule(PUBLIC),
    "mfa_reauthenticate": Rule(SIGNED_IN),
    "mfa_activate_totp": Rule(SIGNED_IN),
    "mfa_deactivate_totp": Rule(SIGNED_IN, absent_is_404=True),
    "mfa_view_recovery_codes": Rule(SIGNED_IN, absent_is_404=True),
    "mfa_generate_recovery_codes": Rule(SIGNED_IN, absent_is_404=True),
    "mfa_download_recovery_codes": Rule(SIGNED_IN, absent_is_404=True),
}

CALLER_ROLES = {"owner": Role.OWNER, "editor": Role.EDITOR, "viewer": Role.VIEWER}


def url_names(patterns: list[Any] | None = None, namespace: str = "") -> Iterator[str]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name"
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_pattern_is_in_the_matrix():
    names = list(url_names())
    assert len(names) == len(set(names)), "two URL patterns share a name"
    assert set(names) == set(MATRIX), (
        f"not in the matrix: {sorted(set(names) - set(MATRIX))}; "
        f"in the matrix but gone: {sorted(set(MATRIX) - set(names))}"
    )


def expected(need: Need, caller: str) -> str:
    """ "allowed", "login" (sent to sign in) or "hidden" (404)."""
    if need == PUBLIC:
        return "allowed"
    if caller == "anonymous":
        return "login"
    if need == SIGNED_IN:
        return "allowed"
    role = CALLER_ROLES.get(caller)
    return "allowed" if role is not None and role.includes(Role(need)) else "hidden"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_matrix(world: World, name: str, caller: str, method: str):
    rule = MATRIX[name]
    url = reverse(name, kwargs=rule.kwargs(world)) + rule.query
    client = world.client(caller)
    # An empty POST: enough to reach the gate, never a valid change.
    response = getattr(client, method)(url)
    outcome = expected(rule.need(method), caller)
    status = response.status_code
    assert status < 500, f"{method.upper()} {url} as {caller}: {status}"
    if outcome == "hidden":
        assert status == 404, f"{method.upper()} {url} as {caller} should be hidden, got {status}"
    elif outcome == "login":
        assert status == 302, f"{method.upper()} {url} as {caller}: {status}"
        assert response["Location"].startswith(reverse("account_login"))
    else:
        refused = {403} if rule.absent_is_404 else {403, 404}
        assert status not in refused, f"{method.upper()} {url} as {caller}: {status}"


@pytest.mark.parametrize("name", sorted(n for n, r in MATRIX.items() if isinstance(r.get, Role)))
def test_unknown_profile_answers_like_a_forbidden_one(world: World, name: str):
    kwargs = {
        key: uuid.uuid4() if key == "profile_uuid" else value
        for key, value in MATRIX[name].kwargs(world).items()
    }
    response = world.client("owner").get(reverse(name, kwargs=kwargs))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name", ["profiles:contact_edit", "profiles:contact_remove", "profiles:revoke"]
)
def test_an_object_of_another_profile_is_hidden(world: World, name: str):
    """The owner of one profile cannot reach into another through its child UUIDs."""
    from myhealthhub.profiles import actions

    other = actions.create_profile(world.accounts["stranger"], request=None, given_name="Eve")
    kwargs = MATRIX[name].kwargs(world) | {"profile_uuid": other.uuid}
    client = world.client("stranger")
    # 405 for views that only take POST: answered before any lookup, so it tells nothing.
    assert client.get(reverse(name, kwargs=kwargs)).status_code in {404, 405}
    assert client.post(reverse(name, kwargs=kwargs)).status_code == 404
