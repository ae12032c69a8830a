"""A long import says how fast it goes and how long is left; a file that repeats itself
is counted, not listed line by line."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone

from myhealthhub.conftest import World
from myhealthhub.imports.apple.tests.test_apple_health import (
    EXPORTS,
    HEAD,
    counted,
    record,
)
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.pipeline import read_job, request_commit, start_import
from myhealthhub.records.models import Sample


def test_reading_an_export_reports_how_many_records_it_has_read(world: World):
    path = EXPORTS[0]
    job = start_import(
        world.profile,
        [(path.name, io.BytesIO(path.read_bytes()))],
        actor=world.accounts["owner"],
        request=None,
        enqueue=False,
    )
    reported: list[tuple[float, int]] = []
    read_job(job, progress_to=lambda fraction, items=0: reported.append((fraction, items)))
    job.refresh_from_db()
    assert job.state == JobState.READY, job.message
    # Every top-level element is a record read, and the "Me" of the person.
    assert reported[-1] == (1.0, counted(path).total() + 1)


def test_the_import_page_says_records_a_second_and_time_left(world: World):
    job = start_import(
        world.profile,
        [("export.xml", io.BytesIO((HEAD + "</HealthData>\n").encode()))],
        actor=world.accounts["owner"],
        request=None,
        enqueue=False,
    )
    now = timezone.now()
    # A quarter read in twenty seconds, 50,000 records: 2,500 a second, a minute to go.
    ImportJob.objects.filter(pk=job.pk).update(
        progress=0.25,
        progress_items=50_000,
        progress_since=now - dt.timedelta(seconds=20),
        heartbeat_at=now,
    )
    url = reverse("imports:detail", args=[world.profile.uuid, job.uuid])
    owner = world.client("owner")
    english = owner.get(url, {"status": "1"}, HTTP_HX_REQUEST="true")
    assert "2500 records a second · about 1 min left" in english.content.decode()

    spanish = world.client("owner")
    spanish.post(reverse("accounts:set_language"), {"language": "es"})
    page = spanish.get(url, {"status": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "2500 registros por segundo · tiempo restante aproximado: 1 min" in page
    assert "te esperará para que la revises" in page

    # While what was reviewed is being added, nothing waits for a review any more
    # (the owner now reads Spanish).
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.COMMITTING)
    page = owner.get(url, {"status": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "lo que revisaste se sigue añadiendo" in page
    assert "te esperará" not in page


def test_a_reading_repeated_many_times_is_kept_once_and_its_repeats_counted(world: World):
    repeated = record("HeartRate", "count/min", "61")
    content = HEAD + "\n".join([repeated] * 7) + "\n</HealthData>\n"
    job = start_import(
        world.profile,
        [("export.xml", io.BytesIO(content.encode()))],
        actor=world.accounts["owner"],
        request=None,
    )
    job.refresh_from_db()
    assert job.state == JobState.READY, job.message
    assert job.preview["readings"]["new"] == 1
    # The preview says when the new readings were taken, and by what.
    assert job.preview["readings"]["devices"] == {"Reloj de Ana": 1}
    assert (job.preview["readings"]["first"], job.preview["readings"]["last"]) == (
        "2024-05-01",
        "2024-05-01",
    )
    page = world.client("owner").get(reverse("imports:detail", args=[world.profile.uuid, job.uuid]))
    assert (
        "New readings from May 1, 2024 to May 1, 2024 · measured by Reloj de Ana (1)"
        in " ".join(page.content.decode().split())
    )
    (repeats,) = [group for group in job.preview["skipped"] if "appears twice" in group["reason"]]
    assert (repeats["origin"], repeats["count"]) == ("HeartRate", 6)
    # The first few say where they are; the rest are counted with the first of them.
    assert repeats["examples"][:3] == [f"export.xml, line {line}" for line in (10, 11, 12)]

    # Committed, then imported again: nothing is new, so the commit leaves the
    # readings unread, and still says what the file repeats.
    owner = world.accounts["owner"]
    for expected_new in (1, 0):
        job = ImportJob.objects.filter(profile=world.profile).latest("id")
        assert (job.preview["readings"]["new"], job.preview["readings"]["repeated"]) == (
            expected_new,
            6,
        )
        request_commit(job, actor=owner, apply_demographics=False, other_person_confirmed=True)
        job.refresh_from_db()
        assert job.state == JobState.COMMITTED, job.message
        assert (job.counts["readings"], job.counts["skipped"]) == (expected_new, 6)
        assert job.counts["skipped"] == job.preview["skipped_count"]
        if expected_new:
            start_import(
                world.profile,
                [("export.xml", io.BytesIO(content.encode()))],
                actor=owner,
                request=None,
            )
    taken = Sample.objects.filter(profile=world.profile, metric="heart_rate", at__year=2024)
    assert [sample.value for sample in taken] == [61]
