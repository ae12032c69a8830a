from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Role


def overview(world: World) -> str:
    return reverse("profiles:overview", kwargs={"profile_uuid": world.profile.uuid})


def test_revoking_takes_effect_on_the_next_request(world: World):
    client = world.client("viewer")
    assert client.get(overview(world)).status_code == 200
    owner = world.client("owner")
    revoke_url = reverse(
        "profiles:revoke",
        kwargs={"profile_uuid": world.profile.uuid, "grant_uuid": world.grants["viewer"].uuid},
    )
    assert owner.post(revoke_url).status_code == 302
    assert client.get(overview(world)).status_code == 404
    event = AuditEvent.objects.get(
        action=Action.GRANT_REVOKED, object_uuid=world.grants["viewer"].uuid
    )
    assert event.actor == world.accounts["owner"]


def test_a_grant_stops_counting_when_it_expires(world: World):
    world.grants["viewer"].expires_at = timezone.now() + dt.timedelta(minutes=10)
    world.grants["viewer"].save(update_fields=["expires_at"])
    client = world.client("viewer")
    assert client.get(overview(world)).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert client.get(overview(world)).status_code == 404


def test_the_last_owner_cannot_be_removed(world: World):
    with pytest.raises(ActionRefused, match="at least one owner"):
        actions.revoke_grant(world.grants["owner"], actor=world.accounts["owner"], request=None)
    with pytest.raises(ActionRefused, match="at least one owner"):
        actions.change_role(
            world.grants["owner"], Role.VIEWER, actor=world.accounts["owner"], request=None
        )
    second = actions.grant_access(
        world.profile,
        world.accounts["stranger"],
        Role.OWNER,
        actor=world.accounts["owner"],
        request=None,
    )
    actions.revoke_grant(world.grants["owner"], actor=second.account, request=None)
    assert world.client("owner").get(overview(world)).status_code == 404


def test_granting_twice_is_refused_but_regranting_after_revocation_works(world: World):
    with pytest.raises(ActionRefused):
        actions.grant_access(
            world.profile,
            world.accounts["viewer"],
            Role.EDITOR,
            actor=world.accounts["owner"],
            request=None,
        )
    grant = actions.grant_access(
        world.profile,
        world.accounts["revoked"],
        Role.VIEWER,
        actor=world.accounts["owner"],
        request=None,
    )
    assert grant.role == Role.VIEWER
    assert world.client("revoked").get(overview(world)).status_code == 200
    # An expired grant is replaced, not duplicated.
    actions.grant_access(
        world.profile,
        world.accounts["expired"],
        Role.VIEWER,
        actor=world.accounts["owner"],
        request=None,
    )
    assert world.client("expired").get(overview(world)).status_code == 200


def test_every_grant_change_is_audited(world: World):
    kinds = AuditEvent.objects.filter(
        object_type="grant", profile_uuid=world.profile.uuid
    ).values_list("action", flat=True)
    # The world fixture granted four caregivers and revoked one.
    assert sorted(kinds) == sorted([Action.GRANT_CREATED] * 4 + [Action.GRANT_REVOKED])
    actions.change_role(
        world.grants["editor"], Role.VIEWER, actor=world.accounts["owner"], request=None
    )
    assert AuditEvent.objects.filter(
        action=Action.GRANT_UPDATED, object_uuid=world.grants["editor"].uuid
    ).exists()
