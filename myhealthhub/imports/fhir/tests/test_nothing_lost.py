"""Nothing lost (issue 15): every fact of a vendor's FHIR file reaches the record, in its place.

A report whose result is written only in its narrative is kept, as a result
or a note; who gave a vaccine is not where it was given; a name that only
says it is missing ("Null") is not a name; a differential diagnosis stays
one; an allergy keeps when it was recorded; a reaction that is "Not
available" is no reaction. Each pattern is read from a small bundle written
here, then checked over the real files where it occurs.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest

from myhealthhub.conftest import make_account
from myhealthhub.exports.tests.test_fhir import import_into_new_profile
from myhealthhub.imports.base import MappedEntry, Mapping, Upload, no_progress
from myhealthhub.imports.fhir.importer import Fhir
from myhealthhub.imports.fhir.tests.files import WHOLE_BULK, bundle
from myhealthhub.records.models import Allergy, Condition, Immunization, Note, Observation
from myhealthhub.tests.real_files import shared_data, shared_in

PATIENT = {"resourceType": "Patient", "id": "p1", "name": [{"family": "García"}]}
SUBJECT = {"reference": "Patient/p1"}
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
V2_0443 = "http://terminology.hl7.org/CodeSystem/v2-0443"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
XHTML = 'xmlns="http://www.w3.org/1999/xhtml"'
LAB = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB"}]}
EMPTY_REPORT = "an empty report: no results, no text, no file"
AS_A_NOTE = "This report's results are only in its narrative text; it was kept as a note."
AS_A_RESULT = (
    "This report's result is only in its narrative text; it was kept as a result "
    "with that text as its value."
)
# The real files of the workplace (../shared/data), where these patterns occur:
# each bundle alone, and the whole bulk export at once.
SHARED_BUNDLES = shared_in("ips", "*.json") + shared_in("fhir/synthea", "*.json")
SHARED_EXPORTS = [[path] for path in SHARED_BUNDLES] + ([WHOLE_BULK] if WHOLE_BULK else [])


def exports_mentioning(text: bytes) -> list[list[Path]]:
    """The shared exports whose bytes mention ``text``: a cheap filter, read before parsing."""
    return [paths for paths in SHARED_EXPORTS if any(text in p.read_bytes() for p in paths)]


def export_name(paths: list[Path]) -> str:
    return paths[0].name[:40] if len(paths) == 1 else "bulk-ndjson"


def content(*resources: dict[str, Any]) -> bytes:
    return bundle(PATIENT, *resources)


def read(*resources: dict[str, Any]) -> Mapping:
    data = content(*resources)
    return Fhir().read([Upload("b.json", io.BytesIO(data), len(data))], no_progress)


def read_paths(paths: list[Path]) -> Mapping:
    uploads = [Upload(p.name, io.BytesIO(p.read_bytes()), p.stat().st_size) for p in paths]
    return Fhir().read(uploads, no_progress)


def only(mapping: Mapping, kind: str) -> list[MappedEntry]:
    return [entry for entry in mapping.entries if entry.kind == kind]


def messages(mapping: Mapping) -> list[str]:
    return [problem.message for problem in mapping.warnings]


def resources_of(paths: list[Path], kind: str) -> list[dict[str, Any]]:
    """The resources of one type, straight from the files (not through the importer)."""
    found: list[dict[str, Any]] = []
    for path in paths:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".ndjson":
            found += [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            found += [entry["resource"] for entry in json.loads(text).get("entry", [])]
    return [resource for resource in found if resource.get("resourceType") == kind]


# Pattern 3: a report whose results are only in its narrative --------------------


def narrative_report(div: str, **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "category": [LAB],
        "code": {"text": "Blood typing"},
        "subject": SUBJECT,
        "effectiveDateTime": "2024-03-05T09:10:00+01:00",
        "issued": "2024-03-06T12:00:00Z",
        "text": {"status": "generated", "div": f"<div {XHTML}>{div}</div>"},
        **fields,
    }


def test_a_report_with_only_its_narrative_becomes_a_note_with_its_date():
    mapping = read(narrative_report("<p>Blood type A POS</p>"))

    (note,) = only(mapping, "notes")
    assert (note.values["display"], note.values["body"]) == ("Blood typing", "Blood type A POS")
    assert (note.values["date"], note.values["date_precision"]) == (dt.date(2024, 3, 5), "day")
    assert note.origin == "DiagnosticReport"
    assert not mapping.skipped
    assert AS_A_NOTE in messages(mapping)


def test_a_narrative_of_one_test_and_its_value_becomes_a_result():
    code = {
        "coding": [{"system": LOINC, "code": "78012-2", "display": "Group A strep antigen"}],
        "text": "Group A strep antigen",
    }
    report = narrative_report("Group A strep antigen: <b>POSITIVE</b>", code=code)
    del report["effectiveDateTime"]

    mapping = read(report)

    (result,) = only(mapping, "results")
    values = result.values
    assert (values["display"], values["value_text"]) == ("Group A strep antigen", "POSITIVE")
    assert values["value_number"] is None
    assert values["category"] == "laboratory"
    # No effective date: the date it was issued.
    assert values["date"] == dt.date(2024, 3, 6)
    assert [c["code"] for c in values["codings"]] == ["78012-2"]
    assert not only(mapping, "notes") and not mapping.skipped
    assert AS_A_RESULT in messages(mapping)


def test_a_narrative_result_takes_no_code_that_names_something_else():
    report = narrative_report(
        "Group A strep antigen: POSITIVE",
        code={"coding": [{"system": LOINC, "code": "11502-2", "display": "Laboratory report"}]},
    )

    (result,) = only(read(report), "results")

    assert result.values["display"] == "Group A strep antigen"
    assert result.values["codings"] == []


def test_a_narrative_is_read_as_plain_text_never_as_markup():
    div = (
        "<script>alert('x')</script><style>p {color: red}</style>"
        "<p>Hemoglobin &amp; hematocrit &lt;normal&gt;</p>"
        "<table><tr><th>Test</th><th>Result</th></tr><tr><td>ABO</td><td>A</td></tr></table>"
        "<ul><li>Rh&#160;positive</li></ul><!-- <p>hidden</p> -->Antibodies < 1:8"
    )

    (note,) = only(read(narrative_report(div)), "notes")

    assert note.values["body"] == (
        "Hemoglobin & hematocrit <normal>\nTest | Result\nABO | A\nRh positive\nAntibodies < 1:8"
    )


def test_a_hostile_narrative_is_read_in_one_pass():
    # Python's html.parser takes minutes over this; a narrative must cost the import little.
    started = time.perf_counter()

    mapping = read(narrative_report("<a" * 400_000 + ">Blood type A POS"))

    assert time.perf_counter() - started < 10
    assert only(mapping, "notes")[0].values["body"] == "Blood type A POS"


def test_a_time_in_a_narrative_is_not_read_as_a_test_and_its_value():
    (note,) = only(read(narrative_report("Collected at 10:30, sample haemolysed")), "notes")

    assert note.values["body"] == "Collected at 10:30, sample haemolysed"


def test_a_report_whose_results_are_missing_keeps_its_narrative():
    report = narrative_report(
        "<p>Glucose 5.1 mmol/L</p><p>HbA1c 41 mmol/mol</p>",
        result=[{"reference": "Observation/not-in-the-file"}],
    )

    mapping = read(report)

    (note,) = only(mapping, "notes")
    assert note.values["body"] == "Glucose 5.1 mmol/L\nHbA1c 41 mmol/mol"
    assert not mapping.skipped


@pytest.mark.parametrize(
    "text",
    [
        None,
        {"status": "empty", "div": f"<div {XHTML}>No narrative</div>"},
        {"status": "generated", "div": f"<div {XHTML}><p> </p></div>"},
        {"status": "generated", "div": f"<div {XHTML}>Blood typing</div>"},
    ],
    ids=["no-text", "status-empty", "blank", "only-its-name"],
)
def test_a_report_with_truly_nothing_is_still_skipped(text):
    report = narrative_report("", text=text)
    if text is None:
        del report["text"]

    mapping = read(report)

    assert not mapping.entries and not mapping.documents
    assert [(s.origin, s.reason) for s in mapping.skipped] == [("DiagnosticReport", EMPTY_REPORT)]


@pytest.mark.django_db
def test_narrative_only_reports_reach_the_record_dated_and_from_the_same_source():
    owner = make_account("keeper@example.org")
    strep = narrative_report(
        "Group A strep antigen: POSITIVE", id="r2", code={"text": "Group A strep antigen"}
    )
    data = content(narrative_report("Blood type A POS"), strep)

    profile, job = import_into_new_profile(owner, "reports.json", data)

    note = Note.objects.get(profile=profile)
    result = Observation.objects.get(profile=profile)
    assert (note.body, note.date) == ("Blood type A POS", dt.date(2024, 3, 5))
    assert (result.display, result.value_text) == ("Group A strep antigen", "POSITIVE")
    assert result.date == dt.date(2024, 3, 5)
    assert note.source == result.source == job.source
    warned = [warning["message"] for warning in job.preview["warnings"]]
    assert AS_A_NOTE in warned and AS_A_RESULT in warned


# Pattern 6: who gave a vaccine ----------------------------------------------------


def vaccine(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "id": "i1",
        "status": "completed",
        "vaccineCode": {"text": "Influenza"},
        "patient": SUBJECT,
        "occurrenceDateTime": "2024-10-01",
        **fields,
    }


def role(code: str) -> dict[str, Any]:
    return {"coding": [{"system": V2_0443, "code": code}]}


def test_who_gave_a_vaccine_is_given_by_and_where_is_only_its_location():
    mapping = read(
        {"resourceType": "Practitioner", "id": "nurse", "name": [{"text": "Eva Nurse"}]},
        {"resourceType": "Practitioner", "id": "gp", "name": [{"text": "Dr. Luis Gómez"}]},
        {"resourceType": "Location", "id": "loc", "name": "Farmacia Central"},
        vaccine(
            performer=[
                {"function": role("AP"), "actor": {"reference": "Practitioner/nurse"}},
                {"function": role("OP"), "actor": {"reference": "Practitioner/gp"}},
            ],
            location={"reference": "Location/loc"},
        ),
    )

    (given,) = only(mapping, "immunizations")
    assert given.values["performer"] == "Eva Nurse"
    assert given.values["location"] == "Farmacia Central"
    assert given.values["notes"] == "Ordered by: Dr. Luis Gómez"


def test_a_vaccine_given_by_someone_without_a_location_has_no_place():
    mapping = read(vaccine(performer=[{"actor": {"display": "Eva Nurse"}}]))

    (given,) = only(mapping, "immunizations")
    assert (given.values["performer"], given.values["location"]) == ("Eva Nurse", "")
    assert given.values["notes"] == ""


@shared_data
@pytest.mark.parametrize("paths", exports_mentioning(b'"Immunization"'), ids=export_name)
def test_real_vaccines_name_a_place_only_from_their_location(paths):
    immunizations = resources_of(paths, "Immunization")
    assert immunizations

    given = only(read_paths(paths), "immunizations")

    without_location = sum(1 for r in immunizations if not r.get("location"))
    with_performer = sum(1 for r in immunizations if r.get("performer"))
    assert sum(1 for e in given if not e.values["location"]) == without_location
    assert sum(1 for e in given if e.values["performer"]) == with_performer


# Pattern 6: a name that only says it is missing -------------------------------------


def condition_with(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "c1",
        "code": {"text": "Asthma"},
        "subject": SUBJECT,
        **fields,
    }


def test_a_condition_named_null_takes_the_name_of_its_code():
    code = {
        "coding": [{"system": SNOMED, "code": "195967001", "display": "Asthma"}],
        "text": "Null",
    }

    (condition,) = only(read(condition_with(code=code)), "conditions")

    assert condition.values["display"] == "Asthma"
    assert condition.values["codings"][0]["code"] == "195967001"


@pytest.mark.parametrize("text", ["Null", "null", "NULL", "unknown", "UNK", "(unknown)", "N/A"])
def test_a_condition_named_only_by_a_placeholder_is_skipped_with_a_reason(text):
    mapping = read(condition_with(code={"text": text}))

    assert not mapping.entries
    assert [(s.reason, s.example) for s in mapping.skipped] == [
        (f"its name is only “{text}”: the file does not say what it is", text)
    ]


def test_a_null_flavour_coding_is_no_name_and_no_code():
    null_flavour = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
    code = {"coding": [{"system": null_flavour, "code": "UNK", "display": "unknown"}]}

    mapping = read(condition_with(code=code))

    assert not mapping.entries
    assert mapping.skipped[0].reason.startswith("its name is only “unknown”")


@pytest.mark.parametrize(
    ("resource", "kind"),
    [
        (
            {
                "resourceType": "Procedure",
                "status": "completed",
                "subject": SUBJECT,
                "code": {"coding": [{"system": SNOMED, "display": "Appendectomy"}], "text": "null"},
            },
            "procedures",
        ),
        (
            {
                "resourceType": "AllergyIntolerance",
                "patient": SUBJECT,
                "code": {"coding": [{"system": SNOMED, "display": "Penicillin"}], "text": "NULL"},
            },
            "allergies",
        ),
        (
            vaccine(vaccineCode={"coding": [{"system": SNOMED, "display": "BCG"}], "text": "Null"}),
            "immunizations",
        ),
        (
            {
                "resourceType": "Observation",
                "status": "final",
                "subject": SUBJECT,
                "code": {"coding": [{"system": LOINC, "display": "Weight"}], "text": "Null"},
                "valueQuantity": {"value": 70, "unit": "kg"},
            },
            "results",
        ),
    ],
    ids=["procedure", "allergy", "immunization", "result"],
)
def test_every_kind_passes_over_a_placeholder_name(resource, kind):
    (entry,) = only(read({"id": "x1", **resource}), kind)

    assert entry.values["display"] in ("Appendectomy", "Penicillin", "BCG", "Weight")


def test_an_answer_of_unknown_is_still_a_result():
    mapping = read(
        {
            "resourceType": "Observation",
            "id": "o1",
            "status": "final",
            "subject": SUBJECT,
            "code": {"text": "HIV status"},
            "valueCodeableConcept": {"coding": [{"code": "LA4489-6", "display": "Unknown"}]},
        }
    )

    (result,) = only(mapping, "results")
    assert result.values["value_text"] == "Unknown"


# Pattern 6: verification, recorded date, reactions ----------------------------------


def verification(code: str) -> dict[str, Any]:
    system = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
    return {"coding": [{"system": system, "code": code}]}


def test_a_differential_diagnosis_stays_one():
    mapping = read(condition_with(verificationStatus=verification("differential")))

    (condition,) = only(mapping, "conditions")
    assert condition.values["verification"] == "differential"


def test_a_provisional_diagnosis_stays_provisional():
    mapping = read(condition_with(verificationStatus=verification("provisional")))

    assert only(mapping, "conditions")[0].values["verification"] == "provisional"


@pytest.mark.parametrize("kind", ["Condition", "AllergyIntolerance"])
def test_a_record_entered_in_error_is_skipped(kind):
    mapping = read(
        condition_with(resourceType=kind, verificationStatus=verification("entered-in-error"))
    )

    assert not mapping.entries
    assert [s.reason for s in mapping.skipped] == ["marked as entered in error"]


def allergy(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "id": "a1",
        "patient": SUBJECT,
        "code": {"text": "Penicillin"},
        "onsetDateTime": "1991",
        **fields,
    }


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("2017-07-27T23:37:54+00:00", dt.date(2017, 7, 27)),
        # As written, like every date of the file: not moved to another day by its zone.
        ("2017-07-27T23:37:54-05:00", dt.date(2017, 7, 27)),
        ("2016-10", dt.date(2016, 10, 1)),
    ],
)
def test_an_allergy_keeps_when_it_was_recorded(written, kept):
    (entry,) = only(read(allergy(recordedDate=written)), "allergies")

    assert entry.values["recorded_date"] == kept
    assert entry.values["date"] == dt.date(1991, 1, 1)  # the onset stays the onset


def test_an_allergy_without_a_recorded_date_has_none():
    (entry,) = only(read(allergy()), "allergies")

    assert entry.values["recorded_date"] is None


def test_a_reaction_that_only_says_it_is_missing_is_no_reaction():
    absent = {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}
    mapping = read(
        allergy(
            reaction=[
                {"manifestation": [{"text": "Not available"}]},
                {"manifestation": [absent, {"text": "unknown"}], "severity": "mild"},
                {"manifestation": [{"text": "Hives"}, {"text": "N/A"}]},
            ]
        )
    )

    (entry,) = only(mapping, "allergies")
    assert entry.values["reactions"] == [
        {"manifestation": "", "severity": "mild"},
        {"manifestation": "Hives", "severity": ""},
    ]
    assert entry.values["reaction"] == ""


@pytest.mark.django_db
def test_the_fhir_parts_reach_their_own_columns():
    owner = make_account("keeper@example.org")
    data = content(
        vaccine(performer=[{"function": role("AP"), "actor": {"display": "Eva Nurse"}}]),
        condition_with(verificationStatus=verification("differential")),
        allergy(recordedDate="2017-07-27T23:37:54+00:00"),
    )

    profile, _job = import_into_new_profile(owner, "vendor.json", data)

    given = Immunization.objects.get(profile=profile)
    assert (given.performer, given.location) == ("Eva Nurse", "")
    assert Condition.objects.get(profile=profile).verification == "differential"
    assert Allergy.objects.get(profile=profile).recorded_date == dt.date(2017, 7, 27)


def first_day(written: str) -> str:
    """The first day of a FHIR date or dateTime as written ("2016-10" → "2016-10-01")."""
    parts = written[:10].split("-")
    return "-".join(parts + ["01"] * (3 - len(parts)))


def allergies_recorded(paths: list[Path]) -> bool:
    return any("recordedDate" in r for r in resources_of(paths, "AllergyIntolerance"))


@shared_data
@pytest.mark.parametrize(
    "paths",
    [
        paths
        for paths in exports_mentioning(b'"recordedDate"')
        if allergies_recorded(paths)  # not only a Condition's
    ],
    ids=export_name,
)
def test_real_allergies_keep_when_they_were_recorded(paths):

    allergies = only(read_paths(paths), "allergies")

    assert allergies
    for entry in allergies:
        written = resource_at(paths, entry.where).get("recordedDate")
        kept = entry.values["recorded_date"]
        assert (kept.isoformat() if kept else None) == (written and first_day(written))


def resource_at(paths: list[Path], where: str) -> dict[str, Any]:
    """The resource an entry points to: "/entry/3/resource", or "Name.ndjson, line 3"."""
    if len(paths) == 1 and paths[0].suffix == ".json":
        index = int(where.split("/")[2])
        return dict(
            json.loads(paths[0].read_text(encoding="utf-8-sig"))["entry"][index]["resource"]
        )
    name, line = where.split(", line ")
    path = next(path for path in paths if path.name == name)
    return dict(json.loads(path.read_text(encoding="utf-8").splitlines()[int(line) - 1]))


@shared_data
@pytest.mark.parametrize("paths", SHARED_EXPORTS, ids=export_name)
def test_no_real_record_is_named_by_a_placeholder(paths):
    mapping = read_paths(paths)

    for entry in mapping.entries:
        assert entry.values["display"].strip().lower() not in ("null", "unknown", "unk")
        for reaction in entry.values.get("reactions", []):
            assert reaction["manifestation"].strip().lower() not in ("not available", "unknown")


# A relative's condition without a name ---------------------------------------------


def test_a_relatives_condition_without_a_name_is_skipped_and_shifts_no_key():
    history = {
        "resourceType": "FamilyMemberHistory",
        "id": "f1",
        "status": "completed",
        "patient": SUBJECT,
        "relationship": {"text": "Mother"},
        "condition": [
            {"code": {"coding": [{"system": SNOMED, "code": "261665006"}]}},
            {"code": {"text": "Diabetes"}},
            {"code": {"text": "Asthma"}},
        ],
    }

    mapping = read(history)

    diabetes, asthma = only(mapping, "family-history")
    assert (diabetes.values["display"], asthma.values["display"]) == ("Diabetes", "Asthma")
    assert asthma.key == diabetes.key + "#condition/2"
    (skipped,) = mapping.skipped
    assert (skipped.reason, skipped.where) == (
        "a relative's condition without a name",
        "/entry/1/resource/condition/0",
    )
