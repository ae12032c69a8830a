"""A worker killed with SIGKILL in the middle of a commit leaves nothing of the import behind.

Real processes on a database of their own: `myhealthhub migrate`, a driver
that starts the import as the web page does, and `myhealthhub worker`. The
worker is killed while it commits a large import; the next worker to start
marks the job failed, and the same file then imports from the command line.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from myhealthhub.tests.commands import OwnDatabase

pytestmark = [
    pytest.mark.slow,
    # Its processes use DATABASE_URL's database, PostgreSQL's in CI.
    pytest.mark.database,
]

# Enough for the commit's inserts to last seconds, so the kill lands inside them.
OBSERVATIONS = 8_000

DRIVER = textwrap.dedent(
    """
    import io, os, sys, django
    django.setup()
    from myhealthhub.accounts.actions import create_account
    from myhealthhub.imports.models import ImportJob
    from myhealthhub.imports.pipeline import request_commit, start_import
    from myhealthhub.profiles.actions import create_profile

    step, path = sys.argv[1], sys.argv[2]
    if step == "start":
        owner = create_account("owner@example.org", "correct horse battery staple")
        profile = create_profile(owner, request=None, given_name="Big", family_name="Import")
        with open(path, "rb") as handle:
            name = os.path.basename(path)
            job = start_import(profile, [(name, handle)], actor=owner, request=None)
        print(profile.uuid, job.uuid)
    else:
        job = ImportJob.objects.get(uuid=path)
        request_commit(job, actor=None, apply_demographics=False, other_person_confirmed=True)
    """
)


def big_bundle(path: Path) -> None:
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000000",
            "resource": {
                "resourceType": "Patient",
                "id": "00000000-0000-4000-8000-000000000000",
                "name": [{"given": ["Big"], "family": "Import"}],
            },
        }
    ]
    for index in range(OBSERVATIONS):
        resource_id = str(uuid.UUID(int=index + 1))
        entries.append(
            {
                "fullUrl": f"urn:uuid:{resource_id}",
                "resource": {
                    "resourceType": "Observation",
                    "id": resource_id,
                    "status": "final",
                    "code": {
                        "coding": [{"system": "http://loinc.org", "code": "2339-0"}],
                        "text": "Glucose",
                    },
                    "subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000000"},
                    "effectiveDateTime": f"20{10 + index % 14:02d}-01-{1 + index % 28:02d}",
                    "valueQuantity": {
                        "value": 80 + index % 50,
                        "unit": "mg/dL",
                        "system": "http://unitsofmeasure.org",
                        "code": "mg/dL",
                    },
                },
            }
        )
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))


class Database(OwnDatabase):
    def worker(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "myhealthhub.cli", "worker", "--no-startup-delay"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "data", "myhealthhub_killed")
    try:
        yield database
    finally:
        database.drop()


def wait_for(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"waited {seconds} s for {what}")


def test_a_worker_killed_mid_commit_leaves_nothing_and_the_next_one_fails_the_job(
    database: Database, tmp_path: Path
):
    big = tmp_path / "big.json"
    big_bundle(big)
    database.migrate()
    started = database.run("-c", DRIVER, "start", str(big))
    assert started.returncode == 0, started.stderr
    profile_uuid, job_uuid = started.stdout.split()
    # UUIDs are stored as 32 hex digits in SQLite, as the uuid type in PostgreSQL.
    stored_uuid = job_uuid if database.server_url else job_uuid.replace("-", "")
    job = f"SELECT state, message FROM imports_importjob WHERE uuid = '{stored_uuid}'"  # noqa: S608
    observations = "SELECT count(*) FROM records_observation"

    worker = database.worker()
    try:
        wait_for(lambda: database.query(job)[0][0] == "ready", 120, "the preview")
        committed = database.run("-c", DRIVER, "commit", job_uuid)
        assert committed.returncode == 0, committed.stderr
        # Reading the resources again takes the worker a moment; inserting
        # them, seconds. Kill it once its commit transaction is open.
        wait_for(lambda: in_transaction(database), 120, "the commit's transaction")
        time.sleep(0.5)
        assert database.query(job)[0][0] == "committing"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert database.query(observations)[0][0] == 0
    assert database.query(job)[0][0] == "committing"

    worker = database.worker()
    try:
        _state, message = wait_for(
            lambda: (row := database.query(job)[0])[0] == "failed" and row, 60, "the job to fail"
        )
        assert "worker stopped" in message
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert database.query(observations)[0][0] == 0

    again = database.run(
        "-m", "myhealthhub.cli", "import", str(big), "--profile", profile_uuid, "--yes"
    )
    assert again.returncode == 0, again.stderr
    assert database.query(observations)[0][0] == OBSERVATIONS


def in_transaction(database: Database) -> bool:
    """Whether the worker's commit transaction is open and writing, seen twice in a row."""
    if not _writing(database):
        return False
    time.sleep(0.2)
    return _writing(database)


def _writing(database: Database) -> bool:
    if database.server_url:
        # Another session's transaction that has written (locking the job's row
        # counts): the worker's commit. Not this query's own session, whose
        # text would match any pattern asked of it.
        rows = database.query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        return bool(rows[0][0])
    # The worker's transaction holds SQLite's write lock until it ends.
    connection = sqlite3.connect(database.sqlite, timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()
    return False
