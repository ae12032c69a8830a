"""The full archive: export a profile, restore it into an empty instance, nothing lost.

Each round trip takes a snapshot of the profile written here, independently
of the archive's own code: every concrete column of every row the profile
owns, links to other rows replaced by their UUIDs and accounts by their
emails, and the SHA-256 of every document's decrypted bytes. Then everything
is wiped, the archive restored, and the snapshot taken again.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import models, transaction
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.archive import reading
from myhealthhub.archive.exporter import ArchiveExport
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import make_account
from myhealthhub.documents import keys, storage
from myhealthhub.documents.actions import add_document
from myhealthhub.documents.demo import add_demo_documents
from myhealthhub.documents.models import Document, DocumentLink, SealedFile
from myhealthhub.errors import ActionRefused
from myhealthhub.imports.fhir.tests.files import SYNTHEA
from myhealthhub.imports.models import ImportedRecord, ImportJob, ImportOriginal, JobState
from myhealthhub.imports.pipeline import request_commit, start_import
from myhealthhub.profiles.actions import create_profile, delete_profile
from myhealthhub.profiles.models import EmergencyContact, Grant, Profile, Role
from myhealthhub.reconcile.actions import review_conflict
from myhealthhub.reconcile.groups import groups_of
from myhealthhub.reconcile.models import Group, Member, Review
from myhealthhub.records.actions import create_entry, delete_entry, update_entry
from myhealthhub.records.demo import create_demo
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import DailySummary, EntryVersion, Sample, Source, SourceKind
from myhealthhub.search.models import SearchItem
from myhealthhub.summary.options import ExportOptions
from myhealthhub.tests.commands import migrated_folder

EMAIL = "keeper@example.org"

# Every model a profile's record lives in, and how to find the profile's rows.
OWNED: list[tuple[type[models.Model], str]] = [
    (Profile, "pk"),
    (EmergencyContact, "profile"),
    (Source, "profile"),
    *((kind.model, "profile") for kind in KINDS.values()),
    (EntryVersion, "profile"),
    (Document, "profile"),
    (DocumentLink, "document__profile"),
    (ImportJob, "profile"),
    (ImportOriginal, "profile"),
    (ImportedRecord, "profile"),
    (Sample, "profile"),
    (DailySummary, "profile"),
    (Group, "profile"),
    (Member, "profile"),
    (Review, "group__profile"),
]


# The independent snapshot.


# What a restore deliberately does not bring back: how the exporting
# instance's worker held an import, and the account that committed it.
NOT_CARRIED = {(ImportJob, "worker"), (ImportJob, "heartbeat_at"), (ImportJob, "pending_folder")}


def snapshot(profile: Profile, unlinked: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every column of the profile's rows; emails in ``unlinked`` read as no account."""
    taken: dict[str, Any] = {}
    for model, path in OWNED:
        lookups = []
        for field in model._meta.concrete_fields:
            related = field.related_model
            if field.primary_key or related in (Profile, SealedFile):
                continue
            if (model, field.name) in NOT_CARRIED:
                continue
            if related is User:
                lookups.append(f"{field.name}__email")
            elif related is not None:
                lookups.append(f"{field.name}__uuid")
            else:
                lookups.append(field.name)
        rows = list(model._default_manager.filter(**{path: profile.pk}).values(*lookups))
        for row in rows:
            for key, value in row.items():
                if key.endswith("__email") and value in unlinked:
                    row[key] = None
            if isinstance(row.get("preview"), dict):
                row["preview"].pop("committed_by", None)
        taken[model.__name__] = sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)
    taken["files"] = sorted(
        (str(document.uuid), sha256_of(document))
        for document in Document.objects.filter(profile=profile).select_related("file")
    )
    return taken


def sha256_of(document: Document) -> str:
    digest = hashlib.sha256()
    for chunk in keys.read(document.file):
        digest.update(chunk)
    return digest.hexdigest()


# Export, wipe, restore.


def export(profile: Profile, path: Path) -> Path:
    seen: list[float] = []
    with path.open("wb") as out:
        ArchiveExport().write(profile, out, ExportOptions(), seen.append)
    assert seen and seen[-1] == 1.0
    assert seen == sorted(seen), "progress only goes forward"
    return path


def wipe_everything(django_capture_on_commit_callbacks) -> User:
    """An empty instance but for a fresh account with the keeper's email."""
    with django_capture_on_commit_callbacks(execute=True):
        for grant in Grant.objects.filter(role=Role.OWNER).select_related("profile", "account"):
            if Profile.objects.filter(pk=grant.profile_id).exists():
                delete_profile(grant.profile, actor=grant.account, request=None)
    assert not Profile.objects.exists()
    User.objects.all().delete()
    assert not SealedFile.objects.exists() and not Document.objects.exists()
    assert not SearchItem.objects.exists()
    return make_account(EMAIL)


