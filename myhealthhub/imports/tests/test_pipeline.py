"""The import pipeline on real files: every FHIR and IPS file adds up, and imports once."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.documents import storage
from myhealthhub.documents.models import Document, SealedFile
from myhealthhub.errors import ActionRefused, Refused
from myhealthhub.imports.fhir.tests.files import (
    BULK,
    IPS,
    LARGEST_SYNTHEA,
    SYNTHEA,
    bundle,
    condition,
    patient,
    read_as_large,
    resource_counts,
)
from myhealthhub.imports.models import ImportedRecord, ImportJob, JobState
from myhealthhub.imports.pipeline import (
    choose_patient,
    discard_job,
    request_commit,
    start_import,
)
from myhealthhub.imports.recovery import fail_abandoned_jobs
from myhealthhub.imports.writing import pending_folder
from myhealthhub.lib import keyring
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import delete_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Condition, Source, SourceKind


def entry_count(profile: Profile) -> int:
    return sum(kind.queryset(profile).count() for kind in KINDS.values())


def read(profile: Profile, files: list[tuple[str, bytes]], world: World, **options) -> ImportJob:
    job = start_import(
        profile,
        [(name, io.BytesIO(content)) for name, content in files],
        actor=world.accounts["owner"],
        request=None,
        **options,
    )
    job.refresh_from_db()
    return job


def commit(job: ImportJob, world: World, **options) -> ImportJob:
    assert job.state == JobState.READY, (job.state, job.message, job.where)
    request_commit(
        job,
        actor=world.accounts["owner"],
        apply_demographics=options.get("apply_demographics", False),
        other_person_confirmed=options.get("other_person", True),
    )
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED, (job.state, job.message)
    return job


def new_profile(world: World, name: str = "Someone") -> Profile:
    return profile_actions.create_profile(world.accounts["owner"], request=None, given_name=name)


def files_of(paths: list[Path]) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in paths]


def assert_adds_up(job: ImportJob, paths: list[Path]) -> None:
    """Per resource type: entries + documents + used + skipped == resources in the file."""
    origins = job.preview["origins"]
    for resource_type, count in resource_counts(paths).items():
        row = origins.get(resource_type, {})
        accounted = sum(
            row.get(column, 0) for column in ("entries", "documents", "used", "skipped")
        )
        assert accounted == count, (resource_type, count, row)
    for origin in origins:
        assert "." in origin or origin in resource_counts(paths), f"unexplained origin {origin}"


def assert_warnings_say_where(job: ImportJob) -> None:
    for warning in job.preview["warnings"]:
        assert warning["message"] and warning["where"], warning


REAL_FILES = [pytest.param([path], id=path.name[:40]) for path in [*SYNTHEA, *IPS]]


@pytest.mark.parametrize("paths", REAL_FILES)
def test_every_real_file_adds_up_and_imports_once(world: World, paths: list[Path]):
    profile = new_profile(world)
    job = read(profile, files_of(paths), world)
    assert job.state == JobState.READY, (job.message, job.where)
    assert_adds_up(job, paths)
    assert_warnings_say_where(job)
    new = sum(row["new"] for row in job.preview["kinds"])
    assert new > 0
    commit(job, world)
    assert job.counts["added"] == new
    assert entry_count(profile) == new
    # Every entry knows its source, and the source leads back to the file.
    source = Source.objects.get(import_job=job)
    assert source.kind == SourceKind.IMPORT
    for kind in KINDS.values():
        assert not kind.queryset(profile).exclude(source=source).exists()
    original = job.originals.get()
    assert original.document is not None and original.document.deleted_at is None
    assert AuditEvent.objects.filter(
        action=Action.IMPORT_COMMITTED, object_uuid=job.uuid, profile=profile
    ).exists()

    documents = Document.objects.filter(profile=profile).alive().count()

    again = read(profile, files_of(paths), world)
    assert sum(row["new"] + row["changed"] for row in again.preview["kinds"]) == 0
    assert again.preview["documents"]["new"] == 0
    commit(again, world)
    assert again.counts["added"] == 0 and again.counts["documents"] == 0
    assert entry_count(profile) == new
    # The same file is not kept twice: the second import points to the first's copy.
    assert Document.objects.filter(profile=profile).alive().count() == documents
    assert again.originals.get().document == original.document


def test_the_bulk_export_imports_one_chosen_person_of_many(world: World):
    profile = new_profile(world)
    job = read(profile, files_of(BULK), world)
    assert job.state == JobState.CHOOSING
    assert len(job.patients) == resource_counts(BULK)["Patient"] > 1
    chosen = job.patients[0]["key"]
    choose_patient(job, chosen)
    job.refresh_from_db()
    assert job.state == JobState.READY, (job.message, job.where)
    assert_adds_up(job, BULK)
    commit(job, world)
    added = entry_count(profile)
    assert added == job.counts["added"] > 0
    assert job.counts["documents"] > 0
    documents = Document.objects.filter(profile=profile).alive().count()
    # The NDJSON files kept as the originals, and the clinical notes inside them.
    assert documents == len(BULK) + job.counts["documents"]

    again = read(profile, files_of(BULK), world, patient=chosen)
    assert again.state == JobState.READY
    commit(again, world)
    assert again.counts["added"] == 0 and again.counts["documents"] == 0
    assert entry_count(profile) == added


def test_large_files_import_as_small_ones_do(world: World):
    # Read as large: resources wait on disk, the bundle is read entry by entry,
    # and the entries spill to disk while planned, shown and written.
    with read_as_large():
        test_every_real_file_adds_up_and_imports_once(world, [LARGEST_SYNTHEA])
        test_the_bulk_export_imports_one_chosen_person_of_many(world)


def test_a_zip_of_the_bulk_export_reads_like_its_files(world: World):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in BULK:
            zipped.write(path, path.name)
    profile = new_profile(world)
    job = read(profile, [("export.zip", archive.getvalue())], world)
    assert job.state == JobState.CHOOSING
    assert len(job.patients) == resource_counts(BULK)["Patient"] > 1


def test_a_newer_export_adds_only_what_is_new_and_lists_what_changed(world: World):
    profile = world.profile
    first = [patient(), condition("Asthma"), condition("Hypertension")]
    job = commit(read(profile, [("first.json", bundle(*first))], world), world)
    assert job.counts["added"] == 2

    newer = [patient(), condition("Asthma", status="resolved"), condition("Hypertension")]
    newer.append(condition("Migraine", onset="2024-03"))
    job = read(profile, [("newer.json", bundle(*newer))], world)
    rows = {row["kind"]: row for row in job.preview["kinds"]}
    assert rows["conditions"]["new"] == 1
    assert rows["conditions"]["present"] == 1
    assert rows["conditions"]["changed"] == 1
    changed = [e["text"] for e in rows["conditions"]["examples"] if e["change"] == "changed"]
    assert changed and changed[0].startswith("Asthma") and "Status" in changed[0]
    commit(job, world)
    assert job.counts == {
        "added": 1,
        "updated": 1,
        "present": 1,
        "documents": 0,
        "readings": 0,
        "skipped": 0,
    }
    asthma = Condition.objects.get(profile=profile, display="Asthma")
    assert asthma.clinical_status == "resolved"
    assert asthma.version == 2  # what the source said before is kept in the history
    assert Condition.objects.filter(profile=profile, display="Migraine").get().date_precision == (
        "month"
    )


def test_an_entry_the_person_deleted_is_not_brought_back(world: World):
    profile = world.profile
    commit(read(profile, [("a.json", bundle(patient(), condition("Asthma")))], world), world)
    asthma = Condition.objects.get(profile=profile, display="Asthma")
    delete_entry(asthma, actor=world.accounts["owner"], request=None)
    job = commit(read(profile, [("a.json", bundle(patient(), condition("Asthma")))], world), world)
    assert job.counts["added"] == 0
    assert Condition.objects.filter(profile=profile, display="Asthma").alive().count() == 0


def test_a_file_about_someone_else_needs_confirmation(world: World):
    profile = world.profile  # Ana García, no birth date
    job = read(profile, [("x.json", bundle(patient("Rosa", "Pérez"), condition("Asthma")))], world)
    assert job.preview["mismatch"] is True
    with pytest.raises(ActionRefused):
        request_commit(
            job,
            actor=world.accounts["owner"],
            apply_demographics=False,
            other_person_confirmed=False,
        )
    job.refresh_from_db()
    assert job.state == JobState.READY
    assert not Condition.objects.filter(profile=profile, display="Asthma").exists()
    same = read(profile, [("y.json", bundle(patient("Ana", "Garcia"), condition("Gout")))], world)
    assert same.preview["mismatch"] is False  # accents and case aside


def test_demographics_are_applied_only_when_the_person_says_so(world: World):
    profile = world.profile
    job = read(profile, [("a.json", bundle(patient(), condition("Asthma")))], world)
    assert job.preview["demographics"] == {"birth": "1970-05-01", "sex": "female"}
    commit(job, world)
    profile.refresh_from_db()
    assert profile.birth_date is None
    job = read(profile, [("a.json", bundle(patient(), condition("Asthma")))], world)
    commit(job, world, apply_demographics=True)
    profile.refresh_from_db()
    assert profile.birth is not None and profile.birth.isoformat() == "1970-05-01"
    assert profile.sex == "female"


def test_discarding_lets_go_of_the_file(world: World):
    profile = world.profile
    job = read(profile, [("a.json", bundle(patient(), condition("Asthma")))], world)
    document = job.originals.get().document
    assert document is not None
    discard_job(job, actor=world.accounts["owner"], request=None)
    assert job.state == JobState.DISCARDED
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not Condition.objects.filter(profile=profile, display="Asthma").exists()
    assert AuditEvent.objects.filter(action=Action.IMPORT_DISCARDED, object_uuid=job.uuid).exists()


def test_the_commit_reads_the_kept_file_again_not_the_preview_s_memory(world: World):
    """Workers keep nothing between requests: the process that showed the preview holds no
    copy of what it read, so a kept file gone by the commit fails it, and nothing is written."""
    profile = world.profile
    job = read(profile, [("gone.json", bundle(patient(), condition("Gout")))], world)
    original = job.originals.get().document
    assert original is not None
    storage.default_storage().delete(original.file.name)
    request_commit(
        job, actor=world.accounts["owner"], apply_demographics=False, other_person_confirmed=True
    )
    job.refresh_from_db()
    assert job.state == JobState.FAILED, (job.state, job.message)
    assert not Condition.objects.filter(profile=profile, display="Gout").exists()


def deeply_nested_bundle(depth: int) -> bytes:
    nested = b"[" * depth + b"]" * depth
    return b'{"resourceType": "Bundle", "type": "collection", "entry": ' + nested + b"}"


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A quarter-megabyte zip that holds 256 MiB of zeros, compressed as a stream."""
    out = io.BytesIO()
    block = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("Observation.ndjson", "w", force_zip64=True) as member,
    ):
        for _ in range(256):
            member.write(block)
    return out.getvalue()


