"""Kinds the FHIR importer learnt to read so that our own full export reads back whole.

Appointments, a relative's history, medication reviews (a Procedure coded
SNOMED CT 182836005) and a patient's own notes (a DocumentReference typed LOINC
51855-5 with its text inside), written as other systems write them too; a
note is read as one only from our own export: a vendor's stays a document.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.utils import timezone

from myhealthhub.conftest import make_account
from myhealthhub.exports.tests.test_fhir import (
    counts,
    export,
    import_into_existing,
    import_into_new_profile,
)
from myhealthhub.imports.base import MappedEntry, Mapping, Upload, no_progress
from myhealthhub.imports.fhir.importer import Fhir

PATIENT = {"resourceType": "Patient", "id": "p1", "name": [{"family": "García"}]}
SNOMED = "http://snomed.info/sct"
FMH_URL = "https://example.org/fhir/FamilyMemberHistory/f1"


def read(*resources: dict[str, Any]) -> Mapping:
    content = json.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "fullUrl": f"https://example.org/fhir/{r['resourceType']}/{r['id']}",
                    "resource": r,
                }
                for r in (PATIENT, *resources)
            ],
        }
    ).encode()
    return Fhir().read([Upload("b.json", io.BytesIO(content), len(content))], no_progress)


def only(mapping: Mapping, kind: str) -> list[MappedEntry]:
    return [entry for entry in mapping.entries if entry.kind == kind]


def test_an_appointment_tells_the_clinician_from_the_place():
    mapping = read(
        {"resourceType": "Practitioner", "id": "dr", "name": [{"text": "Dr. Ana Ruiz"}]},
        {"resourceType": "Location", "id": "loc", "name": "Centro de Salud Norte"},
        {
            "resourceType": "Appointment",
            "id": "a1",
            "status": "pending",
            "serviceType": [{"text": "Diabetes nurse review"}],
            "start": "2026-12-08T10:30:00+01:00",
            "end": "2026-12-08T11:00:00+01:00",
            "comment": "Fasting",
            "patientInstruction": "Glucose diary",
            "participant": [
                {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
                {"actor": {"reference": "Practitioner/dr"}, "status": "accepted"},
                {"actor": {"reference": "Location/loc"}, "status": "accepted"},
            ],
        },
    )
    (entry,) = only(mapping, "appointments")
    values = entry.values
    assert values["display"] == "Diabetes nurse review"
    assert values["starts_at"] == dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.UTC)
    assert values["ends_at"] == dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC)
    assert values["date"] == timezone.localtime(values["starts_at"]).date()
    assert values["status"] == "proposed"
    assert (values["clinician"], values["facility"]) == ("Dr. Ana Ruiz", "Centro de Salud Norte")
    assert (values["notes"], values["bring"]) == ("Fasting", "Glucose diary")
    assert not mapping.skipped


def test_an_appointment_without_a_start_is_skipped_with_a_reason():
    mapping = read({"resourceType": "Appointment", "id": "a1", "status": "proposed"})
    assert not only(mapping, "appointments")
    assert [s.reason for s in mapping.skipped] == ["an appointment without a start time"]


def test_a_relatives_history_gives_one_entry_per_condition():
    mapping = read(
        {
            "resourceType": "FamilyMemberHistory",
            "id": "f1",
            "identifier": [{"system": "https://vendor.example/fmh", "value": "f-9"}],
            "status": "completed",
            "patient": {"reference": "Patient/p1"},
            "relationship": {"text": "Mother"},
            "condition": [
                {
                    "code": {
                        "coding": [{"system": SNOMED, "code": "44054006"}],
                        "text": "Diabetes",
                    },
                    "onsetAge": {"value": 55, "unit": "years", "code": "a"},
                },
                {"code": {"text": "Stroke"}, "contributedToDeath": True},
            ],
        }
    )
    entries = only(mapping, "family-history")
    assert [(e.values["display"], e.values["relative"]) for e in entries] == [
        ("Diabetes", "Mother"),
        ("Stroke", "Mother"),
    ]
    assert [e.values["onset_age"] for e in entries] == [55, None]
    assert [e.values["deceased"] for e in entries] == [False, True]
    assert len({e.key for e in entries}) == 2
    # Each condition carries the resource's identifiers, naming that condition.
    assert [e.identifiers for e in entries] == [
        [
            {"system": "https://vendor.example/fmh", "value": "f-9"},
            {"system": "urn:fhir:FamilyMemberHistory", "value": FMH_URL},
        ],
        [
            {"system": "https://vendor.example/fmh", "value": "f-9#condition/1"},
            {"system": "urn:fhir:FamilyMemberHistory", "value": FMH_URL + "#condition/1"},
        ],
    ]


def test_a_procedure_coded_as_a_medication_review_is_one():
    mapping = read(
        {
            "resourceType": "Procedure",
            "id": "r1",
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": SNOMED, "code": "182836005"}], "text": "Yearly review"},
            "performedDateTime": "2026-01",
            "performer": [
                {
                    "function": {"coding": [{"system": SNOMED, "code": "46255001"}]},
                    "actor": {"display": "Luis Mora"},
                }
            ],
            "outcome": {"text": "No changes"},
        }
    )
    assert not only(mapping, "procedures")
    (review,) = only(mapping, "medication-reviews")
    assert review.values["with_whom"] == "pharmacist"
    assert review.values["reviewer"] == "Luis Mora"
    assert review.values["outcome"] == "No changes"
    assert (review.values["date"], review.values["date_precision"]) == (
        dt.date(2026, 1, 1),
        "month",
    )


OUR_ENTRY = {"system": "urn:myhealthhub:entry", "value": "9b0c5b7e-0f7a-4c1e-9d2a-3f7c1e2b4a50"}


def patient_note(text: str, *identifiers: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": "n1",
        "identifier": list(identifiers),
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "type": {"coding": [{"system": "http://loinc.org", "code": "51855-5"}]},
        "description": "Dizzy",
        "context": {"period": {"start": "2026-11-21"}},
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(text.encode()).decode(),
                }
            }
        ],
    }


def test_our_own_patient_note_with_its_text_inside_is_a_note_not_a_file():
    text = "Felt dizzy twice this week. ¿Tensión?"
    mapping = read(patient_note(text, OUR_ENTRY))
    assert not mapping.documents
    (note,) = only(mapping, "notes")
    assert (note.values["display"], note.values["body"]) == ("Dizzy", text)
    assert note.values["date"] == dt.date(2026, 11, 21)


def test_a_vendors_patient_note_stays_the_document_it_always_was():
    text = "Seen by the nurse."
    mapping = read(patient_note(text, {"system": "https://vendor.example/doc", "value": "77"}))
    assert not only(mapping, "notes")
    (document,) = mapping.documents
    assert document.content == text.encode()
    assert document.filename.endswith(".txt")


def test_nul_characters_are_left_out_of_a_notes_text():
    mapping = read(patient_note("Dizzy\x00 again\x00", OUR_ENTRY))
    (note,) = only(mapping, "notes")
    assert note.values["body"] == "Dizzy again"


@pytest.mark.django_db
def test_a_relatives_history_read_back_from_our_export_adds_nothing():
    owner = make_account("keeper@example.org")
    vendor = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "https://example.org/fhir/Patient/p1", "resource": PATIENT},
            {
                "fullUrl": FMH_URL,
                "resource": {
                    "resourceType": "FamilyMemberHistory",
                    "id": "f1",
                    "identifier": [{"system": "https://vendor.example/fmh", "value": "f-9"}],
                    "status": "completed",
                    "patient": {"reference": "Patient/p1"},
                    "relationship": {"text": "Mother"},
                    "condition": [{"code": {"text": "Diabetes"}}, {"code": {"text": "Stroke"}}],
                },
            },
        ],
    }
    profile, _job = import_into_new_profile(owner, "vendor.json", json.dumps(vendor).encode())
    before = counts(profile)
    assert before["family-history"] == 2
    import_into_existing(owner, profile, "vendor.json", json.dumps(vendor).encode())
    import_into_existing(owner, profile, "ours.json", json.dumps(export(profile)).encode())
    assert counts(profile) == before
