"""Our own extensions and what a medicine's resource says of its prescriber, pharmacy and start."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from myhealthhub.conftest import World
from myhealthhub.documents.models import Document
from myhealthhub.exports.tests.test_fhir import import_into_new_profile
from myhealthhub.imports.base import MappedEntry, Mapping
from myhealthhub.imports.fhir.tests.test_kinds import PATIENT, read

SUBJECT = {"reference": "Patient/p1"}
OURS = "urn:myhealthhub:extension:"


def the_one(mapping: Mapping, kind: str) -> MappedEntry:
    (entry,) = [entry for entry in mapping.entries if entry.kind == kind]
    return entry


def request(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "r1",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Metformin"},
        "subject": SUBJECT,
        **fields,
    }


def test_a_stated_start_is_the_date_not_when_it_was_prescribed():
    written = request(
        authoredOn="2024-01-10",
        dosageInstruction=[
            {"timing": {"repeat": {"boundsPeriod": {"start": "2024-02", "end": "2024-08-31"}}}}
        ],
    )
    values = the_one(read(written), "medications").values
    assert (str(values["date"]), values["date_precision"]) == ("2024-02-01", "month")
    assert str(values["end_date"]) == "2024-08-31"


def test_without_a_stated_start_the_date_is_when_it_was_prescribed():
    values = the_one(read(request(authoredOn="2024-01-10")), "medications").values
    assert str(values["date"]) == "2024-01-10"


def test_a_start_the_file_says_is_unknown_stays_unknown():
    """As the Austrian IPS writes it: effectivePeriod with only a data-absent reason."""
    unknown = {
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                "valueCode": "unknown",
            }
        ]
    }
    statement = {
        "resourceType": "MedicationStatement",
        "id": "s1",
        "status": "active",
        "medicationCodeableConcept": {"text": "Aspirin 500 mg"},
        "subject": SUBJECT,
        "effectivePeriod": unknown,
        "dateAsserted": "2015-08-25T10:31:56+02:00",
    }
    values = the_one(read(statement), "medications").values
    assert values.get("date") is None
    without_effective = {key: value for key, value in statement.items() if key != "effectivePeriod"}
    assert str(the_one(read(without_effective), "medications").values["date"]) == "2015-08-25"


def test_a_structured_timing_without_words_is_read_as_words():
    written = request(
        dosageInstruction=[{"timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}}}]
    )
    assert the_one(read(written), "medications").values["frequency"] == "every 8 hours"


def test_a_clinician_as_a_statements_source_is_its_prescriber():
    statement = {
        "resourceType": "MedicationStatement",
        "id": "s1",
        "status": "active",
        "medicationCodeableConcept": {"text": "Metformin"},
        "subject": SUBJECT,
        "informationSource": {"reference": "Practitioner/dr"},
    }
    doctor = {"resourceType": "Practitioner", "id": "dr", "name": [{"text": "Dr. Ana Ruiz"}]}
    values = the_one(read(statement, doctor), "medications").values
    assert values["prescriber"] == "Dr. Ana Ruiz"
    assert "Reported by" not in values["notes"]


def test_a_relative_as_a_statements_source_only_reported_it():
    statement = {
        "resourceType": "MedicationStatement",
        "id": "s1",
        "status": "active",
        "medicationCodeableConcept": {"text": "Metformin"},
        "subject": SUBJECT,
        "informationSource": {"type": "RelatedPerson", "display": "Luis García"},
    }
    values = the_one(read(statement), "medications").values
    assert values["prescriber"] == ""
    assert values["notes"] == "Reported by: Luis García"


def test_a_prescription_a_statement_is_based_on_names_prescriber_and_pharmacy():
    statement = {
        "resourceType": "MedicationStatement",
        "id": "s1",
        "status": "active",
        "contained": [
            request(
                id="rx",
                requester={"display": "Dr. Ana Ruiz"},
                dispenseRequest={"performer": {"display": "Farmacia Central"}},
            )
        ],
        "basedOn": [{"reference": "#rx"}],
        "medicationCodeableConcept": {"text": "Metformin"},
        "subject": SUBJECT,
    }
    values = the_one(read(statement), "medications").values
    assert (values["prescriber"], values["pharmacy"]) == ("Dr. Ana Ruiz", "Farmacia Central")


def visit(*extensions: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": "e1",
        "status": "finished",
        "class": {"code": "AMB"},
        "type": [{"text": "Check-up"}],
        "subject": SUBJECT,
        "period": {"start": "2024-02-01"},
        "extension": list(extensions),
    }


def test_our_extensions_fill_what_the_mapper_left_empty():
    values = the_one(
        read(visit({"url": OURS + "notes", "valueString": "Bring results next time."})), "visits"
    ).values
    assert values["notes"] == "Bring results next time."


@pytest.mark.parametrize(
    "extension",
    [
        {"url": OURS + "notes", "valueBoolean": True},
        {"url": OURS + "notes", "valueString": ""},
        {"url": OURS + "no-such-field", "valueString": "x"},
        {"url": OURS + "date", "valueDate": "not a date"},
        {"url": OURS + "clinician"},
        {"url": "https://example.org/notes", "valueString": "someone else's"},
    ],
)
def test_extensions_that_do_not_fit_are_left_alone(extension):
    values = the_one(read(visit(extension)), "visits").values
    assert values["notes"] == ""
    assert values["clinician"] == ""
    assert str(values["date"]) == "2024-02-01"


def test_our_extensions_never_override_what_the_file_says_in_standard_elements():
    written = visit({"url": OURS + "clinician", "valueString": "Dr. Extension"})
    written["participant"] = [{"individual": {"display": "Dr. Ana Ruiz"}}]
    assert the_one(read(written), "visits").values["clinician"] == "Dr. Ana Ruiz"


def test_a_date_of_our_own_keeps_its_precision_and_only_whole_days_fill_a_day_column():
    review = {
        "resourceType": "Procedure",
        "id": "m1",
        "status": "completed",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "182836005"}]},
        "subject": SUBJECT,
        "performedDateTime": "2025-01",
        "extension": [{"url": OURS + "next-due", "valueDate": "2026-01-10"}],
    }
    assert str(the_one(read(review), "medication-reviews").values["next_due"]) == "2026-01-10"
    review["extension"] = [{"url": OURS + "next-due", "valueDate": "2026-01"}]
    assert the_one(read(review), "medication-reviews").values.get("next_due") is None


def test_why_a_document_is_kept_comes_back_from_our_extension(world: World):
    pdf = b"%PDF-1.4 a discharge letter"
    reference = {
        "resourceType": "DocumentReference",
        "id": "d1",
        "status": "current",
        "subject": SUBJECT,
        "description": "Discharge letter",
        "extension": [{"url": "urn:myhealthhub:extension:why", "valueString": "For the surgeon"}],
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(pdf).decode(),
                    "title": "letter.pdf",
                }
            }
        ],
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": PATIENT}, {"resource": reference}],
    }
    profile, _job = import_into_new_profile(
        world.accounts["owner"], "letter.json", json.dumps(bundle).encode()
    )
    kept = Document.objects.get(profile=profile, content_type="application/pdf")
    assert (kept.description, kept.why) == ("Discharge letter", "For the surgeon")
