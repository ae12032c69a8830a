from __future__ import annotations

import hashlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from myhealthhub.lib import crypto

SMALL_CHUNK = 16  # many chunks from little data


def seal(data: bytes, key: bytes, chunk_size: int = SMALL_CHUNK) -> tuple[bytes, crypto.Sealed]:
    sink = io.BytesIO()
    sealed = crypto.encrypt_stream(key, io.BytesIO(data), sink, chunk_size=chunk_size)
    return sink.getvalue(), sealed


def open_(blob: bytes, key: bytes) -> bytes:
    sink = io.BytesIO()
    crypto.decrypt_stream(key, io.BytesIO(blob), sink)
    return sink.getvalue()


@given(st.binary(max_size=200), st.sampled_from([1, 16, 64]))
@settings(max_examples=60)
def test_round_trip_at_every_chunk_boundary(data: bytes, chunk_size: int):
    key = crypto.new_file_key()
    blob, sealed = seal(data, key, chunk_size)
    assert open_(blob, key) == data
    assert sealed.size == len(data)
    assert sealed.sha256 == hashlib.sha256(data).hexdigest()


def test_same_content_twice_gives_different_ciphertext():
    data = b"lab report " * 100
    key = crypto.new_file_key()
    assert seal(data, key)[0] != seal(data, key)[0]


@pytest.mark.parametrize("position", [0, 5, 20, 40, 100, -1])
def test_one_flipped_byte_anywhere_is_detected(position: int):
    key = crypto.new_file_key()
    blob = bytearray(seal(b"x" * 100, key)[0])
    blob[position] ^= 0x01
    with pytest.raises(crypto.IntegrityError):
        open_(bytes(blob), key)


def test_truncation_extension_and_reordering_are_detected():
    key = crypto.new_file_key()
    blob, _ = seal(bytes(range(64)), key)  # four chunks of 16 bytes
    header = crypto.HEADER.size
    sealed = (
        crypto.SMALL_CHUNK if hasattr(crypto, "SMALL_CHUNK") else SMALL_CHUNK + crypto.TAG_BYTES
    )
    chunks = [blob[header + i * sealed : header + (i + 1) * sealed] for i in range(4)]
    for tampered in (
        blob[:-sealed],  # last chunk dropped: the new last one is not marked last
        blob[: header + sealed],  # cut after the first chunk
        blob + chunks[0],  # a chunk appended
        blob[:header] + chunks[1] + chunks[0] + chunks[2] + chunks[3],  # two chunks swapped
        blob[:header],  # nothing but the header
        blob[:10],  # not even a header
    ):
        with pytest.raises(crypto.IntegrityError):
            open_(tampered, key)


def test_wrong_key_is_detected():
    blob, _ = seal(b"secret", crypto.new_file_key())
    with pytest.raises(crypto.IntegrityError):
        open_(blob, crypto.new_file_key())


def test_key_wrapping_and_rotation():
    old_master, new_master = crypto.new_file_key(), crypto.new_file_key()
    file_key = crypto.new_file_key()
    wrapped = crypto.wrap_key(old_master, file_key)
    assert crypto.unwrap_key(old_master, wrapped) == file_key
    with pytest.raises(crypto.IntegrityError):
        crypto.unwrap_key(new_master, wrapped)
    rewrapped = crypto.wrap_key(new_master, crypto.unwrap_key(old_master, wrapped))
    assert crypto.unwrap_key(new_master, rewrapped) == file_key


def test_streams_that_return_short_reads():
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            step = min(3, size) if size >= 0 else 3
            part, self.data = self.data[:step], self.data[step:]
            return part

    key = crypto.new_file_key()
    data = bytes(range(256)) * 3
    sink = io.BytesIO()
    crypto.encrypt_stream(key, Trickle(data), sink, chunk_size=SMALL_CHUNK)
    assert open_(sink.getvalue(), key) == data
