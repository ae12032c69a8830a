"""C-CDA documents through the import pipeline: real vendors' files, broken ones, hostile ones."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from myhealthhub.conftest import Listening, World
from myhealthhub.documents import keys
from myhealthhub.documents.models import Document, SealedFile
from myhealthhub.imports.ccda.tests.files import (
    BAD_CCDA,
    CCDA,
    document,
    embedded_file,
    parse,
    section,
    statement_counts,
    xpath,
)
from myhealthhub.imports.models import ImportedRecord, JobState
from myhealthhub.imports.tests.test_pipeline import (
    assert_warnings_say_where,
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
    NoKnownAllergies,
    Note,
    Observation,
)

# Origins that are not sections' statements: the header's people, notes made
# from sections' text, and the file inside an unstructured document.
NOT_STATEMENTS = {"Document header", "Section text", "Unstructured document"}


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name[:40]) for p in CCDA])
def test_every_document_adds_up_per_section_and_imports_once(world: World, path: Path):
    profile = new_profile(world)
    job = read(profile, files_of([path]), world)
    assert job.state == JobState.READY, (job.message, job.where)
    assert job.format == "ccda"
    origins = job.preview["origins"]
    counts = statement_counts(path)
    for label, count in counts.items():
        row = origins.get(label, {})
        accounted = sum(row.get(c, 0) for c in ("entries", "documents", "used", "skipped"))
        assert accounted == count, (label, count, row)
    for origin in origins:
        assert origin in counts or origin in NOT_STATEMENTS, f"unexplained origin {origin}"
    for group in job.preview["skipped"]:
        assert group["reason"], group
    assert_warnings_say_where(job)
    new = sum(row["new"] for row in job.preview["kinds"])
    documents = job.preview["documents"]["new"]
    assert new + documents > 0
    commit(job, world)
    assert entry_count(profile) == new

    again = read(profile, files_of([path]), world)
    assert sum(row["new"] + row["changed"] for row in again.preview["kinds"]) == 0
    assert again.preview["documents"]["new"] == 0
    commit(again, world)
    assert again.counts["added"] == 0 and again.counts["documents"] == 0
    assert entry_count(profile) == new


UNSTRUCTURED = [p for p in CCDA if embedded_file(p) is not None]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name[:40]) for p in UNSTRUCTURED])
def test_an_embedded_file_is_kept_byte_for_byte(world: World, path: Path):
    profile = new_profile(world)
    commit(read(profile, files_of([path]), world), world)
    expected = embedded_file(path)
    assert expected is not None
    kept = [
        document
        for document in Document.objects.filter(profile=profile).alive()
        if document.content_type != "application/hl7-cda+xml"
    ]
    assert len(kept) == 1
    content = b"".join(keys.read(kept[0].file))
    assert hashlib.sha256(content).hexdigest() == hashlib.sha256(expected).hexdigest()


def test_the_original_is_kept_as_a_c_cda_document_described_as_it_says(world: World):
    path = next(p for p in CCDA if p.name.startswith("hl7spec_CCD1"))
    job = commit(read(world.profile, files_of([path]), world), world)
    original = job.originals.get().document
    assert original is not None and original.content_type == "application/hl7-cda+xml"
    root = parse(path)
    title = xpath(root, "./*[local-name()='title']")[0].text
    custodian = xpath(
        root, "//*[local-name()='representedCustodianOrganization']/*[local-name()='name']"
    )
    assert original.title == title and original.facility == custodian[0].text
    effective = xpath(root, "./*[local-name()='effectiveTime']")[0].get("value") or ""
    assert original.date is not None
    assert original.date.strftime("%Y%m%d") == effective[:8]


def nothing_written(world: World, before: tuple[int, int, int]) -> bool:
    return (
        entry_count(world.profile),
        Document.objects.count(),
        SealedFile.objects.count(),
    ) == before and not ImportedRecord.objects.filter(profile=world.profile).exists()


def snapshot(world: World) -> tuple[int, int, int]:
    return entry_count(world.profile), Document.objects.count(), SealedFile.objects.count()


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name[:40]) for p in BAD_CCDA])
def test_every_bad_document_ends_in_a_clear_message(world: World, path: Path):
    before = snapshot(world)
    try:
        job = read(world.profile, files_of([path]), world)
    except Exception as refusal:  # refused before anything was kept
        assert len(str(refusal)) > 20, refusal
        assert nothing_written(world, before)
        return
    if job.state == JobState.REFUSED:
        assert len(job.message) > 20, job.message
        assert job.originals.get().document is None
        assert nothing_written(world, before)
    else:
        # Readable, but not what it should be: it says so before anything is added.
        assert job.state == JobState.READY, (job.state, job.message)
        assert job.preview["warnings"] and job.preview["mismatch"]


def test_a_document_without_a_patient_name_asks_before_importing(world: World):
    path = next(p for p in BAD_CCDA if "Missing_PatientName" in p.name)
    job = read(world.profile, files_of([path]), world)
    assert job.state == JobState.READY
    assert job.preview["mismatch"]
    assert any("patient's name" in warning["message"] for warning in job.preview["warnings"])


# Hostile XML -------------------------------------------------------------------

SECRET = "the-contents-of-a-private-file"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _problem(name: str) -> str:
    return section(
        "11450-4",
        "2.16.840.1.113883.10.20.22.2.5.1",
        "Problems",
        f"<paragraph>{name}</paragraph>",
        "<entry><act classCode='ACT' moodCode='EVN'><entryRelationship typeCode='SUBJ'>"
        "<observation classCode='OBS' moodCode='EVN'>"
        f"<value xsi:type='CD' displayName='{name}'/></observation>"
        "</entryRelationship></act></entry>",
    )


def hostile_documents(secret: Path, url: str) -> dict[str, bytes]:
    laughs = "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n else "lol"}">' for n in range(10)
    )
    return {
        "XXE (a local file)": document(
            _problem("&xxe;"),
            prolog=f'<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file://{secret}">]>',
        ),
        "billion laughs": document(
            _problem("&lol9;"), prolog=f"<!DOCTYPE ClinicalDocument [{laughs}]>"
        ),
        "external DTD": document(
            _problem("Asthma"), prolog=f'<!DOCTYPE ClinicalDocument SYSTEM "{url}/cda.dtd">'
        ),
        "external entity over the network": document(
            _problem("&remote;"),
            prolog=f'<!DOCTYPE ClinicalDocument [<!ENTITY remote SYSTEM "{url}/entity">]>',
        ),
        "parameter entity": document(
            _problem("Asthma"),
            prolog=f'<!DOCTYPE ClinicalDocument [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>',
        ),
        "XXE after a long comment": document(
            _problem("&xxe;"),
            prolog=f"<!--{'x' * 2_000_000}-->"
            f'<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file://{secret}">]>',
        ),
        "XXE in UTF-16": "\ufeff".encode("utf-16-le")
        + document(
            _problem("&xxe;"),
            prolog=f'<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file://{secret}">]>',
        )
        .decode()
        .encode("utf-16-le"),
    }


HOSTILE = [
    "XXE (a local file)",
    "billion laughs",
    "external DTD",
    "external entity over the network",
    "parameter entity",
    "XXE after a long comment",
    "XXE in UTF-16",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_xml_is_refused_without_reading_files_or_the_network(
    world: World, name: str, secret_file: Path, listening: Listening
):
    content = hostile_documents(secret_file, str(listening))[name]
    before = snapshot(world)
    job = read(world.profile, [("summary.xml", content)], world)
    assert job.state == JobState.REFUSED, (job.state, job.preview)
    assert "DTD" in job.message
    assert SECRET not in job.message and SECRET not in str(job.preview)
    assert listening.requests == []
    assert nothing_written(world, before)


# Vendor reality ------------------------------------------------------------------


def test_vendor_quirks_are_read_as_the_narrative_says(world: World):
    body = section(
        "11450-4",
        "2.16.840.1.113883.10.20.22.2.5.1",
        "Problems",
        "<table><tbody><tr><td ID='p1'>Asthma,\u00a0mild\u00a0intermittent</td></tr></tbody>"
        "</table>",
        # The name only in the narrative, the code a nullFlavor with a translation.
        "<entry><act classCode='ACT' moodCode='EVN'><id nullFlavor='NI'/>"
        "<statusCode code='active'/><entryRelationship typeCode='SUBJ'>"
        "<observation classCode='OBS' moodCode='EVN'><id root='1.2.3' extension='prob-1'/>"
        "<effectiveTime><low value='201503'/><high nullFlavor='UNK'/></effectiveTime>"
        "<value xsi:type='CD' nullFlavor='OTH'><originalText><reference value='#p1'/>"
        "</originalText><translation code='J45.20' codeSystem='2.16.840.1.113883.6.90' "
        "displayName='Mild intermittent asthma'/></value></observation>"
        "</entryRelationship></act></entry>"
        # The same problem again, as vendors do.
        "<entry><act classCode='ACT' moodCode='EVN'><entryRelationship typeCode='SUBJ'>"
        "<observation classCode='OBS' moodCode='EVN'><id root='1.2.3' extension='prob-1'/>"
        "<value xsi:type='CD' nullFlavor='OTH'><originalText><reference value='#p1'/>"
        "</originalText></value></observation></entryRelationship></act></entry>",
    )
    # A byte-order mark, CRLF line ends and no XML declaration.
    content = b"\xef\xbb\xbf" + document(body).replace(b"><", b">\r\n<")
    profile = new_profile(world, "Ana")
    job = read(profile, [("summary.xml", content)], world)
    assert job.state == JobState.READY, (job.message, job.where)
    skipped = {group["reason"] for group in job.preview["skipped"]}
    assert "the same record appears again in this document" in skipped
    commit(job, world)
    condition = Condition.objects.get(profile=profile)
    assert condition.display == "Asthma, mild intermittent"
    assert condition.codings == [
        {
            "system": "http://hl7.org/fhir/sid/icd-10-cm",
            "code": "J45.20",
            "display": "Mild intermittent asthma",
        }
    ]
    assert condition.date is not None
    assert (condition.date.isoformat(), condition.date_precision) == ("2015-03-01", "month")
    assert condition.clinical_status == "active" and condition.resolved_date is None


def test_a_section_with_only_text_becomes_a_note_titled_as_the_section(world: World):
    body = section(
        "51848-0",
        "2.16.840.1.113883.10.20.22.2.8",
        "Assessment",
        "<paragraph>Doing well.</paragraph><list><item>Walk daily</item>"
        "<item>Return in 3 months</item></list>",
    )
    profile = new_profile(world, "Ana")
    commit(read(profile, [("summary.xml", document(body))], world), world)
    note = Note.objects.get(profile=profile)
    assert note.display == "Assessment"
    assert "Doing well." in note.body and "Walk daily" in note.body
    assert note.date is not None and note.date.isoformat() == "2024-03-01"


def import_sections(world: World, *sections: str) -> Profile:
    profile = new_profile(world, "Ana")
    job = read(profile, [("summary.xml", document("".join(sections)))], world)
    assert job.state == JobState.READY, (job.message, job.where)
    commit(job, world)
    return profile


@pytest.mark.parametrize(
    ("written", "offset"),
    [("202402011030-0500", -300), ("202402011030+0100", 60), ("202402011030", None)],
)
def test_a_result_keeps_the_offset_its_time_was_written_with(world: World, written, offset):
    results = section(
        "30954-2",
        "2.16.840.1.113883.10.20.22.2.3.1",
        "Results",
        "<table><tbody><tr><td>Glucose</td><td>105 mg/dl</td></tr></tbody></table>",
        "<entry><observation classCode='OBS' moodCode='EVN'>"
        "<id root='1.2.3' extension='res-1'/>"
        "<code code='2345-7' codeSystem='2.16.840.1.113883.6.1' displayName='Glucose'/>"
        "<statusCode code='completed'/>"
        f"<effectiveTime value='{written}'/>"
        "<value xsi:type='PQ' value='105' unit='mg/dl'/>"
        "</observation></entry>",
    )
    result = Observation.objects.get(profile=import_sections(world, results))
    # The clock time as the document wrote it, and the offset beside it when it gave one.
    assert (result.effective_time, result.effective_offset) == (dt.time(10, 30), offset)


def test_a_medicine_reads_its_dose_frequency_route_and_dates(world: World):
    medicines = section(
        "10160-0",
        "2.16.840.1.113883.10.20.22.2.1.1",
        "Medications",
        "<paragraph ID='m1'>Amoxicillin 500 MG Oral Capsule</paragraph>",
        "<entry><substanceAdministration classCode='SBADM' moodCode='EVN'>"
        "<id root='1.2.3' extension='med-1'/><statusCode code='active'/>"
        "<effectiveTime xsi:type='IVL_TS'><low value='20240110'/><high value='20991231'/>"
        "</effectiveTime>"
        "<effectiveTime xsi:type='PIVL_TS' institutionSpecified='true' operator='A'>"
        "<period value='8' unit='h'/></effectiveTime>"
        "<routeCode code='C38288' codeSystem='2.16.840.1.113883.3.26.1.1' displayName='Oral'/>"
        "<doseQuantity value='1'/>"
        "<administrationUnitCode code='C25158' codeSystem='2.16.840.1.113883.3.26.1.1' "
        "displayName='capsule'/>"
        "<consumable><manufacturedProduct><manufacturedMaterial>"
        "<code code='308191' codeSystem='2.16.840.1.113883.6.88'>"
        "<originalText><reference value='#m1'/></originalText></code>"
        "</manufacturedMaterial></manufacturedProduct></consumable>"
        "</substanceAdministration></entry>",
    )
    profile = import_sections(world, medicines)
    medication = Medication.objects.get(profile=profile)
    assert medication.display == "Amoxicillin 500 MG Oral Capsule"
    assert medication.codings[0]["system"] == "http://www.nlm.nih.gov/research/umls/rxnorm"
    assert medication.frequency == "3 times a day"
    assert medication.route == "Oral"
    assert medication.dose == "1 capsule"
    assert medication.date is not None and medication.date.isoformat() == "2024-01-10"
    assert medication.status == "active"


def test_a_refused_vaccine_is_kept_as_not_given_with_its_reason(world: World):
    vaccines = section(
        "11369-6",
        "2.16.840.1.113883.10.20.22.2.2.1",
        "Immunizations",
        "<paragraph>Influenza vaccine refused</paragraph>",
        "<entry><substanceAdministration classCode='SBADM' moodCode='EVN' negationInd='true'>"
        "<id root='1.2.3' extension='imm-1'/><statusCode code='completed'/>"
        "<effectiveTime value='20231015'/>"
        "<consumable><manufacturedProduct><manufacturedMaterial>"
        "<code code='141' codeSystem='2.16.840.1.113883.12.292' displayName='Influenza, seasonal'/>"
        "</manufacturedMaterial></manufacturedProduct></consumable>"
        "<entryRelationship typeCode='RSON'><observation classCode='OBS' moodCode='EVN'>"
        "<templateId root='2.16.840.1.113883.10.20.22.4.53'/>"
        "<code code='PATOBJ' codeSystem='2.16.840.1.113883.5.8' displayName='patient objection'/>"
        "</observation></entryRelationship></substanceAdministration></entry>",
    )
    profile = import_sections(world, vaccines)
    immunization = Immunization.objects.get(profile=profile)
    assert immunization.status == "not-done"
    assert immunization.codings[0] == {
        "system": "http://hl7.org/fhir/sid/cvx",
        "code": "141",
        "display": "Influenza, seasonal",
    }
    assert "Not given because:" in immunization.notes


def test_no_known_allergies_becomes_the_statement(world: World):
    allergies = section(
        "48765-2",
        "2.16.840.1.113883.10.20.22.2.6.1",
        "Allergies",
        "<paragraph>No known allergies</paragraph>",
        "<entry><act classCode='ACT' moodCode='EVN'><statusCode code='active'/>"
        "<entryRelationship typeCode='SUBJ'>"
        "<observation classCode='OBS' moodCode='EVN' negationInd='true'>"
        "<templateId root='2.16.840.1.113883.10.20.22.4.7'/><statusCode code='completed'/>"
        "<effectiveTime><low value='20220301'/></effectiveTime>"
        "<value xsi:type='CD' code='419199007' codeSystem='2.16.840.1.113883.6.96'/>"
        "<participant typeCode='CSM'><participantRole classCode='MANU'>"
        "<playingEntity classCode='MMAT'><code nullFlavor='NA'/></playingEntity>"
        "</participantRole></participant></observation></entryRelationship></act></entry>",
    )
    profile = import_sections(world, allergies)
    assert not Allergy.objects.filter(profile=profile).exists()
    statement = NoKnownAllergies.objects.get(profile=profile)
    assert statement.date is not None and statement.date.isoformat() == "2022-03-01"


def test_a_result_keeps_its_unit_as_written_beside_the_ucum_code(world: World):
    results = section(
        "30954-2",
        "2.16.840.1.113883.10.20.22.2.3.1",
        "Results",
        "<table><tbody><tr><td ID='r1'>Glucose</td><td>105 mg/dl</td></tr></tbody></table>",
        "<entry><organizer classCode='BATTERY' moodCode='EVN'><statusCode code='completed'/>"
        "<code code='24323-8' codeSystem='2.16.840.1.113883.6.1' displayName='Metabolic panel'/>"
        "<component><observation classCode='OBS' moodCode='EVN'>"
        "<id root='1.2.3' extension='res-1'/>"
        "<code code='2345-7' codeSystem='2.16.840.1.113883.6.1'>"
        "<originalText><reference value='#r1'/></originalText></code>"
        "<statusCode code='completed'/>"
        "<effectiveTime><center value='202402011030'/></effectiveTime>"
        "<value xsi:type='PQ' value='105' unit='mg/dl'/>"
        "<interpretationCode code='H' codeSystem='2.16.840.1.113883.5.83'/>"
        "<referenceRange><observationRange><value xsi:type='IVL_PQ'>"
        "<low value='70' unit='mg/dl'/><high value='99' unit='mg/dl'/></value>"
        "</observationRange></referenceRange></observation></component>"
        "</organizer></entry>",
    )
    profile = import_sections(world, results)
    result = Observation.objects.get(profile=profile)
    assert (result.display, result.value_number) == ("Glucose", 105)
    assert (result.unit, result.unit_text) == ("mg/dL", "mg/dl")
    assert (result.reference_low, result.reference_high) == (70, 99)
    assert result.date is not None and result.date.isoformat() == "2024-02-01"
    assert result.effective_time is not None and result.effective_time.hour == 10
    assert result.interpretation == "High"
    assert "Metabolic panel" in result.notes


def _vaccine(code: str, name: str, date: str) -> str:
    # Every immunization of the list carries the list's one id, as Practice Fusion writes.
    return (
        "<entry><substanceAdministration classCode='SBADM' moodCode='EVN'>"
        "<id root='2.16.840.1.113883.3.3388.1.12'/><statusCode code='completed'/>"
        f"<effectiveTime value='{date}'/><consumable><manufacturedProduct>"
        f"<manufacturedMaterial><code code='{code}' codeSystem='2.16.840.1.113883.12.292' "
        f"displayName='{name}'/></manufacturedMaterial></manufacturedProduct></consumable>"
        "</substanceAdministration></entry>"
    )


def _vaccines(*entries: str) -> str:
    return section(
        "11369-6", "2.16.840.1.113883.10.20.22.2.2.1", "Immunizations", "<paragraph/>", *entries
    )


def test_a_newer_document_with_one_id_for_a_whole_list_adds_only_what_is_new(world: World):
    tetanus = _vaccine("115", "Tdap", "20120301")
    flu = _vaccine("141", "Influenza", "20151010")
    profile = new_profile(world, "Ana")
    commit(read(profile, [("a.xml", document(_vaccines(tetanus + flu)))], world), world)
    newest = _vaccine("141", "Influenza", "20161012")
    again = read(profile, [("b.xml", document(_vaccines(newest + tetanus + flu)))], world)
    rows = {row["kind"]: row for row in again.preview["kinds"]}
    assert (rows["immunizations"]["new"], rows["immunizations"]["changed"]) == (1, 0)
    commit(again, world)
    dates = sorted(str(i.date) for i in Immunization.objects.filter(profile=profile))
    assert dates == ["2012-03-01", "2015-10-10", "2016-10-12"]


def test_a_document_about_several_people_is_refused(world: World):
    content = document(_problem("Asthma")).replace(
        b"<component><structuredBody>",
        b"<recordTarget><patientRole><id root='1.2.3' extension='other'/><patient><name>"
        b"<given>Bo</given></name></patient></patientRole></recordTarget>"
        b"<component><structuredBody>",
    )
    job = read(world.profile, [("two.xml", content)], world)
    assert job.state == JobState.REFUSED and "several people" in job.message


def test_a_problem_s_status_and_severity_beside_it_are_read_into_it(world: World):
    problems = section(
        "11450-4",
        "2.16.840.1.113883.10.20.22.2.5.1",
        "Problems",
        "<paragraph>Diabetes</paragraph>",
        "<entry><act classCode='ACT' moodCode='EVN'><statusCode code='active'/>"
        "<entryRelationship typeCode='SUBJ'><observation classCode='OBS' moodCode='EVN'>"
        "<effectiveTime><low value='20100000'/></effectiveTime>"
        "<value xsi:type='CD' code='44054006' codeSystem='2.16.840.1.113883.6.96' "
        "displayName='Diabetes'/></observation></entryRelationship>"
        "<entryRelationship typeCode='REFR'><observation classCode='OBS' moodCode='EVN'>"
        "<templateId root='2.16.840.1.113883.10.20.22.4.6'/>"
        "<code code='33999-4' codeSystem='2.16.840.1.113883.6.1'/>"
        "<value xsi:type='CD' code='73425007' codeSystem='2.16.840.1.113883.6.96'/>"
        "</observation></entryRelationship>"
        "<entryRelationship typeCode='SUBJ'><observation classCode='OBS' moodCode='EVN'>"
        "<templateId root='2.16.840.1.113883.10.20.22.4.8'/>"
        "<code code='SEV' codeSystem='2.16.840.1.113883.5.4'/>"
        "<value xsi:type='CD' code='24484000' codeSystem='2.16.840.1.113883.6.96'/>"
        "</observation></entryRelationship></act></entry>",
    )
    profile = import_sections(world, problems)
    condition = Condition.objects.get(profile=profile)
    assert (condition.display, condition.clinical_status) == ("Diabetes", "inactive")
    assert condition.severity == "severe"
    # "20100000": the year alone.
    assert (str(condition.date), condition.date_precision) == ("2010-01-01", "year")


def test_two_sections_titled_alike_keep_both_texts(world: World):
    notes = [
        section(
            "11506-3", "2.16.840.1.113883.10.20.22.2.65", "Notes", f"<paragraph>{text}</paragraph>"
        )
        for text in ("Seen for a cough.", "Seen for a rash.")
    ]
    profile = import_sections(world, *notes)
    bodies = sorted(note.body for note in Note.objects.filter(profile=profile))
    assert bodies == ["Seen for a cough.", "Seen for a rash."]


def test_a_statement_about_a_newborn_is_not_the_patient_s(world: World):
    problem = _problem("Neonatal jaundice").replace(
        "<entryRelationship typeCode='SUBJ'>",
        "<subject><relatedSubject classCode='PRS'>"
        "<code code='NBOR' codeSystem='2.16.840.1.113883.5.111'/></relatedSubject></subject>"
        "<entryRelationship typeCode='SUBJ'>",
        1,
    )
    profile = new_profile(world, "Ana")
    job = read(profile, [("mother.xml", document(problem))], world)
    assert job.state == JobState.READY
    commit(job, world)
    assert not Condition.objects.filter(profile=profile).exists()
