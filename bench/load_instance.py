"""What bench/load.py loads: a fresh data folder, accounts full of records, the real server.

SQLite in the data folder by default; a new database of its own on
DATABASE_URL's PostgreSQL server when that is set (dropped at the end);
documents in the data folder, or in S3 when MYHEALTHHUB_STORAGE=s3 and its
variables are set, or in a SeaweedFS started for the run (``seaweedfs=True``,
as the test suite starts it). Accounts are made as a person makes them
(`myhealthhub createuser`, then `myhealthhub demo` fills them), and the
server is `myhealthhub serve` as a person starts it, in a process group of
its own so that it can always be stopped whole.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from load_machine import command_line

from myhealthhub.tests.commands import CLI, clean_environment, run_command

HOST = "127.0.0.1"
START_SECONDS = 120
STOP_SECONDS = 30
UUID = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s", re.M)
# The caller's MyHealthHub settings go to the server (workers, threads, pool,
# storage), except where its data lives and how its tasks run (a test
# shell's immediate backend would run them inside the web requests).
NOT_PASSED_ON = ("MYHEALTHHUB_DATA_DIR", "MYHEALTHHUB_TASKS_BACKEND")


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    profiles: tuple[str, ...]  # UUIDs, the demo's adult first


class Instance:
    """A data folder, its database and its document storage, made for one run."""

    def __init__(self, folder: Path, *, seaweedfs: bool) -> None:
        self.folder = folder
        self.data_dir = folder / "data"
        variables = {
            name: value
            for name, value in os.environ.items()
            if name.startswith("MYHEALTHHUB_") and name not in NOT_PASSED_ON
        }
        self.server_url = os.environ.get("DATABASE_URL", "")
        self.database_name = ""
        if self.server_url:
            self.database_name = f"myhealthhub_load_{os.getpid()}"
            self._admin(f"CREATE DATABASE {self.database_name}")
            variables["DATABASE_URL"] = (
                urlparse(self.server_url)._replace(path=f"/{self.database_name}").geturl()
            )
        self._weed: tuple[Any, list[int]] | None = None
        if seaweedfs:
            try:
                variables |= self._start_seaweedfs()
            except BaseException:
                self.close(keep=False)
                raise
        self.env = clean_environment(self.data_dir, **variables)

    @property
    def vendor(self) -> str:
        return "postgresql" if self.server_url else "sqlite"

    @property
    def storage(self) -> str:
        if self._weed:
            return "SeaweedFS (`weed mini`) on loopback"
        if self.env.get("MYHEALTHHUB_STORAGE", "").lower() == "s3":
            return f"S3 at {self.env.get('MYHEALTHHUB_S3_ENDPOINT_URL') or 'AWS'}"
        return "the data folder"

    @property
    def storage_group(self) -> int:
        return self._weed[0].pid if self._weed else 0

    def _start_seaweedfs(self) -> dict[str, str]:
        # The test suite's own SeaweedFS: same flags, one identity, one bucket.
        from myhealthhub.documents.tests.conftest import start

        workdir = self.folder / "seaweedfs"
        workdir.mkdir()
        server, process, ports = start(workdir)
        self._weed = (process, ports)
        return {
            "MYHEALTHHUB_STORAGE": "s3",
            "MYHEALTHHUB_S3_BUCKET": server.bucket,
            "MYHEALTHHUB_S3_ENDPOINT_URL": server.endpoint_url,
            "MYHEALTHHUB_S3_REGION": server.region,
            "MYHEALTHHUB_S3_ACCESS_KEY_ID": server.access_key,
            "MYHEALTHHUB_S3_SECRET_ACCESS_KEY": server.secret_key,
        }

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as connection:
            connection.execute(statement)

    def cli(self, *args: str, stdin: str = "") -> str:
        done = run_command(self.env, *args, stdin=stdin)
        if done.returncode:
            raise SystemExit(f"myhealthhub {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def make_accounts(self, count: int, observations: int) -> list[Account]:
        """``count`` accounts, each with the demo's two profiles (and extra lab values)."""
        self.cli("migrate", "-v0")
        accounts = []
        for number in range(1, count + 1):
            email = f"person{number}@load.example.org"
            password = secrets.token_urlsafe(16)
            self.cli("createuser", "--email", email, "--password-stdin", stdin=password + "\n")
            made = self.cli("demo", "--email", email, "--observations", str(observations))
            accounts.append(Account(email, password, tuple(UUID.findall(made))))
        # What the demo queued (reading its documents) is done before the run, not during it.
        self.cli("worker", "--batch", "--no-startup-delay")
        return accounts

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows from the instance's database, read beside the server."""
        if self.server_url:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as connection:
                return list(connection.execute(sql).fetchall())
        with contextlib.closing(
            sqlite3.connect(f"file:{self.data_dir / 'myhealthhub.sqlite3'}?mode=ro", uri=True)
        ) as connection:
            return list(connection.execute(sql).fetchall())

    def close(self, *, keep: bool) -> None:
        if self._weed:
            from myhealthhub.documents.tests.conftest import stop

            stop(*self._weed)
        if self.server_url and not keep:
            self._admin(f"DROP DATABASE IF EXISTS {self.database_name} WITH (FORCE)")
        if keep:
            also = f" and the database {self.database_name}" if self.database_name else ""
            print(f"Kept the data folder {self.folder}{also}.")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)


class Server:
    """`myhealthhub serve` in a process group of its own, its output in serve.log."""

    def __init__(self, instance: Instance, port: int, workers: int | None) -> None:
        self.port = port
        self.log = instance.folder / "serve.log"
        command = [*CLI, "serve", "--host", HOST, "--port", str(port)]
        if workers:
            command += ["--workers", str(workers)]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                env=instance.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.group = self.process.pid
        self.logged_before_stop = 0

    def wait_until_ready(self) -> None:
        """Until /healthz answers 200 (database, storage and queue all well)."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200 and self.task_worker():
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.3)
        raise SystemExit(f"the server did not start; see {self.log}:\n{self.log_text()[-3000:]}")

    def task_worker(self) -> int:
        """The pid of the task worker `serve` started beside gunicorn (0 until it runs)."""
        for child in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            for pid in child.read_text().split():
                if " worker" in command_line(int(pid)):
                    return int(pid)
        return 0

    def log_text(self) -> str:
        """What the server wrote until it was asked to stop (shutting down is not under load)."""
        with self.log.open("rb") as log:
            return log.read(self.logged_before_stop or -1).decode(errors="replace")

    def stop(self) -> None:
        """SIGTERM to `serve`, which stops its children itself; SIGKILL for what outlives it."""
        self.logged_before_stop = self.log.stat().st_size
        try:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_SECONDS)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.group, signal.SIGKILL)
            self.process.wait(STOP_SECONDS)
