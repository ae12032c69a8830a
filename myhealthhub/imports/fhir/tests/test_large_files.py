"""Large files are read in bounded memory, and say exactly what they say when read whole.

Past ``parse.SHELVE_ABOVE`` a JSON bundle is read entry by entry, never
whole; every resource waits on disk until it is mapped; and the entries
spill to disk past a few thousand (``lib/spill.py``). ``read_as_large``
lowers those thresholds so the project's real files are read that way.
Each test reads the same bytes both ways and compares everything the
mapping says, or the refusal.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Upload, no_progress
from myhealthhub.imports.fhir import parse
from myhealthhub.imports.fhir.importer import Fhir
from myhealthhub.imports.fhir.tests.files import BULK, IPS, LARGEST_SYNTHEA, read_as_large
from myhealthhub.imports.fhir.tests.test_mapping import PATIENT, bundle, fhir_shaped

Files = Callable[[], list[Upload]]


def said(mapping: Mapping) -> dict[str, Any]:
    """Everything a mapping says, comparable."""
    return {
        "entries": [
            (
                entry.kind,
                entry.key,
                repr(entry.values),
                entry.origin,
                entry.where,
                entry.identifiers,
                sorted(entry.patients),
                entry.key_is_local,
            )
            for entry in mapping.entries
        ],
        "documents": [
            (
                document.key,
                document.filename,
                hashlib.sha256(document.content).hexdigest(),
                document.origin,
                document.where,
                document.title,
                document.kind,
                document.when,
                document.entry_keys,
                sorted(document.patients),
            )
            for document in mapping.documents
        ],
        "readings": list(mapping.readings),
        "skipped": mapping.skipped,
        "warnings": mapping.warnings,
        "patients": mapping.patients,
        "used": mapping.used,
        "about": (mapping.sender, mapping.title, mapping.written, mapping.about, mapping.system),
    }


def outcome(files: Files) -> tuple[str, Any]:
    try:
        return "read", said(Fhir().read(files(), no_progress))
    except Refused as refusal:
        return "refused", (refusal.reason, refusal.where)


def assert_same_both_ways(files: Files) -> tuple[str, Any]:
    whole = outcome(files)
    with read_as_large():
        large = outcome(files)
    assert large == whole
    return whole


def one_file(name: str, content: bytes) -> Files:
    return lambda: [Upload(name, io.BytesIO(content), len(content))]


def zipped(paths: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.writestr(path.name, path.read_bytes())
    return buffer.getvalue()


REAL = [
    pytest.param(one_file(LARGEST_SYNTHEA.name, LARGEST_SYNTHEA.read_bytes()), id="synthea"),
    *[pytest.param(one_file(path.name, path.read_bytes()), id=path.name[:30]) for path in IPS],
    pytest.param(
        lambda: [Upload(p.name, io.BytesIO(p.read_bytes()), p.stat().st_size) for p in BULK],
        id="bulk-ndjson",
    ),
    pytest.param(one_file("export.zip", zipped([LARGEST_SYNTHEA, *BULK])), id="zip"),
]


@pytest.mark.parametrize("files", REAL)
def test_real_files_read_the_same_when_large(files: Files):
    kind, what = assert_same_both_ways(files)
    assert kind == "read" and what["entries"]


def synthea() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(LARGEST_SYNTHEA.read_bytes())
    return value


def with_text(text: str) -> bytes:
    """The Synthea bundle with ``text`` as its first observation's code text."""
    document = synthea()
    first = next(e for e in document["entry"] if e["resource"]["resourceType"] == "Observation")
    first["resource"]["code"]["text"] = "PLACEHOLDER"
    return json.dumps(document).encode().replace(b'"PLACEHOLDER"', text.encode())


def enlarged() -> dict[str, Any]:
    """The Synthea bundle with its observations repeated, to several pieces of reading."""
    document = synthea()
    observations = [e for e in document["entry"] if e["resource"]["resourceType"] == "Observation"]
    while len(json.dumps(document)) < 4 * parse.SCAN_PIECE:
        document["entry"] += observations
    return document


def with_late_text(text: str) -> bytes:
    """The enlarged bundle with ``text`` as its last entry's code text, far into the file."""
    content = json.dumps(enlarged()).encode()
    at = content.rindex(b'"text": "')
    return content[:at] + b'"text": ' + text.encode() + b', "was": "' + content[at + 9 :]


COMPACT = json.dumps(synthea(), separators=(",", ":")).encode()
VARIANTS = {
    # Written as other exporters write them: the bundle's own fields after its entries...
    "sorted keys": json.dumps(synthea(), sort_keys=True).encode(),
    "pretty": json.dumps(synthea(), indent=2).encode(),
    "compact": COMPACT,
    "byte order mark": b"\xef\xbb\xbf" + COMPACT,
    "an escaped nul": with_text(r'"a\u0000b"'),
    "a lone surrogate": with_text(r'"a\ud800b"'),
    "an escaped quote": with_text(r'"say \"hi\" \\u0000"'),
    "DSTU2 comments": COMPACT.replace(
        b'"resourceType"', b'"fhir_comments":["x"],"resourceType"', 1
    ),
    # Found only after many entries were read one by one: the file is read whole instead.
    "an escaped nul far in": with_late_text(r'"a\u0000b"'),
    "cut off far in": json.dumps(enlarged()).encode()[:-100],
    # ...and broken: each refused as the whole read refuses it.
    "cut off": COMPACT[: len(COMPACT) * 3 // 5],
    "a comma missing": COMPACT.replace(b"},{", b"}{", 1),
    "nested too deep": with_text("[" * 5000 + "]" * 5000),
    "not UTF-8": COMPACT.replace(b'"Observation"', b'"Observ\xffation"', 1),
    "a second value": COMPACT + b"\n" + COMPACT,
    "something after": COMPACT + b" x",
    "entry not a list": json.dumps({"resourceType": "Bundle", "entry": {"a": 1}}).encode(),
    "entry twice": COMPACT[:-1] + b',"entry":[]}',
    "not a bundle": json.dumps({**synthea(), "resourceType": "Patient"}).encode(),
    "an entry without a resource": COMPACT.replace(b'"entry":[', b'"entry":[7,{"x":1},', 1),
    "NaN": with_text("NaN"),
    "a long number": with_text("1" * 5000),
    "UTF-16": json.dumps(synthea()).encode("utf-16"),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_other_ways_of_writing_and_breaking_a_bundle_read_the_same_when_large(variant: str):
    assert_same_both_ways(one_file("bundle.json", VARIANTS[variant]))


class Reads(io.BytesIO):
    """A file that remembers the most it was asked to read at once."""

    most = 0

    def read(self, size: int | None = -1, /) -> bytes:
        self.most = max(self.most, len(self.getbuffer()) if size is None or size < 0 else size)
        return super().read(size)


def test_a_large_bundle_is_never_read_whole():
    content = json.dumps(enlarged()).encode()
    stream = Reads(content)
    with read_as_large():
        mapping = Fhir().read([Upload("bundle.json", stream, len(content))], no_progress)
    assert len(mapping.entries) > 1000
    assert stream.most <= 2 * parse.SCAN_PIECE < len(content) // 2


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=50)
@given(
    st.lists(fhir_shaped, max_size=6),
    st.sampled_from([{}, {"sort_keys": True}, {"indent": 1}, {"separators": (",", ":")}]),
)
def test_any_fhir_shaped_bundle_reads_the_same_when_large(resources, how):
    content = json.dumps(bundle(PATIENT, *resources), **how).encode()
    with contextlib.suppress(UnicodeEncodeError):
        assert_same_both_ways(one_file("bundle.json", content))
