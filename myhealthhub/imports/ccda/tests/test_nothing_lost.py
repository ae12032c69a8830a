"""Nothing lost: every fact a C-CDA states reaches the record, once, in its own field.

Each pattern is shown on a small document the test writes, then on the real
vendor files where it occurs (the project's copies in tests/data/ccda).
"""

from __future__ import annotations

import pytest

from myhealthhub.conftest import World
from myhealthhub.imports.ccda.tests.files import document, section
from myhealthhub.imports.ccda.tests.test_import import import_sections
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.tests.test_pipeline import (
    commit,
    entry_count,
    files_of,
    new_profile,
    read,
)
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import (
    Allergy,
    Condition,
    Immunization,
    Medication,
    Observation,
)
from myhealthhub.tests.real_files import ours

SAME_RECORD = "the same record appears again in this document"
LOINC = "2.16.840.1.113883.6.1"
SNOMED = "2.16.840.1.113883.6.96"


def _import_twice(world: World, content: bytes) -> tuple[Profile, ImportJob]:
    """The document imported, then again: the second import must add nothing."""
    profile = new_profile(world, "Ana")
    job = read(profile, [("summary.xml", content)], world)
    assert job.state == JobState.READY, (job.message, job.where)
    commit(job, world)
    count = entry_count(profile)
    again = read(profile, [("summary.xml", content)], world)
    assert sum(row["new"] + row["changed"] for row in again.preview["kinds"]) == 0
    commit(again, world)
    assert entry_count(profile) == count
    return profile, job


def _skipped(job: ImportJob, reason: str) -> int:
    return sum(group["count"] for group in job.preview["skipped"] if group["reason"] == reason)


# Distinct results are not duplicates -----------------------------------------------


def _result(code: str, name: str, when: str, value: str, unit: str, ident: str = "") -> str:
    return (
        "<component><observation classCode='OBS' moodCode='EVN'>"
        f"{ident}<code code='{code}' codeSystem='{LOINC}' displayName='{name}'/>"
        f"<statusCode code='completed'/><effectiveTime value='{when}'/>"
        f"<value xsi:type='PQ' value='{value}' unit='{unit}'/></observation></component>"
    )


def _results(*components: str) -> str:
    return section(
        "30954-2",
        "2.16.840.1.113883.10.20.22.2.3.1",
        "Results",
        "<paragraph>Results</paragraph>",
        "<entry><organizer classCode='BATTERY' moodCode='EVN'><statusCode code='completed'/>"
        f"{''.join(components)}</organizer></entry>",
    )


def test_results_alike_but_for_their_test_or_time_are_two_results(world: World):
    serum = _result("2160-0", "Creatinine", "202403010822", "1.9", "mg/dL")
    urine = _result("2161-8", "Creatinine", "202403010822", "1.9", "mg/dL")
    morning = _result("1751-7", "Albumin", "202403010822", "4.0", "g/dL")
    later = _result("1751-7", "Albumin", "202403011000", "4.0", "g/dL")
    # Said again, exactly: one result.
    body = _results(serum, urine, morning, later, serum)
    profile, job = _import_twice(world, document(body))
    assert _skipped(job, SAME_RECORD) == 1
    results = Observation.objects.filter(profile=profile)
    creatinine = sorted(r.codings[0]["code"] for r in results if r.display == "Creatinine")
    assert creatinine == ["2160-0", "2161-8"]
    albumin = sorted(str(r.effective_time) for r in results if r.display == "Albumin")
    assert albumin == ["08:22:00", "10:00:00"]


def test_records_sharing_an_id_but_saying_different_things_are_kept_with_a_warning(
    world: World,
):
    ident = "<id root='1.2.840.114350.1.13.1' extension='lab-7'/>"
    serum = _result("2160-0", "Creatinine", "202403010822", "1.9", "mg/dL", ident)
    urine = _result("2161-8", "Creatinine", "202403010822", "1.9", "mg/dL", ident)
    # The same id on the same result, leaving out its time: the same record.
    again = _result("2160-0", "Creatinine", "", "1.9", "mg/dL", ident).replace(
        "<effectiveTime value=''/>", ""
    )
    profile, job = _import_twice(world, document(_results(serum, urine, again)))
    assert _skipped(job, SAME_RECORD) == 1
    codes = sorted(r.codings[0]["code"] for r in Observation.objects.filter(profile=profile))
    assert codes == ["2160-0", "2161-8"]
    warnings = [w for w in job.preview["warnings"] if "has the same id" in w["message"]]
    assert len(warnings) == 1
    assert warnings[0]["where"].startswith("line ")
    assert "“Creatinine”" in warnings[0]["message"] and "line " in warnings[0]["message"]


