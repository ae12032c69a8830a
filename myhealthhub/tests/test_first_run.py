"""A first command on a new data folder: it prepares the database itself, and says so."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from myhealthhub.tests.commands import clean_environment, run_command

pytestmark = pytest.mark.slow  # each command is a new process


def tables(data_dir: Path) -> set[str]:
    database = data_dir / "myhealthhub.sqlite3"
    if not database.exists():
        return set()
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def test_demo_on_an_empty_folder_prepares_the_database_first(tmp_path):
    env = clean_environment(tmp_path)
    # What asks nothing of the database leaves it as it is.
    for args in (["check"], ["demo", "--help"]):
        assert run_command(env, *args).returncode == 0
    assert "django_migrations" not in tables(tmp_path)

    demo = run_command(env, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stderr
    said = demo.stderr.splitlines()
    assert said[0] == "Preparing the database…"
    assert said[-1].startswith("The database is ready (") and said[-1].endswith(").")
    assert "Sign in as demo@example.org with the password" in demo.stdout, "output stays clean"
    assert "Preparing" not in demo.stdout

    again = run_command(env, "profiles", "list", "--owner", "demo@example.org")
    assert again.returncode == 0, again.stderr
    assert "Preparing the database" not in again.stderr, "once prepared, it is left alone"
    assert "Carmen Vidal" in again.stdout


def test_restore_finds_the_empty_database_it_needs(tmp_path):
    """`restore` fills an empty database: it must not find it migrated first."""
    env = clean_environment(tmp_path)
    missing = run_command(env, "restore", str(tmp_path / "no-such-backup.tar"))
    assert missing.returncode != 0
    assert "Traceback" not in missing.stderr
    assert "Preparing the database" not in missing.stderr
    assert "django_migrations" not in tables(tmp_path)
