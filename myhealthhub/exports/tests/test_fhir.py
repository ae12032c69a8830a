"""The full FHIR export: a valid R4 bundle of everything, that our importer reads back whole."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account
from myhealthhub.documents import keys
from myhealthhub.documents.actions import delete_document
from myhealthhub.documents.demo import add_demo_documents
from myhealthhub.documents.models import Document
from myhealthhub.exports.fhir import FhirExport
from myhealthhub.exports.paths import document_path
from myhealthhub.imports.fhir.tests.files import SYNTHEA
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.pipeline import request_commit, start_import
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry, delete_entry
from myhealthhub.records.demo import create_demo
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Condition, Source
from myhealthhub.summary.options import ExportOptions

pytestmark = pytest.mark.django_db


def export(profile: Profile, **options: Any) -> dict[str, Any]:
    out = io.BytesIO()
    steps: list[float] = []
    FhirExport().write(profile, out, ExportOptions(**options), steps.append)
    assert steps[0] == 0.0 and steps[-1] == 1.0
    return json.loads(out.getvalue().decode("utf-8"))


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.fixture
def demo_owner() -> User:
    return make_account("keeper@example.org")


def test_the_demo_profiles_export_as_valid_fhir_r4(demo_owner):
    for profile in create_demo(demo_owner):
        bundle = export(profile)
        Bundle.model_validate(bundle)
        assert bundle["type"] == "collection"
        urls = [e["fullUrl"] for e in bundle["entry"]]
        assert len(urls) == len(set(urls))


def import_into_new_profile(owner: User, name: str, content: bytes) -> tuple[Profile, ImportJob]:
    """``content`` read by the import pipeline into a new, empty profile, and committed."""
    profile = profile_actions.create_profile(owner, request=None, given_name="Empty")
    return profile, import_into_existing(owner, profile, name, content)


def import_into_existing(owner: User, profile: Profile, name: str, content: bytes) -> ImportJob:
    job = start_import(profile, [(name, io.BytesIO(content))], actor=owner, request=None)
    job.refresh_from_db()
    assert job.state == JobState.READY, (job.state, job.message)
    request_commit(job, actor=owner, apply_demographics=True, other_person_confirmed=True)
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED, (job.state, job.message)
    return job


def counts(profile: Profile) -> Counter[str]:
    return Counter({slug: kind.queryset(profile).alive().count() for slug, kind in KINDS.items()})


def test_a_large_profile_is_written_in_steps_with_progress(demo_owner):
    adult, _child = create_demo(demo_owner, observations=5000)
    out = io.BytesIO()
    steps: list[float] = []
    FhirExport().write(adult, out, ExportOptions(), steps.append)
    assert len(steps) > 3 and steps == sorted(steps) and steps[-1] == 1.0
    bundle = json.loads(out.getvalue())
    observations = KINDS["results"].queryset(adult).count()
    workouts = KINDS["workouts"].queryset(adult).count()  # Observations of exercise
    assert len(resources(bundle, "Observation")) == observations + workouts


def test_odd_but_allowed_values_stay_valid_fhir_and_read_back(demo_owner):
    profile = profile_actions.create_profile(demo_owner, request=None, given_name="Zoë")
    for slug, values in (
        ("immunizations", {"display": "Tétanos </div><script>", "status": "completed"}),
        ("medications", {"display": "Ibuprofeno", "dose": "1-2 tablets", "strength": "400mg"}),
        (
            "results",
            {"display": "CRP", "value_number": 0.0, "reference_low": 0.0, "reference_high": 5.0},
        ),
        (
            "results",
            {
                "display": "Urine",
                "value_text": "clear",
                "date": dt.date(2026, 3, 1),
                "effective_time": dt.time(8, 15),
            },
        ),
        (
            "conditions",
            {
                "display": "Asthma",
                "date": dt.date(2015, 1, 1),
                "date_precision": "year",
                "clinical_status": "resolved",
            },
        ),
    ):
        create_entry(KINDS[slug], profile, actor=demo_owner, request=None, values=values)
    bundle = export(profile)
    Bundle.model_validate(bundle)
    (vaccine,) = resources(bundle, "Immunization")
    assert vaccine["_occurrenceString"]["extension"][0]["valueCode"] == "unknown"
    (medicine,) = resources(bundle, "MedicationStatement")
    assert medicine["dosage"][0]["text"] == "1-2 tablets"  # not the amount 1
    again, _job = import_into_new_profile(demo_owner, "odd.json", json.dumps(bundle).encode())
    assert counts(again) == counts(profile)
    assert key_fields(again)["results"] == key_fields(profile)["results"]
    assert key_fields(again)["immunizations"] == key_fields(profile)["immunizations"]


def references_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [ref for item in value.values() for ref in references_in(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in references_in(item)]
    return []


def test_every_reference_resolves_inside_the_bundle(demo_owner):
    adult, _child = create_demo(demo_owner)
    add_demo_documents(adult, demo_owner, "en", timezone.localdate())
    bundle = export(adult)
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    for entry in bundle["entry"]:
        # A "#id" names a resource contained in this one (a medicine, a prescription).
        inside = {f"#{r['id']}" for r in entry["resource"].get("contained", [])}
        for target in references_in(entry["resource"]):
            assert target in urls or target in inside, (
                entry["resource"]["resourceType"],
                target,
            )


def test_documents_point_to_their_file_in_the_archive_with_its_hash(demo_owner):
    adult, _child = create_demo(demo_owner)
    add_demo_documents(adult, demo_owner, "en", timezone.localdate())
    bundle = export(adult)
    references = {r["id"]: r for r in resources(bundle, "DocumentReference")}
    documents = list(Document.objects.alive().filter(profile=adult))
    assert documents
    for document in documents:
        reference = references[str(document.uuid)]
        attachment = reference["content"][0]["attachment"]
        content = b"".join(keys.read(document.file))
        assert attachment["url"] == document_path(document)
        sha1 = hashlib.sha1(content).digest()  # noqa: S324  (FHIR R4's Attachment.hash)
        assert attachment["hash"] == base64.b64encode(sha1).decode()
        assert attachment["size"] == len(content) == document.size
        assert attachment["contentType"] == document.content_type
        assert attachment["title"] == document.title
        if document.when:
            assert reference["context"]["period"]["start"] == document.when.isoformat()
        linked = {f"urn:uuid:{link.entry_uuid}" for link in document.links.all()}
        assert {r["reference"] for r in reference.get("context", {}).get("related", [])} == linked


def test_each_source_has_a_provenance_naming_what_it_gave(demo_owner):
    adult, _child = create_demo(demo_owner)
    path = SYNTHEA[2]
    import_into_existing(demo_owner, adult, path.name, path.read_bytes())
    bundle = export(adult)
    provenances = {p["id"]: p for p in resources(bundle, "Provenance")}
    sources = Source.objects.filter(profile=adult)
    assert len(provenances) == sources.count() == 2
    for source in sources:
        provenance = provenances[str(source.uuid)]
        given = {
            f"urn:uuid:{uuid}"
            for kind in KINDS.values()
            for uuid in kind.queryset(adult)
            .alive()
            .filter(source=source)
            .values_list("uuid", flat=True)
        }
        assert {t["reference"] for t in provenance["target"]} == given
        # A source without a label of its own (an untitled import) is named by its kind.
        assert provenance["agent"][0]["who"]["display"] == (
            source.label or source.get_kind_display()
        )
        assert provenance["agent"][0]["type"]["coding"][0]["code"] == source.kind
        assert dt.datetime.fromisoformat(provenance["recorded"]) == source.received_at


def test_deleted_entries_and_documents_are_left_out(demo_owner):
    adult, _child = create_demo(demo_owner)
    add_demo_documents(adult, demo_owner, "en", timezone.localdate())
    condition = Condition.objects.filter(profile=adult).first()
    document = Document.objects.filter(profile=adult).first()
    assert condition is not None and document is not None
    delete_entry(condition, actor=demo_owner, request=None)
    delete_document(document, actor=demo_owner, request=None)
    text = json.dumps(export(adult))
    assert str(condition.uuid) not in text and str(document.uuid) not in text


def test_the_patient_carries_birth_precision_and_emergency_contacts(demo_owner):
    adult, _child = create_demo(demo_owner)
    (patient,) = resources(export(adult), "Patient")
    assert patient["birthDate"] == "1961-04"
    assert patient["gender"] == "female"
    assert patient["name"][0]["family"] == adult.family_name
    assert patient["contact"][0]["name"]["text"] == "Marta Vidal"
    assert patient["contact"][0]["telecom"] == [{"system": "phone", "value": "+34 600 123 456"}]


def test_imported_entries_keep_what_their_source_called_them(demo_owner):
    profile, _job = import_into_new_profile(demo_owner, SYNTHEA[2].name, SYNTHEA[2].read_bytes())
    bundle = export(profile)
    condition = Condition.objects.filter(profile=profile).first()
    assert condition is not None and condition.source_identifiers
    (written,) = [r for r in resources(bundle, "Condition") if r["id"] == str(condition.uuid)]
    assert written["identifier"] == [
        *({"system": i["system"], "value": i["value"]} for i in condition.source_identifiers),
        {"system": "urn:myhealthhub:entry", "value": str(condition.uuid)},
    ]


# The fields of each kind that FHIR carries, as the importer reads them back. Not
# compared: an allergy's ``reactions`` (the importer lists the one reaction a form
# typed there too) and care team roles other than clinician, insurer and hospital
# (FHIR's organization types have no pharmacy or laboratory).
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "medications": (
        "display",
        "status",
        "date",
        "date_precision",
        "end_date",
        "end_date_precision",
        "strength",
        "dose",
        "frequency",
        "route",
        "as_needed",
        "reason",
        "notes",
    ),
    "conditions": (
        "display",
        "clinical_status",
        "verification",
        "severity",
        "date",
        "date_precision",
        "resolved_date",
        "resolved_date_precision",
        "notes",
    ),
    "allergies": (
        "display",
        "allergy_type",
        "category",
        "criticality",
        "status",
        "reaction",
        "reaction_severity",
        "date",
        "date_precision",
        "notes",
    ),
    "no-known-allergies": ("date", "date_precision", "notes"),
    "immunizations": (
        "display",
        "status",
        "date",
        "date_precision",
        "dose_number",
        "lot_number",
        "site",
        "location",
        "notes",
    ),
    "results": (
        "display",
        "category",
        "date",
        "date_precision",
        "effective_time",
        "value_number",
        "comparator",
        "unit",
        "unit_text",
        "value_text",
        "reference_low",
        "reference_high",
        "reference_text",
        "interpretation",
        "components",
        "notes",
    ),
    "procedures": (
        "display",
        "date",
        "date_precision",
        "performer",
        "location",
        "reason",
        "outcome",
        "notes",
    ),
    "visits": (
        "display",
        "date",
        "date_precision",
        "end_date",
        "clinician",
        "facility",
        "reason",
    ),
    "appointments": (
        "display",
        "starts_at",
        "ends_at",
        "status",
        "clinician",
        "facility",
        "reason",
        "bring",
        "notes",
    ),
    "care-team": ("display", "phone", "email", "address"),
    "family-history": ("display", "relative", "onset_age", "deceased", "notes"),
    "medication-reviews": ("display", "date", "with_whom", "reviewer", "outcome", "notes"),
    "notes": ("display", "date", "date_precision", "body"),
}


def same_numbers(value: Any) -> Any:
    """138 and 138.0 are one value (JSON columns keep what was written)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list):
        return [same_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: same_numbers(item) for key, item in value.items()}
    return value


