"""The FHIR importer reads real exports completely and refuses broken files clearly.

Counts are taken straight from the JSON with a few lines of this file, not
from the importer, so its accounting is checked against the files.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Upload, no_progress
from myhealthhub.imports.fhir import fields, parse
from myhealthhub.imports.fhir.importer import Fhir
from myhealthhub.imports.fhir.tests.files import BULK, IPS, SYNTHEA, WHOLE_BULK, subjects
from myhealthhub.lib.dates import PartialDate
from myhealthhub.records.kinds import KINDS
from myhealthhub.tests.real_files import ours, shared_data

# Helpers ----------------------------------------------------------------------


def counted(paths: list[Path]) -> Counter[str]:
    """Resources per type, straight from the files."""
    counts: Counter[str] = Counter()
    for path in paths:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".ndjson":
            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
            counts.update(line["resourceType"] for line in lines if "resourceType" in line)
            continue
        document = json.loads(text)
        if document["resourceType"] == "Bundle":
            counts.update(entry["resource"]["resourceType"] for entry in document["entry"])
        else:
            counts[document["resourceType"]] += 1
    return counts


def accounted(mapping: Mapping) -> Counter[str]:
    """Resources per type as the mapping accounts for them (dotted origins are extras)."""
    counts: Counter[str] = Counter()
    counts.update(entry.origin for entry in mapping.entries)
    counts.update(document.origin for document in mapping.documents)
    counts.update(skipped.origin for skipped in mapping.skipped)
    counts.update(mapping.used)
    return Counter({origin: n for origin, n in counts.items() if "." not in origin})


def assert_fits_the_models(mapping: Mapping) -> None:
    """Every value is a column of its kind's model, of the column's type; text is never None."""
    for entry in mapping.entries:
        model = KINDS[entry.kind].model
        for name, value in entry.values.items():
            field = model._meta.get_field(name)
            if isinstance(field, models.CharField | models.TextField):
                assert isinstance(value, str), (entry.where, name, value)
            elif isinstance(field, models.BooleanField):
                assert isinstance(value, bool), (entry.where, name, value)
            elif isinstance(field, models.DateField):
                assert value is None or type(value) is dt.date, (entry.where, name, value)
            elif isinstance(field, models.TimeField):
                assert value is None or isinstance(value, dt.time), (entry.where, name, value)
            elif isinstance(field, models.FloatField):
                assert value is None or isinstance(value, float), (entry.where, name, value)
            elif isinstance(field, models.PositiveSmallIntegerField):
                assert value is None or 0 <= value <= 32767, (entry.where, name, value)
            elif isinstance(field, models.JSONField):
                json.dumps(value)
        assert entry.values["display"], entry.where


def upload(name: str, content: bytes) -> Upload:
    return Upload(name, io.BytesIO(content), len(content))


def from_paths(paths: list[Path]) -> list[Upload]:
    return [upload(path.name, path.read_bytes()) for path in paths]


def read(*uploads: Upload) -> Mapping:
    return Fhir().read(list(uploads), no_progress)


def read_json(value: Any, name: str = "bundle.json") -> Mapping:
    return read(upload(name, json.dumps(value).encode()))


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"fullUrl": f"urn:uuid:00000000-0000-0000-0000-{index:012d}", "resource": resource}
            for index, resource in enumerate(resources)
        ],
    }


PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"use": "official", "given": ["Ana", "María"], "family": "García"}],
    "birthDate": "1970-05",
    "gender": "female",
}


def condition(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "c1",
        "code": {"text": "Asthma"},
        "subject": {"reference": "Patient/p1"},
        **fields,
    }


def entries(mapping: Mapping, kind: str) -> list[dict[str, Any]]:
    return [entry.values for entry in mapping.entries if entry.kind == kind]


# Real exports -------------------------------------------------------------------


@pytest.mark.parametrize("path", SYNTHEA + IPS, ids=lambda path: path.name[:40])
def test_every_resource_of_a_bundle_is_accounted_for(path):
    mapping = read(*from_paths([path]))

    assert accounted(mapping) == counted([path])
    assert all(problem.where for problem in mapping.warnings)
    assert len(mapping.patients) == 1
    assert_fits_the_models(mapping)


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param(BULK, id="three-patients"),
        pytest.param(WHOLE_BULK, id="whole", marks=shared_data),
    ],
)
def test_every_resource_of_a_bulk_export_is_accounted_for(paths: list[Path]):
    mapping = read(*from_paths(paths))

    assert accounted(mapping) == counted(paths)
    assert all(problem.where for problem in mapping.warnings)
    assert len(mapping.patients) == counted(paths)["Patient"]
    assert_fits_the_models(mapping)


def test_a_zip_of_a_bulk_export_reads_the_same(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle_zip:
        for path in BULK:
            bundle_zip.write(path, f"output/{path.name}")
        bundle_zip.writestr("output/README.txt", "Exported by a test.")

    mapping = read(upload("export.zip", archive.read_bytes()))

    assert accounted(mapping) == counted(BULK)
    assert all(problem.where for problem in mapping.warnings)
    assert any(p.where == "export.zip/output/README.txt" for p in mapping.warnings)
    assert any(p.where == "export.zip/output/log.ndjson, line 1" for p in mapping.warnings)


def test_a_bulk_conditions_file_read_alone_keeps_its_people_apart():
    path = ours("fhir/bulk-ndjson/Condition.000.ndjson")
    mapping = read(*from_paths([path]))
    keys = {patient.key for patient in mapping.patients}

    assert len(mapping.entries) == counted([path])["Condition"]
    assert len(keys) == len(mapping.patients) == len(subjects(path)) > 1
    assert all(len(entry.patients) == 1 and entry.patients <= keys for entry in mapping.entries)
    assert all(patient.name == "" for patient in mapping.patients)
    assert all(entry.key_is_local for entry in mapping.entries)


def test_bulk_entries_of_identified_patients_have_keys_that_travel():
    mapping = read(*from_paths(BULK))

    assert not any(entry.key_is_local for entry in mapping.entries)
    assert not any(document.key_is_local for document in mapping.documents)


def test_elga_lab_panels_bring_their_laboratory():
    mapping = read(*from_paths([ours("ips/validated_AT_ELGA_GmbH_01.json")]))

    assert not [s for s in mapping.skipped if s.origin == "Organization"]
    assert any(
        "Performed by: Amadeus Spital - Labor" in values["notes"]
        for values in entries(mapping, "results")
    )


def test_bulk_notes_become_documents_linked_to_their_visits():
    mapping = read(*from_paths(BULK))
    visits = {entry.key for entry in mapping.entries if entry.kind == "visits"}
    note = mapping.documents[0]

    assert len(mapping.documents) == counted(BULK)["DocumentReference"]
    assert note.origin == "DocumentReference"
    assert note.filename == "History and physical note.txt"
    assert note.kind == "visit_summary"
    assert note.content.startswith(b"\n2017-03-08\n\n# Chief Complaint")
    assert note.when == PartialDate(2017, 3, 8)
    assert note.facility == "NINNESCAH VALLEY HEALTH SYSTEMS INC"
    assert note.entry_keys and set(note.entry_keys) <= visits
    assert len(note.patients) == 1


@shared_data
def test_bulk_practitioners_belong_to_the_patients_they_saw():
    mapping = read(*from_paths(WHOLE_BULK))
    team = [entry for entry in mapping.entries if entry.origin == "Practitioner"]
    irvin = next(entry for entry in team if entry.values["display"] == "Dr. Irvin970 Emard19")

    assert irvin.key == "Practitioner/http://hl7.org/fhir/sid/us-npi|9999908392"
    assert irvin.values["role"] == "clinician"
    assert irvin.values["specialty"] == "General Practice Physician"
    assert irvin.values["email"] == "Irvin970.Emard19@example.com"
    assert len(irvin.patients) == 2
    assert irvin.patients <= {patient.key for patient in mapping.patients}


def test_synthea_condition_keeps_its_name_and_onset():
    path = next(path for path in SYNTHEA if "Fletcher_Hyatt" in path.name)
    mapping = read(*from_paths([path]))
    (patient,) = mapping.patients
    hypertension = next(
        entry for entry in mapping.entries if entry.values["display"] == "Hypertension"
    )

    assert (patient.given_name, patient.family_name, patient.sex) == ("Fletcher", "Hyatt", "male")
    assert patient.birth == PartialDate(1915, 7, 3)
    assert patient.key == (
        "Patient/https://github.com/synthetichealth/synthea|fe0562b5-f517-4951-8366-32fdab088930"
    )
    assert hypertension.kind == "conditions"
    assert hypertension.key == "urn:uuid:1905b4a4-66e1-4d63-afad-968ce206c983"
    assert hypertension.values["date"] == dt.date(1934, 1, 13)
    assert hypertension.values["date_precision"] == "day"
    assert hypertension.values["clinical_status"] == "active"
    assert hypertension.values["codings"] == [
        {"system": "http://snomed.info/sct", "code": "38341003", "display": "Hypertension"}
    ]
    assert hypertension.patients == {patient.key}
    assert {"system": "urn:fhir:Condition", "value": hypertension.key} in hypertension.identifiers


def test_synthea_blood_pressure_reads_systolic_first():
    path = next(path for path in SYNTHEA if "Fletcher_Hyatt" in path.name)
    mapping = read(*from_paths([path]))
    pressure = next(v for v in entries(mapping, "results") if v["display"] == "Blood Pressure")

    assert [part["code"] for part in pressure["components"]] == ["8480-6", "8462-4"]
    assert pressure["components"][0]["unit"] == "mm[Hg]"
    assert pressure["category"] == "vital-signs"
    assert pressure["effective_time"] == dt.time(19, 20, 6)
    # Synthea writes "+00:00": the moment is known.
    assert pressure["effective_offset"] == 0


@pytest.mark.parametrize(
    ("written", "time", "offset"),
    [
        ("2026-03-15T09:30:00-04:00", dt.time(9, 30), -240),
        ("2026-03-15T14:30:00.25+01:00", dt.time(14, 30, 0, 250000), 60),
        ("2026-03-15T13:30:00Z", dt.time(13, 30), 0),
        ("2026-03-15T05:45:00+05:45", dt.time(5, 45), 345),
    ],
)
def test_a_result_keeps_the_offset_its_time_was_written_with(written, time, offset):
    glucose = {
        "resourceType": "Observation",
        "id": "g1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}], "text": "Glucose"},
        "effectiveDateTime": written,
        "valueQuantity": {"value": 99, "unit": "mg/dL"},
    }
    (result,) = entries(
        read_json(
            {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": glucose}]}
        ),
        "results",
    )
    assert (result["date"], result["effective_time"], result["effective_offset"]) == (
        dt.date(2026, 3, 15),
        time,
        offset,
    )


def test_an_offset_no_clock_has_leaves_the_date_unread():
    glucose = {
        "resourceType": "Observation",
        "id": "g1",
        "status": "final",
        "code": {"text": "Glucose"},
        "effectiveDateTime": "2026-03-15T09:30:00+19:00",
        "valueQuantity": {"value": 99, "unit": "mg/dL"},
    }
    mapping = read_json(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": glucose}]}
    )
    (result,) = entries(mapping, "results")
    assert (result["date"], result["effective_time"]) == (None, None)
    assert any("could not be read" in str(w.message) for w in mapping.warnings)


def test_synthea_billing_records_are_skipped_with_a_reason():
    path = next(path for path in SYNTHEA if "Fletcher_Hyatt" in path.name)
    mapping = read(*from_paths([path]))
    reasons = {s.reason for s in mapping.skipped if s.origin in ("Claim", "ExplanationOfBenefit")}

    assert reasons == {"billing record; MyHealthHub does not keep these"}


def test_ips_allergy_keeps_criticality_category_and_year():
    mapping = read(*from_paths([ours("ips/hl7ri_IPS-bundle-01.json")]))
    (penicillin,) = entries(mapping, "allergies")

    assert penicillin["display"].startswith("Substance with penicillin structure")
    assert penicillin["criticality"] == "high"
    assert penicillin["category"] == "medication"
    assert penicillin["status"] == "active"
    assert penicillin["date"] == dt.date(2010, 1, 1)
    assert penicillin["date_precision"] == "year"
    assert mapping.sender == "Anorg Aniza Tion BV / The best custodian ever"


def test_ips_no_known_allergy_is_a_statement():
    mapping = read(*from_paths([ours("ips/cxn_NZ_Peter_Jordan_NNJ9186.json")]))
    (statement,) = [entry for entry in mapping.entries if entry.kind == "no-known-allergies"]

    assert statement.origin == "AllergyIntolerance"
    assert statement.values["display"] == "No known allergies"
    assert not entries(mapping, "allergies")


def test_ips_no_known_food_allergy_says_food():
    mapping = read(*from_paths([ours("ips/hl7ri_IPS-bundle-01.json")]))

    (statement,) = entries(mapping, "no-known-allergies")

    assert statement["display"] == "No known food allergies"


def test_ips_no_information_is_not_no_known_allergies():
    path = ours("ips/validated_IPS_IG_bundle-no-info-required-sections.json")
    mapping = read(*from_paths([path]))

    assert not entries(mapping, "no-known-allergies")
    assert any(
        "Allergies and Intolerances" in problem.message
        and problem.where == "/entry/0/resource/section/0"
        for problem in mapping.warnings
    )


def test_ips_no_allergy_info_code_is_skipped_with_a_reason():
    mapping = read(*from_paths([ours("ips/cxn_EU_IPS_wylem_bars.json")]))
    (skipped,) = [s for s in mapping.skipped if s.origin == "AllergyIntolerance"]

    assert skipped.reason == "the file says it has no information about allergies"
    assert not entries(mapping, "no-known-allergies")


def test_epatientdave_medications():
    path = ours("ips/validated_US_ePatientDave_medStatements_with_Narrative.json")
    mapping = read(*from_paths([path]))
    medications = entries(mapping, "medications")
    by_name = {(m["display"], m["date"]): m for m in medications}

    assert len(medications) == 29
    assert by_name["Vitamin D gummies", dt.date(2023, 6, 1)]["route"] == "Oral gum"
    assert by_name["Benadryl (OTC)", dt.date(2022, 8, 1)]["as_needed"] is True
    assert by_name["Atorvastatin", dt.date(2023, 2, 1)]["status"] == "on-hold"
    assert by_name["Atorvastatin", dt.date(2023, 2, 1)]["codings"][0]["code"] == "108537001"
    assert mapping.patients[0].name == "Dave deBronkart"
    assert mapping.sender == "eHealthLab - University of Cyprus"


def test_ips_medication_reference_brings_the_medicine():
    mapping = read(*from_paths([ours("ips/validated_IPS_IG_bundle-minimal.json")]))
    (medicine,) = entries(mapping, "medications")

    assert medicine["display"] == "Product containing anastrozole (medicinal product)"
    assert medicine["date"] == dt.date(2015, 3, 1)
    assert medicine["date_precision"] == "month"
    assert medicine["dose"] == "1 tablet"
    assert mapping.used["Medication"] == 1


def test_reading_reports_progress_up_to_the_end():
    seen: list[float] = []

    Fhir().read(from_paths(BULK), lambda fraction, items=0: seen.append(fraction))

    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert len(seen) > len(BULK)


# Small files built here -----------------------------------------------------------


def test_a_section_saying_nothing_is_known_adds_the_statement():
    composition = {
        "resourceType": "Composition",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "date": "2024-03-05T10:00:00+01:00",
        "section": [
            {
                "title": "Allergies",
                "code": {"coding": [{"system": "http://loinc.org", "code": "48765-2"}]},
                "emptyReason": {"coding": [{"code": "nilknown"}]},
            }
        ],
    }
    mapping = read_json(bundle(composition, PATIENT, kind="document"))
    (statement,) = mapping.entries

    assert statement.kind == "no-known-allergies"
    assert statement.origin == "Composition.section"
    assert statement.values["date"] == dt.date(2024, 3, 5)
    assert statement.patients == {mapping.patients[0].key}
    assert mapping.used == {"Composition": 1, "Patient": 1}


def test_enums_in_the_wrong_case_are_read_with_a_warning():
    visit = {
        "resourceType": "Encounter",
        "status": "Finished",
        "class": {"code": "AMB"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2020-01-02T09:00:00Z"},
    }
    active = {"coding": [{"code": "Active"}]}
    mapping = read_json(bundle(PATIENT, visit, condition(clinicalStatus=active)))

    assert entries(mapping, "visits")[0]["display"] == "Outpatient visit"
    assert entries(mapping, "conditions")[0]["clinical_status"] == "active"
    assert {problem.where for problem in mapping.warnings} == {
        "/entry/1/resource/status",
        "/entry/2/resource/clinicalStatus/coding/0/code",
    }


def test_an_unreadable_date_is_left_empty_with_a_warning():
    mapping = read_json(bundle(PATIENT, condition(onsetDateTime="13/04/2015")))

    assert entries(mapping, "conditions")[0]["date"] is None
    (problem,) = mapping.warnings
    assert problem.where == "/entry/1/resource/onsetDateTime"
    assert "13/04/2015" in problem.message


def test_a_date_is_kept_as_written_without_time_zone_conversion():
    mapping = read_json(bundle(PATIENT, condition(onsetDateTime="2015-03-31T23:30:00-05:00")))

    assert entries(mapping, "conditions")[0]["date"] == dt.date(2015, 3, 31)


def test_a_record_without_a_name_gets_one_and_a_warning():
    mapping = read_json(bundle(PATIENT, condition(code={"coding": [{"code": "195967001"}]})))

    assert entries(mapping, "conditions")[0]["display"] == "(no name)"
    assert mapping.warnings[0].where == "/entry/1/resource"


def test_a_patient_who_is_not_in_the_file_is_not_another_person():
    """A file with its Patient: a reference to one it does not hold (a stale id, a
    Consent's) belongs to the file's only patient, and makes nobody new to choose."""
    lost = condition(subject={"reference": "Patient/nobody"})

    mapping = read_json(bundle(PATIENT, lost))

    assert [patient.key for patient in mapping.patients] == [
        "urn:uuid:00000000-0000-0000-0000-000000000000",
    ]
    assert mapping.entries[0].patients == {mapping.patients[0].key}
    (problem,) = mapping.warnings
    assert problem.message == (
        "This refers to a patient who is not in the file; it was read as "
        "belonging to the file's only patient."
    )
    assert problem.where == "/entry/1/resource/subject"


def test_records_of_people_not_in_the_file_stay_apart_by_person():
    first = condition(id="c1", subject={"reference": "Patient/a"})
    again = condition(id="c2", subject={"reference": "Patient/a/_history/3"})
    other = condition(id="c3", subject={"reference": "https://ehr.example/fhir/Patient/b"})
    by_identifier = {"identifier": {"system": "urn:oid:1.2", "value": "7"}}
    third = condition(id="c4", subject=by_identifier)
    content = b"\n".join(json.dumps(r).encode() for r in (first, again, other, third))

    mapping = read(upload("Condition.ndjson", content))

    assert [patient.key for patient in mapping.patients] == [
        "Patient/a",
        "https://ehr.example/fhir/Patient/b",
        "Patient/urn:oid:1.2|7",
    ]
    assert [set(entry.patients) for entry in mapping.entries] == [
        {"Patient/a"},
        {"Patient/a"},
        {"https://ehr.example/fhir/Patient/b"},
        {"Patient/urn:oid:1.2|7"},
    ]
    assert mapping.patients[0].where == "Condition.ndjson, line 1, /subject"
    assert len(mapping.warnings) == 3


def test_a_patient_named_only_belongs_to_the_files_only_patient():
    named = condition(subject={"display": "Ana García"})

    mapping = read_json(bundle(PATIENT, named))

    assert len(mapping.patients) == 1
    assert mapping.entries[0].patients == {mapping.patients[0].key}
    assert mapping.warnings[0].message == (
        "This refers to a patient who is not in the file; it was read as "
        "belonging to the file's only patient."
    )


def test_a_subject_that_is_not_a_patient_makes_no_person():
    grouped = condition(subject={"reference": "Group/g1"})

    mapping = read_json(bundle(PATIENT, grouped))

    assert len(mapping.patients) == 1
    assert mapping.entries[0].patients == frozenset()


def test_a_record_about_nobody_in_particular_has_no_owner():
    mapping = read_json(bundle(PATIENT, condition(subject=None)))

    assert mapping.entries[0].patients == frozenset()
    assert len(mapping.patients) == 1
    assert not mapping.warnings


def test_entered_in_error_is_skipped():
    wrong = {"coding": [{"code": "entered-in-error"}]}

    mapping = read_json(bundle(PATIENT, condition(verificationStatus=wrong)))

    assert not mapping.entries
    assert mapping.skipped[0].reason == "marked as entered in error"


def test_keys_prefer_identifiers_then_global_urls_then_ids_within_the_patient():
    with_identifier = condition(id="a", identifier=[{"system": "urn:oid:1.2", "value": "42"}])
    plain = condition(id="b")
    document: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    document["entry"] = [
        {"resource": PATIENT},
        {"resource": with_identifier},
        {"fullUrl": "urn:uuid:3c4b0f39-5a70-4c7a-9d4c-111111111111", "resource": plain},
        {"resource": condition(id="c")},
    ]

    mapping = read_json(document)
    keys = [entry.key for entry in mapping.entries]

    assert keys == [
        "Condition/urn:oid:1.2|42",
        "urn:uuid:3c4b0f39-5a70-4c7a-9d4c-111111111111",
        "Condition/c@Patient/p1",
    ]
    assert [entry.key_is_local for entry in mapping.entries] == [False, False, True]
    assert mapping.patients[0].key == "Patient/p1"


def test_an_id_within_an_identified_patient_is_not_local():
    patient = {**PATIENT, "identifier": [{"system": "urn:oid:9.9", "value": "ana"}]}
    note = base64.b64encode(b"Seen today.").decode()
    reference = {
        "resourceType": "DocumentReference",
        "id": "d1",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "content": [{"attachment": {"contentType": "text/plain", "data": note}}],
    }
    document: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    document["entry"] = [{"resource": r} for r in (patient, condition(id="c"), reference)]

    mapping = read_json(document)

    assert mapping.entries[0].key == "Condition/c@Patient/urn:oid:9.9|ana"
    assert not mapping.entries[0].key_is_local
    assert not mapping.documents[0].key_is_local


def test_ids_of_a_file_without_identifiers_are_local():
    note = base64.b64encode(b"Seen today.").decode()
    reference = {
        "resourceType": "DocumentReference",
        "id": "d1",
        "status": "current",
        "content": [{"attachment": {"contentType": "text/plain", "data": note}}],
    }
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "code": {"text": "Chest X-ray"},
        "subject": {"reference": "Patient/p1"},
        "conclusion": "No abnormality seen.",
        "presentedForm": [{"contentType": "text/plain", "data": note}],
    }
    lines = [json.dumps(r).encode() for r in (PATIENT, reference, report)]

    mapping = read(upload("export.ndjson", b"\n".join(lines)))

    assert [d.key_is_local for d in mapping.documents] == [True, True]
    assert [(e.origin, e.key_is_local) for e in mapping.entries] == [
        ("DiagnosticReport.conclusion", True)
    ]


def test_keys_stay_the_same_when_the_export_comes_in_another_order():
    resources = [PATIENT, condition(id="c1"), condition(id="c2", code={"text": "Gout"})]
    first = read_json(bundle(*resources))
    document = bundle(*resources)
    document["entry"].reverse()
    second = read_json(document)

    assert sorted(e.key for e in first.entries) == sorted(e.key for e in second.entries)


def test_a_report_with_a_pdf_becomes_a_document_and_its_results_entries():
    pdf = b"%PDF-1.4 a lab report"
    result = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"text": "Glucose"},
        "subject": {"reference": "Patient/p1"},
        "valueQuantity": {"value": 5.4, "comparator": "<", "unit": "mmol/l", "code": "mmol/L"},
        "referenceRange": [{"low": {"value": 3.9}, "high": {"value": 6.1}}],
    }
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "category": [{"coding": [{"code": "LAB"}]}],
        "code": {"text": "Blood sugar"},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2021-06",
        "result": [{"reference": "Observation/o1"}],
        "presentedForm": [
            {"contentType": "application/pdf", "data": base64.b64encode(pdf).decode()},
            {"contentType": "application/msword", "data": "AAAA"},
        ],
    }

    mapping = read_json(bundle(PATIENT, result, report))
    (document,) = mapping.documents
    (glucose,) = entries(mapping, "results")

    assert document.origin == "DiagnosticReport.presentedForm"
    assert document.content == pdf
    assert document.filename == "Blood sugar.pdf"
    assert document.kind == "lab_report"
    assert document.when == PartialDate(2021, 6)
    assert document.entry_keys == [mapping.entries[0].key]
    assert mapping.used["DiagnosticReport"] == 1
    (word,) = mapping.skipped
    assert (word.origin, word.where) == (
        "DiagnosticReport.presentedForm",
        "/entry/2/resource/presentedForm/1",
    )
    assert word.reason == "a file of type “application/msword”, which MyHealthHub does not keep"
    assert word.patients == {mapping.patients[0].key}
    assert (glucose["value_number"], glucose["comparator"]) == (5.4, "<")
    assert (glucose["unit"], glucose["unit_text"]) == ("mmol/L", "mmol/l")
    assert (glucose["reference_low"], glucose["reference_high"]) == (3.9, 6.1)


def test_a_number_too_large_for_a_float_is_left_out_with_a_warning():
    result = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "Glucose"},
        "subject": {"reference": "Patient/p1"},
        "valueQuantity": {"value": 10**400, "unit": "mmol/l"},
        "referenceRange": [{"low": {"value": -(10**400)}, "high": {"value": 6.1}}],
        "component": [{"code": {"text": "Part"}, "valueInteger": 10**400}],
    }
    content = json.dumps(bundle(PATIENT, result)).replace("6.1", "1e400").encode()

    mapping = read(upload("bundle.json", content))
    (glucose,) = entries(mapping, "results")

    assert (glucose["value_number"], glucose["reference_low"], glucose["reference_high"]) == (
        None,
        None,
        None,
    )
    assert glucose["components"][0]["value"] is None
    assert [(p.message, p.where) for p in mapping.warnings] == [
        (
            "This number is too large to be read; it was left out.",
            "/entry/1/resource/valueQuantity/value",
        ),
        (
            "This number is too large to be read; it was left out.",
            "/entry/1/resource/referenceRange/0/low/value",
        ),
        (
            "This number is too large to be read; it was left out.",
            "/entry/1/resource/referenceRange/0/high/value",
        ),
        (
            "This number is too large to be read; it was left out.",
            "/entry/1/resource/component/0/valueInteger",
        ),
    ]
    assert_fits_the_models(mapping)


def test_numbers_too_large_elsewhere_read_as_absent():
    huge = 10**400
    statement = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": {"text": "Aspirin"},
        "subject": {"reference": "Patient/p1"},
        "dosage": [
            {
                "timing": {"repeat": {"frequency": huge, "period": huge, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": huge, "unit": "mg"}}],
            }
        ],
    }

    (aspirin,) = entries(read_json(bundle(PATIENT, statement)), "medications")

    assert (aspirin["dose"], aspirin["frequency"]) == ("", "")
    assert fields.number(huge) is None
    assert fields.number(float("nan")) is None
    assert fields.number(float("-inf")) is None
    assert fields.number(2) == 2.0


def test_a_panels_laboratory_performed_its_results():
    lab = {"resourceType": "Organization", "id": "lab", "name": "Labor Nord"}
    panel = {
        "resourceType": "Observation",
        "id": "panel",
        "status": "final",
        "code": {"text": "Blood count"},
        "subject": {"reference": "Patient/p1"},
        "hasMember": [{"reference": "Observation/inner"}],
        "performer": [{"reference": "Organization/lab"}],
    }
    inner = {**panel, "id": "inner", "hasMember": [{"reference": "Observation/hb"}]}
    del inner["performer"]
    hemoglobin = {
        "resourceType": "Observation",
        "id": "hb",
        "status": "final",
        "code": {"text": "Hemoglobin"},
        "subject": {"reference": "Patient/p1"},
        "valueQuantity": {"value": 13.5, "unit": "g/dl"},
        "performer": [{"reference": "Patient/p1"}],
    }

    mapping = read_json(bundle(PATIENT, hemoglobin, lab, panel, inner))
    (result,) = entries(mapping, "results")

    assert result["notes"] == "Performed by: Labor Nord"
    assert mapping.used == {"Patient": 1, "Observation": 2, "Organization": 1}
    assert not mapping.skipped


def test_a_report_with_only_a_conclusion_becomes_a_note():
    report = {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "code": {"text": "Chest X-ray"},
        "subject": {"reference": "Patient/p1"},
        "conclusion": "No abnormality seen.",
    }

    (note,) = entries(read_json(bundle(PATIENT, report)), "notes")

    assert (note["display"], note["body"]) == ("Chest X-ray", "No abnormality seen.")


def test_a_reports_file_that_is_not_kept_is_listed_as_skipped():
    report = {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "code": {"text": "Chest X-ray"},
        "subject": {"reference": "Patient/p1"},
        "conclusion": "No abnormality seen.",
        "presentedForm": [
            {"contentType": "text/html", "data": base64.b64encode(b"<p>x</p>").decode()},
            {"contentType": "application/pdf"},
            {"contentType": "application/pdf", "data": "aGVsbG8"},
        ],
    }

    mapping = read_json(bundle(PATIENT, report))

    assert entries(mapping, "notes")[0]["body"] == "No abnormality seen."
    assert [(s.origin, s.reason, s.where, s.example) for s in mapping.skipped] == [
        (
            "DiagnosticReport.presentedForm",
            "a file of type “text/html”, which MyHealthHub does not keep",
            "/entry/1/resource/presentedForm/0",
            "Chest X-ray",
        ),
        (
            "DiagnosticReport.presentedForm",
            "it holds no file",
            "/entry/1/resource/presentedForm/1",
            "Chest X-ray",
        ),
        (
            "DiagnosticReport.presentedForm",
            "its file could not be decoded",
            "/entry/1/resource/presentedForm/2",
            "Chest X-ray",
        ),
    ]


def test_a_report_that_is_only_a_refused_file_is_skipped_for_that_reason():
    report = {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "code": {"text": "Chest X-ray"},
        "subject": {"reference": "Patient/p1"},
        "presentedForm": [{"contentType": "text/html", "data": "PHA+eDwvcD4="}],
    }

    mapping = read_json(bundle(PATIENT, report))
    (skipped,) = mapping.skipped

    assert skipped.origin == "DiagnosticReport"
    assert skipped.reason == "a file of type “text/html”, which MyHealthHub does not keep"


def test_a_document_only_linked_to_is_skipped():
    reference = {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "content": [{"attachment": {"contentType": "application/pdf", "url": "https://x/1"}}],
    }

    mapping = read_json(bundle(PATIENT, reference))

    assert mapping.skipped[0].reason == "the file is not inside the export, only a link to it"


def test_a_single_resource_file_is_read():
    mapping = read_json(condition(), name="condition.json")

    assert entries(mapping, "conditions")[0]["display"] == "Asthma"
    assert mapping.entries[0].where == "condition.json"


def test_a_byte_order_mark_is_tolerated():
    mapping = read(upload("b.json", b"\xef\xbb\xbf" + json.dumps(bundle(PATIENT)).encode()))

    assert mapping.patients[0].name == "Ana María García"
    assert mapping.patients[0].birth == PartialDate(1970, 5)


def test_one_odd_entry_is_skipped_with_a_warning():
    document = bundle(PATIENT, condition())
    document["entry"].insert(1, {"fullUrl": "urn:uuid:x"})
    document["entry"].insert(2, {"resource": {"id": "no-type"}})

    mapping = read_json(document)

    assert [problem.where for problem in mapping.warnings] == [
        "/entry/1",
        "/entry/2/resource",
    ]
    assert len(mapping.entries) == 1


def test_the_patients_organisation_joins_the_care_team_and_sends_the_file():
    clinic = {
        "resourceType": "Organization",
        "id": "o1",
        "name": "Clínica Norte",
        "type": [{"coding": [{"code": "prov"}]}],
        "telecom": [{"system": "phone", "value": "+34 900 000 000"}],
    }
    stranger = {"resourceType": "Practitioner", "id": "d1", "name": [{"family": "Nadie"}]}
    patient = {**PATIENT, "managingOrganization": {"reference": "Organization/o1"}}

    mapping = read_json(bundle(patient, clinic, stranger))
    (member,) = mapping.entries

    assert member.kind == "care-team"
    assert (member.values["display"], member.values["role"]) == ("Clínica Norte", "hospital")
    assert member.values["phone"] == "+34 900 000 000"
    assert member.patients == {mapping.patients[0].key}
    assert mapping.sender == "Clínica Norte"
    assert mapping.skipped[0].origin == "Practitioner"
    assert "not referred to" in mapping.skipped[0].reason


def test_a_second_attachment_becomes_a_second_document():
    note = base64.b64encode(b"Seen today.").decode()
    reference = {
        "resourceType": "DocumentReference",
        "id": "d1",
        "status": "current",
        "type": {"text": "Discharge summary"},
        "subject": {"reference": "Patient/p1"},
        "content": [
            {"attachment": {"contentType": "text/plain", "data": note}},
            {"attachment": {"contentType": "application/zip", "data": note}},
            {"attachment": {"contentType": "image/png", "data": note, "title": "scan/1.png"}},
        ],
    }

    mapping = read_json(bundle(PATIENT, reference))

    assert [d.origin for d in mapping.documents] == [
        "DocumentReference",
        "DocumentReference.content",
    ]
    assert [d.filename for d in mapping.documents] == ["Discharge summary.txt", "scan_1.png.png"]
    assert accounted(mapping) == {"Patient": 1, "DocumentReference": 1}
    (refused,) = mapping.skipped
    assert (refused.origin, refused.where, refused.example) == (
        "DocumentReference.content",
        "/entry/1/resource/content/1/attachment",
        "Discharge summary",
    )
    assert refused.reason == "a file of type “application/zip”, which MyHealthHub does not keep"


def test_every_refused_attachment_of_a_skipped_document_is_listed():
    reference = {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": {"text": "Letter"},
        "subject": {"reference": "Patient/p1"},
        "content": [
            {"attachment": {"contentType": "application/pdf", "url": "https://x/1"}},
            {"attachment": {"contentType": "text/html", "data": "PHA+eDwvcD4="}},
        ],
    }

    mapping = read_json(bundle(PATIENT, reference))

    assert [(s.origin, s.reason) for s in mapping.skipped] == [
        ("DocumentReference", "the file is not inside the export, only a link to it"),
        (
            "DocumentReference.content",
            "a file of type “text/html”, which MyHealthHub does not keep",
        ),
    ]


def test_many_warnings_of_one_kind_are_summed_up():
    broken = [condition(id=f"c{n}", onsetDateTime=f"{n}/2015") for n in range(12)]

    mapping = read_json(bundle(PATIENT, *broken))

    assert len(mapping.warnings) == 6
    assert mapping.warnings[-1].message.startswith("7 more warnings like this one")
    assert mapping.warnings[-1].where == "/entry/12/resource/onsetDateTime"


def test_ndjson_in_a_file_named_json_is_read_as_ndjson():
    content = json.dumps(PATIENT).encode() + b"\n" + json.dumps(condition()).encode() + b"\n"

    mapping = read(upload("export.json", content))

    assert mapping.entries[0].where == "export.json, line 2"


def test_a_broken_file_among_several_is_named():
    good = upload("a.json", json.dumps(bundle(PATIENT)).encode())

    with pytest.raises(Refused) as caught:
        read(good, upload("b.json", b'{"resourceType": "Bundle",, }'))

    assert caught.value.where == "b.json, line 1, column 27"


# Refused ----------------------------------------------------------------------


def refusal(content: bytes, name: str = "bundle.json") -> Refused:
    with pytest.raises(Refused) as caught:
        read(upload(name, content))
    return caught.value


def test_truncated_json_is_refused_with_its_line():
    content = json.dumps(bundle(PATIENT, condition()), indent=1).encode()

    error = refusal(content[: len(content) // 2])

    assert error.where.startswith("line ")
    assert "cut off" in error.reason


def test_broken_json_names_line_and_column():
    error = refusal(b'{"resourceType": "Bundle",\n  "entry": [1 2]}')

    assert error.where == "line 2, column 15"
    assert error.reason == "This file is not valid JSON: a comma was expected."


def test_very_deep_nesting_is_refused_without_recursion_error():
    content = b'{"resourceType": "Bundle", "x":\n' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    error = refusal(content)

    assert error.where == "line 2, column 500"


def test_a_dstu2_bundle_is_refused():
    order = {"resourceType": "MedicationOrder", "id": "m1", "patient": {"reference": "Patient/p1"}}

    error = refusal(json.dumps(bundle(PATIENT, order)).encode())

    assert error.reason == "This is a FHIR DSTU2 file; MyHealthHub reads FHIR R4."
    assert error.where == "/entry/1/resource"


def test_a_string_clinical_status_is_refused_as_an_older_version():
    old = condition(clinicalStatus="active", patient={"reference": "Patient/p1"})

    assert "DSTU2" in refusal(json.dumps(bundle(PATIENT, old)).encode()).reason


def test_an_r5_medication_statement_is_refused():
    statement = {
        "resourceType": "MedicationStatement",
        "status": "recorded",
        "medication": {"concept": {"text": "Aspirin"}},
        "subject": {"reference": "Patient/p1"},
    }

    assert "R5" in refusal(json.dumps(bundle(PATIENT, statement)).encode()).reason


def test_json_that_is_not_fhir_is_refused():
    assert "not FHIR" in refusal(b'{"name": "a shopping list"}').reason
    assert "not FHIR" in refusal(b"[1, 2, 3]").reason


def test_a_bundle_whose_entry_is_not_a_list_is_refused():
    error = refusal(json.dumps({"resourceType": "Bundle", "entry": {"a": 1}}).encode())

    assert error.where == "/entry"


def test_text_that_is_not_utf8_is_refused_naming_the_line():
    text = json.dumps(bundle(PATIENT), indent=1, ensure_ascii=False)
    content = text.encode().replace("García".encode(), "García".encode("latin-1"))

    error = refusal(content)

    assert "UTF-8" in error.reason
    assert error.where.startswith("line ")


def test_a_bad_ndjson_line_is_refused_naming_file_and_line():
    content = json.dumps(PATIENT).encode() + b'\n{"resourceType": "Condition",\n'

    error = refusal(content, name="Condition.ndjson")

    assert error.where.startswith("Condition.ndjson, line 2, column")


def test_an_ndjson_line_too_long_is_refused(monkeypatch):
    monkeypatch.setattr(parse, "MAX_LINE", 100)

    error = refusal(json.dumps(condition(note=[{"text": "x" * 200}])).encode(), "c.ndjson")

    assert error.where == "c.ndjson, line 1"


def test_a_json_file_too_large_is_refused_pointing_to_ndjson(monkeypatch):
    monkeypatch.setattr(parse, "MAX_DOCUMENT", 100)

    assert "NDJSON" in refusal(json.dumps(bundle(PATIENT, condition())).encode()).reason


def test_a_zip_with_a_path_out_of_it_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.json", json.dumps(PATIENT))

    error = refusal(buffer.getvalue(), name="export.zip")

    assert error.where == "export.zip"


def test_only_non_fhir_lines_are_refused():
    error = refusal(b'{"eventId": "kickoff"}\n{"eventId": "done"}\n', name="log.ndjson")

    assert error.reason == "These files hold no FHIR resources."


# Recognising ---------------------------------------------------------------------


def test_it_recognizes_fhir_json_ndjson_and_zips_of_them():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Patient.ndjson", json.dumps(PATIENT))

    assert Fhir().recognizes(upload("b.json", json.dumps(bundle(PATIENT)).encode()))
    assert Fhir().recognizes(upload("Patient.ndjson", json.dumps(PATIENT).encode()))
    assert Fhir().recognizes(upload("export.zip", buffer.getvalue()))
    assert not Fhir().recognizes(upload("readings.csv", b"date,value\n2024-01-01,5\n"))
    assert not Fhir().recognizes(upload("list.json", b'{"shopping": ["eggs"]}'))


# Properties ------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
TYPES = [
    "Condition", "MedicationStatement", "MedicationRequest", "Medication", "AllergyIntolerance",
    "Immunization", "Observation", "DiagnosticReport", "Procedure", "Encounter",
    "DocumentReference", "CarePlan", "Goal", "Composition", "Practitioner", "PractitionerRole",
    "Organization", "Location", "Claim", "Patient",
]  # fmt: skip
FIELDS = [
    "id", "identifier", "status", "code", "subject", "patient", "clinicalStatus",
    "verificationStatus", "severity", "onsetDateTime", "onsetPeriod", "abatementDateTime",
    "category", "note", "medicationCodeableConcept", "medicationReference", "dosage",
    "effectiveDateTime", "effectivePeriod", "authoredOn", "requester", "reasonCode",
    "reasonReference", "type", "criticality", "reaction", "vaccineCode", "occurrenceDateTime",
    "protocolApplied", "lotNumber", "location", "performer", "valueQuantity",
    "valueCodeableConcept", "valueBoolean", "component", "referenceRange", "interpretation",
    "hasMember", "result", "presentedForm", "conclusion", "performedPeriod", "period",
    "participant", "serviceProvider", "content", "context", "custodian", "section", "author",
    "name", "telecom", "address", "practitioner", "organization", "birthDate", "gender",
    "contained", "description", "activity", "target", "manifestation", "dosageInstruction",
    "timing", "doseAndRate", "asNeededBoolean", "valueString", "valueInteger", "dataAbsentReason",
    "issued", "recordedDate", "generalPractitioner", "managingOrganization", "informationSource",
    "addresses", "dispenseRequest", "specialty", "qualification", "encounter", "attester",
    "date", "title", "emptyReason", "entry", "ingredient", "site", "outcome", "class",
    "lifecycleStatus", "achievementStatus", "startDate", "occurrenceString", "statusReason",
]  # fmt: skip
finite_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
codes = st.sampled_from(
    ["active", "Active", "entered-in-error", "refuted", "716186003", "no-allergy-info",
     "no-known-food-allergies", "LAB", "8480-6", "nilknown", "48765-2", "AMB", "in-progress"]
)  # fmt: skip
concept = st.fixed_dictionaries(
    {},
    optional={
        "text": finite_json,
        "coding": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "system": st.sampled_from(
                        [
                            "http://hl7.org/fhir/sid/cvx",
                            "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips",
                        ]
                    )
                    | finite_json,
                    "code": codes | finite_json,
                    "display": finite_json,
                },
            ),
            max_size=3,
        ),
    },
)
quantity = st.fixed_dictionaries(
    {},
    optional={
        "value": st.floats(allow_nan=False, allow_infinity=False) | finite_json,
        "unit": finite_json,
        "code": finite_json,
        "system": st.just("http://unitsofmeasure.org") | finite_json,
        "comparator": st.sampled_from(["<", ">=", "ad"]) | finite_json,
    },
)
reference = st.fixed_dictionaries(
    {},
    optional={
        "reference": st.sampled_from(
            [
                "Patient/p1",
                "#m1",
                "Practitioner?identifier=a|b",
                "Organization/o1",
                "urn:uuid:00000000-0000-0000-0000-000000000001",
                "Observation/o1",
            ]
        )
        | finite_json,
        "display": finite_json,
        "identifier": st.fixed_dictionaries({"system": finite_json, "value": finite_json}),
    },
)
dates = st.sampled_from(["2015", "2015-02", "2015-02-30", "2015-03-04T05:06:07.8+01:00", "x"])
attachment = st.fixed_dictionaries(
    {},
    optional={
        "contentType": st.sampled_from(["application/pdf", "text/plain; charset=utf-8", "a/b"]),
        "data": st.sampled_from(["aGVsbG8=", "%%%", "", "aGVsbG8"]) | finite_json,
        "url": finite_json,
        "title": finite_json,
    },
)
field_values = st.one_of(
    finite_json,
    concept,
    st.lists(concept, max_size=3),
    quantity,
    reference,
    st.lists(reference, max_size=3),
    dates,
    st.fixed_dictionaries({}, optional={"start": dates, "end": dates}),
    st.lists(st.fixed_dictionaries({"attachment": attachment}), max_size=2),
    st.lists(attachment, max_size=2),
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "code": concept,
                "valueQuantity": quantity,
                "manifestation": st.lists(concept, max_size=2),
                "emptyReason": concept,
                "entry": st.lists(reference, max_size=2),
                "text": st.fixed_dictionaries({"div": finite_json | st.just("No known allergies")}),
                "actor": reference,
                "individual": reference,
                "detail": st.fixed_dictionaries({}, optional={"code": concept}),
                "doseNumberPositiveInt": finite_json,
                "low": quantity,
                "high": quantity,
            },
        ),
        max_size=3,
    ),
)
fhir_shaped = st.builds(
    lambda kind, fields: {"resourceType": kind, **fields},
    st.sampled_from(TYPES),
    st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=8),
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_is_read_or_refused(value):
    with contextlib.suppress(Refused):
        read_json(value)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fhir_shaped, max_size=6))
def test_any_fhir_shaped_resources_are_accounted_for_or_refused(resources):
    document = bundle(PATIENT, *resources)
    try:
        mapping = read_json(document)
    except Refused:
        return
    assert accounted(mapping) == Counter(r["resourceType"] for r in [PATIENT, *resources])
    assert all(problem.where for problem in mapping.warnings)
    assert_fits_the_models(mapping)
