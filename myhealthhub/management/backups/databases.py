"""The database's part of a backup, as its own engine dumps and restores it.

SQLite: the online backup API copies the whole database in one step inside a
read transaction, so the copy is one consistent moment while the site keeps
writing (WAL lets writers go on past a reader). PostgreSQL: ``pg_dump`` runs
on a snapshot this module exports and holds, so what the dump says and the
list of stored files read here are the same moment.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from myhealthhub.documents.models import SealedFile

SEALED_FILES = SealedFile._meta.db_table
MIGRATIONS = "django_migrations"


class DatabaseRefused(Exception):
    """The database cannot be backed up or restored as asked; the message says why."""


@dataclass
class Snapshot:
    """What the backup needs to know of the database at the moment it was copied."""

    # Stored file name -> the id of the master key that wraps its key.
    files: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    migrations: dict[str, list[str]] = field(default_factory=dict)


def engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def snapshot(dump: Path) -> Snapshot:
    """Write the database to ``dump``; what it held, read at the same moment."""
    return _sqlite_snapshot(dump) if engine() == "sqlite" else _postgresql_snapshot(dump)


def is_empty() -> bool:
    """Whether the instance's database holds no table yet (a fresh folder or database)."""
    if engine() == "sqlite":
        path = _sqlite_path()
        if not path.exists():
            return True
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as database:
            return not database.execute("SELECT 1 FROM sqlite_master WHERE type='table'").fetchone()
    return not connection.introspection.table_names()


def restore(dump: Path) -> None:
    """Put ``dump`` in place as the instance's database, whole or not at all."""
    if engine() == "sqlite":
        path = _sqlite_path()
        for journal in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            journal.unlink(missing_ok=True)
        os.replace(dump, path)
        return
    _run(
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={_postgresql()['dbname']}",
        str(dump),
    )


def counted_rows() -> dict[str, int]:
    """Rows per table of the instance's database, through Django's own connection."""
    with connection.cursor() as cursor:

        def execute(sql: str) -> Any:
            cursor.execute(sql)
            return cursor

        return {table: _count(execute, table) for table in _tables()}


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _sqlite_snapshot(dump: Path) -> Snapshot:
    source = sqlite3.connect(f"file:{_sqlite_path()}?mode=ro", uri=True, timeout=20)
    with closing(source), closing(sqlite3.connect(dump)) as copy:
        source.execute("PRAGMA busy_timeout=20000")
        # pages=-1: every page in one step, so no write can slip between steps.
        source.backup(copy, pages=-1)
        # The copy stands alone: no write-ahead log beside it to carry along.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _read_snapshot(copy.execute, _sqlite_tables(copy))


def _postgresql_snapshot(dump: Path) -> Snapshot:
    import psycopg

    conninfo = psycopg.conninfo.make_conninfo(**_postgresql())
    with psycopg.connect(conninfo, autocommit=False) as database:
        database.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = database.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        _run(
            "pg_dump",
            "--format=custom",
            f"--snapshot={row[0]}",
            f"--file={dump}",
            _postgresql()["dbname"],
        )
        tables = [
            name
            for (name,) in database.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]
        snapshot = _read_snapshot(database.execute, tables)
        database.rollback()
        return snapshot


def _read_snapshot(execute: Callable[..., Any], tables: list[str]) -> Snapshot:
    return Snapshot(
        files=dict(execute(f'SELECT name, key_id FROM "{SEALED_FILES}"').fetchall()),  # noqa: S608
        rows={table: _count(execute, table) for table in tables},
        migrations=_migrations(execute),
    )


def _migrations(execute: Callable[..., Any]) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in execute(f'SELECT app, name FROM "{MIGRATIONS}" ORDER BY app, name'):  # noqa: S608
        applied.setdefault(app, []).append(name)
    return applied


def _count(execute: Callable[..., Any], table: str) -> int:
    # Table names come from the database's own catalogue, never from a backup.
    row = execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
    return int(row[0])


def _sqlite_tables(database: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in database.execute(
            # A virtual table (full-text search) is counted through its shadow tables.
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]


def _tables() -> list[str]:
    if engine() == "sqlite":
        with closing(sqlite3.connect(f"file:{_sqlite_path()}?mode=ro", uri=True)) as database:
            return _sqlite_tables(database)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return [name for (name,) in cursor.fetchall()]


def _postgresql() -> dict[str, str]:
    database = settings.DATABASES["default"]
    parameters = {
        "dbname": database["NAME"],
        "user": database.get("USER") or "",
        "password": database.get("PASSWORD") or "",
        "host": database.get("HOST") or "",
        "port": str(database.get("PORT") or ""),
    }
    return {key: value for key, value in parameters.items() if value}


def _run(program: str, *arguments: str) -> None:
    """Run a PostgreSQL client program against the instance's database."""
    if shutil.which(program) is None:
        raise DatabaseRefused(
            _("%(program)s is not installed; install PostgreSQL's client programs.")
            % {"program": program}
        )
    parameters = _postgresql()
    environment = os.environ | {
        variable: parameters[key]
        for variable, key in (
            ("PGUSER", "user"),
            ("PGPASSWORD", "password"),
            ("PGHOST", "host"),
            ("PGPORT", "port"),
        )
        if key in parameters
    }
    finished = subprocess.run(
        [program, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise DatabaseRefused(
            _("%(program)s failed: %(error)s")
            % {"program": program, "error": finished.stderr.strip()[-2000:]}
        )
