from __future__ import annotations

import io
import stat
import struct
import warnings
import zipfile

import pytest
from django.utils import translation

from myhealthhub.lib.safe_zip import UnsafeZip, checked_zip, is_zip

MiB = 1024**2


def build(*members: tuple[str | zipfile.ZipInfo, bytes], method: int = zipfile.ZIP_DEFLATED):
    sink = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(sink, "w", method) as archive:
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        for name, data in members:
            archive.writestr(name, data)
    return sink.getvalue()


def patch(data: bytes, *, local: int, central: int, fmt: str, value: int) -> bytes:
    """Rewrite one field of every local and central header (the lies a forged archive tells)."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        at = out.find(signature)
        while at >= 0:
            struct.pack_into(fmt, out, at + offset, value)
            at = out.find(signature, at + 4)
    return bytes(out)


def declare_size(data: bytes, size: int) -> bytes:
    return patch(data, local=22, central=24, fmt="<L", value=size)


def refusal(data: bytes, **limits) -> str:
    """The refusal's message, in English whatever an earlier test left active."""
    with (
        translation.override("en"),
        pytest.raises(UnsafeZip) as caught,
        checked_zip(io.BytesIO(data), **limits),
    ):
        pass
    return str(caught.value)


def test_a_normal_archive_is_read():
    data = build(
        ("export/", b""),
        ("export/export.xml", b"<HealthData/>" * 100),
        ("export/notes.txt", b"hello"),
    )
    assert is_zip(data[:4])
    with checked_zip(io.BytesIO(data)) as archive:
        assert [member.name for member in archive.members] == [
            "export/export.xml",
            "export/notes.txt",
        ]
        assert archive.members[0].size == 1300
        with archive.open(archive.members[0]) as stream:
            assert stream.read() == b"<HealthData/>" * 100
        with archive.open(archive.members[1]) as stream:
            assert stream.read(2) == b"he"
            assert stream.read() == b"llo"


def test_an_empty_archive_is_a_zip_with_no_members():
    data = build()
    assert is_zip(data)
    with checked_zip(io.BytesIO(data)) as archive:
        assert archive.members == []


def test_json_and_text_are_not_zips():
    assert not is_zip(b'{"resourceType": "Bundle"}')
    assert not is_zip(b"PK")
    assert "not a zip archive" in refusal(b'{"resourceType": "Bundle"}')
    assert "not a zip archive" in refusal(b"PK\x03\x04" + b"\0" * 100)


def test_a_compressed_bomb_is_refused():
    # 64 MiB of zeros deflate to about 64 KB: a ratio of a thousand to one.
    sink = io.BytesIO()
    with (
        zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.bin", "w") as member,
    ):
        for _ in range(64):
            member.write(bytes(MiB))
    assert len(sink.getvalue()) < MiB
    message = refusal(sink.getvalue())
    assert "“zeros.bin”" in message
    assert "200 to 1" in message


def test_a_declared_gigabyte_bomb_is_refused():
    data = declare_size(build(("bomb.bin", b"\0" * 1000)), 1024**3)
    assert "“bomb.bin”" in refusal(data)


