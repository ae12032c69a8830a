"""The `myhealthhub` command, run as scripts run it: a separate process."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from myhealthhub.records.kinds import KINDS
from myhealthhub.tests.commands import clean_environment, run_command

pytestmark = pytest.mark.slow  # each command is a new process


def myhealthhub(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["MYHEALTHHUB_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "myhealthhub.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    result = myhealthhub(path, "migrate", "-v0")
    assert result.returncode == 0, result.stderr
    return path


def test_help_lists_the_everyday_commands(tmp_path):
    result = myhealthhub(tmp_path, "--help")
    for command in ("serve", "worker", "createuser", "profiles", "check"):
        assert f"  {command}" in result.stdout


def test_first_run_creates_secrets_readable_by_the_owner_only(tmp_path):
    myhealthhub(tmp_path, "check")
    for name in ("secret_key", "master.key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    key = (tmp_path / "secret_key").read_text()
    myhealthhub(tmp_path, "check")
    assert (tmp_path / "secret_key").read_text() == key, "secrets are made once, then kept"


def test_asking_for_help_writes_nothing(tmp_path):
    """With no data folder set, the default one (./var) is made by a first run, not by --help."""
    env = clean_environment(tmp_path)
    del env["MYHEALTHHUB_DATA_DIR"]
    for args in (["serve", "--help"], ["import", "--help"], ["check", "-h"], ["help"]):
        result = run_command(env, *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "usage" in result.stdout.lower() or "subcommands" in result.stdout.lower()
        assert list(tmp_path.iterdir()) == [], f"{args} wrote {list(tmp_path.iterdir())}"


# What the database's own journal holds while a process has it open, and each file's mode.
MODES_WHILE_OPEN = """
import os
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS scratch (x)")
    cursor.execute("INSERT INTO scratch VALUES (1)")
    name = connection.settings_dict["NAME"]
    print(*(oct(os.stat(name + suffix).st_mode & 0o777) for suffix in ("", "-wal", "-shm")))
"""


def test_the_data_folder_database_and_journal_are_private_whatever_the_umask(tmp_path):
    data = tmp_path / "data"
    env = clean_environment(data)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        # Started as a login shell leaves it: files others may read, unless we say otherwise.
        return run_command(env, *args, preexec_fn=lambda: os.umask(0o022))

    assert run("migrate", "-v0").returncode == 0
    assert data.stat().st_mode & 0o777 == 0o700
    for name in ("myhealthhub.sqlite3", "secret_key", "master.key"):
        assert (data / name).stat().st_mode & 0o777 == 0o600, name
    opened = run("shell", "-v", "0", "-c", MODES_WHILE_OPEN)
    assert opened.stdout.split() == ["0o600", "0o600", "0o600"], opened.stderr

    clean = run("check")
    assert clean.returncode == 0 and "W001" not in clean.stdout + clean.stderr
    # A data folder from before, copied without its modes: said at start, and
    # a deployment check fails on it even when not asked to fail on warnings.
    (data / "myhealthhub.sqlite3").chmod(0o644)
    said = run("check")
    assert said.returncode == 0
    assert "myhealthhub.W001" in said.stderr and "myhealthhub.sqlite3" in said.stderr
    assert f"chmod -R go-rwx {data}" in said.stderr
    deploy = run("check", "--deploy")
    assert deploy.returncode != 0 and "myhealthhub.W001" in deploy.stderr


def test_sqlite_durability_is_checked_at_start_up(data_dir):
    result = myhealthhub(data_dir, "check", "--database", "default")
    assert result.returncode == 0, result.stderr
    connection = sqlite3.connect(data_dir / "myhealthhub.sqlite3")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_createuser_reads_the_password_from_stdin_and_rejects_weak_ones(data_dir):
    weak = myhealthhub(
        data_dir, "createuser", "--email", "weak@example.org", "--password-stdin", stdin="123\n"
    )
    assert weak.returncode != 0
    assert "too short" in weak.stderr
    made = myhealthhub(
        data_dir,
        "createuser",
        "--email",
        "Ana@Example.org",
        "--password-stdin",
        stdin="a long passphrase here\n",
    )
    assert made.returncode == 0, made.stderr
    assert "ana@example.org" in made.stdout
    again = myhealthhub(
        data_dir,
        "createuser",
        "--email",
        "ana@example.org",
        "--password-stdin",
        stdin="another passphrase\n",
    )
    assert again.returncode != 0
    assert "already exists" in again.stderr


def test_profiles_create_list_show(data_dir):
    myhealthhub(
        data_dir,
        "createuser",
        "--email",
        "luis@example.org",
        "--password-stdin",
        stdin="a long passphrase here\n",
    )
    created = myhealthhub(
        data_dir,
        "profiles",
        "create",
        "--owner",
        "luis@example.org",
        "--name",
        "Rosa Pérez Gil",
        "--birth-date",
        "1948-03",
    )
    assert created.returncode == 0, created.stderr
    profile_uuid = created.stdout.strip()
    listed = myhealthhub(data_dir, "profiles", "list", "--owner", "luis@example.org")
    assert profile_uuid in listed.stdout
    assert "Rosa Pérez Gil" in listed.stdout
    shown = json.loads(myhealthhub(data_dir, "profiles", "show", profile_uuid, "--json").stdout)
    assert shown["given_name"] == "Rosa"
    assert shown["family_name"] == "Pérez Gil"
    assert shown["birth_date"] == "1948-03"
    assert shown["owners"] == ["luis@example.org"]
    assert shown["counts"]["emergency_contacts"] == 0
    assert set(KINDS) <= set(shown["counts"]), "every kind of entry is counted"
    assert set(shown["counts"].values()) == {0}


def test_profiles_errors_are_clear(data_dir):
    result = myhealthhub(
        data_dir, "profiles", "create", "--owner", "nobody@example.org", "--name", "X"
    )
    assert result.returncode != 0
    assert "No account with the e-mail address nobody@example.org" in result.stderr
    result = myhealthhub(data_dir, "profiles", "show", "00000000-0000-0000-0000-000000000000")
    assert "No profile" in result.stderr


def test_messages_speak_the_terminal_s_language(data_dir, monkeypatch):
    # myhealthhub/testing.py leaves only LANG, which says English, for the commands.
    create = ("profiles", "create", "--owner", "nobody@example.org", "--name", "X")
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    spanish = myhealthhub(data_dir, *create)
    assert spanish.returncode != 0
    assert (
        "No hay ninguna cuenta con la dirección de correo electrónico nobody@example.org."
        in spanish.stderr
    )
    monkeypatch.setenv("LANG", "C")
    english = myhealthhub(data_dir, *create)
    assert english.returncode != 0
    assert "No account with the e-mail address nobody@example.org." in english.stderr
