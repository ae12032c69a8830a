"""`myhealthhub backup` and `myhealthhub restore`, as an administrator runs them.

Real processes on data folders (and databases) of the tests' own: a backup
taken while another process keeps adding documents restores into a fresh
instance with every row and every stored file as they were at one moment; a
backup killed halfway leaves nothing that passes for a whole one; a backup
that carries the master key opens only with its passphrase; and a damaged or
hostile file is refused before anything is written.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from myhealthhub.tests.commands import CLI, OwnDatabase, clean_environment, run_command

pytestmark = pytest.mark.slow

PASSPHRASE = "correct horse battery staple"
FULL_TEXT_INDEX = "search_fts_"

# Keeps adding documents (a sealed file and its rows each) until told to stop.
WRITER = textwrap.dedent(
    """
    import io, sys, django
    from pathlib import Path
    django.setup()
    from myhealthhub.documents.actions import add_document
    from myhealthhub.profiles.models import Profile

    stop = Path(sys.argv[1])
    profile = Profile.objects.order_by("id").first()
    count = 0
    while not stop.exists():
        count += 1
        text = f"Lab note {count}\\n".encode() * 2000
        add_document(
            profile, io.BytesIO(text), filename=f"note-{count}.txt", actor=None, request=None
        )
    """
)


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[list[OwnDatabase]]:
    made: list[OwnDatabase] = []
    yield made
    for database in made:
        database.drop()


def own_database(made: list[OwnDatabase], folder: Path, name: str) -> OwnDatabase:
    database = OwnDatabase(folder, name)
    made.append(database)
    return database


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the demo family in it (SQLite), made once: tests take copies."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    for step in (("migrate", "--no-input"), ("demo",)):
        finished = run_command(clean_environment(folder), *step)
        assert finished.returncode == 0, finished.stderr
    return folder


def demo_copy(demo_folder: Path, folder: Path) -> dict[str, str]:
    """A copy of the demo's data folder, and the environment that runs on it."""
    shutil.copytree(demo_folder, folder)
    return clean_environment(folder)


def demo(database: OwnDatabase, request: pytest.FixtureRequest) -> None:
    if not database.server_url:
        shutil.copytree(request.getfixturevalue("demo_folder"), database.data_dir)
        return
    database.migrate()
    finished = database.command("demo")
    assert finished.returncode == 0, finished.stderr


def tables(database: OwnDatabase) -> list[str]:
    if database.server_url:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        sql = (
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
        )
    return sorted(name for (name,) in database.query(sql))


def every_row(database: OwnDatabase) -> dict[str, set[tuple[Any, ...]]]:
    return {
        table: {
            tuple(_comparable(value) for value in row)
            for row in database.query(f'SELECT * FROM "{table}"')  # noqa: S608
        }
        for table in tables(database)
    }


def _comparable(value: Any) -> Any:
    # psycopg gives memoryview for bytea, JSON as Python objects: compare their text.
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def stored_digests(database: OwnDatabase) -> dict[str, str]:
    """SHA-256 of every stored file the database names, as it lies in the data folder."""
    names = [name for (name,) in database.query("SELECT name FROM documents_sealedfile")]
    return {
        name: hashlib.sha256((database.data_dir / "files" / name).read_bytes()).hexdigest()
        for name in names
    }


