"""Statements of one file that share an identifier: the same statement twice, or two facts.

Some systems number a panel's results, or the values under one accession
number, with one identifier. Only the same identifier *and* the same content
is a statement said twice; two that say different things are both kept.
"""

from __future__ import annotations

from typing import Any

from myhealthhub.conftest import World
from myhealthhub.imports.fhir.tests.files import bundle, patient
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read
from myhealthhub.records.models import Observation

SHARED_IDENTIFIER = {"system": "https://lab.example.org/accession", "value": "A-1001"}


def creatinine(resource_id: str, specimen: str, value: float, at: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "identifier": [SHARED_IDENTIFIER],
        "status": "final",
        "code": {"text": f"Creatinine [{specimen}]"},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": at,
        "valueQuantity": {
            "value": value,
            "unit": "mg/dL",
            "system": "http://unitsofmeasure.org",
            "code": "mg/dL",
        },
    }


def test_two_results_under_one_identifier_are_both_kept_and_the_preview_says_so(world: World):
    profile = new_profile(world)
    content = bundle(
        patient(),
        creatinine("o1", "Serum", 1.9, "2024-03-01T08:22:00Z"),
        creatinine("o2", "Urine", 1.9, "2024-03-01T10:00:00Z"),
    )
    job = read(profile, [("lab.json", content)], world)

    warnings = [warning["message"] for warning in job.preview["warnings"]]
    assert any("same identifier as another one" in message for message in warnings), warnings
    assert job.preview["skipped_count"] == 0
    commit(job, world)
    stored = Observation.objects.filter(profile=profile).order_by("display")
    assert [(row.display, row.value_number) for row in stored] == [
        ("Creatinine [Serum]", 1.9),
        ("Creatinine [Urine]", 1.9),
    ]

    # Both are recognised again: a second import of the file adds nothing.
    again = commit(read(profile, [("lab.json", content)], world), world)
    assert again.counts["added"] == 0
    assert Observation.objects.filter(profile=profile).count() == 2


def test_the_same_statement_twice_is_kept_once(world: World):
    profile = new_profile(world)
    twice = creatinine("o1", "Serum", 1.9, "2024-03-01T08:22:00Z")
    content = bundle(patient(), twice, {**twice, "id": "o1-copy"})
    job = read(profile, [("lab.json", content)], world)

    skipped = [group["reason"] for group in job.preview["skipped"]]
    assert skipped == ["appears twice in the file; the first is kept"]
    commit(job, world)
    assert Observation.objects.filter(profile=profile).count() == 1
