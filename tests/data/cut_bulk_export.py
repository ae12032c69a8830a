"""Cut a FHIR bulk export down to a few of its patients: how fhir/bulk-ndjson/ here was made.

    python3 tests/data/cut_bulk_export.py ../shared/data/fhir/bulk-ndjson tests/data/fhir/bulk-ndjson

Keeps, file by file and line by line, every resource about one of PATIENTS
(its ``subject`` or ``patient``, or the Patient itself) and every resource
about no patient at all (practitioners, organizations, locations, the log).
Nothing inside a resource is changed, so the cut reads exactly as the whole
export would for those patients.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Three of the export's thirteen patients: the two smallest, and the smallest with allergies.
PATIENTS = frozenset(
    {
        "63ee2253-bdd5-da55-2ad2-b4984d0ad700",
        "bb6a9034-2f23-2508-d29d-35efee156dc9",
        "cbc86e51-9eca-3855-76ec-c058f72c5761",
    }
)


def about(resource: dict[str, Any]) -> str | None:
    """The patient a resource is about, by id; None if it names none."""
    if resource.get("resourceType") == "Patient":
        return str(resource["id"])
    for field in ("subject", "patient"):
        reference = resource.get(field)
        if isinstance(reference, dict) and "reference" in reference:
            return str(reference["reference"]).rsplit("/", 1)[-1]
    return None


def cut(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.ndjson")):
        kept = []
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            if not line.strip():
                continue
            patient = about(json.loads(line))
            if patient is None or patient in PATIENTS:
                kept.append(line)
        (target / path.name).write_text("".join(kept), encoding="utf-8")


if __name__ == "__main__":
    cut(Path(sys.argv[1]), Path(sys.argv[2]))
