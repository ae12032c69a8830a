"""The overview counts a test's values only so far: past a thousand it says "1000+"."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.records.actions import manual_source
from myhealthhub.records.models import Observation


def test_a_test_measured_more_than_a_thousand_times_reads_1000_plus(world: World):
    owner = world.accounts["owner"]
    source = manual_source(world.profile, owner)
    day = dt.date(2020, 1, 1)
    Observation.objects.bulk_create(
        Observation(
            profile=world.profile,
            source=source,
            created_by=owner,
            updated_by=owner,
            display="Heart rate",
            code="8867-4",
            code_system="http://loinc.org",
            value_number=60 + index % 20,
            unit="/min",
            date=day + dt.timedelta(days=index),
        )
        for index in range(1001)
    )
    page = world.client("owner").get(
        reverse("profiles:overview", args=[world.profile.uuid]), headers={"accept-language": "en"}
    )
    assert "1000+ values" in page.content.decode()