def test_many_small_members_compressed_too_well_together_are_refused():
    members = [(f"part{index}.txt", b"\0" * (MiB // 2)) for index in range(4)]
    message = refusal(build(*members))
    assert "This archive claims to be compressed more than 200 to 1" in message


def test_small_repetitive_text_passes_whatever_its_ratio():
    with checked_zip(io.BytesIO(build(("notes.txt", b"a" * 100_000)))) as archive:
        assert archive.members[0].size == 100_000


def test_a_declared_total_over_the_limit_is_refused():
    data = build(("a.bin", b"x" * 3000), ("b.bin", b"y" * 3000), method=zipfile.ZIP_STORED)
    assert "more than 5.9\xa0KB (at “b.bin”)" in refusal(data, max_total=5999)
    with checked_zip(io.BytesIO(data), max_total=6000):
        pass


def test_too_many_members_are_refused():
    data = build(*[(f"{index}.txt", b"") for index in range(6)])
    assert "more than 5 files" in refusal(data, max_members=5)
    with checked_zip(io.BytesIO(data), max_members=6) as archive:
        assert len(archive.members) == 6


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "export/../../evil.txt",
        "/etc/passwd",
        "..\\..\\evil.txt",
        "export\\..\\..\\evil.txt",
        "C:/Windows/evil.txt",
        "c:evil.txt",
        "\\\\server\\share\\evil.txt",
        "export/.. /evil.txt",
    ],
)
def test_paths_that_escape_are_refused(name):
    message = refusal(build((name, b"x")))
    assert "has a path that points outside the archive" in message


def test_a_dot_dot_inside_a_name_is_fine():
    with checked_zip(io.BytesIO(build(("notes..txt", b"x"), ("./a/./b.txt", b"y")))) as archive:
        assert [member.name for member in archive.members] == ["notes..txt", "a/b.txt"]


def test_a_symlink_is_refused():
    link = zipfile.ZipInfo("export/link")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    message = refusal(build((link, b"/etc/passwd")))
    assert (
        message
        == "“export/link” in this archive is a link or a special file; only plain files are read."
    )


def test_a_device_file_is_refused():
    device = zipfile.ZipInfo("dev")
    device.external_attr = (stat.S_IFCHR | 0o600) << 16
    assert "special file" in refusal(build((device, b"")))


def test_an_encrypted_member_is_refused():
    data = patch(build(("secret.txt", b"x")), local=6, central=8, fmt="<H", value=0x1)
    assert "“secret.txt” in this archive is protected by a password" in refusal(data)


def test_a_duplicate_name_is_refused():
    data = build(("a.txt", b"1"), ("a.txt", b"2"))
    assert refusal(data) == "“a.txt” appears more than once in this archive."


def test_a_name_that_is_not_valid_text_is_refused():
    data = build(("é.txt", b"x"))  # written as UTF-8 with the UTF-8 flag
    data = data.replace("é".encode(), b"\xff\xff")
    assert "not valid text" in refusal(data)
    assert "not valid text" in refusal(build(("bell\x07.txt", b"x")))


def test_utf8_names_written_without_the_flag_are_read_as_utf8():
    data = patch(build(("café.txt", b"x")), local=6, central=8, fmt="<H", value=0)
    with checked_zip(io.BytesIO(data)) as archive:
        assert archive.members[0].name == "café.txt"


def test_a_member_that_understates_its_size_is_refused_while_reading():
    honest = build(("data.csv", b"1,2,3\n" * 50_000))
    data = declare_size(honest, 100)
    with checked_zip(io.BytesIO(data)) as archive:
        member = archive.members[0]
        assert member.size == 100
        with archive.open(member) as stream, pytest.raises(UnsafeZip) as caught:
            while stream.read(8192):
                pass
    assert str(caught.value) == (
        "“data.csv” in this archive holds more data than its header declares; it was not read."
    )


def read_first(data: bytes) -> bytes:
    with checked_zip(io.BytesIO(data)) as archive, archive.open(archive.members[0]) as stream:
        return stream.read()


def test_a_stored_member_that_understates_its_size_is_refused():
    data = declare_size(build(("a.txt", b"z" * 5000), method=zipfile.ZIP_STORED), 10)
    with pytest.raises(UnsafeZip, match="more data than its header declares"):
        read_first(data)


def test_a_member_that_overstates_its_size_is_damaged():
    data = declare_size(build(("a.txt", b"z" * 5000)), 6000)
    with pytest.raises(UnsafeZip, match="damaged"):
        read_first(data)


def test_a_flipped_byte_is_damaged():
    data = bytearray(build(("a.txt", b"some text that compresses " * 40)))
    data[60] ^= 0xFF
    with pytest.raises(UnsafeZip):
        read_first(bytes(data))


def test_bzip2_members_are_refused():
    assert "compressed with a method" in refusal(build(("a.txt", b"x"), method=zipfile.ZIP_BZIP2))