def test_a_problem_list_entry_is_not_taken_for_a_discharge_diagnosis(world: World):
    # HL7's discharge summary: "Appendicitis" on the problem list shares its id
    # with "Dark stools"; the discharge diagnosis repeats the admission one.
    path = ours("ccda/hl7spec_Discharge_Summary.xml")
    profile = new_profile(world)
    job = read(profile, files_of([path]), world)
    assert _skipped(job, SAME_RECORD) == 1
    assert any("has the same id" in w["message"] for w in job.preview["warnings"])
    commit(job, world)
    names = sorted(c.display for c in Condition.objects.filter(profile=profile))
    assert names == ["Appendicitis", "Appendicitis", "Dark stools"]


# Fields in their place -------------------------------------------------------------


def test_a_problem_keeps_its_comments(world: World):
    comment = (
        "<entryRelationship typeCode='SUBJ' inversionInd='true'><act classCode='ACT' "
        "moodCode='EVN'><templateId root='2.16.840.1.113883.10.20.22.4.64'/>"
        "<code code='48767-8' codeSystem='2.16.840.1.113883.6.1'/>"
        "<text>{text}</text></act></entryRelationship>"
    )
    problems = section(
        "11450-4",
        "2.16.840.1.113883.10.20.22.2.5.1",
        "Problems",
        "<paragraph ID='c1'>Worse in winter.</paragraph>",
        "<entry><act classCode='ACT' moodCode='EVN'><statusCode code='active'/>"
        "<entryRelationship typeCode='SUBJ'><observation classCode='OBS' moodCode='EVN'>"
        "<id root='1.2.3' extension='prob-1'/>"
        f"<value xsi:type='CD' code='195967001' codeSystem='{SNOMED}' displayName='Asthma'/>"
        + comment.format(text="<reference value='#c1'/>")
        + "</observation></entryRelationship>"
        + comment.format(text="Follows the pulmonologist's plan.")
        + "</act></entry>",
    )
    profile = import_sections(world, problems)
    condition = Condition.objects.get(profile=profile)
    assert condition.notes == "Worse in winter.\nFollows the pulmonologist's plan."


def test_a_code_of_nothing_is_named_by_its_own_words_never_by_unknown(world: World):
    def problem(value: str) -> str:
        return (
            "<entry><act classCode='ACT' moodCode='EVN'><entryRelationship typeCode='SUBJ'>"
            f"<observation classCode='OBS' moodCode='EVN'>{value}</observation>"
            "</entryRelationship></act></entry>"
        )

    problems = section(
        "11450-4",
        "2.16.840.1.113883.10.20.22.2.5.1",
        "Problems",
        "<paragraph ID='p1'>Hay fever</paragraph><paragraph ID='p2'>Not available</paragraph>",
        problem(
            "<value xsi:type='CD' nullFlavor='OTH'><originalText><reference value='#p1'/>"
            "</originalText></value>"
        )
        + problem(
            "<value xsi:type='CD' nullFlavor='UNK'><originalText><reference value='#p2'/>"
            "</originalText></value>"
        )
        + problem("<value xsi:type='CD' nullFlavor='UNK' displayName='Unknown'/>"),
    )
    profile = new_profile(world, "Ana")
    job = read(profile, [("summary.xml", document(problems))], world)
    assert _skipped(job, "names no problem") == 2
    commit(job, world)
    assert [c.display for c in Condition.objects.filter(profile=profile)] == ["Hay fever"]


def test_a_problem_coded_without_a_name_is_named_by_the_one_table_row_with_its_code(
    world: World,
):
    """Intellichart writes a problem's SNOMED code and nothing else; its table names it."""

    def problem(code: str) -> str:
        return (
            "<entry><act classCode='ACT' moodCode='EVN'><entryRelationship typeCode='SUBJ'>"
            "<observation classCode='OBS' moodCode='EVN'>"
            f"<value xsi:type='CD' code='{code}' codeSystem='{SNOMED}'/>"
            "</observation></entryRelationship></act></entry>"
        )

    table = (
        "<table><thead><tr><th>Problem Name</th><th>Code</th></tr></thead><tbody>"
        "<tr><td><content ID='problem1'>Essential hypertension (Disorder)</content></td>"
        "<td>59621000</td></tr>"
        # One code in two rows names neither: which row is the statement's is a guess.
        "<tr><td>Asthma</td><td>195967001</td></tr><tr><td>Hay fever</td><td>195967001</td></tr>"
        "</tbody></table>"
    )
    problems = section(
        "11450-4",
        "2.16.840.1.113883.10.20.22.2.5.1",
        "Problems",
        table,
        problem("59621000") + problem("195967001") + problem("38341003"),
    )
    profile = new_profile(world, "Ana")
    job = read(profile, [("summary.xml", document(problems))], world)
    assert _skipped(job, "names no problem") == 2
    commit(job, world)
    (condition,) = Condition.objects.filter(profile=profile)
    assert condition.display == "Essential hypertension (Disorder)"
    assert condition.codings[0]["code"] == "59621000"


