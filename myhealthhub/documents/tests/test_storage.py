from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from myhealthhub.documents import storage
from myhealthhub.lib import crypto

MASTER = b"m" * 32


@pytest.fixture
def local(tmp_path: Path) -> FileSystemStorage:
    return FileSystemStorage(location=tmp_path)


def read_all(stored: storage.StoredFile, backend, master: bytes = MASTER) -> bytes:
    return b"".join(storage.read(stored, master_key=master, storage=backend))


def test_round_trip_keeps_only_ciphertext_under_a_random_name(local, tmp_path: Path):
    data = b"%PDF-1.7 discharge letter " * 5000
    stored = storage.put(io.BytesIO(data), master_key=MASTER, folder="profile-1", storage=local)
    assert read_all(stored, local) == data
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    on_disk = (tmp_path / stored.name).read_bytes()
    assert b"discharge letter" not in on_disk
    assert stored.name.startswith("profile-1/") and stored.name.endswith(".sealed")


def test_the_same_file_twice_is_two_ciphertexts_with_one_fingerprint(local, tmp_path: Path):
    first = storage.put(io.BytesIO(b"same bytes"), master_key=MASTER, folder="p", storage=local)
    second = storage.put(io.BytesIO(b"same bytes"), master_key=MASTER, folder="p", storage=local)
    assert first.name != second.name
    assert (tmp_path / first.name).read_bytes() != (tmp_path / second.name).read_bytes()
    assert first.sha256 == second.sha256, "the fingerprint spots a document uploaded twice"


def test_one_flipped_byte_in_a_stored_file_fails_loudly(local, tmp_path: Path):
    stored = storage.put(
        io.BytesIO(os.urandom(200_000)), master_key=MASTER, folder="p", storage=local
    )
    path = tmp_path / stored.name
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x80
    path.write_bytes(bytes(blob))
    with pytest.raises(crypto.IntegrityError):
        read_all(stored, local)


def test_rotation_rewraps_keys_and_files_read_back_identical(local):
    data = os.urandom(100_000)
    stored = storage.put(io.BytesIO(data), master_key=MASTER, folder="p", storage=local)
    new_master = b"n" * 32
    rotated = storage.StoredFile(
        name=stored.name,
        wrapped_key=storage.rewrap(stored.wrapped_key, old_master=MASTER, new_master=new_master),
        sha256=stored.sha256,
        size=stored.size,
    )
    assert read_all(rotated, local, new_master) == data
    with pytest.raises(crypto.IntegrityError):
        read_all(rotated, local, MASTER)


def test_a_hostile_original_name_never_becomes_a_path(local, tmp_path: Path):
    # The caller keeps "../../etc/passwd" as text; storage only sees its own random name.
    stored = storage.put(io.BytesIO(b"root:x:0:0"), master_key=MASTER, folder="p", storage=local)
    assert ".." not in stored.name and "passwd" not in stored.name
    assert (tmp_path / stored.name).resolve().is_relative_to(tmp_path.resolve())
    storage.delete(stored, storage=local)
    assert not (tmp_path / stored.name).exists()