def codes_of(entry: Any) -> tuple[str, ...]:
    """The entry's codes. One with a code and no codings gets it as a coding: the same
    code; a medication review is a Procedure coded as one (SNOMED CT 182836005)."""
    codes = {entry.code, *(c.get("code", "") for c in entry.codings)}
    return tuple(sorted(codes - {"", "182836005"}))


def key_fields(profile: Profile) -> dict[str, Counter[tuple[Any, ...]]]:
    result = {}
    for slug, names in KEY_FIELDS.items():
        rows = KINDS[slug].queryset(profile).alive()
        result[slug] = Counter(
            (
                *(json.dumps(same_numbers(getattr(entry, name)), default=str) for name in names),
                codes_of(entry),
            )
            for entry in rows
        )
    return result


def assert_reads_back_the_same(owner: User, profile: Profile, language: str = "en") -> None:
    content = json.dumps(export(profile, language=language)).encode()
    again, _job = import_into_new_profile(owner, "everything.json", content)
    assert counts(again) == counts(profile)
    before, after = key_fields(profile), key_fields(again)
    for slug in KEY_FIELDS:
        assert after[slug] == before[slug], slug


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_demo_profiles_read_back_the_same(demo_owner, language):
    for profile in create_demo(demo_owner, language=language):
        assert_reads_back_the_same(demo_owner, profile, language)


