"""An import whose worker died is tried again with one click, from the file it kept.

Over HTTP, as the person goes: the file is uploaded and previewed, its
commit is left to a worker that dies (failed as the workers' sweep fails
it), and "Try again" on its page reads the kept file anew, with nothing
uploaded again: the new import previews as the first one did, and commits.
"""

from __future__ import annotations

import subprocess
import sys

import lxml.html
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import IMPORT_BUNDLE, World
from myhealthhub.documents.models import Document
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.lib.workers import this_worker
from myhealthhub.management.recovery import recover
from myhealthhub.records.models import Condition


def preview_table(client: Client, job: ImportJob) -> str:
    page = client.get(reverse("imports:detail", args=[job.profile.uuid, job.uuid]))
    assert page.status_code == 200
    table = lxml.html.document_fromstring(page.content).xpath(
        "normalize-space(//table[@class='import-preview'])"
    )
    assert isinstance(table, str) and table
    return table


def gone_worker() -> str:
    """A worker of this machine that has come and gone: its pid names no one now."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return f"{this_worker().rpartition(':')[0]}:{int(gone.stdout)}"


def test_an_import_whose_worker_died_is_tried_again_from_its_kept_file(world: World):
    owner = world.client("owner")
    profile = world.profile
    uploaded = owner.post(
        reverse("imports:list", args=[profile.uuid]),
        {"files": SimpleUploadedFile("clinic.json", IMPORT_BUNDLE + b"\n\n")},
    )
    assert uploaded.status_code == 302
    first = ImportJob.objects.get(profile=profile, label="clinic.json")
    assert first.state == JobState.READY, first.message
    previewed = preview_table(owner, first)
    assert "Asthma" in previewed

    # Its commit was being written when the worker died.
    ImportJob.objects.filter(pk=first.pk).update(state=JobState.COMMITTING, worker=gone_worker())
    assert recover(at_worker_start=False).imports == 1
    page = owner.get(reverse("imports:detail", args=[profile.uuid, first.uuid])).content.decode()
    assert "The worker stopped while working on this import" in page
    try_again = reverse("imports:try_again", args=[profile.uuid, first.uuid])
    assert f'action="{try_again}"' in page

    documents = Document.objects.filter(profile=profile).count()
    answer = owner.post(try_again)
    first.refresh_from_db()
    again = first.retried_as
    assert again is not None and again.pk != first.pk
    assert answer["Location"] == reverse("imports:detail", args=[profile.uuid, again.uuid])
    # The same file, kept once: read again, not uploaded again.
    assert Document.objects.filter(profile=profile).count() == documents
    assert [original.name for original in again.originals.all()] == ["clinic.json"]
    assert (again.format, again.label, again.created_by) == (
        "fhir",
        "clinic.json",
        world.accounts["owner"],
    )
    assert again.state == JobState.READY, again.message
    assert preview_table(owner, again) == previewed
    assert AuditEvent.objects.filter(
        action=Action.IMPORT_STARTED, object_uuid=again.uuid, actor=world.accounts["owner"]
    ).exists()

    # The failed import points to the new one, and cannot be tried twice.
    page = owner.get(reverse("imports:detail", args=[profile.uuid, first.uuid])).content.decode()
    assert "This import was tried again." in page
    assert reverse("imports:detail", args=[profile.uuid, again.uuid]) in page
    assert f'action="{try_again}"' not in page
    owner.post(try_again)
    assert ImportJob.objects.filter(profile=profile, label="clinic.json").count() == 2
    # Letting go of the failed one keeps the file the new one reads.
    owner.post(reverse("imports:discard", args=[profile.uuid, first.uuid]))
    assert again.originals.get().document is not None

    owner.post(reverse("imports:commit", args=[profile.uuid, again.uuid]))
    again.refresh_from_db()
    assert again.state == JobState.COMMITTED, again.message
    assert Condition.objects.filter(profile=profile, display="Asthma").exists()


def test_a_failed_import_shows_no_try_again_to_a_viewer(world: World):
    job = world.failed_job
    page = world.client("viewer").get(
        reverse("imports:detail", args=[world.profile.uuid, job.uuid])
    )
    assert "The worker stopped while working on this import." in page.content.decode()
    assert f"imports/{job.uuid}/try-again/" not in page.content.decode()