def wait_for(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    pytest.fail(f"waited {seconds} s for {what}")


def with_key_of(source: Path, target: Path) -> None:
    """Give a new data folder the master key kept apart from the backups, as the docs say."""
    target.mkdir(mode=0o700, parents=True)
    shutil.copy(source / "master.key", target / "master.key")


@pytest.mark.database  # its processes use DATABASE_URL's database: PostgreSQL's in CI
def test_a_backup_taken_while_documents_are_added_restores_row_for_row_and_file_for_file(
    databases: list[OwnDatabase], request: pytest.FixtureRequest, tmp_path: Path
):
    source = own_database(databases, tmp_path / "source", "myhealthhub_backup_source")
    demo(source, request)
    backups = tmp_path / "backups"
    backups.mkdir()
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)], env=source.env, stderr=subprocess.PIPE
    )
    try:
        documents = "SELECT count(*) FROM documents_document"
        before = source.query(documents)[0][0]
        wait_for(lambda: source.query(documents)[0][0] > before + 3, 60, "the writer to write")
        during = source.command("backup", "--output", str(backups))
        assert during.returncode == 0, during.stderr
        wait_for(lambda: source.query(documents)[0][0] > before + 10, 60, "more writes")
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    [taken] = backups.iterdir()

    restored = own_database(databases, tmp_path / "restored", "myhealthhub_backup_restored")
    with_key_of(source.data_dir, restored.data_dir)
    finished = restored.command("restore", str(taken))
    assert finished.returncode == 0, finished.stderr
    assert "checked them all" in finished.stdout

    # One moment of a site that only grew: every restored row is a row the site
    # has, every document the backup names came with its file, and the writes
    # after the backup are not in it.
    now, then = every_row(source), every_row(restored)
    assert set(then) == set(now)
    for table, rows in then.items():
        # SQLite's full-text index rewrites its own pages as it grows.
        if not table.startswith(FULL_TEXT_INDEX):
            assert rows <= now[table], table
    assert 3 < len(then["documents_document"]) < len(now["documents_document"])
    restored_files = stored_digests(restored)
    assert restored_files.items() <= stored_digests(source).items()
    assert len(restored_files) == len(then["documents_sealedfile"])

    # The last document the backup holds opens in the restored instance.
    newest = restored.query("SELECT uuid FROM documents_document ORDER BY id DESC LIMIT 1")[0][0]
    opened = restored.command(
        "documents", "get", str(newest), "--output", str(tmp_path / "opened.txt")
    )
    assert opened.returncode == 0, opened.stderr
    assert (tmp_path / "opened.txt").read_bytes().startswith(b"Lab note ")

    # Taken at rest, a backup restores every row exactly.
    (backups / "at-rest.tar").unlink(missing_ok=True)
    at_rest = source.command("backup", "--output", str(backups / "at-rest.tar"))
    assert at_rest.returncode == 0, at_rest.stderr
    again = own_database(databases, tmp_path / "again", "myhealthhub_backup_again")
    with_key_of(source.data_dir, again.data_dir)
    assert again.command("restore", str(backups / "at-rest.tar")).returncode == 0
    assert every_row(again) == every_row(source)
    assert stored_digests(again) == stored_digests(source)


def test_a_backup_killed_halfway_leaves_no_file_named_as_a_whole_backup(
    demo_folder: Path, tmp_path: Path
):
    environment = demo_copy(demo_folder, tmp_path / "data")
    profile = run_command(environment, "profiles", "list", "--owner", "demo@example.org")
    big = tmp_path / "big.txt"
    with big.open("w") as handle:  # 120 MB to copy: the kill lands long before the end
        for _ in range(120):
            handle.write(os.urandom(393216).hex() + "\n")
    added = run_command(
        environment, "documents", "add", "--profile", profile.stdout.split()[0], str(big)
    )
    assert added.returncode == 0, added.stderr
    backups = tmp_path / "backups"
    backups.mkdir()

    backup = subprocess.Popen(
        [*CLI, "backup", "--output", str(backups)], env=environment, stderr=subprocess.PIPE
    )
    wait_for(lambda: any(backups.iterdir()), 60, "the backup to start writing")
    backup.send_signal(signal.SIGKILL)
    backup.wait(timeout=30)

    [left] = backups.iterdir()
    assert left.name.startswith(".") and left.name.endswith(".partial")
    assert left.stat().st_size < 120_000_000

    # The next backup sweeps what the killed one left, and is whole.
    finished = run_command(environment, "backup", "--output", str(backups), "--keep", "3")
    assert finished.returncode == 0, finished.stderr
    [whole] = backups.iterdir()
    assert whole.name.startswith("myhealthhub-") and whole.name.endswith(".tar")
    with tarfile.open(whole) as tar:
        assert tar.getnames()[-1] == "manifest.json"


def test_a_backup_with_the_master_key_opens_only_with_its_passphrase(
    demo_folder: Path, tmp_path: Path
):
    source = demo_copy(demo_folder, tmp_path / "source")
    backups = tmp_path / "backups"
    backups.mkdir()
    short = run_command(
        source, "backup", "--output", str(backups), "--include-master-key", stdin="short\n"
    )
    assert short.returncode != 0
    assert "at least 12 characters" in short.stderr
    taken = run_command(
        source, "backup", "--output", str(backups), "--include-master-key", stdin=PASSPHRASE + "\n"
    )
    assert taken.returncode == 0, taken.stderr
    [sealed] = backups.iterdir()
    assert sealed.name.endswith(".tar.sealed")
    # Sealed as a whole: neither the key nor the database shows through.
    content = sealed.read_bytes()
    assert (tmp_path / "source" / "master.key").read_bytes().strip() not in content
    assert b"SQLite format 3" not in content and b"manifest.json" not in content

    fresh = tmp_path / "fresh"
    target = clean_environment(fresh)
    wrong = run_command(target, "restore", str(sealed), stdin="not the passphrase at all\n")
    assert wrong.returncode != 0
    assert "passphrase does not open this backup" in wrong.stderr
    assert_nothing_restored(fresh)

    right = run_command(target, "restore", str(sealed), stdin=PASSPHRASE + "\n")
    assert right.returncode == 0, right.stderr
    for key in ("master.key", "secret_key"):
        assert (fresh / key).read_bytes() == (tmp_path / "source" / key).read_bytes()
    listed = run_command(target, "profiles", "list", "--owner", "demo@example.org")
    assert listed.returncode == 0 and "Leo Vidal" in listed.stdout