def restore(path: Path, email: str = EMAIL) -> str:
    out = io.StringIO()
    call_command("import", str(path), owner=email, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def round_trip(profile: Profile, tmp_path: Path, capture) -> tuple[Profile, str]:
    before = snapshot(profile)
    archive = export(profile, tmp_path / "archive.zip")
    owner = wipe_everything(capture)
    output = restore(archive)
    restored = Profile.objects.get(uuid=profile.uuid)
    assert snapshot(restored) == before
    assert Grant.objects.in_force().filter(profile=restored, account=owner, role=Role.OWNER)
    return restored, output


def import_file(profile: Profile, owner: User, path: Path) -> None:
    with path.open("rb") as file:
        job = start_import(profile, [(path.name, file)], actor=owner, request=None)
    job.refresh_from_db()
    assert job.state == JobState.READY, job.message
    request_commit(job, actor=owner, apply_demographics=True, other_person_confirmed=True)
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED, job.message


# Round trips.


@pytest.mark.parametrize("path", SYNTHEA, ids=lambda path: path.name[:30])
def test_a_synthea_import_comes_back_whole(
    db, path: Path, tmp_path: Path, django_capture_on_commit_callbacks
):
    owner = make_account(EMAIL)
    profile = create_profile(owner, request=None, given_name="Imported")
    import_file(profile, owner, path)
    entries = sum(kind.queryset(profile).count() for kind in KINDS.values())
    assert entries > 50

    restored, output = round_trip(profile, tmp_path, django_capture_on_commit_callbacks)

    assert f"{entries} entries" in output
    # Searchable again: the restore indexes what it wrote.
    assert SearchItem.objects.filter(profile=restored).exists()


def test_a_re_import_after_a_restore_adds_nothing(
    db, tmp_path: Path, django_capture_on_commit_callbacks
):
    owner = make_account(EMAIL)
    profile = create_profile(owner, request=None, given_name="Imported")
    smallest = min(SYNTHEA, key=lambda path: path.stat().st_size)
    import_file(profile, owner, smallest)
    restored, _output = round_trip(profile, tmp_path, django_capture_on_commit_callbacks)
    with smallest.open("rb") as file:
        job = start_import(
            restored, [(smallest.name, file)], actor=User.objects.get(), request=None
        )
    job.refresh_from_db()
    assert all(row["new"] == 0 for row in job.preview["kinds"]), job.preview["kinds"]


def demo_adult(owner: User) -> Profile:
    adult, _child = create_demo(owner, samples=500)
    add_demo_documents(adult, owner, "en", timezone.localdate())
    medication = KINDS["medications"].queryset(adult).alive().first()
    condition = KINDS["conditions"].queryset(adult).alive().first()
    assert medication is not None and condition is not None
    update_entry(
        medication,
        actor=owner,
        request=None,
        values={"dose": "2 tablets", "notes": "Changed at the last review."},
        expected_version=medication.version,
    )
    delete_entry(condition, actor=owner, request=None)
    # A pharmacy says the medicine was stopped: a disagreement, reviewed.
    stopped = create_entry(
        KINDS["medications"],
        adult,
        actor=owner,
        request=None,
        values={"display": medication.display, "codings": medication.codings, "status": "stopped"},
        source=Source.objects.create(profile=adult, kind=SourceKind.IMPORT, label="Pharmacy"),
    )
    (view,) = groups_of(adult, ["medications"], entry_uuids=[stopped.uuid])
    (conflict,) = view.conflicts
    review_conflict(
        view.group,
        conflict,
        with_whom="pharmacist",
        note="Still taking it.",
        actor=owner,
        request=None,
    )
    return adult


def test_the_demo_adult_comes_back_whole(db, tmp_path: Path, django_capture_on_commit_callbacks):
    owner = make_account(EMAIL)
    adult = demo_adult(owner)
    assert EntryVersion.objects.filter(profile=adult).count() >= 2
    assert Sample.objects.filter(profile=adult).count() == 500
    assert Document.objects.filter(profile=adult).count() == 3

    restored, output = round_trip(adult, tmp_path, django_capture_on_commit_callbacks)

    assert "3 documents" in output and "500 device readings" in output
    # The documents are read again, so thumbnails are back.
    assert not Document.objects.filter(profile=restored, thumbnail__isnull=True).exists()
    deleted = KINDS["conditions"].queryset(restored).filter(deleted_at__isnull=False)
    assert (
        deleted.count() == 1
        and not SearchItem.objects.filter(target_uuid=deleted.get().uuid).exists()
    )


def test_the_demo_child_comes_back_whole(db, tmp_path: Path, django_capture_on_commit_callbacks):
    owner = make_account(EMAIL)
    _adult, child = create_demo(owner)
    round_trip(child, tmp_path, django_capture_on_commit_callbacks)


def test_an_archive_restores_into_a_fresh_instance_from_the_command_line(db, tmp_path: Path):
    owner = make_account(EMAIL)
    adult = demo_adult(owner)
    archive = export(adult, tmp_path / "carmen.zip")
    files = {
        str(document.uuid): document.file.sha256
        for document in Document.objects.filter(profile=adult).select_related("file")
    }
    entries = sum(kind.queryset(adult).count() for kind in KINDS.values())
    data_dir = tmp_path / "fresh"
    data_dir.mkdir()

    def myhealthhub(*args: str, stdin: str = "") -> str:
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env["MYHEALTHHUB_DATA_DIR"] = str(data_dir)
        result = subprocess.run(
            [sys.executable, "-m", "myhealthhub.cli", *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    migrated_folder(data_dir)
    myhealthhub("createuser", "--email", EMAIL, "--password-stdin", stdin="a long passphrase 42\n")
    output = myhealthhub("import", str(archive), "--owner", EMAIL)

    assert f"{entries} entries" in output and "3 documents" in output
    database = sqlite3.connect(data_dir / "myhealthhub.sqlite3")
    (profile_id,) = database.execute(
        "SELECT id FROM profiles_profile WHERE uuid = ?", [adult.uuid.hex]
    ).fetchone()
    restored_files = dict(
        database.execute(
            "SELECT d.uuid, f.sha256 FROM documents_document d "
            "JOIN documents_sealedfile f ON f.id = d.file_id WHERE d.profile_id = ?",
            [profile_id],
        ).fetchall()
    )
    assert {key.replace("-", ""): value for key, value in files.items()} == restored_files
    # Sealed again under this instance's own master key: a key file of its own.
    assert (data_dir / "master.key").exists()


# The archive itself.


def test_the_manifest_lists_every_file_with_its_sha256(db, tmp_path: Path):
    owner = make_account(EMAIL)
    adult = demo_adult(owner)
    archive = export(adult, tmp_path / "archive.zip")
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        names = set(opened.namelist()) - {"manifest.json"}
        assert manifest["format"] == "myhealthhub-archive" and manifest["version"] == 1
        assert manifest["profile"] == {"uuid": str(adult.uuid), "name": adult.name}
        assert set(manifest["files"]) == names
        assert json.loads(opened.read("fhir/bundle.json"))["resourceType"] == "Bundle"
        for name in names:
            data = opened.read(name)
            assert manifest["files"][name] == {
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
    assert "fhir/bundle.json" in names
    for document in Document.objects.filter(profile=adult).select_related("file"):
        assert any(name.startswith(f"documents/{document.uuid}/") for name in names)
        assert document.file.sha256 in {item["sha256"] for item in manifest["files"].values()}


class Pipe(io.RawIOBase):
    """A stream that only goes forward, as a socket or an upload to object storage does."""

    def __init__(self) -> None:
        self.received = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.received += data
        return len(data)


def test_the_archive_streams_into_a_stream_that_cannot_seek(
    db, tmp_path: Path, django_capture_on_commit_callbacks
):
    owner = make_account(EMAIL)
    _adult, child = create_demo(owner)
    before = snapshot(child)
    pipe = Pipe()
    forward = io.BufferedWriter(pipe)
    ArchiveExport().write(child, forward, ExportOptions(), lambda done: None)
    forward.flush()
    path = tmp_path / "piped.zip"
    path.write_bytes(pipe.received)
    wipe_everything(django_capture_on_commit_callbacks)
    restore(path)
    assert snapshot(Profile.objects.get(uuid=child.uuid)) == before


def test_the_web_import_refuses_an_archive_and_says_how_to_restore_it(db, tmp_path: Path):
    owner = make_account(EMAIL)
    adult = demo_adult(owner)
    archive = export(adult, tmp_path / "archive.zip")
    sealed = SealedFile.objects.count()
    with archive.open("rb") as file, pytest.raises(ActionRefused) as refused:
        start_import(adult, [("archive.zip", file)], actor=owner, request=None)
    assert "myhealthhub import ARCHIVE.zip --owner EMAIL" in refused.value.message
    with pytest.raises(CommandError, match="--owner EMAIL"):
        call_command("import", str(archive), profile=str(adult.uuid), yes=True)
    assert SealedFile.objects.count() == sealed
    assert not ImportJob.objects.filter(profile=adult).exists()


# Hostile archives: refused with a clear message, nothing written.


@pytest.fixture(scope="module")
def child_archive(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """The demo child's archive, written once for the hostile variations of it below."""
    from myhealthhub.documents.actions import add_document

    path = tmp_path_factory.mktemp("archive") / "child.zip"
    with django_db_blocker.unblock(), transaction.atomic():
        owner = make_account(EMAIL)
        _adult, child = create_demo(owner)
        add_document(
            child, io.BytesIO(b"Vaccination record"), filename="card.txt", actor=owner, request=None
        )
        export(child, path)
        transaction.set_rollback(True)
    return path


@pytest.fixture
def archive_and_owner(db, child_archive: Path) -> Path:
    make_account(EMAIL)
    return child_archive


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def rezip(path: Path, files: dict[str, bytes], *, fix_manifest: bool = False) -> Path:
    if fix_manifest:
        manifest = json.loads(files["manifest.json"])
        manifest["files"] = {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in files.items()
            if name != "manifest.json"
        }
        files = {**files, "manifest.json": json.dumps(manifest).encode()}
    out = path.with_name("hostile.zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as opened:
        for name, data in files.items():
            opened.writestr(name, data)
    return out


def assert_refused(path: Path, *words: str) -> str:
    blobs = storage_files()
    rows = row_counts()
    with pytest.raises(CommandError) as refused:
        restore(path)
    assert storage_files() == blobs, "no sealed file is left behind"
    message = str(refused.value)
    for word in words:
        assert word in message, message
    assert "\n" not in message
    assert row_counts() == rows, "no row is left behind"
    return message


def archived_profile_uuid(path: Path) -> str:
    return json.loads(members(path)["manifest.json"])["profile"]["uuid"]


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Profile, SealedFile, Source, Document, SearchItem)
    }


def storage_files() -> list[Path]:
    from django.conf import settings

    return sorted(Path(settings.DATA_DIR).rglob("*.sealed"))


def test_a_file_changed_after_the_export_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    name = next(name for name in files if name.startswith("documents/"))
    files[name] = b"Vaccination recorD"
    assert_refused(rezip(archive_and_owner, files), name, "SHA-256")


def test_a_file_missing_from_the_manifest_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    files["documents/extra.txt"] = b"smuggled"
    assert_refused(rezip(archive_and_owner, files), "documents/extra.txt", "not in its manifest")


def test_a_file_missing_from_the_archive_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    del files["myhealthhub/sources.jsonl"]
    assert_refused(rezip(archive_and_owner, files), "myhealthhub/sources.jsonl", "missing")


def test_a_path_climbing_out_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    files["../evil.txt"] = b"x"
    assert_refused(rezip(archive_and_owner, files, fix_manifest=True), "outside the archive")


def test_a_zip_bomb_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    files["myhealthhub/notes.jsonl"] = b"\n" * (300 * 1024 * 1024)
    assert_refused(rezip(archive_and_owner, files, fix_manifest=True), "zip bombs")


def test_too_many_files_are_refused(archive_and_owner: Path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_MEMBERS", 5)
    assert_refused(archive_and_owner, "more than 5 files")


def test_an_unknown_version_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    manifest = json.loads(files["manifest.json"])
    manifest["version"] = 99
    files["manifest.json"] = json.dumps(manifest).encode()
    assert_refused(rezip(archive_and_owner, files), "version 99")


@pytest.mark.parametrize(
    "broken",
    [b'{"uuid": "x', b"[" * 100_000, b'{"given_name": NaN}'],
    ids=["cut", "deep", "nan"],
)
def test_malformed_json_is_refused(archive_and_owner: Path, broken: bytes):
    files = members(archive_and_owner)
    files["myhealthhub/profile.jsonl"] = broken
    assert_refused(
        rezip(archive_and_owner, files, fix_manifest=True), "myhealthhub/profile.jsonl, line 1"
    )


def test_a_malformed_manifest_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    files["manifest.json"] = b'{"format": "myhealthhub-archive", "version": 1, "files": [}'
    assert_refused(rezip(archive_and_owner, files), "manifest.json")


def test_a_value_of_the_wrong_type_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    row = json.loads(files["myhealthhub/profile.jsonl"])
    row["birth_date"] = "the fourth of never"
    files["myhealthhub/profile.jsonl"] = json.dumps(row).encode() + b"\n"
    assert_refused(
        rezip(archive_and_owner, files, fix_manifest=True),
        "myhealthhub/profile.jsonl, line 1, birth_date",
    )


def test_a_document_that_is_not_what_it_claims_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    name = next(name for name in files if name.startswith("documents/"))
    files[name] = b"<html><script>alert(1)</script></html>"
    assert_refused(rezip(archive_and_owner, files, fix_manifest=True), "not the kind of file")


def test_a_failure_while_writing_removes_the_documents_sealed_for_it(archive_and_owner: Path):
    files = members(archive_and_owner)
    # Two manual sources by the owner: only the database's unique constraint
    # sees it, after the documents were sealed again.
    row = json.loads(files["myhealthhub/sources.jsonl"].splitlines()[0])
    assert row["kind"] == "manual" and row["author"] == EMAIL
    row["uuid"] = str(uuid.uuid4())
    files["myhealthhub/sources.jsonl"] += json.dumps(row).encode() + b"\n"
    assert_refused(rezip(archive_and_owner, files, fix_manifest=True), "database refused")


def test_an_archive_already_restored_is_refused(archive_and_owner: Path):
    restore(archive_and_owner)
    profiles = Profile.objects.count()
    sealed = SealedFile.objects.count()
    with pytest.raises(CommandError, match="already in this MyHealthHub"):
        restore(archive_and_owner)
    assert Profile.objects.count() == profiles and SealedFile.objects.count() == sealed


def test_a_restore_reports_its_progress_and_finishes_at_the_end(archive_and_owner: Path):
    from myhealthhub.archive.restoring import restore_archive

    seen: list[float] = []
    with archive_and_owner.open("rb") as file:
        restore_archive(file, owner=User.objects.get(email=EMAIL), progress=seen.append)
    assert len(seen) > 3
    assert seen == sorted(seen), "progress only goes forward"
    assert seen[-1] == 1.0 and all(0.0 <= done <= 1.0 for done in seen)


def test_a_refused_row_late_in_the_archive_leaves_nothing_written(archive_and_owner: Path):
    # Rows are checked as they are written, in one transaction: a reference
    # that leads nowhere, found after thousands of rows, rolls them all back.
    files = members(archive_and_owner)
    row = json.loads(files["myhealthhub/group-members.jsonl"].splitlines()[0])
    row["group"] = str(uuid.uuid4())
    files["myhealthhub/group-members.jsonl"] += json.dumps(row).encode() + b"\n"
    assert_refused(
        rezip(archive_and_owner, files, fix_manifest=True), "points to another", "group-members"
    )


def test_the_owner_must_have_an_account(archive_and_owner: Path):
    rows = row_counts()
    with pytest.raises(CommandError, match="createuser"):
        restore(archive_and_owner, email="nobody@example.org")
    assert row_counts() == rows


def test_a_restore_is_audited(archive_and_owner: Path):
    from myhealthhub.audit.models import Action, AuditEvent

    restore(archive_and_owner)
    profile = Profile.objects.get(uuid=archived_profile_uuid(archive_and_owner))
    assert AuditEvent.objects.filter(
        action=Action.IMPORT_COMMITTED, profile=profile, object_type="archive"
    ).exists()


# Rows that must never come from outside, and accounts.


def with_rows(path: Path, name: str, change: Any) -> Path:
    """The archive with ``change(rows)`` applied to one family's rows, its manifest made to fit."""
    files = members(path)
    rows = [json.loads(line) for line in files.get(name, b"").splitlines() if line.strip()]
    change(rows)
    files[name] = b"".join(json.dumps(row).encode() + b"\n" for row in rows)
    return rezip(path, files, fix_manifest=True)


def job_row(**values: Any) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "format": "fhir",
        "label": "bundle.json",
        "state": "committed",
        "progress": 0.5,
        "message": "",
        "where": "",
        "preview": {},
        "warning_count": 0,
        "patients": [],
        "patient": "",
        "counts": {},
        "language": "en",
        "source": None,
        "created_by": EMAIL,
        "created_at": "2020-01-01T00:00:00+00:00",
        "finished_at": None,
        **values,
    }


def test_an_unfinished_import_comes_back_failed_naming_no_worker(archive_and_owner: Path):
    from myhealthhub.imports.recovery import fail_abandoned_jobs

    job = job_row(state="committing", preview={"committed_by": 1, "sender": "Clinic"})
    restore(
        with_rows(archive_and_owner, "myhealthhub/import-jobs.jsonl", lambda rows: rows.append(job))
    )

    restored = ImportJob.objects.get(uuid=job["uuid"])
    assert restored.state == JobState.FAILED and restored.finished_at is not None
    assert "not finished when the archive was made" in restored.message
    assert (restored.worker, restored.heartbeat_at, restored.pending_folder) == ("", None, "")
    assert restored.preview == {"sender": "Clinic"}
    # What a worker does when it starts: nothing to fail, nothing to sweep.
    assert fail_abandoned_jobs() == 0


@pytest.mark.parametrize(
    "column, value",
    [
        ("worker", "otherhost:1"),
        ("pending_folder", "../../../../../../tmp"),
        ("heartbeat_at", "2020-01-01T00:00:00+00:00"),
    ],
)
def test_an_archive_naming_a_worker_or_a_storage_folder_is_refused(
    archive_and_owner: Path, column: str, value: str
):
    job = job_row(state="committing", **{column: value})
    hostile = with_rows(
        archive_and_owner, "myhealthhub/import-jobs.jsonl", lambda rows: rows.append(job)
    )
    assert_refused(hostile, "myhealthhub/import-jobs.jsonl", column)


def test_an_archive_cannot_attribute_rows_to_an_account_of_this_instance(archive_and_owner: Path):
    admin = make_account("admin@example.org")
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)

    def to_admin(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row["author"] = "admin@example.org"

    output = restore(with_rows(archive_and_owner, "myhealthhub/sources.jsonl", to_admin))

    restored = Source.objects.filter(profile__uuid=archived_profile_uuid(archive_and_owner))
    assert restored.exists() and not restored.filter(author__isnull=False).exists()
    assert "1 change or upload made by another account was not linked" in output, output


def test_a_caregivers_edits_come_back_unattributed_and_counted(
    db, tmp_path: Path, django_capture_on_commit_callbacks
):
    from myhealthhub.profiles.actions import grant_access

    owner = make_account(EMAIL)
    carer = make_account("carer@example.org")
    _adult, child = create_demo(owner)
    grant_access(child, carer, Role.EDITOR, actor=owner, request=None)
    entry = next(entry for kind in KINDS.values() for entry in kind.queryset(child).alive()[:1])
    update_entry(
        entry,
        actor=carer,
        request=None,
        values={"notes": "Seen by the carer."},
        expected_version=entry.version,
    )
    before = snapshot(child, unlinked=frozenset({"carer@example.org"}))
    archive = export(child, tmp_path / "child.zip")
    wipe_everything(django_capture_on_commit_callbacks)
    # The same address here is not the same person: still not linked.
    make_account("carer@example.org")

    output = restore(archive)

    assert snapshot(Profile.objects.get(uuid=child.uuid)) == before
    # The entry's last editor and its earlier version's author.
    assert "2 changes or uploads made by other accounts" in output, output


def test_the_keepers_rows_go_to_the_restoring_owner_whatever_their_email(
    db, tmp_path: Path, django_capture_on_commit_callbacks
):
    owner = make_account(EMAIL)
    _adult, child = create_demo(owner)
    archive = export(child, tmp_path / "child.zip")
    wipe_everything(django_capture_on_commit_callbacks)
    other = make_account("new-address@example.org")

    output = restore(archive, email="new-address@example.org")

    restored = Profile.objects.get(uuid=child.uuid)
    assert Source.objects.filter(profile=restored, author=other).exists()
    assert not any(
        kind.queryset(restored).filter(created_by__isnull=True).exists() for kind in KINDS.values()
    )
    assert "not linked" not in output


# Exports that could not be restored are never finished.


def test_a_document_purged_between_the_rows_fails_the_export(db, tmp_path: Path, monkeypatch):
    from myhealthhub.archive import writing
    from myhealthhub.documents.actions import purge

    owner = make_account(EMAIL)
    adult = demo_adult(owner)
    link = DocumentLink.objects.filter(document__profile=adult).select_related("document").first()
    assert link is not None
    write_family = writing._write_family

    def racing(writer: Any, profile: Profile, family: Any) -> None:
        # The links are written; the document goes before its own row is.
        if family.name == "documents":
            purge([link.document], actor_label="a purge at the same time")
        write_family(writer, profile, family)

    monkeypatch.setattr(writing, "_write_family", racing)
    with pytest.raises(ActionRefused, match="changed while the archive was being written"):
        ArchiveExport().write(adult, io.BytesIO(), ExportOptions(), lambda done: None)


def test_a_document_purged_after_the_rows_fails_the_export(db, tmp_path: Path):
    from myhealthhub.documents.actions import purge

    owner = make_account(EMAIL)
    adult = demo_adult(owner)
    document = Document.objects.filter(profile=adult).first()
    assert document is not None

    def progress(done: float) -> None:
        # Reported once the rows are written, before the documents are.
        if done >= 0.5 and Document.objects.filter(pk=document.pk).exists():
            purge([document], actor_label="a purge at the same time")

    with pytest.raises(ActionRefused, match="changed while the archive was being written"):
        ArchiveExport().write(adult, io.BytesIO(), ExportOptions(), progress)


def test_a_document_purged_before_the_rows_leaves_a_restorable_archive(
    db, tmp_path: Path, django_capture_on_commit_callbacks
):
    from myhealthhub.documents.actions import purge

    owner = make_account(EMAIL)
    adult = demo_adult(owner)
    document = Document.objects.filter(profile=adult, links__isnull=False).first()
    assert document is not None

    def progress(done: float) -> None:
        if Document.objects.filter(pk=document.pk).exists():  # while the FHIR part is written
            purge([document], actor_label="a purge at the same time")

    path = tmp_path / "archive.zip"
    with path.open("wb") as out:
        ArchiveExport().write(adult, out, ExportOptions(), progress)
    before = snapshot(adult)
    wipe_everything(django_capture_on_commit_callbacks)
    output = restore(path)
    assert "2 documents" in output
    assert snapshot(Profile.objects.get(uuid=adult.uuid)) == before


# Rows of the wrong shape, size or range: refused before anything is written.


def first_row_of(archive: Path, name: str, change: Any) -> Path:
    def changed(rows: list[dict[str, Any]]) -> None:
        assert rows, name
        change(rows[0])

    return with_rows(archive, name, changed)


RESULTS = "myhealthhub/entries-results.jsonl"


@pytest.mark.parametrize(
    "column, value",
    [
        ("codings", [1, "x", None]),
        ("codings", [{"system": "http://loinc.org", "code": 8480}]),
        ("source_identifiers", "oops"),
        ("components", [{"code": "8480-6", "value": {"deep": [1]}}]),
        ("components", {"code": "8480-6"}),
    ],
)
def test_a_json_column_of_another_shape_is_refused(
    archive_and_owner: Path, column: str, value: Any
):
    hostile = first_row_of(archive_and_owner, RESULTS, lambda row: row.update({column: value}))
    assert_refused(hostile, f"{RESULTS}, line 1, {column}", "shape")


@pytest.mark.parametrize(
    "preview",
    [{"kinds": "all"}, {"kinds": [{"kind": "results"}]}, {"demographics": {"admin": "x"}}],
)
def test_an_import_preview_of_another_shape_is_refused(archive_and_owner: Path, preview: Any):
    job = job_row(preview=preview)
    hostile = with_rows(
        archive_and_owner, "myhealthhub/import-jobs.jsonl", lambda rows: rows.append(job)
    )
    assert_refused(hostile, "import-jobs.jsonl", "preview")


def test_json_deep_or_wide_beyond_the_caps_is_refused(archive_and_owner: Path):
    wide = [{"system": "s", "code": "c"}] * 30_000
    hostile = first_row_of(archive_and_owner, RESULTS, lambda row: row.update(codings=wide))
    assert_refused(hostile, f"{RESULTS}, line 1, codings")


def test_a_line_far_too_long_is_refused_before_it_is_parsed(archive_and_owner: Path):
    files = members(archive_and_owner)
    # Some twenty bytes an object as text, far more once parsed; random, so
    # that it does not look like a zip bomb instead.
    codings = [{"code": os.urandom(6).hex()} for _ in range(150_000)]
    files[RESULTS] = json.dumps({"codings": codings}).encode() + b"\n"
    assert_refused(rezip(archive_and_owner, files, fix_manifest=True), "far too long", RESULTS)


@pytest.mark.parametrize(
    "change, column",
    [
        (lambda row: row.pop("uuid"), "uuid"),
        (lambda row: row.pop("display"), "display"),
        (lambda row: row.update(version=10**30), "version"),
        (lambda row: row.update(version=-1), "version"),
        (lambda row: row.update(version=2**31), "version"),
        (lambda row: row.update(value_number=10**400), "value_number"),
    ],
    ids=["no-uuid", "no-display", "huge", "negative", "past-int", "huge-float"],
)
def test_a_malformed_row_is_refused_clearly(archive_and_owner: Path, change: Any, column: str):
    hostile = first_row_of(archive_and_owner, RESULTS, change)
    assert_refused(hostile, f"{RESULTS}, line 1, {column}")


def test_infinity_written_as_a_number_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    lines = files[RESULTS].splitlines()
    row = json.loads(lines[0])
    row["value_number"] = 1.5
    lines[0] = json.dumps(row).replace('"value_number": 1.5', '"value_number": 1e400').encode()
    files[RESULTS] = b"\n".join(lines) + b"\n"
    assert_refused(
        rezip(archive_and_owner, files, fix_manifest=True), f"{RESULTS}, line 1, value_number"
    )


def test_a_document_row_without_its_type_is_refused(archive_and_owner: Path):
    hostile = first_row_of(
        archive_and_owner, "myhealthhub/documents.jsonl", lambda row: row.pop("content_type")
    )
    assert_refused(hostile, "documents.jsonl, line 1, content_type")


def test_one_uuid_for_entries_of_two_kinds_is_refused(archive_and_owner: Path):
    files = members(archive_and_owner)
    entries = sorted(
        name
        for name, data in files.items()
        if name.startswith("myhealthhub/entries-") and data.strip()
    )
    assert len(entries) >= 2
    first, second = entries[:2]
    shared = json.loads(files[first].splitlines()[0])["uuid"]
    hostile = first_row_of(archive_and_owner, second, lambda row: row.update(uuid=shared))
    assert_refused(hostile, "same UUID", second)


@pytest.mark.parametrize(
    "values",
    [
        {"value_number": float("inf")},
        {"codings": [{"system": "http://loinc.org", "code": 8480}]},
        {"components": {"a": 1}},
    ],
    ids=["infinity", "codings", "components"],
)
def test_a_value_no_restore_would_take_is_never_written_into_an_archive(
    db, tmp_path: Path, values: dict[str, Any]
):
    owner = make_account(EMAIL)
    _adult, child = create_demo(owner)
    result = KINDS["results"].queryset(child).first()
    assert result is not None
    KINDS["results"].model.objects.filter(pk=result.pk).update(**values)
    with pytest.raises(ActionRefused, match=r"entries-results\.jsonl"):
        ArchiveExport().write(child, io.BytesIO(), ExportOptions(), lambda done: None)


def test_the_longest_text_a_document_can_have_comes_back(
    db, tmp_path: Path, django_capture_on_commit_callbacks
):
    from myhealthhub.documents.actions import add_document
    from myhealthhub.documents.reading import MAX_TEXT_CHARS

    owner = make_account(EMAIL)
    profile = create_profile(owner, request=None, given_name="Reader")
    # Three bytes a character: far longer than an archive's line may be. The
    # text is not carried but read again from the document on restore.
    with django_capture_on_commit_callbacks(execute=True):
        add_document(
            profile,
            io.BytesIO(("€" * MAX_TEXT_CHARS).encode()),
            filename="long.txt",
            actor=owner,
            request=None,
        )
    document = Document.objects.get(profile=profile)
    assert len(document.text) == MAX_TEXT_CHARS
    restored, _output = round_trip(profile, tmp_path, django_capture_on_commit_callbacks)
    assert Document.objects.get(profile=restored).text == document.text


def test_a_killed_restores_leftover_files_are_removed_by_the_next(archive_and_owner: Path):
    from django.core.files.base import ContentFile

    from myhealthhub.documents import storage

    profile_uuid = archived_profile_uuid(archive_and_owner)
    store = storage.default_storage()
    old = store.save(f"documents/{profile_uuid}/{'a' * 32}.sealed", ContentFile(b"left over"))
    recent = store.save(f"documents/{profile_uuid}/{'b' * 32}.sealed", ContentFile(b"in use"))
    two_days_ago = timezone.now().timestamp() - 2 * 24 * 3600
    os.utime(store.path(old), (two_days_ago, two_days_ago))

    restore(archive_and_owner)

    assert not store.exists(old)
    # Young enough to be another restore's, sealing at this moment.
    assert store.exists(recent)
    store.delete(recent)


# What the archive holds, and what it deliberately leaves out.


def test_every_model_of_a_profile_is_archived_or_deliberately_left_out():
    from django.apps import apps

    from myhealthhub.archive import layout
    from myhealthhub.archive.shapes import shape_of

    archived = {family.model for family in layout.families()}
    for model in apps.get_models():
        belongs = any(field.related_model is Profile for field in model._meta.concrete_fields)
        if belongs or model is Profile:
            assert (model in archived) != (model in layout.EXCLUDED), model
    assert {kind.model for kind in KINDS.values()} <= archived
    for family in layout.families():
        for column in family.columns:
            if isinstance(column.field, models.JSONField):
                assert shape_of(family.model, column.name) is not None, (family.name, column.name)


def test_an_export_outside_any_transaction_reads_one_snapshot(
    transactional_db, tmp_path: Path, django_capture_on_commit_callbacks
):
    # How the worker exports: the rows are read in a transaction of their own
    # (REPEATABLE READ on PostgreSQL), the progress written after it.
    from django.db import connection

    owner = make_account(EMAIL)
    _adult, child = create_demo(owner)
    sent: list[str] = []

    def recording(execute: Any, sql: str, *args: Any) -> Any:
        sent.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(recording):
        export(child, tmp_path / "child.zip")
    if connection.vendor == "postgresql":
        assert any("REPEATABLE READ" in sql for sql in sent)
    round_trip(child, tmp_path, django_capture_on_commit_callbacks)


def test_rows_are_handed_over_in_batches_bounded_in_bytes(db, tmp_path: Path, monkeypatch):
    from myhealthhub.archive import layout

    owner = make_account(EMAIL)
    adult = demo_adult(owner)
    archive = export(adult, tmp_path / "archive.zip")
    monkeypatch.setattr(reading, "BATCH_BYTES", 4096)
    samples = next(family for family in layout.families() if family.model is Sample)
    with archive.open("rb") as file, reading.opened(file) as opened:
        sizes = [len(batch) for batch in opened.batches(samples)]
    assert sum(sizes) == 500
    # Some hundred bytes a reading: far fewer than BATCH_ROWS in each batch.
    assert len(sizes) > 5 and max(sizes) < 100


def test_an_archive_replaces_the_record_it_was_made_of_and_who_may_see_it_stays(
    db, tmp_path: Path, django_capture_on_commit_callbacks
):
    owner = make_account(EMAIL)
    adult = demo_adult(owner)
    caregiver = make_account("caregiver@example.org")
    Grant.objects.create(profile=adult, account=caregiver, role=Role.VIEWER, granted_by=owner)
    before = snapshot(adult)
    archive = export(adult, tmp_path / "archive.zip")
    trail = set(AuditEvent.objects.filter(profile=adult).values_list("pk", flat=True))

    # What happens after the archive was made: an entry, a document, a deletion.
    later = create_entry(
        KINDS["allergies"],
        adult,
        actor=owner,
        request=None,
        values={"display": "Sesame"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        added = add_document(
            adult, io.BytesIO(b"A later letter\n"), filename="later.txt", actor=owner, request=None
        )
    added_file = added.file.name
    medication = KINDS["medications"].queryset(adult).alive().first()
    assert medication is not None
    delete_entry(medication, actor=owner, request=None)
    assert snapshot(adult) != before

    # Only its owner may replace it, and only when they say so.
    with pytest.raises(CommandError, match="owns no profile this archive was made of"):
        call_command("import", str(archive), owner=caregiver.email, replace=True, yes=True)
    with pytest.raises(CommandError, match="add --yes"):
        call_command("import", str(archive), owner=EMAIL, replace=True)

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import",
            str(archive),
            owner=EMAIL,
            replace=True,
            yes=True,
            stdout=out,
            stderr=io.StringIO(),
        )

    assert Profile.objects.filter(uuid=adult.uuid).count() == 1
    replaced = Profile.objects.get(uuid=adult.uuid)
    assert replaced.pk == adult.pk
    assert snapshot(replaced) == before
    assert "3 documents" in out.getvalue()
    # Who may see it, and what was done to it, stay; the replacement is one more event.
    assert Grant.objects.in_force().filter(profile=replaced, account=caregiver, role=Role.VIEWER)
    assert Grant.objects.in_force().filter(profile=replaced, account=owner, role=Role.OWNER)
    after = AuditEvent.objects.filter(profile=replaced)
    assert trail < set(after.values_list("pk", flat=True))
    assert after.filter(action=Action.IMPORT_COMMITTED, object_type="archive").exists()
    # The later document's sealed file went with it; search finds what the archive holds.
    assert not SealedFile.objects.filter(name=added_file).exists()
    assert not storage.default_storage().exists(added_file)
    assert not SearchItem.objects.filter(profile=replaced, target_uuid=later.uuid).exists()
    assert SearchItem.objects.filter(profile=replaced, target_uuid=medication.uuid).exists()
