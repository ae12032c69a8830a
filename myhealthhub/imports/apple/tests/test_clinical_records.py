"""Clinical records in an Apple Health export: read as a direct FHIR import reads them, once.

The records are real FHIR resources: those about one patient of a bulk
export (tests/data/fhir/bulk-ndjson, each line unchanged), written one to a
file as the Health app writes them ("Condition-<id>.json"), beside a real
export.xml (tests/data/apple).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Collection
from typing import Any

import pytest
from django.template.defaultfilters import filesizeformat

from myhealthhub.conftest import World
from myhealthhub.documents.models import Document
from myhealthhub.imports.apple import clinical
from myhealthhub.imports.apple.map import ME
from myhealthhub.imports.models import ImportedRecord, ImportJob, JobState
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Condition, Sample
from myhealthhub.tests.real_files import ours

EXPORT_XML = ours("apple/dogsheep_zip_contents/apple_health_export/export.xml").read_bytes()
PERSON = "Patient/63ee2253-bdd5-da55-2ad2-b4984d0ad700"
TYPES = ("Condition", "Immunization", "MedicationRequest", "Procedure", "DocumentReference")
# Written here, not from a real file: a DSTU2 Condition (its statuses are plain codes), as
# hospitals still serving FHIR DSTU2 send them to the Health app.
DSTU2_CONDITION = {
    "resourceType": "Condition",
    "id": "dstu2-1",
    "patient": {"reference": PERSON},
    "code": {"text": "Asthma"},
    "clinicalStatus": "active",
    "verificationStatus": "confirmed",
}


def records(types: tuple[str, ...] = TYPES, each: int = 5) -> dict[str, bytes]:
    """The first ``each`` resources of every type about the person, a file each, named as the
    Health app names them (a few are enough, and keep the test fast)."""
    files = {}
    for kind in types:
        found = 0
        for line in ours(f"fhir/bulk-ndjson/{kind}.000.ndjson").read_text().splitlines():
            resource = json.loads(line)
            subject = resource.get("subject") or resource.get("patient") or {}
            about = f"Patient/{resource['id']}" if kind == "Patient" else subject.get("reference")
            if about == PERSON and found < each:
                files[f"{kind}-{resource['id']}.json"] = line.encode()
                found += 1
    return files


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip of ``members``, the same bytes each time (an export sent again is the same file)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            member = zipfile.ZipInfo(name, date_time=(2024, 6, 1, 10, 0, 0))
            archive.writestr(member, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def export_zip(clinical_records: dict[str, bytes]) -> bytes:
    folder = "apple_health_export/clinical-records"
    return zipped(
        {
            "apple_health_export/export.xml": EXPORT_XML,
            **{f"{folder}/{name}": content for name, content in clinical_records.items()},
        }
    )


def fhir_zip(clinical_records: dict[str, bytes]) -> bytes:
    return zipped(clinical_records)


def entry_count(profile: Profile, kinds: Collection[str] = KINDS) -> int:
    return sum(KINDS[slug].queryset(profile).count() for slug in kinds)


def documents_of(profile: Profile) -> int:
    return Document.objects.filter(profile=profile).alive().count()


def nothing_new(job: ImportJob, kinds: Collection[str] = KINDS) -> bool:
    """Whether the preview brings no new or changed entry of ``kinds``, and no new document.

    Only the kinds the records make are looked at: what export.xml itself
    brings is Apple Health's, and tested beside its reader.
    """
    rows: list[dict[str, Any]] = job.preview["kinds"]
    return job.preview["documents"]["new"] == 0 and all(
        row["new"] == row["changed"] == 0 for row in rows if row["kind"] in kinds
    )


def test_records_imported_directly_and_in_the_export_are_added_once_either_way(world: World):
    files = records()
    first = new_profile(world, "Ana")
    direct = commit(read(first, list(files.items()), world), world)
    kinds = {row["kind"] for row in direct.preview["kinds"]}
    added, carried = direct.counts["added"], direct.counts["documents"]
    assert added > 0 and carried > 0 and entry_count(first) == added

    export = read(first, [("export.zip", export_zip(files))], world)
    assert export.state == JobState.READY, (export.message, export.where)
    assert nothing_new(export, kinds), export.preview
    present = sum(row["present"] for row in export.preview["kinds"] if row["kind"] in kinds)
    assert present == added
    assert export.preview["documents"]["present"] == carried
    commit(export, world)
    assert export.counts["documents"] == 0
    assert entry_count(first, kinds) == added

    # The other way round, and each again.
    second = new_profile(world, "Ana")
    commit(read(second, [("export.zip", export_zip(files))], world), world)
    assert entry_count(second, kinds) == added
    documents = documents_of(second)
    again = read(second, [("records.zip", fhir_zip(files))], world)
    assert nothing_new(again), again.preview
    commit(again, world)
    repeated = read(second, [("export.zip", export_zip(files))], world)
    assert nothing_new(repeated), repeated.preview
    commit(repeated, world)
    assert entry_count(second, kinds) == added
    # Only the records' zip is kept beside them, as that import's original.
    assert documents_of(second) == documents + 1
    # Filed under the system a direct import of the files names: none, for files that say none.
    said = ImportedRecord.objects.filter(profile=second).values_list("key", "system")
    systems = [system for key, system in said if key.startswith(TYPES)]
    assert len(systems) == added + carried and set(systems) == {""}


def test_every_record_is_in_the_preview_and_the_person_is_the_export_s(world: World):
    files = records()
    profile = new_profile(world, "Ana")
    job = read(profile, [("export.zip", export_zip(files))], world)
    # The hospital's "Patient/…" is not another person of the export: no one to choose.
    assert job.state == JobState.READY
    assert [person["key"] for person in job.patients] == [ME]
    assert job.patient == ME
    origins = job.preview["origins"]
    for kind in TYPES:
        row = origins[kind]
        accounted = row.get("entries", 0) + row.get("documents", 0) + row.get("skipped", 0)
        accounted += row.get("used", 0)
        assert accounted == sum(name.startswith(f"{kind}-") for name in files), (kind, row)
    warnings = [warning["message"] for warning in job.preview["warnings"]]
    assert not any("patient who is not in the file" in message for message in warnings)
    where = {warning["where"] for warning in job.preview["warnings"]}
    assert all(place.startswith("export.zip/apple_health_export/") for place in where), where


def test_a_patient_record_in_the_export_is_the_export_s_person_too(world: World):
    files = records(types=("Patient", "Condition"))
    assert any(name.startswith("Patient-") for name in files)
    profile = new_profile(world, "Ana")
    job = read(profile, [("export.zip", export_zip(files))], world)
    assert job.state == JobState.READY
    assert [person["key"] for person in job.patients] == [ME]
    commit(job, world)
    conditions = Condition.objects.filter(profile=profile).count()
    assert conditions == sum(name.startswith("Condition-") for name in files)

    # A direct import of the same files names the system they come from (the
    # Patient's record number): the export filed its records under it too.
    direct = read(profile, [("records.zip", fhir_zip(files))], world)
    assert direct.state == JobState.READY
    assert nothing_new(direct), direct.preview
    # The export's own workout and its route stay the export's.
    clinical = ImportedRecord.objects.filter(profile=profile).exclude(
        key__startswith="apple-health:"
    )
    systems = set(clinical.values_list("system", flat=True))
    assert len(systems) == 1 and systems.pop().startswith("fhir:patients:")


BROKEN = {
    "Condition-not-json.json": b'{"resourceType": "Condition", "code": ',
    "Observation-not-fhir.json": b'{"hello": "world"}',
    "Condition-dstu2-1.json": json.dumps(DSTU2_CONDITION).encode(),
    "AllergyIntolerance-empty.json": b"",
}


def test_records_the_fhir_importer_refuses_are_skipped_saying_why_and_the_rest_added(
    world: World,
):
    files = records(types=("Condition",))
    profile = new_profile(world, "Ana")
    job = read(profile, [("export.zip", export_zip({**files, **BROKEN}))], world)
    assert job.state == JobState.READY, (job.message, job.where)
    folder = "export.zip/apple_health_export/clinical-records/"
    reasons = {
        where.removeprefix(folder): group["reason"]
        for group in job.preview["skipped"]
        for where in group["examples"]
        if where.startswith(folder)
    }
    assert reasons["Condition-not-json.json, line 1, column 39"].startswith(
        "This file is not valid JSON"
    ), reasons
    assert "not FHIR" in reasons["Observation-not-fhir.json"]
    assert reasons["Condition-dstu2-1.json"] == (
        "This is a FHIR DSTU2 file; MyHealthHub reads FHIR R4."
    )
    assert reasons["AllergyIntolerance-empty.json"] == "This file is empty."
    assert job.preview["origins"]["Condition"]["skipped"] == 2
    commit(job, world)
    assert Condition.objects.filter(profile=profile).count() == len(files)
    assert Sample.objects.filter(profile=profile, metric="heart_rate").count() == 1


def test_a_record_larger_than_any_is_skipped_and_a_lying_archive_refused_whole(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(clinical, "MAX_RECORD", 4096)
    files = records(types=("Condition",))
    large = {"resourceType": "Condition", "id": "large", "note": [{"text": "x" * 5000}]}
    profile = new_profile(world, "Ana")
    content = export_zip({**files, "Condition-large.json": json.dumps(large).encode()})
    job = read(profile, [("export.zip", content)], world)
    assert job.state == JobState.READY, (job.message, job.where)
    (row,) = [row for row in job.preview["skipped"] if row["origin"] == "Condition"]
    assert row["examples"] == [
        "export.zip/apple_health_export/clinical-records/Condition-large.json"
    ]
    assert row["reason"] == (
        f"This clinical record is larger than {filesizeformat(4096)}; one record is never "
        "that large, so it was not read."
    )
    commit(job, world)
    assert Condition.objects.filter(profile=profile).count() == len(files)

    # A record that unpacks to more than its header says is not a record: nothing is read.
    archive = bytearray(export_zip(records(types=("Immunization",))))
    last = archive.rfind(b"PK\x01\x02")  # the central directory's entry of the last record
    size_at = last + 24  # the size it says it unpacks to
    declared = int.from_bytes(archive[size_at : size_at + 4], "little")
    archive[size_at : size_at + 4] = (declared - 10).to_bytes(4, "little")
    entries, documents = entry_count(profile), documents_of(profile)
    refused = read(profile, [("export.zip", bytes(archive))], world)
    assert refused.state == JobState.REFUSED
    assert "holds more data than its header declares" in refused.message
    assert (entry_count(profile), documents_of(profile)) == (entries, documents)
