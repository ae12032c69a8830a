"""Sealed files on both backends a deployment can choose: a local folder and S3 (SeaweedFS).

Every test runs twice. What a backend really holds is read around the storage
code under test: from the folder with pathlib, from the bucket with a plain
boto3 client.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from storages.backends.s3 import S3Storage  # type: ignore[import-untyped]

from myhealthhub.documents import storage
from myhealthhub.documents.backends import S3_PART_BYTES
from myhealthhub.lib import crypto

MASTER = b"m" * 32
MiB = 1024 * 1024
RANDOM_NAME = re.compile(r"[0-9a-f]{32}\.sealed")

RawObjects = Callable[[], dict[str, bytes]]


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return FileSystemStorage(location=tmp_path / "files")
    # Asked for by name so that a run without S3 tests never starts SeaweedFS.
    s3: S3Storage = request.getfixturevalue("s3_storage")
    return s3


@pytest.fixture
def raw_objects(request: pytest.FixtureRequest, backend: Storage) -> RawObjects:
    """Everything the backend holds, by storage name: what a thief of the disk or bucket gets."""
    if isinstance(backend, FileSystemStorage):
        root = Path(backend.location)

        def in_folder() -> dict[str, bytes]:
            files = root.rglob("*") if root.exists() else ()
            return {f.relative_to(root).as_posix(): f.read_bytes() for f in files if f.is_file()}

        return in_folder

    assert isinstance(backend, S3Storage)
    client = request.getfixturevalue("seaweedfs").client()
    bucket, prefix = backend.bucket_name, f"{backend.location}/"

    def in_bucket() -> dict[str, bytes]:
        objects = {}
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for entry in page.get("Contents", []):
                body = client.get_object(Bucket=bucket, Key=entry["Key"])["Body"]
                objects[entry["Key"].removeprefix(prefix)] = body.read()
        return objects

    return in_bucket


def read_all(stored: storage.StoredFile, backend: Storage, master: bytes = MASTER) -> bytes:
    return b"".join(storage.read(stored, master_key=master, storage=backend))


def raw(backend: Storage, name: str) -> bytes:
    with backend.open(name, "rb") as handle:
        return handle.read()


def overwrite(backend: Storage, name: str, blob: bytes) -> None:
    """Replace a stored object in place, as anyone with write access to the folder or bucket could."""
    backend.delete(name)
    assert backend.save(name, ContentFile(blob)) == name


def test_round_trip_keeps_only_ciphertext_under_a_random_name(backend):
    data = b"%PDF-1.7 discharge letter " * 5000
    stored = storage.put(io.BytesIO(data), master_key=MASTER, folder="profile-1", storage=backend)
    assert read_all(stored, backend) == data
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert b"discharge letter" not in raw(backend, stored.name)
    folder, name = stored.name.split("/")
    assert folder == "profile-1" and RANDOM_NAME.fullmatch(name)


def test_the_backend_holds_nothing_but_ciphertext(backend, raw_objects):
    letter = b"Patient: Ana Garcia Lopez. HbA1c 9.1 %. Diagnosis: type 2 diabetes.\n" * 2000
    note = b"Ana Garcia Lopez is allergic to penicillin."
    stored = [
        storage.put(io.BytesIO(data), master_key=MASTER, folder="p", storage=backend)
        for data in (letter, note)
    ]
    objects = raw_objects()
    assert set(objects) == {s.name for s in stored}
    for blob in objects.values():
        for secret in (b"Ana Garcia", b"HbA1c", b"penicillin", b"diabetes", b"Patient"):
            assert secret not in blob
        assert blob.startswith(crypto.MAGIC)
    if isinstance(backend, S3Storage):
        # Nor does anything about the document ride along as object metadata.
        for s in stored:
            head = backend.bucket.Object(f"{backend.location}/{s.name}")
            assert (head.content_type, head.metadata) == ("application/octet-stream", {})


def test_the_same_file_twice_is_two_ciphertexts_with_one_fingerprint(backend):
    first = storage.put(io.BytesIO(b"same bytes"), master_key=MASTER, folder="p", storage=backend)
    second = storage.put(io.BytesIO(b"same bytes"), master_key=MASTER, folder="p", storage=backend)
    assert first.name != second.name
    assert raw(backend, first.name) != raw(backend, second.name)
    assert first.sha256 == second.sha256, "the fingerprint spots a document uploaded twice"


def test_one_flipped_byte_in_a_stored_file_fails_loudly(backend):
    data = os.urandom(200_000)
    stored = storage.put(io.BytesIO(data), master_key=MASTER, folder="p", storage=backend)
    blob = bytearray(raw(backend, stored.name))
    blob[len(blob) // 2] ^= 0x80
    overwrite(backend, stored.name, bytes(blob))
    with pytest.raises(crypto.IntegrityError):
        read_all(stored, backend)
    overwrite(backend, stored.name, bytes(blob[: len(blob) // 2]))
    with pytest.raises(crypto.IntegrityError):
        read_all(stored, backend)


def test_rotation_rewraps_keys_and_files_read_back_identical(backend):
    data = os.urandom(100_000)
    stored = storage.put(io.BytesIO(data), master_key=MASTER, folder="p", storage=backend)
    new_master = b"n" * 32
    rotated = storage.StoredFile(
        name=stored.name,
        wrapped_key=storage.rewrap(stored.wrapped_key, old_master=MASTER, new_master=new_master),
        sha256=stored.sha256,
        size=stored.size,
    )
    assert read_all(rotated, backend, new_master) == data
    with pytest.raises(crypto.IntegrityError):
        read_all(rotated, backend, MASTER)


def test_a_hostile_original_name_never_becomes_a_key(backend, raw_objects):
    # The caller keeps "../../etc/passwd" as text; storage only sees its own random name.
    upload = File(io.BytesIO(b"root:x:0:0"), name="../../etc/passwd")
    folder = f"documents/{uuid.uuid4()}"  # as documents.actions names it
    stored = storage.put(upload, master_key=MASTER, folder=folder, storage=backend)
    assert stored.name.startswith(f"{folder}/")
    assert RANDOM_NAME.fullmatch(stored.name.removeprefix(f"{folder}/"))
    assert list(raw_objects()) == [stored.name]


@pytest.mark.parametrize("folder", ["../../etc", "/etc", "documents/../../etc"])
def test_a_folder_that_climbs_out_is_refused_before_anything_is_written(
    backend, raw_objects, folder
):
    with pytest.raises(SuspiciousFileOperation):
        storage.put(io.BytesIO(b"root:x:0:0"), master_key=MASTER, folder=folder, storage=backend)
    assert raw_objects() == {}


def test_deleting_removes_the_object(backend, raw_objects):
    kept, deleted = (
        storage.put(io.BytesIO(data), master_key=MASTER, folder="p", storage=backend)
        for data in (b"kept", b"deleted")
    )
    storage.delete(deleted, storage=backend)
    assert list(raw_objects()) == [kept.name]
    assert not backend.exists(deleted.name)
    with pytest.raises(FileNotFoundError):
        read_all(deleted, backend)
    storage.delete(deleted, storage=backend)  # twice is harmless, so a retried delete is safe
    assert read_all(kept, backend) == b"kept"


class RandomSource:
    """``size`` random bytes, made as they are read and fingerprinted on the way."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        data = os.urandom(size)
        self.sha256.update(data)
        return data


def test_a_20_mb_document_streams_through(backend):
    size = 20 * MiB
    source = RandomSource(size)
    tracemalloc.start()
    try:
        stored = storage.put(source, master_key=MASTER, folder="p", storage=backend)
        read_back = hashlib.sha256()
        read_size = 0
        for chunk in storage.read(stored, master_key=MASTER, storage=backend):
            assert len(chunk) <= crypto.CHUNK_SIZE
            read_back.update(chunk)
            read_size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (stored.size, stored.sha256) == (size, source.sha256.hexdigest())
    assert (read_size, read_back.hexdigest()) == (size, stored.sha256)
    if isinstance(backend, S3Storage):
        # It went up in parts (the ETag of a multipart upload counts them), not as one body.
        sealed_size = backend.size(stored.name)
        etag = backend.bucket.Object(f"{backend.location}/{stored.name}").e_tag
        assert etag.strip('"').endswith(f"-{math.ceil(sealed_size / S3_PART_BYTES)}")
    else:
        assert peak < 4 * MiB, f"{peak / MiB:.1f} MiB held for a {size // MiB} MiB file"
