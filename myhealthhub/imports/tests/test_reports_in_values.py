"""A result whose value is a whole report becomes a note, never a value (issue 16)."""

from __future__ import annotations

from myhealthhub.conftest import World
from myhealthhub.imports.base import MappedEntry, Problem, Skipped
from myhealthhub.imports.ccda.tests.files import document, section
from myhealthhub.imports.fhir.tests.files import bundle, patient
from myhealthhub.imports.fitting import fit
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read
from myhealthhub.records.models import Note, Observation

LETTERHEAD = (
    "UNIVERSITY HOSPITAL\n"
    "DEPARTMENT OF CYTOPATHOLOGY\n"
    "1 Main Street, Springfield\n"
    "Specimen: cervical smear. Negative for intraepithelial lesion or malignancy."
)


def observation(name: str, value: str) -> dict[str, object]:
    return {
        "resourceType": "Observation",
        "id": f"o-{len(value)}",
        "status": "final",
        "code": {"text": name},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2024-02-01",
        "valueString": value,
    }


def test_a_letterhead_value_becomes_a_note_and_the_preview_says_so(world: World):
    said = bundle(
        patient(), observation("Cytopathology report", LETTERHEAD), observation("Urine", "Clear")
    )
    profile = new_profile(world, "Ana")
    job = read(profile, [("a.json", said)], world)
    messages = [warning["message"] for warning in job.preview["warnings"]]
    assert (
        "The value of “Cytopathology report” is a report, not a result; it was kept as a note."
        in messages
    )
    commit(job, world)
    assert [(o.display, o.value_text) for o in Observation.objects.filter(profile=profile)] == [
        ("Urine", "Clear")
    ]
    note = Note.objects.get(profile=profile)
    assert note.display == "Cytopathology report" and note.body == LETTERHEAD
    assert note.date is not None and note.date.isoformat() == "2024-02-01"


def test_a_ccda_narrative_paragraph_as_a_value_is_a_note(world: World):
    paragraph = "Interpretation: " + "the findings are within normal limits. " * 8
    results = section(
        "30954-2",
        "2.16.840.1.113883.10.20.22.2.3.1",
        "Results",
        "<paragraph>Pathology</paragraph>",
        "<entry><observation classCode='OBS' moodCode='EVN'>"
        "<templateId root='2.16.840.1.113883.10.20.22.4.2'/>"
        "<id root='1.2.3' extension='path-1'/>"
        "<code code='22637-3' codeSystem='2.16.840.1.113883.6.1'"
        " displayName='Pathology report final diagnosis'/>"
        "<statusCode code='completed'/><effectiveTime value='20240201'/>"
        f"<value xsi:type='ST'>{paragraph}</value></observation></entry>",
    )
    profile = new_profile(world, "Ana")
    commit(read(profile, [("summary.xml", document(results))], world), world)
    assert not Observation.objects.filter(profile=profile).exists()
    note = Note.objects.get(profile=profile, code="22637-3")
    assert note.body == paragraph.strip()


def test_a_report_kept_as_its_document_leaves_no_result_value():
    item = MappedEntry(
        kind="results",
        key="Observation/1",
        values={"display": "Biopsy", "value_text": "x" * 300},
        origin="Observation",
    )
    skipped: list[Skipped] = []
    warnings: list[Problem] = []
    assert not fit(item, skipped, warnings, frozenset({"Observation/1"}))
    assert skipped[0].reason == "a report rather than a value; it is kept with its document"


def test_a_short_value_stays_a_value():
    item = MappedEntry(
        kind="results",
        key="Observation/2",
        values={"display": "Blood group", "value_text": "A positive\nRh D positive"},
        origin="Observation",
    )
    assert fit(item, [], []) and item.kind == "results"
