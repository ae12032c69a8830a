"""Small FHIR payloads the import tests build for themselves, and counts from real files.

The counts are taken straight from the JSON with a few lines of their own,
independently of the importer, so the importer's accounting is checked
against the file and not against itself.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from myhealthhub.imports.fhir import parse
from myhealthhub.lib import spill
from myhealthhub.tests.real_files import ours_in, shared_in

SYNTHEA = ours_in("fhir/synthea", "*.json")
IPS = ours_in("ips", "*.json")
# Three patients of a bulk export; WHOLE_BULK is all thirteen (../shared/data).
BULK = ours_in("fhir/bulk-ndjson", "*.ndjson")
WHOLE_BULK = shared_in("fhir/bulk-ndjson", "*.ndjson")
LARGEST_SYNTHEA = max(SYNTHEA, key=lambda path: path.stat().st_size)


@contextlib.contextmanager
def read_as_large() -> Iterator[None]:
    """Every file read as a large one is: resources wait on disk, bundles are read entry by
    entry, and entries spill to disk past a few hundred."""
    shelve_above, in_memory = parse.SHELVE_ABOVE, spill.IN_MEMORY
    parse.SHELVE_ABOVE, spill.IN_MEMORY = 0, spill.NEWEST_KEPT + 1
    try:
        yield
    finally:
        parse.SHELVE_ABOVE, spill.IN_MEMORY = shelve_above, in_memory


def resource_counts(paths: list[Path]) -> Counter[str]:
    """Resources per type in JSON bundles, single resources or NDJSON files."""
    counts: Counter[str] = Counter()
    for path in paths:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".ndjson":
            for line in text.splitlines():
                if line.strip():
                    counts[json.loads(line).get("resourceType", "(not FHIR)")] += 1
            continue
        document = json.loads(text)
        if document.get("resourceType") == "Bundle":
            counts.update(entry["resource"]["resourceType"] for entry in document["entry"])
        else:
            counts[document["resourceType"]] += 1
    counts.pop("(not FHIR)", None)
    return counts


def subjects(path: Path) -> set[str]:
    """The patients an NDJSON file's resources are about, by reference."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            resource = json.loads(line)
            reference = (resource.get("subject") or resource.get("patient") or {}).get("reference")
            if reference:
                found.add(reference)
    return found


def patient(
    given: str = "Ana", family: str = "García", birth: str = "1970-05-01"
) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"use": "official", "given": [given], "family": family}],
        "birthDate": birth,
        "gender": "female",
    }


def condition(name: str, status: str = "active", onset: str = "2015") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": status,
                }
            ]
        },
        "code": {"text": name},
        "subject": {"reference": "Patient/p1"},
        "onsetDateTime": onset,
    }


def bundle(*resources: dict[str, Any], kind: str = "collection") -> bytes:
    return json.dumps(
        {
            "resourceType": "Bundle",
            "type": kind,
            "entry": [
                {
                    "fullUrl": f"https://example.org/fhir/{r['resourceType']}/{r['id']}",
                    "resource": r,
                }
                for r in resources
            ],
        }
    ).encode()
