"""The overview keeps its record panels per profile, and never shows them stale or to another."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from myhealthhub.conftest import World, make_account
from myhealthhub.lib import bulk
from myhealthhub.profiles.actions import create_profile
from myhealthhub.reconcile.models import Group, Member
from myhealthhub.records import changes, overview_cache
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Medication, Observation, Source, SourceKind


def overview(world: World, caller: str = "owner", profile=None) -> str:
    profile = profile or world.profile
    response = world.client(caller).get(
        reverse("profiles:overview", args=[profile.uuid]), headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    return response.content.decode()


def panel(page: str, heading: str) -> str:
    """One panel of the overview, from its heading to the end of its section."""
    found = re.search(rf'id="{heading}-heading".*?</section>', page, re.DOTALL)
    assert found, heading
    return found.group(0)


def test_a_result_added_through_the_form_shows_on_the_overview_at_once(world: World):
    assert "Ferritin" not in overview(world)
    today = timezone.localdate()
    response = world.client("editor").post(
        reverse("records:create", args=[world.profile.uuid, "results"]),
        {
            "display": "Ferritin",
            "category": "laboratory",
            "date_year": str(today.year),
            "date_month": str(today.month),
            "date_day": str(today.day),
            "value_number": "12",
            "unit_text": "ng/mL",
        },
    )
    assert response.status_code == 302
    assert "Ferritin" in panel(overview(world), "results")


def test_a_renamed_medicine_shows_its_new_name_to_every_reader(world: World):
    assert "Metformin" in panel(overview(world, "viewer"), "medications")
    edit = reverse("records:edit", args=[world.profile.uuid, "medications", world.medication.uuid])
    form = world.client("owner").get(edit).context["form"]
    values = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    values.update(
        {"display": "Metformin XR", "status": "active", "version": str(world.medication.version)}
    )
    response = world.client("owner").post(edit, values)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Metformin XR" in panel(overview(world, "viewer"), "medications")


def test_a_deleted_medicine_leaves_the_overview(world: World):
    assert "Glucophage" in panel(overview(world), "medications")
    brand = Medication.objects.get(profile_id=world.profile.pk, display="Glucophage")
    response = world.client("owner").post(
        reverse("records:delete", args=[world.profile.uuid, "medications", brand.uuid])
    )
    assert response.status_code == 302
    assert "Glucophage" not in panel(overview(world), "medications")


def test_a_reviewed_disagreement_is_no_longer_marked_to_verify(world: World):
    assert "To verify" in panel(overview(world), "medications")
    member = Member.objects.get(profile_id=world.profile.pk, entry_uuid=world.medication.uuid)
    group = Group.objects.get(pk=member.group_id)
    review = reverse("reconcile:review", args=[world.profile.uuid, group.uuid])
    for field in group.open_fields:
        response = world.client("owner").post(
            review, {"field": field, "with_whom": "my pharmacist", "note": ""}
        )
        assert response.status_code == 302
    assert "To verify" not in panel(overview(world), "medications")


def test_each_profile_shows_its_own_record(world: World):
    # The same owner reads both, one after the other: nothing of one reaches the other.
    first, second = overview(world), overview(world, profile=world.other.profile)
    assert "Metformin" in first and "Hidroferol" not in first
    assert "Hidroferol" in second and "Metformin" not in second
    assert "Hidroferol" in overview(world, "carer", world.other.profile)
    assert "Metformin" in overview(world)


def test_a_profile_reusing_an_id_does_not_get_the_copy_kept_for_another(world: World):
    overview(world)
    kept = overview_cache.kept_panels(world.profile, lambda profile: "unused")
    assert kept != "unused"
    stranger = type(world.profile)(pk=world.profile.pk)
    assert overview_cache.kept_panels(stranger, lambda profile: "read again") == "read again"


def test_an_import_in_bulk_shows_on_the_overview(world: World):
    assert "Vitamin D" not in overview(world)
    source = Source.objects.create(profile=world.profile, kind=SourceKind.IMPORT, label="Lab")
    values = [
        Observation(
            profile=world.profile,
            source=source,
            display="Vitamin D",
            code="1989-3",
            value_number=30 + index,
            unit_text="ng/mL",
            date=timezone.localdate() - dt.timedelta(days=index),
        )
        for index in range(3)
    ]
    bulk.insert(Observation, values)
    changes.saved("results", values)
    assert "Vitamin D" in panel(overview(world), "results")


def test_the_overview_reads_few_queries_however_large_the_record(world: World):
    owner = world.accounts["owner"]
    for index in range(12):
        create_entry(
            KINDS["results"],
            world.profile,
            actor=owner,
            request=None,
            values={
                "display": f"Test {index}",
                "code": f"1000-{index}",
                "value_number": index,
                "date": dt.date(2025, 1, 1) + dt.timedelta(days=index),
            },
        )
    client = world.client("owner")
    url = reverse("profiles:overview", args=[world.profile.uuid])
    client.get(url)  # the panels are read and kept
    with CaptureQueriesContext(connection) as kept:
        assert client.get(url).status_code == 200
    record = [q["sql"] for q in kept.captured_queries if "records_" in q["sql"]]
    # The record's panels come whole from the one kept copy.
    assert record == []
    assert len(kept.captured_queries) <= 12, [q["sql"] for q in kept.captured_queries]


def test_an_appointment_that_has_started_leaves_the_overview(world: World):
    soon = create_entry(
        KINDS["appointments"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={"display": "Blood test", "starts_at": timezone.now() + dt.timedelta(minutes=5)},
    )
    shown = panel(overview(world), "appointments")
    assert soon.display in shown and world.appointment.display in shown
    # Well before the kept copy would expire of itself.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        shown = panel(overview(world), "appointments")
    assert soon.display not in shown and world.appointment.display in shown


def test_a_profile_grouped_again_by_the_command_line_shows_its_new_groups(world: World):
    """`myhealthhub reconcile` regroups without the records hooks; the kept panels go too."""
    # As a database from before groups: the medicines are in none, each on a line of its own.
    Member.objects.filter(profile_id=world.profile.pk, kind="medications").delete()
    Group.objects.filter(profile_id=world.profile.pk, kind="medications").delete()
    assert "2 sources" not in panel(overview(world), "medications")

    call_command("reconcile", profile=world.profile.uuid, stdout=io.StringIO())

    assert "2 sources" in panel(overview(world), "medications")


@pytest.mark.django_db(transaction=True)
def test_a_long_write_leaves_the_kept_copy_free_for_every_other_request():
    """A large import's transaction (as ``imports.pipeline`` and ``archive.restoring`` run
    theirs, ``only_on_commit``) forgets the profile's copy only as it commits.

    Deleting the cache row inside it would lock that row until the commit:
    every page and every write of the profile meanwhile would wait on it, and
    on PostgreSQL some would deadlock with the import.
    """
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: the case is PostgreSQL's")
    owner = make_account("keeper@example.org")
    profile = create_profile(owner, request=None, given_name="Long", family_name="Write")
    overview_cache.read_again(profile, lambda profile: "kept")
    written, finish = threading.Event(), threading.Event()

    def long_write() -> None:
        try:
            with overview_cache.only_on_commit(), transaction.atomic():
                create_entry(
                    KINDS["results"],
                    profile,
                    actor=owner,
                    request=None,
                    values={"display": "Ferritin", "value_number": 12, "unit_text": "ng/mL"},
                )
                written.set()
                finish.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert written.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        # A page drawn meanwhile keeps its copy without waiting for the write
        # (Django's cache gives up silently when the row stays locked).
        overview_cache.read_again(profile, lambda profile: "drawn meanwhile")
        assert overview_cache.kept_panels(profile, lambda profile: "") == "drawn meanwhile"
    finally:
        finish.set()
        writer.join(30)
    # Once the write has committed, no copy from before it is left.
    assert overview_cache.kept_panels(profile, lambda profile: "read again") == "read again"
