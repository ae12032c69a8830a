"""An appointment typed at 09:30 in New York is 13:30 UTC, and every page says so in its reader's zone.

The owner keeps the record from New York; the viewer, a caregiver, reads it
from Madrid. 15 March 2027 falls between the United States' change to
summer time (14 March) and Europe's (28 March): New York is UTC−4, Madrid UTC+1.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from myhealthhub.accounts.models import User
from myhealthhub.conftest import World
from myhealthhub.records.models import Appointment

# When the owner types it: 10 March 2027, 15:00 UTC, still winter time in New York (UTC−5).
TYPED_AT = dt.datetime(2027, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def zones(world: World) -> World:
    User.objects.filter(pk=world.accounts["owner"].pk).update(time_zone="America/New_York")
    User.objects.filter(pk=world.accounts["viewer"].pk).update(time_zone="Europe/Madrid")
    return world


def typed_appointment(world: World) -> tuple[Appointment, Client]:
    with time_machine.travel(TYPED_AT, tick=False):
        # Signed in then too: the session's age limits count from its start.
        owner = world.client("owner")
        response = owner.post(
            reverse(
                "records:create",
                kwargs={"profile_uuid": world.profile.uuid, "kind": "appointments"},
            ),
            {"display": "Dermatology", "starts_at": "2027-03-15T09:30", "status": "booked"},
        )
    assert response.status_code == 302
    assert "/appointments/" in response["Location"]
    return Appointment.objects.get(profile_id=world.profile.pk, display="Dermatology"), owner


def detail(world: World, client: Client, appointment: Appointment) -> str:
    url = reverse(
        "records:detail",
        kwargs={
            "profile_uuid": world.profile.uuid,
            "kind": "appointments",
            "entry_uuid": appointment.uuid,
        },
    )
    return client.get(url).content.decode()


def test_a_time_typed_in_new_york_is_stored_as_its_utc_instant(zones: World):
    appointment, _owner = typed_appointment(zones)
    assert appointment.starts_at == dt.datetime(2027, 3, 15, 13, 30, tzinfo=dt.UTC)
    assert appointment.date == dt.date(2027, 3, 15)


def test_each_reader_sees_the_time_in_their_own_zone(zones: World):
    appointment, owner = typed_appointment(zones)
    assert '<dt>Starts</dt><dd class="pre-line">March 15, 2027, 9:30 a.m.</dd>' in detail(
        zones, owner, appointment
    )
    assert '<dt>Starts</dt><dd class="pre-line">March 15, 2027, 2:30 p.m.</dd>' in detail(
        zones, zones.client("viewer"), appointment
    )


def test_the_edit_form_shows_the_time_as_typed(zones: World):
    appointment, owner = typed_appointment(zones)
    url = reverse(
        "records:edit",
        kwargs={
            "profile_uuid": zones.profile.uuid,
            "kind": "appointments",
            "entry_uuid": appointment.uuid,
        },
    )
    assert 'name="starts_at" value="2027-03-15T09:30"' in owner.get(url).content.decode()


def test_the_activity_log_is_in_the_reader_s_zone_and_names_it(zones: World):
    _appointment, owner = typed_appointment(zones)
    trail = reverse("audit:trail", kwargs={"profile_uuid": zones.profile.uuid})
    page = owner.get(trail).content.decode()
    assert "Every change to this profile and who made it. Times are in America/New York." in page
    assert (
        '<td data-label="When"><time datetime="2027-03-10T10:00:00-05:00">'
        "March 10, 2027, 10 a.m.</time></td>\n"
        '        <td data-label="Who">owner@world.example.org</td>\n'
        '        <td data-label="What">Entry added</td>'
    ) in page
    User.objects.filter(pk=zones.accounts["owner"].pk).update(time_zone="Europe/Madrid")
    page = owner.get(trail).content.decode()
    assert "Times are in Europe/Madrid." in page
    assert '<time datetime="2027-03-10T16:00:00+01:00">March 10, 2027, 4 p.m.</time>' in page
