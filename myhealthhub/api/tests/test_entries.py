"""Entries through the API: listed a page at a time, added, changed from a version, deleted."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from myhealthhub.api.tests.callers import bearer
from myhealthhub.api.tests.samples_rest import SAMPLES
from myhealthhub.api.v1 import api
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.lib import bulk
from myhealthhub.records.actions import manual_source, update_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Condition, EntryVersion, Medication, Note, Workout

pytestmark = pytest.mark.django_db


def url(world: World, kind: str, *rest: object) -> str:
    tail = "".join(f"/{part}" for part in rest)
    return f"/api/v1/profiles/{world.profile.uuid}/entries/{kind}{tail}"


def send(client: Client, method: str, address: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(address, json.dumps(body), content_type="application/json")


def test_every_operation_has_a_sample_and_every_kind_is_in_the_path():
    schema = api.get_openapi_schema()
    ours = {
        operation["operationId"]
        for path, methods in schema["paths"].items()
        if "/entries/" in path or path.endswith("/readings")
        for operation in methods.values()
    }
    assert ours == set(SAMPLES)
    path = schema["paths"]["/api/v1/profiles/{profile_uuid}/entries/{kind}"]["get"]
    kind = next(param for param in path["parameters"] if param["name"] == "kind")
    assert kind["schema"]["enum"] == list(KINDS)


def test_a_medication_is_added_read_changed_and_deleted_as_the_pages_do_it(world: World):
    client = bearer(world, "editor", "read", "entries")
    added = send(
        client,
        "post",
        url(world, "medications"),
        {"display": "Ibuprofen", "dose": "400 mg", "date": "2024-05", "as_needed": True},
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["kind"], body["display"], body["date"], body["date_precision"]) == (
        "medications",
        "Ibuprofen",
        "2024-05",
        "month",
    )
    assert (body["dose"], body["as_needed"], body["version"]) == ("400 mg", True, 1)
    assert body["source"] == "Typed by you"
    medication = Medication.objects.get(profile=world.profile, uuid=body["uuid"])
    assert medication.source == manual_source(world.profile, world.accounts["editor"])
    assert medication.created_by == world.accounts["editor"]

    read = client.get(url(world, "medications", medication.uuid))
    assert read.status_code == 200
    assert read.json() == body

    changed = send(
        client,
        "patch",
        url(world, "medications", medication.uuid),
        {"version": 1, "dose": "600 mg"},
    )
    assert changed.status_code == 200, changed.content
    medication.refresh_from_db()
    assert (medication.dose, medication.display, medication.version) == ("600 mg", "Ibuprofen", 2)
    assert medication.when and medication.when.isoformat() == "2024-05"
    history = EntryVersion.objects.get(profile=world.profile, entry_uuid=medication.uuid)
    assert history.changed_fields == ["dose"]

    gone = client.delete(url(world, "medications", medication.uuid))
    assert gone.status_code == 204
    medication.refresh_from_db()
    assert medication.deleted_at is not None  # in "recently deleted", as from the page
    assert client.get(url(world, "medications", medication.uuid)).status_code == 404
    actions = AuditEvent.objects.filter(object_uuid=medication.uuid).values_list(
        "action", flat=True
    )
    assert set(actions) == {Action.ENTRY_CREATED, Action.ENTRY_UPDATED, Action.ENTRY_DELETED}


def test_a_stale_version_is_refused_with_what_changed_meanwhile(world: World):
    client = bearer(world, "owner", "read", "entries")
    medication = world.medication
    start = medication.version
    # The caregiver saves first, from the page.
    update_entry(
        medication,
        actor=world.accounts["editor"],
        request=None,
        values={"dose": "2 tablets", "frequency": "at night"},
        expected_version=start,
    )
    late = send(
        client,
        "patch",
        url(world, "medications", medication.uuid),
        {"version": start, "notes": "with food"},
    )
    assert late.status_code == 409
    assert late["Content-Type"].startswith("application/problem+json")
    problem = late.json()
    assert problem["changed_fields"] == ["dose", "frequency"]
    assert problem["version"] == start + 1
    assert {(change["before"], change["after"]) for change in problem["changes"]} >= {
        ("1 tablet", "2 tablets")
    }
    medication.refresh_from_db()
    assert medication.notes == ""  # nothing of the late change was saved

    retried = send(
        client,
        "patch",
        url(world, "medications", medication.uuid),
        {"version": problem["version"], "notes": "with food"},
    )
    assert retried.status_code == 200
    medication.refresh_from_db()
    assert (medication.notes, medication.dose) == ("with food", "2 tablets")


def test_a_workout_keeps_its_moment_seconds_and_metres(world: World):
    client = bearer(world, "owner", "read", "entries")
    added = send(
        client,
        "post",
        url(world, "workouts"),
        {
            "activity": "running",
            "starts_at": "2025-06-01T07:30:00+02:00",
            "duration": 1830,
            "distance": 5020.0,
        },
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["starts_at"] == "2025-06-01T05:30:00+00:00"
    assert (body["duration"], body["distance"], body["display"]) == (1830, 5020.0, "Running")
    workout = Workout.objects.get(uuid=body["uuid"])
    assert (workout.duration, workout.distance) == (1830, 5020.0)
    assert workout.starts_at == dt.datetime(2025, 6, 1, 5, 30, tzinfo=dt.UTC)

    # A whole replacement from what was read: fields left out are emptied.
    body.update(version=body["version"], distance=None, average_heart_rate=150)
    replaced = send(client, "put", url(world, "workouts", workout.uuid), body)
    assert replaced.status_code == 200, replaced.content
    workout.refresh_from_db()
    assert (workout.distance, workout.average_heart_rate, workout.duration) == (None, 150, 1830)


def test_values_the_page_would_refuse_are_refused_field_by_field(world: World):
    client = bearer(world, "owner", "read", "entries")
    before = Condition.objects.count()
    refused = send(
        client,
        "post",
        url(world, "conditions"),
        {"display": "", "date": "2015-02-30", "clinical_status": "cured", "colour": "red"},
    )
    assert refused.status_code == 422
    where = {error["where"] for error in refused.json()["errors"]}
    assert where == {"date", "colour"}  # read before the form: the form is not asked
    refused = send(
        client,
        "post",
        url(world, "conditions"),
        {"display": "", "date": "2015-02", "clinical_status": "cured"},
    )
    assert refused.status_code == 422
    assert {error["where"] for error in refused.json()["errors"]} == {
        "display",
        "clinical_status",
    }
    assert Condition.objects.count() == before


def test_errors_are_in_the_token_accounts_language(world: World):
    owner = world.accounts["owner"]
    owner.language = "es"
    owner.save(update_fields=["language"])
    client = bearer(world, "owner", "read", "entries")
    refused = send(client, "post", url(world, "notes"), {"display": "", "date": "2015"})
    assert refused.status_code == 422
    assert refused["Content-Language"] == "es"
    assert {"where": "display", "problem": "Este campo es obligatorio."} in refused.json()["errors"]


def test_a_viewer_reads_but_cannot_write_even_with_the_entries_scope(world: World):
    client = bearer(world, "viewer", "read", "entries")
    assert client.get(url(world, "medications")).status_code == 200
    before = Medication.objects.count()
    added = send(client, "post", url(world, "medications"), {"display": "Aspirin"})
    # The gate answers a role too low as it answers a profile not there.
    assert added.status_code == 404
    changed = send(
        client,
        "patch",
        url(world, "medications", world.medication.uuid),
        {"version": world.medication.version, "dose": "3 tablets"},
    )
    assert changed.status_code == 404
    assert client.delete(url(world, "medications", world.medication.uuid)).status_code == 404
    assert Medication.objects.count() == before
    world.medication.refresh_from_db()
    assert world.medication.deleted_at is None and world.medication.dose == "1 tablet"


def test_the_cursor_walks_every_entry_once_with_filters(world: World):
    source = manual_source(world.profile, world.accounts["owner"])
    bulk.insert(
        Note,
        [
            Note(
                profile=world.profile,
                source=source,
                display=f"{'Diet' if number % 3 == 0 else 'Note'} {number}",
                body="",
            )
            for number in range(230)
        ],
    )
    client = bearer(world, "viewer", "read")
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.get(url(world, "notes"), {"limit": "50", "cursor": cursor}).json()
        seen += [item["uuid"] for item in page["items"]]
        pages += 1
        if page["next"] is None:
            break
        cursor = page["next"]
    assert pages == 5
    assert len(seen) == len(set(seen)) == 230
    assert set(seen) == {
        str(u) for u in Note.objects.filter(profile=world.profile).values_list("uuid", flat=True)
    }

    diets = client.get(url(world, "notes"), {"q": "diet", "limit": "200"}).json()
    assert len(diets["items"]) == 77 and diets["next"] is None

    later = client.get(url(world, "notes"), {"updated_since": "2999-01-01T00:00:00Z"}).json()
    assert later == {"items": [], "next": None}

    forged = client.get(url(world, "notes"), {"cursor": "1:forged"})
    assert forged.status_code == 400
    other_walk = client.get(url(world, "medications"), {"cursor": cursor})
    assert other_walk.status_code == 400


def test_status_filters_only_kinds_with_a_status(world: World):
    client = bearer(world, "owner", "read")
    active = client.get(url(world, "medications"), {"status": "active"})
    assert active.status_code == 200
    assert {item["display"] for item in active.json()["items"]} == {"Metformin", "Glucophage"}
    assert client.get(url(world, "medications"), {"status": "cured"}).status_code == 422
    assert client.get(url(world, "notes"), {"status": "active"}).status_code == 422


def test_an_unknown_kind_or_an_entry_of_another_profile_is_not_found(world: World):
    client = bearer(world, "owner", "read")
    assert client.get(url(world, "spells")).status_code == 404
    assert client.get(url(world, "medications", world.other.medication.uuid)).status_code == 404
    # The medicine asked for as a condition.
    assert client.get(url(world, "conditions", world.medication.uuid)).status_code == 404


def test_every_kind_lists_and_an_entry_sent_back_as_read_changes_nothing(world: World):
    client = bearer(world, "owner", "read", "entries")
    for slug in KINDS:
        listed = client.get(url(world, slug))
        assert listed.status_code == 200, (slug, listed.content[:300])
        for item in listed.json()["items"]:
            sent_back = send(client, "put", url(world, slug, item["uuid"]), item)
            assert sent_back.status_code == 200, (slug, sent_back.content[:300])
            assert sent_back.json() == item, slug