def _vaccine(performer: str, place: str = "") -> str:
    return section(
        "11369-6",
        "2.16.840.1.113883.10.20.22.2.2.1",
        "Immunizations",
        "<paragraph>Influenza vaccine</paragraph>",
        "<entry><substanceAdministration classCode='SBADM' moodCode='EVN' negationInd='false'>"
        "<id root='1.2.3' extension='imm-1'/><statusCode code='completed'/>"
        "<effectiveTime value='20231015'/><consumable><manufacturedProduct>"
        "<manufacturedMaterial><code code='141' codeSystem='2.16.840.1.113883.12.292' "
        "displayName='Influenza, seasonal'/></manufacturedMaterial></manufacturedProduct>"
        f"</consumable><performer><assignedEntity><id root='2.16.840.1.113883.4.6' "
        f"extension='1234567890'/>{performer}</assignedEntity></performer>{place}"
        "</substanceAdministration></entry>",
    )


def test_who_gave_a_vaccine_is_who_gave_it_not_where(world: World):
    nurse = (
        "<assignedPerson><name><given>Nora</given><family>Nurse</family></name>"
        "</assignedPerson><representedOrganization><name>Good Health Clinic</name>"
        "</representedOrganization>"
    )
    clinic = (
        "<participant typeCode='LOC'><participantRole classCode='SDLOC'>"
        "<playingEntity classCode='PLC'><name>Main Street Pharmacy</name></playingEntity>"
        "</participantRole></participant>"
    )
    profile = import_sections(world, _vaccine(nurse, clinic))
    immunization = Immunization.objects.get(profile=profile)
    assert immunization.performer == "Nora Nurse (Good Health Clinic)"
    assert immunization.location == "Main Street Pharmacy"
    assert "Nora Nurse" not in immunization.notes


def test_a_vaccine_given_by_an_organization_names_no_place_it_does_not_say(world: World):
    pharmacy = "<representedOrganization><name>CVS Pharmacy</name></representedOrganization>"
    immunization = Immunization.objects.get(profile=import_sections(world, _vaccine(pharmacy)))
    assert (immunization.performer, immunization.location) == ("CVS Pharmacy", "")


@pytest.mark.parametrize(
    ("path", "performer"),
    [
        ("ccda/hl7spec_CCD1.XML", "Harold Hippocrates (Good Health Clinic)"),
        ("ccda/jdd_PracticeFusion_AliceNewmanApi.xml", "Dr Albert Davis"),
        ("ccda/amida_VA_CCD_Sample_File_Version_12_5_1.xml", "Provider, One"),
    ],
)
def test_real_files_name_who_gave_each_vaccine(world: World, path: str, performer: str):
    profile = new_profile(world)
    commit(read(profile, files_of([ours(path)]), world), world)
    immunizations = Immunization.objects.filter(profile=profile)
    assert performer in {i.performer for i in immunizations}
    assert performer not in {i.location for i in immunizations}
    assert not any("Given by" in i.notes for i in immunizations)


def _reaction(value: str, text: str = "", severity: str = "") -> str:
    severity_observation = (
        "<entryRelationship typeCode='SUBJ' inversionInd='true'><observation classCode='OBS' "
        "moodCode='EVN'><templateId root='2.16.840.1.113883.10.20.22.4.8'/>"
        "<code code='SEV' codeSystem='2.16.840.1.113883.5.4'/>"
        f"<value xsi:type='CD' code='{severity}' codeSystem='{SNOMED}'/>"
        "</observation></entryRelationship>"
        if severity
        else ""
    )
    return (
        "<entryRelationship typeCode='MFST' inversionInd='true'><observation classCode='OBS' "
        "moodCode='EVN'><templateId root='2.16.840.1.113883.10.20.22.4.9'/>"
        "<code code='ASSERTION' codeSystem='2.16.840.1.113883.5.4'/>"
        f"{text}<statusCode code='completed'/>{value}{severity_observation}"
        "</observation></entryRelationship>"
    )


