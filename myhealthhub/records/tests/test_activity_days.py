"""Days of activity rings: written once each, and shown on the readings page against their goals."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.imports.base import ActivityRow
from myhealthhub.records.activity import add_activity_days
from myhealthhub.records.models import ActivityDay, Source, SourceKind

DAYS = [
    ActivityRow(dt.date(2016, 11, 15), 590.252, 630.0, 68, 30, 13, 12),
    ActivityRow(dt.date(2016, 11, 16), 323.513, 630.0, 39, 30, 9, 12),
]


def device(world: World) -> Source:
    return Source.objects.create(
        profile=world.profile, kind=SourceKind.DEVICE, label="Apple Watch", facility="Apple Watch"
    )


def test_reimport_adds_nothing(world: World):
    assert add_activity_days(world.profile, device(world), DAYS) == 2
    # A second import of the same export comes with a source of its own.
    assert add_activity_days(world.profile, device(world), DAYS) == 0
    later = ActivityRow(dt.date(2016, 11, 17), 100.0, 630.0, 5, 30, 3, 12)
    assert add_activity_days(world.profile, device(world), [*DAYS, later, later]) == 1
    stored = ActivityDay.objects.filter(profile_id=world.profile.pk).order_by("day")
    assert [(row.day.day, row.move, row.stand_goal) for row in stored] == [
        (15, 590.252, 12),
        (16, 323.513, 12),
        (17, 100.0, 12),
    ]
    assert not ActivityDay.objects.filter(profile_id=world.other.profile.pk).exists()


def test_the_readings_page_shows_each_day_against_its_goals(world: World):
    add_activity_days(world.profile, device(world), DAYS)
    page = world.client("viewer").get(
        reverse("records:readings", kwargs={"profile_uuid": world.profile.uuid})
    )
    text = page.content.decode()
    assert "Activity rings" in text
    assert "590 / 630 kcal" in text and "68 / 30 min" in text and "13 / 12 h" in text
    # The first day met its exercise and stand goals, not its move goal.
    assert text.count("goal met") == 3
    # Another profile's days are not this one's.
    other = world.client("owner").get(
        reverse("records:readings", kwargs={"profile_uuid": world.other.profile.uuid})
    )
    assert "Activity rings" not in other.content.decode()
