"""The `myhealthhub` command as tests start it: a process of its own, on a data folder of the test's."""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

CLI = (sys.executable, "-m", "myhealthhub.cli")


def clean_environment(data_dir: Path, **variables: str) -> dict[str, str]:
    """This process's environment without MyHealthHub's settings, on ``data_dir``.

    MYHEALTHHUB_* and DATABASE_URL are the test process's own (its database,
    its tasks run inline), and AWS_* would send a storage test to a real
    bucket: the command starts from its defaults, with ``variables`` set.
    """
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MYHEALTHHUB_", "AWS_")) and name != "DATABASE_URL"
    }
    return environment | {"MYHEALTHHUB_DATA_DIR": str(data_dir)} | variables


def run_command(
    environment: dict[str, str], *args: str, stdin: str = "", **options: Any
) -> subprocess.CompletedProcess[str]:
    """``myhealthhub ARGS``, its output captured as text."""
    return subprocess.run(
        [*CLI, *args],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        **options,
    )


class OwnDatabase:
    """A database of a test's own for its processes: a new PostgreSQL database on
    DATABASE_URL's server when that is set (as in CI's PostgreSQL run), else the
    SQLite file its data folder gets."""

    def __init__(self, data_dir: Path, name: str, *, server_url: str | None = None) -> None:
        self.env = clean_environment(data_dir) | {"DJANGO_SETTINGS_MODULE": "myhealthhub.settings"}
        self.data_dir = data_dir
        self.server_url = os.environ.get("DATABASE_URL", "") if server_url is None else server_url
        self.sqlite = data_dir / "myhealthhub.sqlite3"
        self.name = f"{name}_{os.getpid()}"
        if self.server_url:
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            self._admin(f"CREATE DATABASE {self.name}")
            self.env["DATABASE_URL"] = (
                urlparse(self.server_url)._replace(path=f"/{self.name}").geturl()
            )

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as connection:
            connection.execute(statement)

    def drop(self) -> None:
        if self.server_url:
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.server_url:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as connection:
                return list(connection.execute(sql).fetchall())
        with closing(sqlite3.connect(self.sqlite, timeout=30)) as connection:
            return list(connection.execute(sql).fetchall())

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``python ARGS`` in the database's environment."""
        return subprocess.run(
            [sys.executable, *args], env=self.env, capture_output=True, text=True, timeout=300
        )

    def command(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """``myhealthhub ARGS`` in the database's environment."""
        return run_command(self.env, *args, stdin=stdin)

    def migrate(self) -> None:
        """The database as ``myhealthhub migrate`` leaves a new one, copied from a template.

        Migrating a new database takes a process 5 to 15 s, nearly all of it
        Django working out each migration's model states; a test process
        migrates one template per database server once, and each test that
        wants a migrated database gets a copy of it.
        """
        template = _migrated_template(self.server_url)
        if self.server_url:
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            self._admin(f"CREATE DATABASE {self.name} TEMPLATE {template}")
            return
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with (
            closing(sqlite3.connect(template)) as source,
            closing(sqlite3.connect(self.sqlite)) as copy,
        ):
            source.backup(copy)


_templates: dict[str, str] = {}


def _migrated_template(server_url: str) -> str:
    """A migrated database this process made: a SQLite file, or a PostgreSQL database's name."""
    if server_url in _templates:
        return _templates[server_url]
    folder = Path(tempfile.mkdtemp(prefix="myhealthhub-migrated-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    database = OwnDatabase(folder / "data", "myhealthhub_migrated", server_url=server_url)
    migrated = database.command("migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    if server_url:
        atexit.register(database.drop)
        _templates[server_url] = database.name
    else:
        _templates[server_url] = str(database.sqlite)
    return _templates[server_url]


def migrated_folder(data_dir: Path) -> None:
    """``data_dir`` with a SQLite database as `myhealthhub migrate` leaves it (a copy)."""
    OwnDatabase(data_dir, "unused", server_url="").migrate()
