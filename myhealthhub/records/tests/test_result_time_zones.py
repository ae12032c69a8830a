"""A result typed at 09:30 in New York was taken at 13:30 UTC, and Madrid reads it at 14:30.

The owner keeps the record from New York, the viewer reads it and the
editor corrects it from Madrid. On 15 March 2027 New York is on summer time
(UTC−4) and Madrid not yet (UTC+1).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from myhealthhub.accounts.models import User
from myhealthhub.conftest import World
from myhealthhub.records.models import EntryVersion, Observation

TYPED = {
    "display": "Glucose",
    "category": "laboratory",
    "date_year": "2027",
    "date_month": "3",
    "date_day": "15",
    "effective_time": "09:30",
    "value_number": "99",
    "unit_text": "mg/dL",
}


@pytest.fixture
def zones(world: World) -> World:
    User.objects.filter(pk=world.accounts["owner"].pk).update(time_zone="America/New_York")
    for caller in ("viewer", "editor"):
        User.objects.filter(pk=world.accounts[caller].pk).update(time_zone="Europe/Madrid")
    return world


def url(world: World, name: str, **kwargs: object) -> str:
    return reverse(
        f"records:{name}", kwargs={"profile_uuid": world.profile.uuid, "kind": "results", **kwargs}
    )


def typed(world: World, **changed: str) -> Observation:
    response = world.client("owner").post(url(world, "create"), {**TYPED, **changed})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Observation.objects.filter(profile_id=world.profile.pk).latest("id")


def time_row(world: World, client: Client, result: Observation) -> str:
    page = client.get(url(world, "detail", entry_uuid=result.uuid)).content.decode()
    start = page.index("<dt>Time</dt>")
    return page[start : page.index("</dd>", start) + 5]


def test_a_time_typed_in_new_york_keeps_new_york_s_offset(zones: World):
    result = typed(zones)
    assert (result.date, result.effective_time, result.effective_offset) == (
        dt.date(2027, 3, 15),
        dt.time(9, 30),
        -240,
    )
    assert result.taken_at == dt.datetime(2027, 3, 15, 13, 30, tzinfo=dt.UTC)


def test_each_reader_sees_the_time_on_their_own_clock(zones: World):
    result = typed(zones)
    assert time_row(zones, zones.client("owner"), result) == (
        '<dt>Time</dt><dd class="pre-line">9:30 a.m.</dd>'
    )
    assert time_row(zones, zones.client("viewer"), result) == (
        '<dt>Time</dt><dd class="pre-line">2:30 p.m. (as recorded: 9:30 a.m., UTC−04:00)</dd>'
    )


def test_late_in_new_york_is_the_next_day_in_madrid(zones: World):
    typed(zones, effective_time="23:30")
    listing = zones.client("viewer").get(url(zones, "list")).content.decode()
    assert "March 16, 2027" in listing
    assert "March 15, 2027" not in listing


def test_an_edit_from_madrid_that_leaves_the_time_keeps_the_moment_as_recorded(zones: World):
    result = typed(zones)
    editor = zones.client("editor")
    form = editor.get(url(zones, "edit", entry_uuid=result.uuid)).context["form"]
    assert form.initial["effective_time"] == dt.time(14, 30)
    response = editor.post(
        url(zones, "edit", entry_uuid=result.uuid),
        {**TYPED, "effective_time": "14:30", "notes": "Fasting.", "version": "1"},
    )
    assert response.status_code == 302
    result.refresh_from_db()
    assert (result.effective_time, result.effective_offset) == (dt.time(9, 30), -240)
    assert EntryVersion.objects.get(entry_uuid=result.uuid).changed_fields == ["notes"]


def test_a_time_changed_from_madrid_is_on_madrid_s_clock(zones: World):
    result = typed(zones)
    response = zones.client("editor").post(
        url(zones, "edit", entry_uuid=result.uuid),
        {**TYPED, "effective_time": "15:00", "version": "1"},
    )
    assert response.status_code == 302
    result.refresh_from_db()
    assert (result.effective_time, result.effective_offset) == (dt.time(15, 0), 60)
    assert result.taken_at == dt.datetime(2027, 3, 15, 14, 0, tzinfo=dt.UTC)


def test_home_readings_are_on_the_typist_s_clock(zones: World):
    response = zones.client("editor").post(
        reverse("records:add_readings", kwargs={"profile_uuid": zones.profile.uuid}),
        {"when": "2025-05-04T08:15", "pulse": "71"},
    )
    assert response.status_code == 302
    pulse = Observation.objects.filter(profile_id=zones.profile.pk, code="8867-4").latest("id")
    # Madrid on summer time in May: UTC+2.
    assert (pulse.effective_time, pulse.effective_offset) == (dt.time(8, 15), 120)