@pytest.mark.parametrize("path", SYNTHEA, ids=[p.name.split("_")[1] for p in SYNTHEA])
def test_an_imported_synthea_record_reads_back_the_same(demo_owner, path):
    profile, _job = import_into_new_profile(demo_owner, path.name, path.read_bytes())
    bundle = export(profile)
    Bundle.model_validate(bundle)
    assert_reads_back_the_same(demo_owner, profile)


DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def test_an_appointment_without_an_end_says_the_end_is_unknown(demo_owner):
    profile = profile_actions.create_profile(demo_owner, request=None, given_name="Ana")
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    create_entry(
        KINDS["appointments"],
        profile,
        actor=demo_owner,
        request=None,
        values={"display": "Dentist", "starts_at": starts, "status": "booked"},
    )
    bundle = export(profile)
    Bundle.model_validate(bundle)
    (appointment,) = resources(bundle, "Appointment")
    # R4 app-2: start and end come together; the end is there, as unknown.
    assert dt.datetime.fromisoformat(appointment["start"]) == starts
    assert "end" not in appointment
    assert appointment["_end"]["extension"] == [{"url": DATA_ABSENT, "valueCode": "unknown"}]
    again, _job = import_into_new_profile(demo_owner, "a.json", json.dumps(bundle).encode())
    assert key_fields(again)["appointments"] == key_fields(profile)["appointments"]
    read = KINDS["appointments"].queryset(again).get()
    assert (read.starts_at, read.ends_at) == (starts, None)


