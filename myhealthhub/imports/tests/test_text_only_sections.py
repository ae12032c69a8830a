"""Allergies, medicines or problems listed only as text: a note, marked and warned about."""

from __future__ import annotations

import json

from myhealthhub.conftest import World
from myhealthhub.imports.ccda.tests.files import document, section
from myhealthhub.imports.fhir.tests.files import patient
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read
from myhealthhub.imports.text_only_sections import CODES
from myhealthhub.records.models import NoKnownAllergies, Note
from myhealthhub.records.text_only import LOINC


def test_a_ccda_allergy_list_in_words_is_a_marked_note_with_a_warning(world: World):
    allergies = section(
        "48765-2",
        "2.16.840.1.113883.10.20.22.2.6.1",
        "Allergies",
        "<table><tbody><tr><td>Penicillin</td><td>Hives</td></tr></tbody></table>",
    )
    profile = new_profile(world, "Ana")
    job = read(profile, [("summary.xml", document(allergies))], world)
    messages = [warning["message"] for warning in job.preview["warnings"]]
    assert any("lists allergies only as text" in message for message in messages)
    commit(job, world)
    (note,) = Note.objects.filter(profile=profile, code_system=LOINC, code__in=CODES.values())
    assert note.code == "48765-2"
    assert "Penicillin" in note.body and note.display == "Allergies"


def test_a_ccda_medications_section_known_only_by_its_template_is_marked_too(world: World):
    medications = section(
        "",
        "2.16.840.1.113883.10.20.22.2.1.1",
        "Current meds",
        "<list><item>Metformin 500 mg twice a day</item></list>",
    )
    profile = new_profile(world, "Ana")
    commit(read(profile, [("summary.xml", document(medications))], world), world)
    note = Note.objects.get(profile=profile)
    assert (note.code_system, note.code) == (LOINC, "10160-0")


def test_a_ccda_allergy_section_saying_nkda_is_the_statement_not_a_note(world: World):
    allergies = section(
        "48765-2", "2.16.840.1.113883.10.20.22.2.6.1", "Allergies", "<paragraph>NKDA</paragraph>"
    )
    profile = new_profile(world, "Ana")
    job = read(profile, [("summary.xml", document(allergies))], world)
    assert not any("only as text" in warning["message"] for warning in job.preview["warnings"])
    commit(job, world)
    assert not Note.objects.filter(profile=profile).exists()
    assert NoKnownAllergies.objects.get(profile=profile).display == "No known drug allergies"


def test_a_fhir_composition_problem_list_in_words_is_a_marked_note(world: World):
    composition = {
        "resourceType": "Composition",
        "id": "c1",
        "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "60591-5"}]},
        "subject": {"reference": "Patient/p1"},
        "date": "2024-03-01",
        "title": "Patient summary",
        "section": [
            {
                "title": "Problems",
                "code": {"coding": [{"system": LOINC, "code": "11450-4"}]},
                "text": {
                    "status": "generated",
                    "div": "<div xmlns='http://www.w3.org/1999/xhtml'>Type 2 diabetes</div>",
                },
            }
        ],
    }
    said = json.dumps(
        {
            "resourceType": "Bundle",
            "type": "document",
            "entry": [
                {"fullUrl": "urn:uuid:c1", "resource": composition},
                {"fullUrl": "urn:uuid:p1", "resource": patient()},
            ],
        }
    ).encode()
    profile = new_profile(world, "Ana")
    job = read(profile, [("ips.json", said)], world)
    messages = [warning["message"] for warning in job.preview["warnings"]]
    assert any("lists problems only as text" in message for message in messages)
    commit(job, world)
    note = Note.objects.get(profile=profile)
    assert (note.code_system, note.code, note.display) == (LOINC, "11450-4", "Problems")
    assert "Type 2 diabetes" in note.body
