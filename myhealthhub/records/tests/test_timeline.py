from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.records.actions import create_entry, manual_source
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Source, SourceKind


def timeline_url(world: World) -> str:
    return reverse("records:timeline", kwargs={"profile_uuid": world.profile.uuid})


def add(world: World, slug: str, display: str, date: dt.date, precision: str = "day", **values):
    return create_entry(
        KINDS[slug],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={"display": display, "date": date, "date_precision": precision, **values},
    )


def shown(response) -> list[str]:
    return [item.display for item in response.context["items"]]


def test_every_kind_in_one_stream_newest_first(world: World):
    add(world, "conditions", "Asthma", dt.date(1998, 1, 1), "year")
    add(world, "immunizations", "Tetanus", dt.date(2021, 5, 3))
    add(world, "results", "Glucose", dt.date(2024, 2, 1), "month")
    add(world, "notes", "Felt better", dt.date(2025, 1, 9), body="Better.")
    response = world.client("viewer").get(timeline_url(world))
    # The world's appointment, three weeks ahead, comes first.
    assert shown(response) == [
        "Eye exam",
        "Hemoglobin A1c",
        "Felt better",
        "Glucose",
        "Tetanus",
        "Asthma",
    ]
    page = response.content.decode()
    assert "February 2024" in page and "1998" in page
    assert "Metformin" not in page, "undated entries are not on the timeline"
    assert "Type 2 diabetes" not in page, "deleted entries are not on the timeline"


def test_filters_by_kind_source_and_dates(world: World):
    add(world, "conditions", "Asthma", dt.date(1998, 1, 1), "year")
    add(world, "immunizations", "Tetanus", dt.date(2021, 5, 3))
    imported = Source.objects.create(
        profile=world.profile, kind=SourceKind.IMPORT, label="Clinic portal export"
    )
    create_entry(
        KINDS["results"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        source=imported,
        values={"display": "Glucose", "date": dt.date(2024, 2, 1)},
    )
    client = world.client("owner")
    assert shown(client.get(timeline_url(world), {"kinds": ["conditions", "results"]})) == [
        "Hemoglobin A1c",
        "Glucose",
        "Asthma",
    ]
    assert shown(client.get(timeline_url(world), {"source": str(imported.uuid)})) == ["Glucose"]
    assert shown(client.get(timeline_url(world), {"start": "2000-01-01", "end": "2023-12-31"})) == [
        "Tetanus"
    ]
    manual = manual_source(world.profile, world.accounts["owner"])
    by_hand = shown(client.get(timeline_url(world), {"source": str(manual.uuid)}))
    assert by_hand == ["Eye exam", "Hemoglobin A1c", "Tetanus", "Asthma"]


def test_a_reversed_range_is_explained(world: World):
    response = world.client("owner").get(
        timeline_url(world), {"start": "2024-01-01", "end": "2020-01-01"}
    )
    assert "The start of the range is after its end." in response.content.decode()


def test_pages_and_query_count_stay_flat(world: World):
    client = world.client("owner")
    add(world, "notes", "Only one", dt.date(2020, 1, 1), body=".")
    with CaptureQueriesContext(connection) as small:
        client.get(timeline_url(world))
    start = dt.date(2000, 1, 1)
    for index in range(150):
        add(world, "results", f"Result {index}", start + dt.timedelta(days=index))
        add(world, "notes", f"Note {index}", start + dt.timedelta(days=index), body=".")
    with CaptureQueriesContext(connection) as large:
        first = client.get(timeline_url(world))
    assert len(large) <= len(small)
    assert len(first.context["items"]) == 100
    assert first.context["has_older"]
    assert shown(first)[:3] == ["Eye exam", "Hemoglobin A1c", "Only one"]
    # 303 dated entries: three full pages, then the three oldest.
    assert client.get(timeline_url(world), {"page": 3}).context["has_older"]
    last = client.get(timeline_url(world), {"page": 4})
    next_day = start + dt.timedelta(days=1)
    assert [item.when.earliest for item in last.context["items"]] == [next_day, start, start]
    assert not last.context["has_older"]
