from __future__ import annotations

from django.test import Client
from django.urls import reverse

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World


def trail_url(world: World) -> str:
    return reverse("audit:trail", kwargs={"profile_uuid": world.profile.uuid})


def test_owner_sees_who_did_what(world: World):
    page = world.client("owner").get(trail_url(world)).content.decode()
    assert "Profile created" in page
    assert "Access granted" in page
    assert "Access revoked" in page
    assert "owner@world.example.org" in page


def test_events_carry_address_and_user_agent_but_no_health_values(world: World):
    client = Client(REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="Firefox\r\nINFO forged line")
    client.force_login(world.accounts["editor"])
    client.post(
        reverse("profiles:contact_add", kwargs={"profile_uuid": world.profile.uuid}),
        {"name": "Dr. Secret", "notes": "insulin 10 units"},
    )
    event = AuditEvent.objects.get(action=Action.CONTACT_ADDED, actor=world.accounts["editor"])
    assert event.ip_address == "192.0.2.44"
    assert "\n" not in event.user_agent and "\r" not in event.user_agent
    stored = " ".join(str(value) for value in AuditEvent.objects.values_list(named=False).all())
    assert "insulin" not in stored
    assert "Dr. Secret" not in stored


def test_the_trail_is_paginated_newest_first(world: World):
    owner = world.accounts["owner"]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action=Action.PROFILE_UPDATED,
            actor=owner,
            profile=world.profile,
            profile_uuid=world.profile.uuid,
        )
        for _ in range(60)
    )
    client = world.client("owner")
    first = client.get(trail_url(world))
    assert len(first.context["page"].object_list) == 50
    second = client.get(trail_url(world) + "?page=2")
    assert second.context["page"].object_list[-1].action == Action.PROFILE_CREATED


def test_the_owner_sees_what_one_caregiver_did(world: World):
    editor = world.client("editor")
    editor.post(
        reverse("profiles:contact_add", kwargs={"profile_uuid": world.profile.uuid}),
        {"name": "Dr. Sol"},
    )
    grant = world.grants["editor"]
    owner = world.client("owner")
    page = owner.get(trail_url(world), {"who": str(grant.uuid)}).content.decode()
    assert "Only what editor@world.example.org did." in page
    assert "Emergency contact added" in page
    assert "Profile created" not in page  # the owner's doing
    # A grant of another profile, or no grant at all, filters nothing.
    other = world.other.grant.uuid
    for who in (str(other), "not-a-uuid"):
        page = owner.get(trail_url(world), {"who": who}).content.decode()
        assert "Profile created" in page and "Only what" not in page
