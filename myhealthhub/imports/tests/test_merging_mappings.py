"""A mapping takes in another's: what a file carries, read by another format (Mapping.merge)."""

from __future__ import annotations

import datetime as dt

from myhealthhub.imports.base import (
    MappedDocument,
    MappedEntry,
    Mapping,
    PatientFound,
    Reading,
    Skipped,
)
from myhealthhub.lib.dates import PartialDate


def test_merging_adds_everything_the_other_brings_and_keeps_what_the_file_is():
    mine = Mapping(sender="Apple Health", system="apple-health:health", title="Export")
    mine.readings.append(Reading("heart_rate", dt.datetime(2024, 5, 1, tzinfo=dt.UTC), 72, "HR"))
    mine.use("Me")
    mine.patients.append(PatientFound("apple-health:me", birth=PartialDate(1970, 5, 1)))
    theirs = Mapping(sender="Hospital", system="fhir:server:https://example.org", title="Notes")
    theirs.entries.append(
        MappedEntry("conditions", "Condition/1", {"display": "Asthma"}, "Condition")
    )
    theirs.documents.append(MappedDocument("DocumentReference/1", "note.txt", b"Note", "DocRef"))
    theirs.skipped.append(Skipped("Claim", "billing record"))
    theirs.warn("A date could not be read.", "Condition-1.json")
    theirs.use("Me")
    theirs.use("Organization", 2)

    mine.merge(theirs)

    assert [entry.key for entry in mine.entries] == ["Condition/1"]
    assert [document.key for document in mine.documents] == ["DocumentReference/1"]
    assert len(mine.readings) == 1
    assert [skipped.origin for skipped in mine.skipped] == ["Claim"]
    assert [warning.where for warning in mine.warnings] == ["Condition-1.json"]
    assert [person.key for person in mine.patients] == ["apple-health:me"]
    assert mine.used == {"Me": 2, "Organization": 2}
    assert (mine.sender, mine.system, mine.title) == (
        "Apple Health",
        "apple-health:health",
        "Export",
    )
