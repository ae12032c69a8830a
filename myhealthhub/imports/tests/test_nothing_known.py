"""Statements that only say nothing is known never become entries, in any format (issue 16)."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from myhealthhub.conftest import World
from myhealthhub.imports.base import MappedEntry, Skipped
from myhealthhub.imports.ccda.tests.files import document, section
from myhealthhub.imports.fhir.tests.files import bundle, condition, patient
from myhealthhub.imports.fitting import fit
from myhealthhub.imports.nothing_known import folded, phrase_of, phrases
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Condition, Medication, NoKnownAllergies

PROBLEMS = "2.16.840.1.113883.10.20.22.2.5.1"


def _problem(name: str) -> str:
    """An active problem in a concern act, as Epic writes "Not on file"."""
    return (
        "<entry><act classCode='ACT' moodCode='EVN'><statusCode code='active'/>"
        "<entryRelationship typeCode='SUBJ'>"
        "<observation classCode='OBS' moodCode='EVN'>"
        "<templateId root='2.16.840.1.113883.10.20.22.4.4'/>"
        f"<value xsi:type='CD' nullFlavor='OTH'><originalText>{name}</originalText></value>"
        "</observation></entryRelationship></act></entry>"
    )


def test_the_table_is_a_clean_csv_of_known_kinds_and_languages():
    text = (
        resources.files("myhealthhub")
        .joinpath("data", "nothing_known.csv")
        .read_text(encoding="utf-8")
    )
    assert not text.startswith("\ufeff") and text.endswith("\n") and "\r" not in text
    rows = list(csv.reader(text.splitlines(), strict=True))
    assert rows[0] == ["phrase", "language", "kind"]
    assert all(len(row) == 3 and all(cell == cell.strip() and cell for cell in row) for row in rows)
    assert len({folded(row[0]) for row in rows[1:]}) == len(rows) - 1
    assert {row[1] for row in rows[1:]} <= {"en", "es", "de", "fr", "nl", "it"}
    assert {row[2] for row in rows[1:]} <= {*KINDS, "any"}
    assert len(phrases()) == len(rows) - 1


@pytest.mark.parametrize(
    "text",
    ["Not on file", "NOT ON FILE.", "none", "No Known Allergies", "nkda", "N/A", "Ninguno",
     "Sin alergías conocidas", "no refiere", "No current medications", "UNK"],
)  # fmt: skip
def test_phrases_match_whatever_their_case_accents_and_punctuation(text: str):
    assert phrase_of(text) is not None


def test_a_longer_text_or_an_element_s_symbol_is_not_a_phrase():
    assert phrase_of("None of the above applied; patient reports mild asthma") is None
    assert phrase_of("Asthma") is None
    # "NA" is a null flavor, but a result named "Na" is sodium.
    assert phrase_of("Na", abbreviations=False) is None


def test_a_ccda_problem_not_on_file_is_skipped_with_its_reason(world: World):
    body = section(
        "11450-4",
        PROBLEMS,
        "Active Problems",
        "<paragraph>Not on file</paragraph>",
        _problem("Not on file") + _problem("Asthma"),
    )
    profile = new_profile(world, "Ana")
    job = read(profile, [("summary.xml", document(body))], world)
    reasons = {group["reason"] for group in job.preview["skipped"]}
    assert "a statement that no problems are known (“Not on file”), not a record" in reasons
    commit(job, world)
    assert list(Condition.objects.filter(profile=profile).values_list("display", flat=True)) == [
        "Asthma"
    ]


def test_fhir_statements_in_english_and_spanish_are_not_entries(world: World):
    said = bundle(
        patient(),
        condition("Not on file"),
        condition("Ninguno"),
        condition("No refiere"),
        condition("No known problems"),
        condition("Asthma"),
    )
    profile = new_profile(world, "Ana")
    commit(read(profile, [("a.json", said)], world), world)
    assert [c.display for c in Condition.objects.filter(profile=profile)] == ["Asthma"]


def test_a_statement_of_no_allergies_in_another_list_becomes_the_statement(world: World):
    said = bundle(patient(), condition("Sin alergias conocidas"))
    profile = new_profile(world, "Ana")
    commit(read(profile, [("a.json", said)], world), world)
    assert not Condition.objects.filter(profile=profile).exists()
    statement = NoKnownAllergies.objects.get(profile=profile)
    assert statement.display == "No known allergies"
    assert statement.date is not None and statement.date.year == 2015


def test_a_snomed_no_known_code_is_not_an_entry_whatever_its_name():
    item = MappedEntry(
        kind="conditions",
        key="k",
        values={
            "display": "Problem list reviewed",
            "codings": [{"system": "http://snomed.info/sct", "code": "160245001"}],
        },
        origin="Condition",
    )
    skipped: list[Skipped] = []
    assert not fit(item, skipped, [])
    assert skipped[0].reason.startswith("a statement that no problems are known")


def test_a_medicine_called_none_is_skipped_and_a_real_one_kept(world: World):
    def statement(name: str) -> dict[str, object]:
        return {
            "resourceType": "MedicationStatement",
            "id": f"m-{len(name)}",
            "status": "active",
            "medicationCodeableConcept": {"text": name},
            "subject": {"reference": "Patient/p1"},
        }

    said = bundle(patient(), statement("None"), statement("Metformin 500 mg"))
    profile = new_profile(world, "Ana")
    job = read(profile, [("a.json", said)], world)
    assert any("no medicines are known" in group["reason"] for group in job.preview["skipped"])
    commit(job, world)
    assert [m.display for m in Medication.objects.filter(profile=profile)] == ["Metformin 500 mg"]
