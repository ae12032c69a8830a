"""Readings pushed by devices: results as the home readings page makes them, each key once."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from myhealthhub.api.readings import key_system
from myhealthhub.api.tests import callers
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.imports.models import ImportedRecord
from myhealthhub.records.models import Observation, Source, SourceKind

pytestmark = pytest.mark.django_db


def bearer(world: World, caller: str, *scopes: str, name: str = "Home hub") -> Client:
    return callers.bearer(world, caller, *scopes, name=name)


def push(client: Client, world: World, items: list[dict[str, Any]]) -> Any:
    return client.post(
        f"/api/v1/profiles/{world.profile.uuid}/readings",
        json.dumps({"items": items}),
        content_type="application/json",
    )


def reading(key: str, metric: str, value: Any, unit: str = "", **more: Any) -> dict[str, Any]:
    return {"key": key, "metric": metric, "value": value, "unit": unit, **more} | {
        "time": more.get("time", "2025-05-04T08:15:00+02:00")
    }


def test_each_reading_becomes_a_coded_result_in_its_stored_unit(world: World):
    client = bearer(world, "editor", "readings")
    answer = push(
        client,
        world,
        [
            reading("bp-1", "blood_pressure", "132/84", "mmHg", source="Omron M3"),
            reading("hr-1", "pulse", 71, "bpm"),
            reading("w-1", "weight", 154.32, "lbs"),
            reading("t-1", "temperature", 99.5, "°F"),
            reading("g-1", "glucose", 6.2, "mmol/l"),
            reading("o-1", "oxygen_saturation", 97, "%"),
        ],
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["added"], body["present"], body["refused"]) == (6, 0, 0)
    made = {
        row.source_identifiers[0]["value"]: row
        for row in Observation.objects.filter(
            profile=world.profile,
            code__in=("85354-9", "8867-4", "29463-7", "8310-5", "2339-0", "59408-5"),
        )
    }
    assert {key: (row.value_number, row.unit) for key, row in made.items()} == {
        "bp-1": (None, ""),
        "hr-1": (71.0, "/min"),
        "w-1": (70.0, "kg"),
        "t-1": (37.5, "Cel"),
        "g-1": (6.2, "mmol/L"),
        "o-1": (97.0, "%"),
    }
    pressure = made["bp-1"]
    assert [part["value"] for part in pressure.components] == [132, 84]
    assert pressure.value_display == "132/84 mmHg"
    # Ana's profile is in Spanish: named as the page names them, on the clock they were taken on.
    assert pressure.display == "Presión arterial"
    assert (str(pressure.date), str(pressure.effective_time), pressure.effective_offset) == (
        "2025-05-04",
        "08:15:00",
        120,
    )
    assert pressure.taken_at == dt.datetime(2025, 5, 4, 6, 15, tzinfo=dt.UTC)
    assert pressure.source.kind == SourceKind.DEVICE and pressure.source.label == "Omron M3"
    assert made["hr-1"].source.label == "Home hub"  # no source given: the token's name
    assert pressure.source_identifiers == [
        {"system": key_system(world.accounts["editor"]), "value": "bp-1"}
    ]
    assert {line["uuid"] for line in body["lines"]} == {str(row.uuid) for row in made.values()}
    as_entry = (
        bearer(world, "editor", "read")
        .get(f"/api/v1/profiles/{world.profile.uuid}/entries/results/{pressure.uuid}")
        .json()
    )
    assert as_entry["taken_at"] == "2025-05-04T06:15:00+00:00"
    assert [part["value"] for part in as_entry["components"]] == [132, 84]
    events = AuditEvent.objects.filter(profile=world.profile, object_type="readings")
    assert list(events.values_list("action", flat=True)) == [Action.ENTRY_CREATED]


def test_refused_lines_say_why_and_the_rest_are_added(world: World):
    client = bearer(world, "owner", "readings")
    future = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    answer = push(
        client,
        world,
        [
            reading("ok", "weight", 70.2, "kg"),
            reading("ok", "weight", 70.3, "kg"),
            reading("unit", "weight", 70, "mmHg"),
            reading("metric", "mood", 7),
            reading("range", "oxygen_saturation", 140, "%"),
            reading("half", "blood_pressure", "132"),
            reading("future", "heart_rate", 60, time=future),
            reading("time", "heart_rate", 60, time="yesterday"),
            reading(" ", "heart_rate", 60),
        ],
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["added"], body["refused"]) == (1, 8)
    problems = {line["key"]: line.get("problem") for line in body["lines"][1:]}
    assert problems == {
        "ok": "This key is used twice in this batch.",
        "unit": "This metric is not measured in “mmHg”. Use one of: kg, g, [lb_av].",
        "metric": "Unknown metric. Choose one of: blood_pressure, heart_rate, weight, "
        "body_temperature, oxygen_saturation, glucose.",
        "range": "This value is outside what a reading can be (50 to 100 %).",
        "half": "Give blood pressure as two whole numbers, such as “132/84”.",
        "future": "A reading cannot be in the future.",
        "time": "Give the time in ISO 8601, such as 2025-03-01T07:30:00+01:00.",
        " ": "Give each reading a key of 1 to 200 characters.",
    }


def test_more_than_500_at_once_is_refused_whole(world: World):
    client = bearer(world, "owner", "readings")
    before = Observation.objects.count()
    answer = push(client, world, [reading(f"k{n}", "heart_rate", 60) for n in range(501)])
    assert answer.status_code == 413
    assert answer["Content-Type"].startswith("application/problem+json")
    assert Observation.objects.count() == before


def test_keys_are_each_accounts_own(world: World):
    """The owner's hub and the caregiver's phone may both call a reading "1"."""
    first = push(bearer(world, "owner", "readings"), world, [reading("1", "heart_rate", 60)])
    second = push(bearer(world, "editor", "readings"), world, [reading("1", "heart_rate", 61)])
    again = push(bearer(world, "owner", "readings"), world, [reading("1", "heart_rate", 62)])
    assert [r.json()["lines"][0]["status"] for r in (first, second, again)] == [
        "added",
        "added",
        "present",
    ]
    assert again.json()["lines"][0]["uuid"] == first.json()["lines"][0]["uuid"]


def test_a_viewer_cannot_push_and_a_read_token_cannot_either(world: World):
    before = Observation.objects.count()
    viewer = push(bearer(world, "viewer", "readings"), world, [reading("v", "heart_rate", 60)])
    assert viewer.status_code == 404
    reader = push(bearer(world, "owner", "read"), world, [reading("r", "heart_rate", 60)])
    assert reader.status_code == 403
    assert Observation.objects.count() == before


def test_ten_thousand_readings_twice_add_each_once_and_show_on_the_results_list(world: World):
    client = bearer(world, "owner", "readings", "read")
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=70)
    items = [
        reading(
            f"scale-{n}",
            "weight",
            round(70 + (n % 100) / 10, 1),
            "kg",
            time=(start + dt.timedelta(minutes=10 * n)).isoformat(),
            source="Bathroom scale",
        )
        for n in range(10_000)
    ]
    for attempt, status in ((1, "added"), (2, "present")):
        for offset in range(0, len(items), 500):
            answer = push(client, world, items[offset : offset + 500])
            assert answer.status_code == 200, (attempt, offset, answer.content[:300])
            lines = answer.json()["lines"]
            assert {line["status"] for line in lines} == {status}
    weights = Observation.objects.filter(profile=world.profile, code="29463-7")
    assert weights.count() == 10_000
    assert Source.objects.filter(profile=world.profile, label="Bathroom scale").count() == 1
    assert (
        ImportedRecord.objects.filter(
            profile=world.profile, system=key_system(world.accounts["owner"])
        ).count()
        == 10_000
    )
    batches = AuditEvent.objects.filter(profile=world.profile, object_type="readings")
    assert batches.count() == 20  # one a batch that added something

    page = world.client("owner").get(
        reverse("records:list", kwargs={"profile_uuid": world.profile.uuid, "kind": "results"}),
        {"q": "Peso"},
    )
    assert page.status_code == 200
    text = page.content.decode()
    newest = weights.order_by("-date", "-effective_time").first()
    assert newest is not None and f"{newest.value_number:g} kg" in text
    assert "Bathroom scale" in text

    listed = client.get(
        f"/api/v1/profiles/{world.profile.uuid}/readings", {"metric": "weight", "limit": "200"}
    ).json()
    assert len(listed["items"]) == 200 and listed["next"]
    first = listed["items"][0]
    assert (first["metric"], first["unit"], first["source"], first["key"]) == (
        "weight",
        "kg",
        "Bathroom scale",
        "scale-0",
    )
