"""What a second import of a source may and may not do to what the first one brought.

A newer export updates only what the source changed, never the person's own
edits; another source reusing the same local ids is another source; an entry
the source now files under another kind, or a report it amends, is added, not
lost; whatever belongs to other people in a file stays out of this profile.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import subprocess
import sys
from typing import Any

from myhealthhub.conftest import World
from myhealthhub.documents.models import Document
from myhealthhub.imports.fhir.tests.files import bundle, condition, patient
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.pipeline import choose_patient, request_commit, start_import
from myhealthhub.imports.recovery import fail_abandoned_jobs
from myhealthhub.records.actions import delete_entry, update_entry
from myhealthhub.records.models import Allergy, Condition, NoKnownAllergies

SNOMED = "http://snomed.info/sct"


def read(world: World, name: str, content: bytes, **options: Any) -> ImportJob:
    job = start_import(
        world.profile,
        [(name, io.BytesIO(content))],
        actor=world.accounts["owner"],
        request=None,
        **options,
    )
    job.refresh_from_db()
    return job


def commit(world: World, job: ImportJob) -> ImportJob:
    assert job.state == JobState.READY, (job.state, job.message)
    request_commit(
        job, actor=world.accounts["owner"], apply_demographics=False, other_person_confirmed=True
    )
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED, (job.state, job.message)
    return job


def row(job: ImportJob, kind: str) -> dict[str, Any]:
    return next(row for row in job.preview["kinds"] if row["kind"] == kind)


def ndjson(*resources: dict[str, Any]) -> bytes:
    return b"\n".join(json.dumps(resource).encode() for resource in resources) + b"\n"


def local_condition(name: str) -> dict[str, Any]:
    # No identifier, no full URL, a patient known only by a local id.
    return {
        "resourceType": "Condition",
        "id": "1",
        "code": {"text": name},
        "subject": {"reference": "Patient/1"},
    }


def test_two_sources_reusing_the_same_local_ids_do_not_overwrite_each_other(world: World):
    commit(world, read(world, "clinic-a.ndjson", ndjson(local_condition("Type 2 diabetes"))))
    second = read(world, "clinic-b.ndjson", ndjson(local_condition("Hypertension")))
    assert row(second, "conditions")["new"] == 1
    assert row(second, "conditions")["changed"] == 0
    commit(world, second)
    names = set(Condition.objects.filter(profile=world.profile).values_list("display", flat=True))
    assert {"Type 2 diabetes", "Hypertension"} <= names
    again = read(world, "clinic-a.ndjson", ndjson(local_condition("Type 2 diabetes")))
    assert row(again, "conditions")["present"] == 1 and row(again, "conditions")["new"] == 0


def test_a_file_that_does_not_say_who_it_is_about_needs_confirmation(world: World):
    job = read(world, "conditions.ndjson", ndjson(local_condition("Asthma")))
    assert job.preview["unnamed"] is True and job.preview["mismatch"] is True


def test_the_person_s_own_changes_are_kept_when_the_source_changes_others(world: World):
    commit(world, read(world, "a.json", bundle(patient(), condition("Asthma"))))
    asthma = Condition.objects.get(profile=world.profile, display="Asthma")
    update_entry(
        asthma,
        actor=world.accounts["owner"],
        request=None,
        values={"display": "Allergic asthma", "notes": "Worse in spring"},
        expected_version=asthma.version,
    )
    newer = read(world, "a.json", bundle(patient(), condition("Asthma", status="resolved")))
    assert row(newer, "conditions")["changed"] == 1
    commit(world, newer)
    asthma.refresh_from_db()
    assert asthma.clinical_status == "resolved"  # what the source changed
    assert asthma.display == "Allergic asthma" and asthma.notes == "Worse in spring"


def test_a_source_renaming_what_the_person_renamed_keeps_the_person_s_name(world: World):
    first = condition("Asthma")
    commit(world, read(world, "a.json", bundle(patient(), first)))
    asthma = Condition.objects.get(profile=world.profile, display="Asthma")
    update_entry(
        asthma,
        actor=world.accounts["owner"],
        request=None,
        values={"display": "Allergic asthma"},
        expected_version=asthma.version,
    )
    renamed = dict(first, code={"text": "Asthma, unspecified"})
    newer = read(world, "a.json", bundle(patient(), renamed))
    changed = [e["text"] for e in row(newer, "conditions")["examples"] if e["change"] == "changed"]
    assert changed and "your own changes kept" in changed[0]
    commit(world, newer)
    asthma.refresh_from_db()
    assert asthma.display == "Allergic asthma"


def test_an_entry_deleted_by_the_person_stays_deleted_when_the_source_changes_it(world: World):
    commit(world, read(world, "a.json", bundle(patient(), condition("Asthma"))))
    asthma = Condition.objects.get(profile=world.profile, display="Asthma")
    delete_entry(asthma, actor=world.accounts["owner"], request=None)
    newer = read(world, "a.json", bundle(patient(), condition("Asthma", status="resolved")))
    assert row(newer, "conditions")["changed"] == 0
    job = commit(world, newer)
    assert job.counts["added"] == 0 and job.counts["updated"] == 0
    assert not Condition.objects.filter(profile=world.profile, display="Asthma").alive().exists()


def allergy(code: str, text: str) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "id": "allergy-list",
        "code": {"coding": [{"system": SNOMED, "code": code, "display": text}], "text": text},
        "patient": {"reference": "Patient/p1"},
    }


def test_an_entry_the_source_now_files_under_another_kind_is_added(world: World):
    job = commit(world, read(world, "a.json", bundle(patient(), allergy("716186003", "NKA"))))
    assert job.counts["added"] == 1
    assert NoKnownAllergies.objects.filter(profile=world.profile).exists()
    newer = read(world, "a.json", bundle(patient(), allergy("91936005", "Allergy to penicillin")))
    assert row(newer, "allergies")["new"] == 1
    commit(world, newer)
    assert Allergy.objects.filter(profile=world.profile, display="Allergy to penicillin").exists()
    again = read(world, "a.json", bundle(patient(), allergy("91936005", "Allergy to penicillin")))
    assert row(again, "allergies")["present"] == 1


def note(text: str) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": "xray-report",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "date": "2025-02-01T10:00:00Z",
        "description": "Wrist X-ray",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "data": base64.b64encode(text.encode()).decode(),
                }
            }
        ],
    }


def test_an_amended_report_is_kept_beside_the_first(world: World):
    first = commit(
        world, read(world, "a.json", bundle(patient(), note("Preliminary: no fracture")))
    )
    assert first.counts["documents"] == 1
    amended = read(world, "a.json", bundle(patient(), note("AMENDED: hairline fracture")))
    assert amended.preview["documents"]["changed"] == 1
    commit(world, amended)
    texts = {
        document.text
        for document in Document.objects.filter(profile=world.profile, description="Wrist X-ray")
    }
    assert texts == {"Preliminary: no fracture", "AMENDED: hairline fracture"}


def claim(patient_id: str) -> dict[str, Any]:
    return {
        "resourceType": "Claim",
        "id": f"claim-{patient_id}",
        "patient": {"reference": f"Patient/{patient_id}"},
        "type": {"text": "Secret surgery billing"},
    }


def test_what_is_skipped_of_other_people_in_the_file_says_nothing_about_them(world: World):
    ana, rosa = patient("Ana", "García"), dict(patient("Rosa", "Pérez"), id="p2")
    content = bundle(ana, rosa, condition("Asthma"), claim("p2"))
    job = read(world, "family.json", content)
    assert job.state == JobState.CHOOSING
    ana_key = next(p["key"] for p in job.patients if p["given_name"] == "Ana")
    choose_patient(job, ana_key)
    job.refresh_from_db()
    assert job.state == JobState.READY
    shown = json.dumps(job.preview["skipped"])
    assert "Secret surgery" not in shown and "Rosa" not in shown.replace("Pérez", "")


def test_a_person_asked_for_who_is_not_in_the_file_is_asked_again(world: World):
    job = read(world, "a.json", bundle(patient(), condition("Asthma")), patient="Patient/nobody")
    assert job.state == JobState.CHOOSING and len(job.patients) == 1


def test_the_preview_of_a_file_of_made_up_types_stays_small(world: World):
    made_up = [{"resourceType": f"Made{index}", "id": str(index)} for index in range(5000)]
    job = read(world, "odd.ndjson", ndjson(patient("Ana", "García"), *made_up))
    assert job.state == JobState.READY, job.message
    assert job.warning_count == 5000  # counted in full, shown in part
    assert len(job.preview["warnings"]) <= 200
    assert len(json.dumps(job.preview)) < 60_000


def test_the_quota_is_checked_for_the_files_an_import_carries(world: World, settings):
    settings.PLANS = {
        "small": {"name": "Small", "limits": {"storage_bytes": 80_000}, "features": ["*"]}
    }
    settings.DEFAULT_PLAN = "small"
    job = read(world, "a.json", bundle(patient(), note("x" * 40_000)))
    request_commit(
        job, actor=world.accounts["owner"], apply_demographics=False, other_person_confirmed=True
    )
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.message.startswith("There is no room for this file")
    assert not Document.objects.filter(profile=world.profile, description="Wrist X-ray").exists()


def test_a_job_queued_again_is_not_taken_for_abandoned(world: World):
    job = read(world, "a.json", bundle(patient(), condition("Asthma")))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], stdout=-1)
    ImportJob.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{int(gone.stdout)}")
    request_commit(
        job,
        actor=world.accounts["owner"],
        apply_demographics=False,
        other_person_confirmed=True,
        enqueue=False,
    )
    assert fail_abandoned_jobs() == 0
    job.refresh_from_db()
    assert job.state == JobState.COMMITTING
