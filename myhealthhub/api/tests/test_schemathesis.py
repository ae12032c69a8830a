"""Every operation of the live OpenAPI schema, tried by schemathesis with a token of each scope.

schemathesis reads /api/v1/openapi.json from the running app and makes requests
that the schema allows (and some it does not); for each, with a token of each
scope, the answer must not be a server error, its status must be one the
schema names, and its body must match the schema written for that status.
Path parameters that name a profile or a thing in it are pointed at the
world's own, so the requests reach past the gate and not only its 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from myhealthhub.api.actions import create_token
from myhealthhub.api.models import Scope
from myhealthhub.conftest import World

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_connection_for_the_whole_test() -> Iterator[None]:
    """Keep the test's connection open across the app's requests, as Django's test client does.

    schemathesis calls the WSGI app itself, whose request signals would close
    the connection after each answer; on PostgreSQL (CONN_MAX_AGE 0) the next
    request would then need a new one inside the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def secrets_by_scope(world: World) -> dict[str, str]:
    return {
        scope: create_token(
            world.accounts["owner"],
            request=None,
            name=f"schemathesis {scope}",
            scopes=[scope],
            profile_uuids=[world.profile.uuid],
        ).secret
        for scope in Scope.values
    }


def aim_at_the_world(case: schemathesis.Case[Any], world: World) -> None:
    """Point the path's profile (and the things in it) at the world's, where the case names them."""
    path = case.path_parameters or {}
    if "profile_uuid" in path:
        path["profile_uuid"] = str(world.profile.uuid)
    things = {
        "entry_uuid": world.medication.uuid,
        "document_uuid": world.document.uuid,
        "export_uuid": world.export_job.uuid,
    }
    for name, value in things.items():
        if name in path:
            path[name] = str(value)


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_answers_a_server_error_or_off_its_schema(
    case: schemathesis.Case[Any], world: World, secrets_by_scope: dict[str, str]
) -> None:
    aim_at_the_world(case, world)
    for secret in secrets_by_scope.values():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {secret}"},
            checks=[status_code_conformance, response_schema_conformance],
            excluded_checks=[negative_data_rejection],
        )
