from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from myhealthhub.conftest import World
from myhealthhub.records.models import DailySummary, Sample, Source, SourceKind
from myhealthhub.records.samples import add_samples


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, tzinfo=timezone.get_current_timezone())


def test_samples_go_in_once_with_daily_summaries(world: World):
    watch = Source.objects.create(profile=world.profile, kind=SourceKind.DEVICE, label="Watch")
    readings = [
        ("steps", at(1, 9), 1200.0),
        ("steps", at(1, 18), 3400.0),
        ("steps", at(2, 10), 500.0),
        ("heart_rate", at(1, 9), 70.0),
        ("heart_rate", at(1, 10), 90.0),
    ]
    add_samples(world.profile, watch, readings)
    add_samples(world.profile, watch, readings)  # the same export again
    assert Sample.objects.filter(profile=world.profile, source=watch).count() == 5
    steps = {
        day.day.day: day
        for day in DailySummary.objects.filter(profile=world.profile, metric="steps")
    }
    assert (steps[1].value, steps[1].count, steps[2].value) == (4600.0, 2, 500.0)
    heart = DailySummary.objects.get(
        profile=world.profile, metric="heart_rate", day=dt.date(2025, 3, 1)
    )
    assert (heart.value, heart.minimum, heart.maximum) == (80.0, 70.0, 90.0)


def test_new_readings_update_the_day(world: World):
    watch = Source.objects.create(profile=world.profile, kind=SourceKind.DEVICE, label="Watch")
    add_samples(world.profile, watch, [("steps", at(3, 9), 100.0)])
    add_samples(world.profile, watch, [("steps", at(3, 20), 50.0)])
    assert (
        DailySummary.objects.get(
            profile=world.profile, metric="steps", day=dt.date(2025, 3, 3)
        ).value
        == 150.0
    )


def test_readings_page_and_chart(world: World):
    client = world.client("viewer")
    page = client.get(
        reverse("records:readings", kwargs={"profile_uuid": world.profile.uuid})
    ).content.decode()
    assert "Heart rate" in page
    assert "50 readings over" in page
    chart = client.get(
        reverse(
            "records:reading_chart",
            kwargs={"profile_uuid": world.profile.uuid, "metric": "heart_rate"},
        )
    )
    assert chart["Content-Type"] == "image/svg+xml"
    assert chart.content.startswith(b"<?xml")
    missing = client.get(
        reverse(
            "records:reading_chart",
            kwargs={"profile_uuid": world.profile.uuid, "metric": "glucose"},
        )
    )
    assert missing.status_code == 404
    unknown = client.get(
        reverse("records:reading_chart", kwargs={"profile_uuid": world.profile.uuid, "metric": "x"})
    )
    assert unknown.status_code == 404
