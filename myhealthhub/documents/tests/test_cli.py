"""`myhealthhub documents add|list` and `myhealthhub keys rotate`, run as a separate process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from myhealthhub.documents.tests.files import jpeg_bomb, pdf_with_text, png_bomb
from myhealthhub.tests.commands import migrated_folder
from myhealthhub.tests.test_cli import myhealthhub

pytestmark = pytest.mark.slow  # each command is a new process


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> tuple[Path, str]:
    data_dir = tmp_path_factory.mktemp("documents-cli")
    migrated_folder(data_dir)
    myhealthhub(
        data_dir,
        "createuser",
        "--email",
        "ana@example.org",
        "--password-stdin",
        stdin="a long enough passphrase\n",
    )
    created = myhealthhub(
        data_dir, "profiles", "create", "--owner", "ana@example.org", "--name", "Ana García"
    )
    assert created.returncode == 0, created.stderr
    return data_dir, created.stdout.strip()


def test_documents_add_keeps_files_with_their_context(profile, tmp_path: Path):
    data_dir, profile_uuid = profile
    letter = tmp_path / "alta.pdf"
    letter.write_bytes(pdf_with_text("Alta hospitalaria", "Ibuprofeno 400 mg"))
    added = myhealthhub(
        data_dir,
        "documents",
        "add",
        str(letter),
        "--profile",
        profile_uuid,
        "--date",
        "2026-02",
        "--facility",
        "Hospital Clínico",
        "--kind",
        "discharge_letter",
        "--why",
        "Para el médico de cabecera",
    )
    assert added.returncode == 0, added.stderr
    document_uuid = added.stdout.split()[0]
    again = myhealthhub(data_dir, "documents", "add", str(letter), "--profile", profile_uuid)
    assert "(already present)" in again.stdout
    listed = myhealthhub(data_dir, "documents", "list", "--profile", profile_uuid).stdout
    assert f"{document_uuid}  2026-02     discharge_letter   alta.pdf" in listed
    with sqlite3.connect(data_dir / "myhealthhub.sqlite3") as db:
        text, facility, why = db.execute(
            "SELECT text, facility, why FROM documents_document WHERE uuid = ?",
            (document_uuid.replace("-", ""),),
        ).fetchone()
    assert "Ibuprofeno 400 mg" in text
    assert (facility, why) == ("Hospital Clínico", "Para el médico de cabecera")


def test_documents_add_refuses_clearly_and_exits_non_zero(profile, tmp_path: Path):
    data_dir, profile_uuid = profile
    page = tmp_path / "informe.pdf"
    page.write_bytes(b"<html><script>alert(1)</script></html>")
    refused = myhealthhub(data_dir, "documents", "add", str(page), "--profile", profile_uuid)
    assert refused.returncode != 0
    assert "informe.pdf: This file is not a PDF" in refused.stderr
    missing = myhealthhub(
        data_dir, "documents", "add", str(tmp_path / "nope.pdf"), "--profile", profile_uuid
    )
    assert missing.returncode != 0 and "cannot be read" in missing.stderr
    bad_date = myhealthhub(
        data_dir, "documents", "add", str(page), "--profile", profile_uuid, "--date", "ayer"
    )
    assert bad_date.returncode != 0 and "--date 'ayer'" in bad_date.stderr


def test_documents_add_refuses_a_picture_bomb_without_a_traceback(profile, tmp_path: Path):
    data_dir, profile_uuid = profile
    plan, photo = tmp_path / "plano.png", tmp_path / "foto.jpg"
    plan.write_bytes(png_bomb())
    photo.write_bytes(jpeg_bomb())
    before = _documents_and_blobs(data_dir)
    refused = myhealthhub(
        data_dir, "documents", "add", str(plan), str(photo), "--profile", profile_uuid
    )
    assert refused.returncode != 0
    for path in (plan, photo):
        assert f"{path}: This picture is too large to open safely" in refused.stderr
    assert "2 of 2 files were not added." in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _documents_and_blobs(data_dir) == before


def _documents_and_blobs(data_dir: Path) -> tuple[int, set[Path]]:
    with sqlite3.connect(data_dir / "myhealthhub.sqlite3") as db:
        (count,) = db.execute("SELECT COUNT(*) FROM documents_document").fetchone()
    files = data_dir / "files"
    return count, {path for path in files.rglob("*") if path.is_file()}


def test_keys_rotate_replaces_the_key_file_and_files_still_open(profile, tmp_path: Path):
    data_dir, profile_uuid = profile
    note = tmp_path / "nota.txt"
    note.write_text("Vacuna de la gripe, octubre")
    added = myhealthhub(data_dir, "documents", "add", str(note), "--profile", profile_uuid)
    document_uuid = added.stdout.split()[0]
    old_key = (data_dir / "master.key").read_text()
    rotated = myhealthhub(data_dir, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.startswith("Rewrapped ")
    assert (data_dir / "master.key").read_text() != old_key
    assert (data_dir / "master.key").stat().st_mode & 0o777 == 0o600
    out = tmp_path / "back.txt"
    got = myhealthhub(data_dir, "documents", "get", document_uuid, "--output", str(out))
    assert got.returncode == 0, got.stderr
    assert out.read_text() == "Vacuna de la gripe, octubre"