def test_an_abatement_only_beside_a_status_that_says_the_condition_ended(demo_owner):
    profile = profile_actions.create_profile(demo_owner, request=None, given_name="Ana")
    for display, status in (("Asthma", "active"), ("Eczema", "recurrence"), ("Otitis", "resolved")):
        create_entry(
            KINDS["conditions"],
            profile,
            actor=demo_owner,
            request=None,
            values={
                "display": display,
                "clinical_status": status,
                "date": dt.date(2010, 5, 1),
                "resolved_date": dt.date(2012, 6, 1),
            },
        )
    bundle = export(profile)
    Bundle.model_validate(bundle)
    written = {c["code"]["text"]: c for c in resources(bundle, "Condition")}
    for condition in written.values():  # R4 con-4
        status = condition["clinicalStatus"]["coding"][0]["code"]
        assert ("abatementDateTime" in condition) == (
            status in ("inactive", "remission", "resolved")
        )
    assert written["Otitis"]["abatementDateTime"] == "2012-06-01"
    for still in ("Asthma", "Eczema"):
        assert written[still]["extension"] == [
            {"url": "urn:myhealthhub:extension:resolved", "valueDateTime": "2012-06-01"}
        ]
    again, _job = import_into_new_profile(demo_owner, "c.json", json.dumps(bundle).encode())
    read = {c.display: c for c in Condition.objects.filter(profile=again)}
    assert {name: c.clinical_status for name, c in read.items()} == {
        "Asthma": "active",
        "Eczema": "recurrence",
        "Otitis": "resolved",
    }
    assert {name: c.resolved_date for name, c in read.items()} == dict.fromkeys(
        ("Asthma", "Eczema", "Otitis"), dt.date(2012, 6, 1)
    )


def test_units_that_are_not_ucum_codes_are_written_as_text_only(demo_owner):
    profile = profile_actions.create_profile(demo_owner, request=None, given_name="Ana")
    for display, unit in (("Pulse", "beats"), ("Weight", "kg"), ("Pressure", "mmHg")):
        create_entry(
            KINDS["results"],
            profile,
            actor=demo_owner,
            request=None,
            values={
                "display": display,
                "date": dt.date(2026, 3, 1),
                "value_number": 70.0,
                "unit": unit,
                "unit_text": unit,
                "reference_low": 50.0,
            },
        )
    create_entry(
        KINDS["results"],
        profile,
        actor=demo_owner,
        request=None,
        values={
            "display": "Blood pressure",
            "date": dt.date(2026, 3, 1),
            "components": [
                {"code": "8480-6", "display": "Systolic", "value": 138, "unit": "mmHg"},
                {"code": "8462-4", "display": "Diastolic", "value": 86, "unit": "mm[Hg]"},
            ],
        },
    )
    bundle = export(profile)
    Bundle.model_validate(bundle)
    written = {o["code"]["text"]: o for o in resources(bundle, "Observation")}
    assert written["Weight"]["valueQuantity"] == {
        "value": 70.0,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }
    for name, unit in (("Pulse", "beats"), ("Pressure", "mmHg")):
        assert written[name]["valueQuantity"] == {"value": 70.0, "unit": unit}
        assert written[name]["referenceRange"][0]["low"] == {"value": 50.0, "unit": unit}
    systolic, diastolic = (c["valueQuantity"] for c in written["Blood pressure"]["component"])
    assert systolic == {"value": 138, "unit": "mmHg"}
    assert diastolic == {
        "value": 86,
        "unit": "mm[Hg]",
        "system": "http://unitsofmeasure.org",
        "code": "mm[Hg]",
    }
    again, _job = import_into_new_profile(demo_owner, "u.json", json.dumps(bundle).encode())
    read = {o.display: o for o in KINDS["results"].queryset(again)}
    # A unit that is no UCUM code comes back as the text it always was, and no code.
    assert {name: (o.unit, o.unit_text) for name, o in read.items() if o.value_number} == {
        "Pulse": ("", "beats"),
        "Weight": ("kg", "kg"),
        "Pressure": ("", "mmHg"),
    }
    assert [(p["unit"], p["value"]) for p in read["Blood pressure"].components] == [
        ("mmHg", 138),
        ("mm[Hg]", 86),
    ]
