"""An import updates only what its own source system said (issue 17, "Reconcile").

Eleven certified EHRs wrote the same test patient, Rebecca Larson, from the
ONC's sample data; some kept the sample's statement ids and custodian, and
changed dates. Imported into one profile, no file may change what another
system's file brought: its statements are new entries (the reconcile app
sets them side by side), while a byte-identical copy of one system's file
is that system again, and already present.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

import pytest

from myhealthhub.conftest import World
from myhealthhub.imports.base import EVERY_SYSTEM, Upload, no_progress
from myhealthhub.imports.ccda.importer import Ccda
from myhealthhub.imports.fhir.importer import Fhir
from myhealthhub.imports.fhir.tests.files import condition, patient
from myhealthhub.imports.models import ImportedRecord, ImportJob, JobState
from myhealthhub.imports.pipeline import request_commit, start_import
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Condition, EntryVersion
from myhealthhub.tests.real_files import shared_data, shared_in

LARSON = shared_in("reconcile/larson", "*.xml")
CAREFLUENCE = "Carefluence_Larson_Rebecca_0_Inpatient.xml"
GET_REAL_HEALTH = "Get-Real-Health_Larson.xml"
MODULEMD = "ModuleMD-Wise_Larson_Rebecca_0_Inpatient.xml"
MCKESSON_CCD = "McKesson-Paragon_larson-ccd.xml"
MCKESSON_DS = "McKesson-Paragon_larson-ds.xml"


def new_profile(world: World) -> Profile:
    return profile_actions.create_profile(
        world.accounts["owner"], request=None, given_name="Rebecca", family_name="Larson"
    )


def imported(world: World, profile: Profile, name: str, content: bytes) -> ImportJob:
    job = start_import(
        profile, [(name, io.BytesIO(content))], actor=world.accounts["owner"], request=None
    )
    job.refresh_from_db()
    assert job.state == JobState.READY, (name, job.state, job.message)
    request_commit(
        job, actor=world.accounts["owner"], apply_demographics=False, other_person_confirmed=True
    )
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED, (name, job.state, job.message)
    return job


def previewed(world: World, profile: Profile, name: str, content: bytes) -> dict[str, int]:
    """What an import would do, summed over kinds: new, present, changed."""
    job = start_import(
        profile, [(name, io.BytesIO(content))], actor=world.accounts["owner"], request=None
    )
    job.refresh_from_db()
    assert job.state == JobState.READY, (job.state, job.message)
    said: Counter[str] = Counter()
    for row in job.preview["kinds"]:
        said.update({column: row[column] for column in ("new", "present", "changed")})
    return dict(said)


def entries_of(profile: Profile) -> dict[str, dict[str, Any]]:
    """Every entry of the profile by UUID: its kind, version, source and field values."""
    found = {}
    for slug, kind in KINDS.items():
        for entry in kind.queryset(profile):
            values = {
                field.attname: getattr(entry, field.attname)
                for field in entry._meta.concrete_fields
                if field.attname not in ("updated_at", "updated_by_id")
            }
            found[str(entry.uuid)] = {"kind": slug, **values}
    return found


def said_by_system(profile: Profile) -> Counter[tuple[Any, ...]]:
    """(kind, name, date, system) of every entry: what each system says, however many times."""
    systems = dict(
        ImportedRecord.objects.filter(profile=profile).values_list("object_uuid", "system")
    )
    return Counter(
        (slug, entry.display, entry.date, systems.get(entry.uuid))
        for slug, kind in KINDS.items()
        for entry in kind.queryset(profile)
    )


def mapped(importer: Ccda | Fhir, name: str, content: bytes) -> str:
    """The system a file says it comes from, as its importer reads it."""
    upload = Upload(name, io.BytesIO(content), len(content))
    return importer.read([upload], no_progress).system


# The eleven Larson files ---------------------------------------------------------


@shared_data
def test_the_larson_files_name_their_systems():
    systems = {path.name: mapped(Ccda(), path.name, path.read_bytes()) for path in LARSON}
    assert len(systems) == 11 and all(systems.values())
    # The same custodian, the same sample's ids, but each EHR's own chart number.
    assert systems[CAREFLUENCE] != systems[GET_REAL_HEALTH]
    assert systems[CAREFLUENCE] == systems[MODULEMD]  # byte for byte the same file
    assert systems[MCKESSON_CCD] == systems[MCKESSON_DS]  # one hospital's two documents
    assert len(set(systems.values())) == 9


@shared_data
@pytest.mark.slow
def test_no_larson_file_changes_what_another_system_brought(world: World):
    profile = new_profile(world)
    first: dict[str, ImportJob] = {}
    as_brought: dict[str, dict[str, Any]] = {}
    for path in LARSON:
        before = set(entries_of(profile))
        job = first[path.name] = imported(world, profile, path.name, path.read_bytes())
        assert job.counts["updated"] == 0, path.name
        now = entries_of(profile)
        as_brought.update({uuid: now[uuid] for uuid in set(now) - before})
    # Every entry is as its own file brought it, and was never changed since.
    assert entries_of(profile) == as_brought
    assert {entry["version"] for entry in as_brought.values()} == {1}
    assert not EntryVersion.objects.filter(
        profile=profile, change=EntryVersion.Change.UPDATE
    ).exists()

    # Get Real Health reuses Carefluence's ids, custodian and all: its statements are its own.
    grh = first[GET_REAL_HEALTH].counts
    assert grh["added"] > 50 and grh["present"] == 0
    # ModuleMD's file is Carefluence's, byte for byte: that system again, already present.
    module_md, carefluence = first[MODULEMD].counts, first[CAREFLUENCE].counts
    assert module_md["added"] == 0 and module_md["present"] == carefluence["added"]
    # McKesson's discharge summary repeats much of its CCD: one system, so present.
    assert first[MCKESSON_DS].counts["present"] > 20

    for path in LARSON:
        again = imported(world, profile, path.name, path.read_bytes()).counts
        brought = first[path.name].counts
        assert (again["added"], again["updated"]) == (0, 0), path.name
        assert again["present"] == brought["added"] + brought["present"], path.name
    assert entries_of(profile) == as_brought


@shared_data
@pytest.mark.slow
def test_the_larson_files_in_reverse_order_make_the_same_record(world: World):
    forward, backward = new_profile(world), new_profile(world)
    for path in LARSON:
        imported(world, forward, path.name, path.read_bytes())
    for path in reversed(LARSON):
        imported(world, backward, path.name, path.read_bytes())
    assert said_by_system(backward) == said_by_system(forward)
    assert not EntryVersion.objects.filter(
        profile__in=(forward, backward), change=EntryVersion.Change.UPDATE
    ).exists()


# FHIR servers ---------------------------------------------------------------------


def identified(name: str, status: str = "active") -> dict[str, Any]:
    return dict(
        condition(name, status=status),
        identifier=[{"system": "urn:oid:1.2.3.4", "value": "problem-1"}],
    )


def served(base: str, *resources: dict[str, Any], source: str = "") -> bytes:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }
    if source:
        bundle["meta"] = {"source": source}
    return json.dumps(bundle).encode()


def test_a_fhir_file_names_its_server_by_source_else_full_urls_else_record_numbers():
    def system(content: dict[str, Any] | bytes) -> str:
        raw = content if isinstance(content, bytes) else json.dumps(content).encode()
        return mapped(Fhir(), "a.json", raw)

    sourced = served("https://a.example/fhir", patient(), source="https://ehr.example#req-1")
    again = served("https://b.example/fhir", patient(), source="https://ehr.example#req-2")
    assert system(sourced) == system(again) == "fhir:source:https://ehr.example"
    assert system(served("https://a.example/R4", patient())) == "fhir:server:https://a.example/R4"
    numbered = dict(
        patient(),
        identifier=[
            {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-99-9999"},
            {"system": "https://clinic.example/patients", "value": "42"},
            {
                "system": "https://clinic.example/mrn",
                "value": "A-7",
                "type": {"coding": [{"code": "MR"}]},
            },
        ],
    )
    lone = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": numbered}]}
    assert system(lone) == "fhir:patients:https://clinic.example/mrn"
    assert system(condition("Asthma")) == ""  # a lone resource says nothing of its system
    ours = dict(patient(), identifier=[{"system": "urn:myhealthhub:profile", "value": "x"}])
    assert system(served("https://a.example/fhir", ours)) == EVERY_SYSTEM


def test_another_server_s_record_under_the_same_identifier_is_a_new_entry(world: World):
    profile = new_profile(world)
    imported(world, profile, "a.json", served("https://a.example/fhir", identified("Asthma")))
    other = served("https://b.example/fhir", identified("Asthma", status="resolved"))
    assert previewed(world, profile, "b.json", other) == {"new": 1, "present": 0, "changed": 0}
    imported(world, profile, "b.json", other)
    statuses = Condition.objects.filter(profile=profile).values_list("clinical_status", flat=True)
    assert sorted(statuses) == ["active", "resolved"]
    # The first server's own newer export still updates its own entry, and only it.
    newer = served("https://a.example/fhir", identified("Asthma", status="inactive"))
    assert previewed(world, profile, "a.json", newer) == {"new": 0, "present": 0, "changed": 1}
    assert imported(world, profile, "a.json", newer).counts["updated"] == 1
    statuses = Condition.objects.filter(profile=profile).values_list("clinical_status", flat=True)
    assert sorted(statuses) == ["inactive", "resolved"]


def test_records_of_before_systems_are_found_again_and_then_kept_to_their_system(world: World):
    profile = new_profile(world)
    first = served("https://a.example/fhir", identified("Asthma"))
    imported(world, profile, "a.json", first)
    ImportedRecord.objects.filter(profile=profile).update(system="")  # as the migration left it
    # The same file again finds its record (as before systems were recorded) and claims it.
    assert previewed(world, profile, "a.json", first) == {"new": 0, "present": 1, "changed": 0}
    imported(world, profile, "a.json", first)
    (record,) = ImportedRecord.objects.filter(profile=profile)
    assert record.system == "fhir:server:https://a.example/fhir"
    other = served("https://b.example/fhir", identified("Asthma", status="resolved"))
    assert previewed(world, profile, "b.json", other) == {"new": 1, "present": 0, "changed": 0}


def test_a_file_naming_no_system_never_changes_what_a_known_system_said(world: World):
    profile = new_profile(world)
    imported(world, profile, "a.json", served("https://a.example/fhir", identified("Asthma")))
    unknown = json.dumps(identified("Asthma", status="resolved")).encode()  # a lone resource
    assert previewed(world, profile, "c.json", unknown) == {"new": 1, "present": 0, "changed": 0}
    imported(world, profile, "c.json", unknown)
    # Two files naming no system are one unknown source, as every file was before.
    again = json.dumps(identified("Asthma", status="inactive")).encode()
    assert previewed(world, profile, "c.json", again) == {"new": 0, "present": 0, "changed": 1}
