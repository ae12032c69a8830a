"""Imports and exports left the interop app: a database made before keeps every row.

The database is taken back to where interop still held the models, given
an import with its original and its keys, an export, their content types
and a queued task, and migrated forward again.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from myhealthhub.conftest import make_account
from myhealthhub.exports.models import ExportJob
from myhealthhub.imports import models
from myhealthhub.imports.models import ImportedRecord, ImportJob, ImportOriginal
from myhealthhub.profiles.actions import create_profile
from myhealthhub.records.models import Source as RecordsSource

BEFORE = [("interop", "0002_exportjob"), ("imports", None), ("exports", None)]


def migrate(targets: list[tuple[str, str | None]]):
    """The apps' models as they are after migrating to ``targets``."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([(app, name) for app, name in targets if name]).apps


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_rows_made_under_interop_are_there_after_the_move():
    owner = make_account("keeper@example.org")
    profile = create_profile(owner, request=None, given_name="Ana")
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE)
        job = old.get_model("interop", "ImportJob").objects.create(
            profile_id=profile.pk, format="fhir", label="portal.json", state="committed"
        )
        old.get_model("interop", "ImportOriginal").objects.create(
            profile_id=profile.pk, job=job, name="portal.json", size=10, position=0
        )
        old.get_model("interop", "ImportedRecord").objects.create(
            profile_id=profile.pk,
            key_hash="a" * 64,
            key="Condition/asthma",
            kind="conditions",
            object_uuid=uuid.uuid4(),
            content_hash="b" * 64,
            job=job,
        )
        export = old.get_model("interop", "ExportJob").objects.create(
            profile_id=profile.pk, format="csv", state="done", created_by_id=owner.pk
        )
        ContentType.objects.filter(app_label__in=["imports", "exports"]).delete()
        ContentType.objects.get_or_create(app_label="interop", model="importjob")
        DBTaskResult.objects.create(
            task_path="myhealthhub.interop.exporting.remove_expired_exports",
            args_kwargs={"args": [export.pk], "kwargs": {}},
            backend_name="default",
            run_after=timezone.now() + dt.timedelta(hours=24),
        )
    finally:
        migrate(latest)

    moved = ImportJob.objects.get(uuid=job.uuid)
    assert (moved.profile_id, moved.label, moved.state) == (profile.pk, "portal.json", "committed")
    assert ImportOriginal.objects.get(job=moved).name == "portal.json"
    assert ImportedRecord.objects.get(job=moved).key == "Condition/asthma"
    assert ExportJob.objects.get(uuid=export.uuid).created_by == owner
    assert ContentType.objects.get(app_label="imports", model="importjob")
    assert not ContentType.objects.filter(app_label="interop").exists()
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "myhealthhub.exports.jobs.remove_expired_exports"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_source_named_after_its_file_is_named_no_more():
    owner = make_account("keeper@example.org")
    profile = create_profile(owner, request=None, given_name="Ana")
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    file_name = "Ana_2f6c1f0e-8d1a-4c55-9a39-1f1c3b2d9e7a.json"
    try:
        old = migrate(
            [("imports", "0002_indexes_named_for_imports"), ("records", "0006_result_time_zone")]
        )
        Source = old.get_model("records", "Source")
        kept = {"profile_id": profile.pk, "kind": "import", "written_precision": "day"}
        named_by_file = Source.objects.create(**kept, label=file_name)
        renamed = Source.objects.create(**kept, label="Dr. Sol")
        ImportJob = old.get_model("imports", "ImportJob")
        for source in (named_by_file, renamed):
            ImportJob.objects.create(
                profile_id=profile.pk, format="fhir", label=file_name, source=source
            )
    finally:
        migrate(latest)

    assert RecordsSource.objects.get(pk=named_by_file.pk).label == ""
    assert RecordsSource.objects.get(pk=renamed.pk).label == "Dr. Sol"
    assert models.ImportJob.objects.get(source_id=named_by_file.pk).label == file_name
