"""Workouts typed by hand: the form, and the list and page in the reader's units."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from myhealthhub.conftest import World
from myhealthhub.lib import formatting
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Workout

RUN = {
    "activity": "running",
    "starts_at": "2025-06-11T18:00",
    "duration_hours": "0",
    "duration_minutes": "32",
    "duration_seconds": "10",
    "distance": "5.2",
    "active_energy": "412",
    "average_heart_rate": "148",
    "device": "Garmin Forerunner",
}


def url(name: str, world: World, **kwargs) -> str:
    return reverse(
        f"records:{name}",
        kwargs={"profile_uuid": world.profile.uuid, "kind": "workouts", **kwargs},
    )


def added(world: World, caller: str = "owner", **changes: str) -> Workout:
    response = world.client(caller).post(url("create", world), {**RUN, **changes})
    assert response.status_code == 302, response.context["form"].errors
    return Workout.objects.filter(profile_id=world.profile.pk).latest("id")


def test_a_workout_typed_by_hand_is_kept_in_one_unit_each(world: World):
    workout = added(world, "editor")
    assert workout.duration == 32 * 60 + 10
    assert workout.distance == pytest.approx(5200.0)
    assert (workout.active_energy, workout.average_heart_rate) == (412.0, 148.0)
    # Named after its activity when no name is typed; on the day it started.
    assert workout.display == "Running"
    assert workout.date == timezone.localtime(workout.starts_at).date()
    assert workout.source.author == world.accounts["editor"]


def test_the_list_and_the_page_read_in_metric_units(world: World):
    workout = added(world)
    client = world.client("owner")
    listing = client.get(url("list", world)).content.decode()
    for shown in ("Running", "32 min 10 s", "5.20 km", "412 kcal"):
        assert shown in listing
    page = client.get(url("detail", world, entry_uuid=workout.uuid)).content.decode()
    for shown in ("32 min 10 s", "5.20 km", "412 kcal", "148 /min", "Garmin Forerunner"):
        assert shown in page


def test_the_list_and_the_page_read_in_miles_for_us_units(world: World):
    workout = added(world)
    owner = world.accounts["owner"]
    owner.body_units = formatting.US
    owner.save(update_fields=["body_units"])
    client = world.client("owner")
    listing = client.get(url("list", world)).content.decode()
    # No distance in kilometres (the page's random CSRF token may hold the letters "km").
    assert "3.23 mi" in listing and not re.search(r"\d\s*km\b", listing)
    page = client.get(url("detail", world, entry_uuid=workout.uuid)).content.decode()
    assert "3.23 mi" in page


def test_a_distance_is_typed_in_the_readers_unit_and_kept_exactly_when_untouched(world: World):
    owner = world.accounts["owner"]
    owner.body_units = formatting.US
    owner.save(update_fields=["body_units"])
    workout = added(world, distance="3.1")
    assert workout.distance == pytest.approx(3.1 * 1609.344)
    edit = url("edit", world, entry_uuid=workout.uuid)
    form = world.client("owner").get(edit).context["form"]
    assert str(form["distance"].label) == "Distance (mi)"
    assert form.initial["distance"] == 3.1
    exact = 4988.9664  # 3.1 miles typed by someone else, in metres
    Workout.objects.filter(pk=workout.pk).update(distance=exact)
    response = world.client("owner").post(
        edit, {**RUN, "distance": "3.1", "notes": "Windy", "version": "1"}
    )
    assert response.status_code == 302
    workout.refresh_from_db()
    assert (workout.notes, workout.distance) == ("Windy", exact)


def test_a_workout_needs_how_long_it_lasted(world: World):
    client = world.client("owner")
    empty = {**RUN, "duration_hours": "", "duration_minutes": "", "duration_seconds": ""}
    response = client.post(url("create", world), empty)
    assert response.status_code == 200
    assert response.context["form"].errors["duration"] == ["This field is required."]
    zero = {**RUN, "duration_hours": "0", "duration_minutes": "0", "duration_seconds": "0"}
    response = client.post(url("create", world), zero)
    assert response.context["form"].errors["duration"] == ["Enter how long it lasted."]
    assert not Workout.objects.filter(profile_id=world.profile.pk).exists()


def test_a_workout_of_another_profile_is_not_found(world: World):
    owner = world.accounts["owner"]
    theirs = create_entry(
        KINDS["workouts"],
        world.other.profile,
        actor=owner,
        request=None,
        values={
            "activity": "yoga",
            "starts_at": timezone.now() - dt.timedelta(days=1),
            "duration": 3600,
        },
    )
    # Named under this profile, the other profile's workout does not exist here.
    assert (
        world.client("owner").get(url("detail", world, entry_uuid=theirs.uuid)).status_code == 404
    )
    mine = added(world)
    for caller in ("stranger", "revoked"):
        response = world.client(caller).get(url("detail", world, entry_uuid=mine.uuid))
        assert response.status_code == 404, caller
        assert world.client(caller).get(url("list", world)).status_code == 404, caller
    assert world.client("viewer").post(url("create", world), RUN).status_code == 404
    assert world.client("viewer").get(url("detail", world, entry_uuid=mine.uuid)).status_code == 200
