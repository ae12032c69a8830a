"""Every API operation and FHIR route × every kind of token, against what it declares it needs.

The REST operations say what they need in their OpenAPI entry (``x-needs``:
a scope and a role; api/gate.py ``needs``), and this test reads them from the
live schema, so an operation cannot be added without being walked here. The
FHIR routes are listed by URL name. For each one, a sample request (the
``samples_*.py`` files beside this one) is sent with:

- the owner's token with every scope, and each caregiver's (editor, viewer):
  allowed when their role reaches what the operation needs, else 404;
- the owner's token without the needed scope: 403;
- a token whose caregiver's grant was revoked after it was made, and another
  account's token: 404, as for a profile that does not exist;
- a revoked token, an expired token and no token at all: 401.

A refusal changes nothing in the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from myhealthhub.api.actions import create_token, revoke_token
from myhealthhub.api.models import AccessToken, Scope
from myhealthhub.api.tests import samples_fhir, samples_files, samples_rest
from myhealthhub.api.v1 import api
from myhealthhub.conftest import World
from myhealthhub.profiles.actions import create_profile
from myhealthhub.profiles.models import Grant, Role
from myhealthhub.tests.test_access_matrix import database_state

pytestmark = pytest.mark.django_db

# Operations of any token, whatever it reaches: they list what the token may see.
ANY_TOKEN = {"profiles_list"}
# An export is its maker's alone, as on the exports page: world.export_job is the owner's.
PERSONAL = {"exports_get", "exports_file"}
TOKEN_CALLERS = (
    "owner",
    "editor",
    "viewer",
    "wrong_scope",
    "revoked_grant",
    "other_account",
    "revoked_token",
    "expired_token",
    "no_token",
)
ROLES = {"owner": Role.OWNER, "editor": Role.EDITOR, "viewer": Role.VIEWER}


def operations() -> dict[str, tuple[str, str, dict[str, str] | None]]:
    """operationId → (method, path template, x-needs) for every REST operation."""
    schema = api.get_openapi_schema()
    found = {}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            found[operation["operationId"]] = (method, path, operation.get("x-needs"))
    return found


REST = operations()
SAMPLES: dict[str, Callable[[World], Any]] = {
    "profiles_list": lambda world: ({}, None, 200),
    "profiles_get": lambda world: ({"profile_uuid": str(world.profile.uuid)}, None, 200),
    **samples_rest.SAMPLES,
    **samples_files.SAMPLES,
}
FHIR: dict[str, Callable[[World], Any]] = dict(samples_fhir.SAMPLES)


def test_every_operation_declares_what_it_needs_and_has_a_sample():
    for operation_id, (_method, _path, declared) in REST.items():
        if operation_id in ANY_TOKEN:
            continue
        assert declared is not None, f"{operation_id} does not say what it needs (gate.needs)"
        assert declared["scope"] in Scope.values, operation_id
        assert operation_id in SAMPLES, f"{operation_id} has no sample request"


def test_every_fhir_route_has_a_sample():
    from myhealthhub.tests.test_access_matrix import url_patterns

    names = {name for name, _pattern in url_patterns() if name.startswith("fhir:")}
    assert names == set(FHIR), (names - set(FHIR), set(FHIR) - names)


def token_of(world: World, caller: str, needed_scope: str | None) -> str | None:
    """The secret ``caller`` sends; made now, in this test's own world."""
    every = list(Scope.values)

    def made(account_name: str, scopes: list[str]) -> str:
        return create_token(
            world.accounts[account_name],
            request=None,
            name=caller,
            scopes=scopes,
            profile_uuids=[world.profile.uuid],
        ).secret

    if caller in ROLES:
        return made(caller, every)
    if caller == "wrong_scope":
        return made("owner", [scope for scope in every if scope != needed_scope] or ["read"])
    if caller == "revoked_grant":
        secret = made("editor", every)
        Grant.objects.filter(account=world.accounts["editor"], profile=world.profile).update(
            revoked_at=timezone.now()
        )
        return secret
    if caller == "other_account":
        # Another account, with a record of its own: a token of theirs, for it.
        theirs = create_profile(
            world.accounts["stranger"], request=None, given_name="Eva", family_name="Otra"
        )
        return create_token(
            world.accounts["stranger"],
            request=None,
            name=caller,
            scopes=every,
            profile_uuids=[theirs.uuid],
        ).secret
    if caller == "revoked_token":
        secret = made("owner", every)
        token = AccessToken.objects.get(name=caller)
        revoke_token(token, actor=world.accounts["owner"], request=None)
        return secret
    if caller == "expired_token":
        secret = made("owner", every)
        AccessToken.objects.filter(name=caller).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        return secret
    return None