def _allergy(*reactions: str) -> str:
    return section(
        "48765-2",
        "2.16.840.1.113883.10.20.22.2.6.1",
        "Allergies",
        "<table><tbody><tr><td>Penicillin G</td><td ID='r1'>Not available</td>"
        "<td ID='r2'>Itchy eyes</td></tr></tbody></table>",
        "<entry><act classCode='ACT' moodCode='EVN'><entryRelationship typeCode='SUBJ'>"
        "<observation classCode='OBS' moodCode='EVN'>"
        "<templateId root='2.16.840.1.113883.10.20.22.4.7'/><id root='1.2.3' extension='a-1'/>"
        f"<value xsi:type='CD' code='416098002' codeSystem='{SNOMED}'/>"
        "<participant typeCode='CSM'><participantRole classCode='MANU'>"
        "<playingEntity classCode='MMAT'><code code='7980' codeSystem='2.16.840.1.113883.6.88' "
        "displayName='Penicillin G'/></playingEntity></participantRole></participant>"
        f"{''.join(reactions)}</observation></entryRelationship></act></entry>",
    )


def test_a_reaction_coded_as_unknown_names_no_reaction(world: World):
    allergies = _allergy(
        _reaction(
            "<value xsi:type='CD' nullFlavor='UNK'/>", "<text><reference value='#r1'/></text>"
        ),
        _reaction(
            "<value xsi:type='CD' nullFlavor='NA'><originalText>Not available</originalText></value>"
        ),
        _reaction("<value xsi:type='CD' nullFlavor='UNK' displayName='Unknown'/>"),
        # Unknown, but how severe it was is known.
        _reaction("<value xsi:type='CD' nullFlavor='UNK'/>", severity="24484000"),
        # A reaction no code names: its own words are its name.
        _reaction(
            "<value xsi:type='CD' nullFlavor='OTH'><originalText><reference value='#r2'/>"
            "</originalText></value>"
        ),
    )
    allergy = Allergy.objects.get(profile=import_sections(world, allergies))
    assert allergy.reactions == [
        {"manifestation": "", "severity": "severe"},
        {"manifestation": "Itchy eyes", "severity": ""},
    ]
    assert (allergy.reaction, allergy.reaction_severity) == ("", "severe")


def test_a_reaction_of_a_real_file_coded_as_unknown_keeps_its_narrative_name(world: World):
    # Allscripts TouchWorks codes each reaction nullFlavor="UNK" and names it
    # in the narrative its originalText points to.
    profile = new_profile(world)
    path = ours("ccda/jdd_Allscripts-TouchWorks_Alice_rn.xml")
    commit(read(profile, files_of([path]), world), world)
    reactions = [r for a in Allergy.objects.filter(profile=profile) for r in a.reactions]
    assert reactions and all(r["manifestation"] == "Hives" for r in reactions)


def _medicine(dose: str) -> str:
    return section(
        "10160-0",
        "2.16.840.1.113883.10.20.22.2.1.1",
        "Medications",
        "<paragraph ID='u1'>units</paragraph>",
        "<entry><substanceAdministration classCode='SBADM' moodCode='EVN'>"
        "<id root='1.2.3' extension='med-1'/><statusCode code='active'/>"
        "<effectiveTime xsi:type='IVL_TS'><low value='20240110'/></effectiveTime>"
        f"{dose}<consumable><manufacturedProduct><manufacturedMaterial>"
        "<code code='261551' codeSystem='2.16.840.1.113883.6.88' "
        "displayName='Insulin Glargine 100 UNT/ML Injectable Solution'/>"
        "</manufacturedMaterial></manufacturedProduct></consumable>"
        "</substanceAdministration></entry>",
    )


@pytest.mark.parametrize(
    ("dose", "shown"),
    [
        (
            "<doseQuantity value='1' unit='1'><translation value='1' code='U' "
            "codeSystem='2.16.840.1.113883.6.8'><originalText>units</originalText>"
            "</translation></doseQuantity>",
            "1 units",
        ),
        (
            "<doseQuantity value='10' unit='1'><translation><originalText>"
            "<reference value='#u1'/></originalText></translation></doseQuantity>",
            "10 units",
        ),
        (
            "<doseQuantity value='1'><translation code='U' codeSystem='2.16.840.1.113883.6.8' "
            "displayName='unit'/></doseQuantity>",
            "1 unit",
        ),
        # A translation into another amount is not this one's unit.
        (
            "<doseQuantity value='2' unit='1'><translation value='5' displayName='mL'/>"
            "</doseQuantity>",
            "2",
        ),
    ],
)
def test_a_dose_keeps_the_unit_its_translation_writes(world: World, dose: str, shown: str):
    medication = Medication.objects.get(profile=import_sections(world, _medicine(dose)))
    assert medication.dose == shown
