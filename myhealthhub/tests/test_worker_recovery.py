"""A running worker finds what a stopped one left, without waiting to be restarted.

Real processes: `myhealthhub worker` runs; then a job and a task row appear
as a worker killed mid-commit leaves them (held by a process that is gone).
The running worker fails both within seconds: the page no longer says the
import is being added, and the task row ends.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from myhealthhub.tests.commands import CLI, clean_environment, run_command

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
    assert run_command(env, "migrate", "-v0").returncode == 0
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
