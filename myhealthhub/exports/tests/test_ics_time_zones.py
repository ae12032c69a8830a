"""Exports write the instants the person meant: an appointment typed at 09:30 in New York.

The calendar file carries UTC instants (13:30Z), which every calendar app
shows in its own zone. FHIR carries offsets, in the export's zone: the
profile's own when it has one, else that of whoever asked (profiles/zones.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from myhealthhub.accounts.models import User
from myhealthhub.conftest import World
from myhealthhub.documents import keys
from myhealthhub.exports import jobs
from myhealthhub.exports.ics import CalendarExport
from myhealthhub.exports.models import ExportJob, ExportState
from myhealthhub.exports.tests.test_exports import new_jobs, start
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.profiles.zones import zone_for
from myhealthhub.records.actions import create_entry
from myhealthhub.records.calendar import appointments_ics
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Appointment
from myhealthhub.summary.options import ExportOptions

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def appointment(world: World) -> Appointment:
    """Typed at 09:30 on the records form by the owner, who lives in New York."""
    User.objects.filter(pk=world.accounts["owner"].pk).update(time_zone="America/New_York")
    response = world.client("owner").post(
        reverse(
            "records:create", kwargs={"profile_uuid": world.profile.uuid, "kind": "appointments"}
        ),
        {
            "display": "Dermatology",
            "starts_at": "2027-03-15T09:30",
            "ends_at": "2027-03-15T10:15",
            "status": "booked",
        },
    )
    assert response.status_code == 302
    return Appointment.objects.get(profile_id=world.profile.pk, display="Dermatology")


def test_the_appointment_s_calendar_file_has_its_utc_instant(world: World, appointment):
    url = reverse(
        "records:appointment_ics",
        kwargs={"profile_uuid": world.profile.uuid, "entry_uuid": appointment.uuid},
    )
    # The viewer has no zone of their own: the instant does not depend on who downloads it.
    text = world.client("viewer").get(url).content.decode()
    assert "DTSTART:20270315T133000Z\r\n" in text
    assert "DTEND:20270315T141500Z\r\n" in text
    assert "TZID" not in text


def test_the_calendar_export_has_the_utc_instant(world: World, appointment):
    response = start(world, "owner", format="ics")
    assert response.status_code == 200
    text = response.getvalue().decode()
    assert "SUMMARY:Dermatology (Ana)\r\nDTSTART:20270315T133000Z\r\n" in text


def test_a_time_in_another_zone_is_written_as_utc_not_as_an_undefined_tzid(world: World):
    # As an action may hand it over before the database gives it back in UTC.
    appointment = create_entry(
        KINDS["appointments"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={
            "display": "Physiotherapy",
            "starts_at": dt.datetime(2027, 1, 12, 9, 30, tzinfo=NEW_YORK),
        },
    )
    assert isinstance(appointment, Appointment)
    text = appointments_ics(world.profile, [appointment]).decode()
    # January: New York is UTC−5.
    assert "DTSTART:20270112T143000Z\r\n" in text


def fhir_appointment(bundle: bytes) -> dict[str, Any]:
    resources = [entry["resource"] for entry in json.loads(bundle)["entry"]]
    (found,) = (
        resource
        for resource in resources
        if resource["resourceType"] == "Appointment"
        and resource.get("description") == "Dermatology"
    )
    return found


def exported_fhir(world: World) -> bytes:
    response = start(world, "owner", format="fhir")
    assert response.status_code == 302
    job = new_jobs(world).filter(format="fhir").latest("id")
    assert job.state == ExportState.DONE, job.message
    download = reverse("exports:download", args=[world.profile.uuid, job.uuid])
    return world.client("owner").get(download).getvalue()


def test_fhir_writes_the_time_with_the_offset_of_whoever_exports_it(world: World, appointment):
    found = fhir_appointment(exported_fhir(world))
    assert (found["start"], found["end"]) == (
        "2027-03-15T09:30:00-04:00",
        "2027-03-15T10:15:00-04:00",
    )


def test_fhir_writes_the_time_in_the_profile_s_own_zone_when_it_has_one(world: World, appointment):
    Profile.objects.filter(pk=world.profile.pk).update(time_zone="Europe/Madrid")
    found = fhir_appointment(exported_fhir(world))
    assert found["start"] == "2027-03-15T14:30:00+01:00"


def test_the_worker_writes_in_the_zone_of_the_job_s_account(world: World, appointment):
    # Outside any request, as the worker runs: no zone is active but the site's.
    job = jobs.start_export(
        world.profile,
        jobs.exporter_for("fhir"),
        ExportOptions(language="en"),
        actor=world.accounts["owner"],
        role=Role.OWNER,
        request=None,
        enqueue=False,
    )
    jobs.run_job(ExportJob.objects.select_related("profile", "created_by").get(pk=job.pk))
    job.refresh_from_db()
    assert job.state == ExportState.DONE, job.message
    assert job.file is not None
    found = fhir_appointment(b"".join(keys.read(job.file)))
    assert found["start"] == "2027-03-15T09:30:00-04:00"


def test_the_command_line_writes_in_the_profile_s_zone_else_the_site_s(
    world: World, appointment, tmp_path
):
    out = io.BytesIO()
    jobs.write_export(
        CalendarExport(),
        world.profile,
        ExportOptions(),
        out,
        lambda fraction: None,
        zone=zone_for(world.profile, None),
        reader=None,
    )
    assert b"DTSTART:20270315T133000Z" in out.getvalue()
    path = tmp_path / "ana.json"
    jobs.export_to_path(
        world.profile, jobs.exporter_for("fhir"), ExportOptions(), path, progress=lambda f: None
    )
    assert fhir_appointment(path.read_bytes())["start"] == "2027-03-15T13:30:00+00:00"


def test_zone_for_prefers_the_profile_s_then_the_account_s_then_the_site_s(world: World):
    owner = User(time_zone="America/New_York")
    assert str(zone_for(world.profile, owner)) == "America/New_York"
    assert str(zone_for(world.profile, None)) == "UTC"
    world.profile.time_zone = "Europe/Madrid"
    assert str(zone_for(world.profile, owner)) == "Europe/Madrid"
