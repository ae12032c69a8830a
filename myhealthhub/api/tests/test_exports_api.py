"""Exports through the API: a job started, polled and downloaded as on the exports page."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from myhealthhub.api.tests.callers import bearer
from myhealthhub.api.tests.test_documents_api import FILE_HEADERS
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.exports.models import ExportJob, ExportState

pytestmark = pytest.mark.django_db


def exports_url(world: World, *rest: object) -> str:
    tail = "".join(f"/{part}" for part in rest)
    return f"/api/v1/profiles/{world.profile.uuid}/exports{tail}"


def new_jobs(world: World):
    return ExportJob.objects.filter(profile=world.profile).exclude(pk=world.export_job.pk)


def test_an_export_job_runs_and_its_file_downloads_as_from_the_page(world: World):
    client = bearer(world, "owner", "export")
    response = client.post(
        exports_url(world), {"format": "csv", "language": "es"}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    job = new_jobs(world).get()
    assert (job.format, job.options["language"], job.created_by) == (
        "csv",
        "es",
        world.accounts["owner"],
    )
    # Tests run tasks at once: the job is written by the time it is answered.
    assert job.state == ExportState.DONE
    assert response["Location"] == exports_url(world, job.uuid)
    polled = client.get(response["Location"]).json()
    assert (polled["state"], polled["progress"]) == ("done", 100)
    assert polled["file_url"] == exports_url(world, job.uuid, "file")

    download = client.get(polled["file_url"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        tables = b"".join(archive.read(name) for name in archive.namelist())
    assert b"Metformin" in tables
    # The page answers HEAD with its download's headers, decrypting and auditing nothing.
    page = world.client("owner").head(
        reverse("exports:download", args=[world.profile.uuid, job.uuid])
    )
    assert {name: download[name] for name in FILE_HEADERS} == {
        name: page[name] for name in FILE_HEADERS
    }
    events = AuditEvent.objects.filter(profile=world.profile, object_uuid=job.uuid)
    assert sorted(events.values_list("action", flat=True)) == [
        Action.EXPORT_DOWNLOADED,
        Action.EXPORT_STARTED,
    ]
    assert {event.actor for event in events} == {world.accounts["owner"]}


def test_a_viewer_exports_the_summary_formats_but_not_everything(world: World):
    client = bearer(world, "viewer", "export")
    refused = client.post(exports_url(world), {"format": "csv"}, content_type="application/json")
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["where"] == "body.format"
    offered = error["problem"].removeprefix("Choose one of these formats: ").rstrip(".")
    assert {"pdf", "ips", "ics"} <= set(offered.split(", "))
    assert not {"csv", "fhir", "archive"} & set(offered.split(", "))
    assert not new_jobs(world).exists()
    started = client.post(exports_url(world), {"format": "ics"}, content_type="application/json")
    assert started.status_code == 202
    job = new_jobs(world).get()
    assert (job.created_by, job.state) == (world.accounts["viewer"], ExportState.DONE)
    calendar = client.get(started.json()["file_url"])
    assert b"".join(calendar.streaming_content).startswith(b"BEGIN:VCALENDAR")  # type: ignore[attr-defined]


def test_a_language_it_does_not_speak_is_refused(world: World):
    response = bearer(world, "owner", "export").post(
        exports_url(world), {"format": "ics", "language": "fr"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Choose English or Spanish."
    assert not new_jobs(world).exists()


def test_exports_are_personal_to_who_started_them(world: World):
    client = bearer(world, "editor", "export")
    assert client.get(exports_url(world, world.export_job.uuid)).status_code == 404
    assert client.get(exports_url(world, world.export_job.uuid, "file")).status_code == 404


def test_a_token_without_the_export_scope_starts_and_reads_nothing(world: World):
    client = bearer(world, "owner", "read", "entries")
    response = client.post(exports_url(world), {"format": "ics"}, content_type="application/json")
    assert response.status_code == 403
    assert client.get(exports_url(world, world.export_job.uuid, "file")).status_code == 403
    assert not new_jobs(world).exists()


def test_a_job_still_being_written_is_not_ready_and_an_expired_one_is_gone(world: World):
    client = bearer(world, "owner", "export")
    job = world.export_job
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, progress=0.4)
    running = client.get(exports_url(world, job.uuid, "file"))
    assert running.status_code == 409
    assert running["Retry-After"] == "2"
    assert client.get(exports_url(world, job.uuid)).json()["file_url"] is None
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.DONE, expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = client.get(exports_url(world, job.uuid, "file"))
    assert expired.status_code == 410
    assert expired.json()["detail"] == "This export is no longer available. Start a new one."
    assert not AuditEvent.objects.filter(
        action=Action.EXPORT_DOWNLOADED, object_uuid=job.uuid
    ).exists()


def test_a_plan_without_the_format_refuses_it_and_starts_nothing(world: World, settings):
    settings.PLANS = {"basic": {"name": "Basic", "features": ["export.ics"]}}
    settings.DEFAULT_PLAN = "basic"
    client = bearer(world, "owner", "export")
    response = client.post(exports_url(world), {"format": "csv"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "The plan of this profile does not include exports as Spreadsheets (CSV). "
        "Nothing was exported."
    )
    assert not new_jobs(world).exists()
    # A result made before the plan changed is no longer handed out either.
    assert client.get(exports_url(world, world.export_job.uuid, "file")).status_code == 403