def zip_with_link() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        info = zipfile.ZipInfo("Patient.ndjson")
        info.external_attr = 0o120777 << 16  # a symbolic link
        archive.writestr(info, "/etc/passwd")
    return out.getvalue()


DSTU2 = json.dumps(
    {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p"}},
            {
                "resource": {
                    "resourceType": "MedicationOrder",
                    "id": "m",
                    "patient": {"reference": "Patient/p"},
                }
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "id": "c",
                    "clinicalStatus": "active",
                    "code": {"text": "Asthma"},
                }
            },
        ],
    }
).encode()

BAD_FILES = {
    "truncated JSON": ("cut.json", bundle(patient(), condition("Asthma"))[:-40]),
    "100,000-deep array": ("deep.json", deeply_nested_bundle(100_000)),
    "zip bomb": ("bomb.zip", zip_bomb()),
    "zip with ../ path": ("up.zip", zip_of({"../../etc/Patient.ndjson": b"{}"})),
    "zip with a link": ("link.zip", zip_with_link()),
    "DSTU2 bundle": ("old.json", DSTU2),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(world: World, name: str):
    filename, content = BAD_FILES[name]
    profile = world.profile
    entries = entry_count(profile)
    documents = Document.objects.count()
    sealed = SealedFile.objects.count()
    job = read(profile, [(filename, content)], world)
    assert job.state == JobState.REFUSED
    assert len(job.message) > 20, job.message
    assert entry_count(profile) == entries
    assert Document.objects.count() == documents
    assert SealedFile.objects.count() == sealed
    assert not ImportedRecord.objects.filter(profile=profile).exists()
    assert job.originals.get().document is None


def test_where_a_broken_file_breaks_is_named(world: World):
    job = read(world.profile, [("cut.json", BAD_FILES["truncated JSON"][1])], world)
    assert "line" in job.where


def test_a_file_of_no_known_format_is_refused_before_anything_is_kept(world: World):
    documents, jobs = Document.objects.count(), ImportJob.objects.count()
    with pytest.raises(Refused):
        read(world.profile, [("photo.bin", b"\x00\x01\x02 not a health record")], world)
    assert Document.objects.count() == documents
    assert ImportJob.objects.count() == jobs


def test_a_dead_worker_s_sealed_files_are_removed_when_the_next_one_starts(world: World):
    job = world.import_job
    folder = pending_folder(job)
    master = keyring.current()
    stray = storage.put(io.BytesIO(b"a note"), master_key=master, folder=folder)
    # A process that has come and gone: its pid names no one now.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.COMMITTING,
        worker=f"{socket.gethostname()}:{int(dead.stdout)}",
        pending_folder=folder,
    )
    assert storage.default_storage().exists(stray.name)
    assert fail_abandoned_jobs() == 1
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "worker stopped" in job.message
    assert not storage.default_storage().exists(stray.name)
    assert job.pending_folder == ""
