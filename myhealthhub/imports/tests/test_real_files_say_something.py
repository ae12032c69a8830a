"""No real file leaves a "nothing known" entry or a report as a result's value (issue 16).

Every C-CDA, FHIR and IPS file of ../shared/data is imported into a fresh profile
and committed; the bulk export as one import of its first person.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from myhealthhub.conftest import World
from myhealthhub.imports.models import JobState
from myhealthhub.imports.pipeline import choose_patient
from myhealthhub.imports.tests.test_pipeline import commit, files_of, new_profile, read
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Observation
from myhealthhub.search.text import words
from myhealthhub.tests.real_files import shared_data, shared_in

FILES: dict[str, list[Path]] = {
    **{
        path.name: [path]
        for pattern in ("*.xml", "*.XML", "*.ccda")
        for path in shared_in("ccda", pattern)
    },
    **{path.name: [path] for path in shared_in("fhir/synthea", "*.json")},
    **{path.name: [path] for path in shared_in("ips", "*.json")},
    "bulk-ndjson": shared_in("fhir/bulk-ndjson", "*.ndjson"),
}
# What the test looks for, independently of the importer's table.
NOTHING_KNOWN = [
    # English
    "Not on file",
    "None",
    "No known problems",
    "No active problems",
    "No known allergies",
    "No known drug allergies",
    "NKA",
    "NKDA",
    "No current medications",
    "No information",
    "UNK",
    # Spanish
    "Sin alergias conocidas",
    "Ninguno",
    "Ninguna",
    "No refiere",
    "No consta",
    "Sin medicación actual",
]
FOLDED = {" ".join(words(phrase)) for phrase in NOTHING_KNOWN}


@shared_data
@pytest.mark.parametrize("name", sorted(FILES))
def test_no_entry_only_says_nothing_is_known_and_no_value_is_a_report(world: World, name: str):
    profile = new_profile(world)
    job = read(profile, files_of(FILES[name]), world)
    if job.state == JobState.CHOOSING:
        choose_patient(job, job.patients[0]["key"])
        job.refresh_from_db()
    commit(job, world)
    for slug, kind in KINDS.items():
        if slug in ("notes", "no-known-allergies"):
            continue  # a note is titled by its section; the statement says it in words
        shown = kind.queryset(profile).values_list("display", flat=True)
        said = [display for display in shown if " ".join(words(display)) in FOLDED]
        assert not said, (name, slug, said)
    long_values = [
        value[:60]
        for value in Observation.objects.filter(profile=profile).values_list(
            "value_text", flat=True
        )
        if len(value) > 200
    ]
    assert not long_values, (name, long_values)
