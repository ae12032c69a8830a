"""The IPS export: a FHIR document that follows the IPS rules and reads back the same."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account
from myhealthhub.documents.demo import add_demo_documents
from myhealthhub.exports.ips import IpsExport
from myhealthhub.exports.tests.test_fhir import import_into_new_profile
from myhealthhub.imports.fhir.tests.files import SYNTHEA
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry, delete_entry
from myhealthhub.records.demo import create_demo
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import (
    Allergy,
    Condition,
    Immunization,
    Medication,
    NoKnownAllergies,
    Observation,
)
from myhealthhub.records.models.base import NEWEST_FIRST
from myhealthhub.summary.options import ExportOptions

pytestmark = pytest.mark.django_db

LOINC = "http://loinc.org"
REQUIRED = {"10160-0": "medications", "48765-2": "allergies", "11450-4": "problems"}
ALLOWED = {
    "10160-0": {"MedicationStatement", "MedicationRequest"},
    "48765-2": {"AllergyIntolerance"},
    "11450-4": {"Condition"},
    "11369-6": {"Immunization"},
    "30954-2": {"Observation", "DiagnosticReport"},
    "47519-4": {"Procedure"},
}


def ips(profile: Profile, **options: Any) -> dict[str, Any]:
    out = io.BytesIO()
    IpsExport().write(profile, out, ExportOptions(**options), lambda done: None)
    return json.loads(out.getvalue().decode("utf-8"))


def ips_problems(bundle: dict[str, Any]) -> list[str]:
    """What breaks the IPS rules that a structural validator does not check."""
    problems = []
    if bundle.get("type") != "document":
        problems.append("the bundle is not a document")
    if not bundle.get("identifier", {}).get("value") or not bundle.get("timestamp"):
        problems.append("the bundle has no identifier or timestamp")
    entries = bundle.get("entry", [])
    by_url = {entry["fullUrl"]: entry["resource"] for entry in entries}
    if len(by_url) != len(entries):
        problems.append("two entries share a fullUrl")
    composition = entries[0]["resource"] if entries else {}
    if composition.get("resourceType") != "Composition":
        return [*problems, "the first entry is not a Composition"]
    if composition.get("status") != "final":
        problems.append("the Composition is not final")
    if {"system": LOINC, "code": "60591-5"} not in [
        {"system": c.get("system"), "code": c.get("code")}
        for c in composition.get("type", {}).get("coding", [])
    ]:
        problems.append("the Composition is not typed LOINC 60591-5")
    subject = by_url.get(composition.get("subject", {}).get("reference", ""))
    if not subject or subject["resourceType"] != "Patient":
        problems.append("the subject is not a Patient in the bundle")
    if not composition.get("author") or not composition.get("date"):
        problems.append("the Composition has no author or date")
    codes = []
    for section in composition.get("section", []):
        code = next((c["code"] for c in section["code"]["coding"] if c.get("system") == LOINC), "")
        codes.append(code)
        if code not in ALLOWED:
            problems.append(f"section {code} is not an IPS section")
            continue
        if not section.get("text", {}).get("div", "").startswith("<div"):
            problems.append(f"section {code} has no narrative")
        listed = section.get("entry", [])
        if not listed and not section.get("emptyReason"):
            problems.append(f"section {code} is empty without an emptyReason")
        if listed and section.get("emptyReason"):
            problems.append(f"section {code} has entries and an emptyReason")
        for reference in listed:
            target = by_url.get(reference["reference"])
            if target is None:
                problems.append(f"section {code} refers to {reference['reference']}, not here")
            elif target["resourceType"] not in ALLOWED[code]:
                problems.append(f"section {code} lists a {target['resourceType']}")
    for code, name in REQUIRED.items():
        if code not in codes:
            problems.append(f"the required {name} section ({code}) is missing")
    for resource in by_url.values():
        problems += resource_problems(resource)
    problems += [
        f"{resource['resourceType']} refers to {target}, which is not in the bundle"
        for resource in by_url.values()
        for target in references_in(resource)
        if not target.startswith("#") and target not in by_url
    ]
    return problems


# IPS STU2 (1.1.0) profiles: the element each resource must have (1..1), which may be
# a data-absent-reason in its place.
REQUIRED_ELEMENTS = {
    "Patient": ("birthDate",),
    "MedicationStatement": ("effective",),
    "Procedure": ("performed",),
    "Observation": ("effective",),
    "Immunization": ("occurrence",),
}
REQUIRED_CODES = {
    "AllergyIntolerance": "code",
    "Condition": "code",
    "Procedure": "code",
    "Observation": "code",
    "Immunization": "vaccineCode",
}
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
ENDED = ("inactive", "remission", "resolved")


def resource_problems(resource: dict[str, Any]) -> list[str]:
    kind = resource["resourceType"]
    problems = [
        f"{kind} has no {element}, not even a data-absent-reason"
        for element in REQUIRED_ELEMENTS.get(kind, ())
        if not has_element(resource, element)
    ]
    code = REQUIRED_CODES.get(kind)
    if code and not resource.get(code):
        problems.append(f"{kind} has no {code}")
    if kind == "Observation" and resource.get("status") != "final":
        problems.append("an Observation result is not final")
    if kind == "Observation" and not resource.get("performer"):
        categories = [c.get("code") for k in resource.get("category", []) for c in k["coding"]]
        if "laboratory" in categories:
            problems.append("a laboratory result has no performer, not even a data-absent-reason")
    if kind == "Condition":  # R4 con-4
        status = resource.get("clinicalStatus", {}).get("coding", [{}])[0].get("code")
        if any(k.startswith("abatement") for k in resource) and status not in ENDED:
            problems.append(f"a Condition is {status} and has an abatement")
    return problems


def has_element(resource: dict[str, Any], element: str) -> bool:
    """``element`` (or a choice of it: ``performedDateTime``) or its data-absent-reason."""
    for key, value in resource.items():
        name = key.removeprefix("_")
        if name != element and not (name.startswith(element) and name[len(element)].isupper()):
            continue
        if not key.startswith("_") and value not in (None, "", {}, []):
            return True
        extensions = value.get("extension", []) if isinstance(value, dict) else []
        if any(e.get("url") == DATA_ABSENT for e in extensions):
            return True
    return False


def references_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [ref for item in value.values() for ref in references_in(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in references_in(item)]
    return []


def sections(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    composition = bundle["entry"][0]["resource"]
    return {s["code"]["coding"][0]["code"]: s for s in composition["section"]}


@pytest.fixture
def owner() -> User:
    return make_account("keeper@example.org")


def empty_profile(owner: User) -> Profile:
    return profile_actions.create_profile(owner, request=None, given_name="Nadie")


# Shape and rules --------------------------------------------------------------


def test_the_demo_summaries_are_valid_ips_documents(owner):
    adult, child = create_demo(owner)
    add_demo_documents(adult, owner, "en", adult.created_at.date())
    for profile in (adult, child):
        bundle = ips(profile)
        Bundle.model_validate(bundle)
        assert ips_problems(bundle) == []
    shown = sections(ips(adult))
    assert set(shown) == {"10160-0", "48765-2", "11450-4", "11369-6", "30954-2", "47519-4"}


def test_an_empty_record_says_why_each_required_section_is_empty(owner):
    bundle = ips(empty_profile(owner))
    Bundle.model_validate(bundle)
    assert ips_problems(bundle) == []
    shown = sections(bundle)
    assert set(shown) == set(REQUIRED)
    for section in shown.values():
        assert section["emptyReason"]["coding"][0] == {
            "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
            "code": "unavailable",
            "display": "Unavailable",
        }
        assert "entry" not in section


def test_no_known_allergies_is_an_allergy_coded_as_such(owner):
    profile = empty_profile(owner)
    create_entry(
        KINDS["no-known-allergies"],
        profile,
        actor=owner,
        request=None,
        values={"display": "No known allergies", "date": "2024-03-01"},
    )
    bundle = ips(profile)
    assert ips_problems(bundle) == []
    allergies = sections(bundle)["48765-2"]
    (reference,) = allergies["entry"]
    statement = next(
        e["resource"] for e in bundle["entry"] if e["fullUrl"] == reference["reference"]
    )
    assert statement["code"]["coding"][0]["code"] == "716186003"
    assert statement["recordedDate"] == "2024-03-01"


def test_what_the_summary_leaves_out_stays_out(owner):
    adult, _child = create_demo(owner)
    stopped = Medication.objects.filter(profile=adult).first()
    assert stopped is not None
    delete_entry(stopped, actor=owner, request=None)
    bundle = ips(adult)
    ids = {e["resource"]["id"] for e in bundle["entry"]}
    assert str(stopped.uuid) not in ids
    listed = {ref["reference"] for ref in sections(bundle)["30954-2"]["entry"]}
    results = [e["resource"] for e in bundle["entry"] if e["fullUrl"] in listed]
    # The latest of each test only, one a test.
    codes = [r["code"]["coding"][0]["code"] for r in results if "coding" in r["code"]]
    assert len(codes) == len(set(codes)) == len(results)
    for result in results:
        newer = Observation.objects.filter(
            profile=adult,
            code=result["code"]["coding"][0]["code"],
            date__gt=result["effectiveDateTime"],
        )
        assert not newer.exists()


def test_the_narrative_is_escaped_and_in_the_chosen_language(owner):
    profile = empty_profile(owner)
    create_entry(
        KINDS["medications"],
        profile,
        actor=owner,
        request=None,
        values={"display": "<b>Ibuprofen</b> & co", "status": "active"},
    )
    bundle = ips(profile, language="es")
    assert ips_problems(bundle) == []
    div = sections(bundle)["10160-0"]["text"]["div"]
    assert "&lt;b&gt;Ibuprofen&lt;/b&gt; &amp; co" in div and "<b>" not in div
    assert bundle["entry"][0]["resource"]["language"] == "es"


def test_the_persons_choices_narrow_history_but_never_the_required_sections(owner):
    adult, _child = create_demo(owner)
    shown = sections(ips(adult, sections=frozenset({"results"})))
    assert set(shown) == {*REQUIRED, "30954-2"}
    since = timezone.localdate().replace(month=1, day=1)
    listed = sections(ips(adult, since=since))["11369-6"]["entry"]
    assert len(listed) == Immunization.objects.filter(profile=adult, date__gte=since).count()


# Round trip through our own importer ------------------------------------------


def summary_of(profile: Profile) -> dict[str, Counter[tuple[Any, ...]]]:
    """What the IPS carries of each entry, in a form that survives the trip."""

    def codes(entry: Any) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((c.get("system", ""), c.get("code", "")) for c in entry.codings))

    alive = {
        model: model.objects.alive().filter(profile_id=profile.pk)
        for model in (Allergy, Medication, Condition, Immunization, NoKnownAllergies)
    }
    return {
        "allergies": Counter(
            (a.display, codes(a), a.status, a.date, a.criticality, a.category, a.reaction)
            for a in alive[Allergy].filter(status="active")
        ),
        "no-known-allergies": Counter((n.date, n.date_precision) for n in alive[NoKnownAllergies]),
        "medications": Counter(
            (
                *(m.display, codes(m), m.status, m.date, m.date_precision),
                *(m.strength, m.dose, m.frequency, m.as_needed, m.route),
            )
            for m in alive[Medication].filter(status="active")
        ),
        "problems": Counter(
            (c.display, codes(c), c.clinical_status, c.verification, c.date, c.date_precision)
            for c in alive[Condition].filter(clinical_status__in=["active", "recurrence"])
        ),
        "immunizations": Counter(
            (i.display, codes(i), i.status, i.date, i.date_precision, i.dose_number, i.lot_number)
            # As the export chooses them: newest first, the undated last.
            for i in alive[Immunization].order_by(*NEWEST_FIRST)[:100]
        ),
    }


def assert_ips_reads_back(owner: User, profile: Profile, language: str = "en") -> None:
    bundle = ips(profile, language=language)
    assert ips_problems(bundle) == []
    again, _job = import_into_new_profile(owner, "summary.json", json.dumps(bundle).encode())
    before, after = summary_of(profile), summary_of(again)
    if before["no-known-allergies"] and not before["allergies"]:
        # Only the latest statement is in the summary.
        assert sum(after["no-known-allergies"].values()) == 1
        before.pop("no-known-allergies"), after.pop("no-known-allergies")
    assert any(before.values())
    assert after == before


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_demo_summaries_read_back_the_same(owner, language):
    for profile in create_demo(owner, language=language):
        assert_ips_reads_back(owner, profile, language)


@pytest.mark.parametrize("path", SYNTHEA, ids=[p.name.split("_")[1] for p in SYNTHEA])
def test_an_imported_synthea_record_summarises_and_reads_back_the_same(owner, path: Path):
    profile, _job = import_into_new_profile(owner, path.name, path.read_bytes())
    bundle = ips(profile)
    Bundle.model_validate(bundle)
    assert_ips_reads_back(owner, profile)


def test_what_ips_requires_but_is_not_known_says_it_is_unknown(owner):
    profile = empty_profile(owner)  # no birth date
    assert profile.birth is None
    for slug, values in (
        ("procedures", {"display": "Appendectomy"}),
        ("medications", {"display": "Metformin", "status": "active"}),
        ("immunizations", {"display": "Tetanus", "status": "completed"}),
        ("conditions", {"display": "Asthma", "clinical_status": "active"}),
    ):
        create_entry(KINDS[slug], profile, actor=owner, request=None, values=values)
    bundle = ips(profile)
    Bundle.model_validate(bundle)
    assert ips_problems(bundle) == []
    unknown = {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}
    by_type = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    assert by_type["Patient"]["_birthDate"] == unknown
    assert by_type["Procedure"]["_performedDateTime"] == unknown
    assert by_type["MedicationStatement"]["_effectiveDateTime"] == unknown
    assert by_type["Immunization"]["_occurrenceString"] == unknown


def test_a_laboratory_result_names_its_performer_as_unknown(owner):
    adult, _child = create_demo(owner)
    bundle = ips(adult)
    assert ips_problems(bundle) == []
    listed = {ref["reference"] for ref in sections(bundle)["30954-2"]["entry"]}
    labs = [
        e["resource"]
        for e in bundle["entry"]
        if e["fullUrl"] in listed
        and e["resource"]["category"][0]["coding"][0]["code"] == "laboratory"
    ]
    assert labs
    for lab in labs:
        assert lab["performer"] == [{"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}]


def test_the_rules_catch_what_ips_requires():
    assert resource_problems({"resourceType": "Procedure", "code": {"text": "X"}}) == [
        "Procedure has no performed, not even a data-absent-reason"
    ]
    assert resource_problems({"resourceType": "Patient", "birthDate": "1961"}) == []
    assert resource_problems(
        {
            "resourceType": "Condition",
            "code": {"text": "Asthma"},
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "abatementDateTime": "2020",
        }
    ) == ["a Condition is active and has an abatement"]
