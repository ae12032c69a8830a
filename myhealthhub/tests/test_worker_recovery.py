"""A running worker finds what a stopped one left, without waiting to be restarted.

Real processes: `myhealthhub worker` runs; then a job and a task row appear
as a worker killed mid-commit leaves them (held by a process that is gone).
The running worker fails both within seconds: the page no longer says the
import is being added, and the task row ends.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from myhealthhub.tests.commands import CLI, clean_environment, migrated_folder, run_command

pytestmark = pytest.mark.slow  # a worker, in its own process

# What a worker killed while committing an import leaves behind, made by a
# process that ends at once: the holder named is a process that is gone.
LEFT_BEHIND = """
import os, socket
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django.utils import timezone
from myhealthhub.accounts.actions import create_account
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.profiles.actions import create_profile

gone = f"{socket.gethostname()}:{os.getpid()}"
owner = create_account("owner@example.org", "correct horse battery staple")
profile = create_profile(owner, request=None, given_name="Ana")
ImportJob.objects.create(
    profile=profile, format="fhir", label="big.json", state=JobState.COMMITTING,
    worker=gone, heartbeat_at=timezone.now(),
)
DBTaskResult.objects.create(
    status=TaskResultStatus.RUNNING, args_kwargs={"args": [], "kwargs": {}},
    task_path="myhealthhub.imports.tasks.commit_import", backend_name="default",
    run_after=timezone.now(), worker_ids=[gone],
)
"""


def test_a_running_worker_fails_what_a_stopped_one_left(tmp_path: Path):
    env = clean_environment(tmp_path, MYHEALTHHUB_WORKER_RECOVERY_SECONDS="1")
    migrated_folder(tmp_path)
    worker = subprocess.Popen(
        [*CLI, "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert worker.stderr is not None
        started = ""
        while "Starting worker" not in started:
            line = worker.stderr.readline()
            assert line, "the worker ended before it started"
            started += line
        # The worker names itself by host and process, as the jobs it holds do.
        assert f":{worker.pid}" in started, started
        made = run_command(env, "shell", "-v", "0", "-c", LEFT_BEHIND)
        assert made.returncode == 0, made.stderr
        deadline = time.monotonic() + 30
        with sqlite3.connect(tmp_path / "myhealthhub.sqlite3") as database:
            while True:
                job = database.execute("SELECT state, message FROM imports_importjob").fetchone()
                (task,) = database.execute(
                    "SELECT status FROM django_tasks_database_dbtaskresult"
                ).fetchone()
                if job[0] == "failed" and task == "FAILED":
                    break
                assert time.monotonic() < deadline, (job, task)
                time.sleep(0.5)
        assert "nothing of it was added" in job[1]
        assert worker.poll() is None, "the worker found them while it kept running"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


# What a worker on another machine leaves when it stops, beside what one that
# still runs there holds: the jobs themselves reported a moment ago, so only
# the workers' heartbeats tell the two apart.
ELSEWHERE = """
import datetime as dt
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django.utils import timezone
from myhealthhub.accounts.actions import create_account
from myhealthhub.exports.models import ExportJob, ExportState
from myhealthhub.imports.models import ImportJob, JobState, WorkerHeartbeat
from myhealthhub.profiles.actions import create_profile

now = timezone.now()
owner = create_account("owner@example.org", "correct horse battery staple")
WorkerHeartbeat.objects.create(worker="gone.example.org:4242", beat_at=now - dt.timedelta(hours=1))
WorkerHeartbeat.objects.create(worker="alive.example.org:7", beat_at=now)
for worker in ("gone.example.org:4242", "alive.example.org:7"):
    profile = create_profile(owner, request=None, given_name=worker)
    ImportJob.objects.create(
        profile=profile, format="fhir", label=worker, state=JobState.COMMITTING,
        worker=worker, heartbeat_at=now,
    )
    ExportJob.objects.create(
        profile=profile, format="csv", created_by=owner, state=ExportState.RUNNING,
        worker=worker, heartbeat_at=now,
    )
    DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING, args_kwargs={"args": [], "kwargs": {}},
        task_path="myhealthhub.imports.tasks.commit_import", backend_name="default",
        run_after=now, started_at=now, worker_ids=[worker],
    )
"""


def test_a_worker_on_another_machine_whose_heartbeat_stopped_is_taken_for_gone(tmp_path: Path):
    env = clean_environment(tmp_path, MYHEALTHHUB_WORKER_RECOVERY_SECONDS="1")
    migrated_folder(tmp_path)
    made = run_command(env, "shell", "-v", "0", "-c", ELSEWHERE)
    assert made.returncode == 0, made.stderr
    worker = subprocess.Popen(
        [*CLI, "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    held = """
        SELECT i.state, e.state, t.status FROM imports_importjob i
        JOIN exports_exportjob e ON e.worker = i.worker
        JOIN django_tasks_database_dbtaskresult t ON t.worker_ids LIKE '%' || i.worker || '%'
        WHERE i.worker = ?
    """
    try:
        deadline = time.monotonic() + 30
        with sqlite3.connect(tmp_path / "myhealthhub.sqlite3", timeout=30) as database:
            while True:
                # The worker that still runs over there beats, as the one here does.
                database.execute(
                    "UPDATE imports_workerheartbeat SET beat_at = ? WHERE worker = ?",
                    (
                        dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
                        "alive.example.org:7",
                    ),
                )
                database.commit()
                gone = database.execute(held, ("gone.example.org:4242",)).fetchone()
                if gone == ("failed", "failed", "FAILED"):
                    break
                assert time.monotonic() < deadline, gone
                time.sleep(0.5)
            alive = database.execute(held, ("alive.example.org:7",)).fetchone()
            assert alive == ("committing", "running", "RUNNING")
            # The worker here beats too, under the name its tasks carry, for
            # the workers of other machines to judge it by.
            own = f"%:{worker.pid}"
            (first,) = database.execute(
                "SELECT beat_at FROM imports_workerheartbeat WHERE worker LIKE ?", (own,)
            ).fetchone()
            while True:
                (latest,) = database.execute(
                    "SELECT beat_at FROM imports_workerheartbeat WHERE worker LIKE ?", (own,)
                ).fetchone()
                if latest > first:
                    break
                assert time.monotonic() < deadline, "the worker beats every round"
                time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