def expected(caller: str, needs: dict[str, str] | None, allowed: int) -> int:
    if needs is None:  # public, as FHIR's metadata is
        return allowed
    if caller in {"revoked_token", "expired_token", "no_token"}:
        return 401
    if caller in {"revoked_grant", "other_account"}:
        return 404
    if caller == "wrong_scope":
        return 403
    return allowed if ROLES[caller].includes(Role(needs["role"])) else 404


def unchanged_but_token_use() -> dict[str, int]:
    """The database's digest, but for the tokens' rows: each call records its token's last use."""
    state = database_state()
    state.pop(AccessToken._meta.db_table)
    return state


def send(client: Client, method: str, url: str, body: Any, secret: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    if isinstance(body, dict) and body.pop("__multipart__", False):
        return getattr(client, method)(url, body, **headers)
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", **headers
    )


def let_through(operation_id: str, caller: str) -> bool:
    """Whether the gate lets ``caller`` through to the operation's own code."""
    needs = REST[operation_id][2]
    if caller in {"revoked_token", "expired_token", "no_token"}:
        return False
    if operation_id in ANY_TOKEN:
        return True
    if operation_id in PERSONAL and caller in {"editor", "viewer"}:
        return False
    return needs is not None and expected(caller, needs, 200) == 200


def rest_cases() -> list[tuple[str, str]]:
    """Every operation × caller; on PostgreSQL, those the gate lets through.

    As in the pages' matrix: a refused caller is stopped by the gate, whose
    queries are the same on both databases; what differs between them is what
    an operation does once it runs, and each runs for its allowed callers on both.
    """
    every = [(operation_id, caller) for operation_id in sorted(REST) for caller in TOKEN_CALLERS]
    if connection.vendor == "sqlite":
        return every
    return [case for case in every if let_through(*case)]


@pytest.mark.parametrize(("operation_id", "caller"), rest_cases())
def test_rest_operation(world: World, operation_id: str, caller: str):
    method, template, needs = REST[operation_id]
    path_params, body, allowed = SAMPLES[operation_id](world)
    url = template.format(**path_params)
    secret = token_of(world, caller, needs["scope"] if needs else None)
    before = unchanged_but_token_use()
    answer = send(Client(), method, url, body, secret)
    want = expected(caller, needs, allowed)
    if operation_id in ANY_TOKEN:
        want = 401 if caller in {"revoked_token", "expired_token", "no_token"} else allowed
    if operation_id in PERSONAL and caller in {"editor", "viewer"}:
        want = 404
    assert answer.status_code == want, (operation_id, caller, answer.content[:300])
    if want >= 400:
        assert answer["Content-Type"].startswith("application/problem+json")
        assert unchanged_but_token_use() == before


@pytest.mark.parametrize("caller", TOKEN_CALLERS)
@pytest.mark.parametrize("name", sorted(FHIR))
def test_fhir_route(world: World, name: str, caller: str):
    kwargs, query, needs, allowed = FHIR[name](world)
    secret = token_of(world, caller, needs[0] if needs else None)
    before = unchanged_but_token_use()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}") if secret else Client()
    answer = client.get(reverse(name, kwargs=kwargs), query)
    declared = {"scope": needs[0], "role": needs[1]} if needs else None
    want = allowed if declared is None else expected(caller, declared, allowed)
    assert answer.status_code == want, (name, caller, answer.content[:300])
    if want >= 400:
        assert answer["Content-Type"].startswith("application/fhir+json")
        assert unchanged_but_token_use() == before
