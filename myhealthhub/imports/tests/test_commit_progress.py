"""The import page follows a commit while it goes in, not only once it has landed.

Real processes on a database of their own: `myhealthhub worker` commits a
large import in one transaction, while another process asks the import page
for its status every moment, as the page itself does, and looks whether the
entries have landed. Before they land, the page has already shown the
commit going past its reading half.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from myhealthhub.imports.tests.test_worker_killed import OBSERVATIONS, big_bundle
from myhealthhub.tests.commands import CLI, OwnDatabase

pytestmark = [
    pytest.mark.slow,
    # Its processes use DATABASE_URL's database, PostgreSQL's in CI.
    pytest.mark.database,
]

DRIVER = textwrap.dedent(
    """
    import json, os, re, sys, time, django
    django.setup()
    from django.test import Client
    from django.urls import reverse
    from myhealthhub.accounts.actions import create_account
    from myhealthhub.imports.models import ImportJob, JobState
    from myhealthhub.imports.pipeline import request_commit, start_import
    from myhealthhub.profiles.actions import create_profile
    from myhealthhub.records.models import Observation

    step, argument = sys.argv[1], sys.argv[2]
    if step == "start":
        owner = create_account("owner@example.org", "correct horse battery staple")
        profile = create_profile(owner, request=None, given_name="Big", family_name="Import")
        with open(argument, "rb") as handle:
            job = start_import(profile, [("big.json", handle)], actor=owner, request=None)
        print(job.uuid)
    elif step == "commit":
        job = ImportJob.objects.get(uuid=argument)
        request_commit(job, actor=None, apply_demographics=False, other_person_confirmed=True)
    else:  # watch: the page's status box, asked for as the page asks, until the job ends
        job = ImportJob.objects.select_related("profile", "created_by").get(uuid=argument)
        page = Client(HTTP_HOST="localhost")
        page.force_login(job.created_by)
        url = reverse("imports:detail", args=[job.profile.uuid, job.uuid])
        status = {"status": "1"}
        # The session's first request writes it; those after only read.
        page.get(url, status, HTTP_HX_REQUEST="true")
        print("watching", flush=True)
        while not ImportJob.objects.get(pk=job.pk).is_final:
            answer = page.get(url, status, HTTP_HX_REQUEST="true")
            if answer.status_code == 200 and "Adding to the record" in answer.text:
                shown = int(re.search(r'<progress max="100" value="(\\d+)"', answer.text)[1])
                # Asked after the page answered: committed rows only.
                landed = Observation.objects.filter(profile_id=job.profile_id).exists()
                print(json.dumps({"shown": shown, "landed": landed}), flush=True)
            time.sleep(0.05)
    """
)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[OwnDatabase]:
    database = OwnDatabase(tmp_path / "data", "myhealthhub_commit_progress")
    try:
        yield database
    finally:
        database.drop()


def wait_until(check: str, database: OwnDatabase, expected: str) -> None:
    deadline = time.monotonic() + 120
    while database.query(check)[0][0] != expected:
        assert time.monotonic() < deadline, f"waited for {expected}"
        time.sleep(0.1)


def test_the_page_shows_how_far_a_commit_has_got_before_it_lands(
    database: OwnDatabase, tmp_path: Path
):
    big = tmp_path / "big.json"
    big_bundle(big)
    database.migrate()
    started = database.run("-c", DRIVER, "start", str(big))
    assert started.returncode == 0, started.stderr
    job_uuid = started.stdout.strip()
    # UUIDs are stored as 32 hex digits in SQLite, as the uuid type in PostgreSQL.
    stored_uuid = job_uuid if database.server_url else job_uuid.replace("-", "")
    state = f"SELECT state FROM imports_importjob WHERE uuid = '{stored_uuid}'"  # noqa: S608

    worker = subprocess.Popen(
        [*CLI, "worker", "--no-startup-delay"],
        env=database.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watcher = None
    try:
        wait_until(state, database, "ready")
        watcher = subprocess.Popen(
            [sys.executable, "-c", DRIVER, "watch", job_uuid],
            env=database.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert watcher.stdout is not None
        if watcher.stdout.readline() != "watching\n":
            pytest.fail(watcher.communicate()[1])
        committed = database.run("-c", DRIVER, "commit", job_uuid)
        assert committed.returncode == 0, committed.stderr
        seen, errors = watcher.communicate(timeout=300)
        assert watcher.returncode == 0, errors
    finally:
        for process in (watcher, worker):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=60)

    assert database.query(state)[0][0] == "committed"
    assert database.query("SELECT count(*) FROM records_observation")[0][0] == OBSERVATIONS
    before_landing = {
        answer["shown"] for answer in map(json.loads, seen.splitlines()) if not answer["landed"]
    }
    # Reading the file again is the first half; the entries going in, the rest.
    writing = sorted(shown for shown in before_landing if 50 < shown < 100)
    assert len(writing) >= 2, sorted(before_landing)