@pytest.fixture(scope="module")
def small_backup(demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo instance's backup, without its key (the key stays beside it, as `key`)."""
    folder = tmp_path_factory.mktemp("small")
    source = demo_copy(demo_folder, folder / "source")
    taken = run_command(source, "backup", "--output", str(folder / "backup.tar"))
    assert taken.returncode == 0, taken.stderr
    shutil.copy(folder / "source" / "master.key", folder / "key")
    return folder / "backup.tar"


def assert_nothing_restored(data_dir: Path) -> None:
    assert not (data_dir / "myhealthhub.sqlite3").exists()
    assert not list((data_dir / "files").rglob("*.sealed"))


def restore_into_fresh(
    backup: Path, folder: Path, *, key: Path | None
) -> subprocess.CompletedProcess[str]:
    if key is not None:
        folder.mkdir(mode=0o700)
        shutil.copy(key, folder / "master.key")
    return run_command(clean_environment(folder), "restore", str(backup))


def test_a_backup_restores_only_with_the_master_key_it_was_made_under(
    small_backup: Path, tmp_path: Path
):
    refused = restore_into_fresh(small_backup, tmp_path / "fresh", key=None)
    assert refused.returncode != 0
    assert "master key here does not open this backup's files" in refused.stderr
    assert_nothing_restored(tmp_path / "fresh")


def test_a_backup_restores_only_into_an_empty_instance(small_backup: Path, tmp_path: Path):
    key = small_backup.with_name("key")
    assert restore_into_fresh(small_backup, tmp_path / "once", key=key).returncode == 0
    twice = run_command(clean_environment(tmp_path / "once"), "restore", str(small_backup))
    assert twice.returncode != 0
    assert "restored only into an empty one" in twice.stderr


def rewritten(backup: Path, target: Path, change: Any) -> Path:
    """The backup's members, passed through ``change(name, data)`` (None drops one)."""
    with (
        tarfile.open(backup) as source,
        tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as out,
    ):
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            changed = change(member.name, data)
            if changed is None:
                continue
            name, content = changed
            info = tarfile.TarInfo(name)
            info.size = len(content)
            out.addfile(info, io.BytesIO(content))
    return target


def flip_a_byte_of_a_file(name: str, data: bytes) -> tuple[str, bytes]:
    if name.startswith("files/"):
        data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
    return name, data


def without_the_manifest(name: str, data: bytes) -> tuple[str, bytes] | None:
    return None if name == "manifest.json" else (name, data)


def escaping_the_storage(backup: Path) -> Any:
    """A stored file renamed out of the storage folder, in the manifest too, its digest right."""
    with tarfile.open(backup) as tar:
        first = next(name for name in tar.getnames() if name.startswith("files/"))
    escaped = "files/../../escaped.sealed"

    def change(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "manifest.json":
            return name, data.replace(first.encode(), escaped.encode())
        return (escaped if name == first else name), data

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda backup: flip_a_byte_of_a_file, "was altered or damaged"),
        (lambda backup: without_the_manifest, "has no manifest"),
        (escaping_the_storage, "names a file it may not"),
    ],
    ids=["a byte flipped", "no manifest", "a file out of the storage"],
)
def test_a_damaged_or_hostile_backup_is_refused_before_anything_is_written(
    small_backup: Path, tmp_path: Path, change: Any, message: str
):
    bad = rewritten(small_backup, tmp_path / "bad.tar", change(small_backup))
    refused = restore_into_fresh(bad, tmp_path / "fresh", key=small_backup.with_name("key"))
    assert refused.returncode != 0
    assert message in refused.stderr
    assert_nothing_restored(tmp_path / "fresh")
    assert not (tmp_path / "escaped.sealed").exists()


def test_a_backup_cut_short_is_refused(small_backup: Path, tmp_path: Path):
    cut = tmp_path / "cut.tar"
    cut.write_bytes(small_backup.read_bytes()[:-20_000])
    refused = restore_into_fresh(cut, tmp_path / "fresh", key=small_backup.with_name("key"))
    assert refused.returncode != 0
    assert "not whole" in refused.stderr or "cut short" in refused.stderr
    assert_nothing_restored(tmp_path / "fresh")
