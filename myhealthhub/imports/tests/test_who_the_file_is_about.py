"""Who a file is about: the people a person would count, shown as a person tells them apart.

A Patient that only links to another (``Patient.link``) is the same person; a
reference to a Patient the file does not hold (a Consent's, a stale id) is
nobody new. When a file does hold several people, they are offered by name,
birth date and record number, and the command line's ``--patient`` takes any
of those.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.imports.fhir.tests.files import bundle, condition, patient
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read
from myhealthhub.records.models import Condition


def with_record_number(person: dict[str, Any], number: str) -> dict[str, Any]:
    return {
        **person,
        "identifier": [
            {
                "type": {"text": "MRN"},
                "system": "https://hospital.example.org/mrn",
                "value": number,
            },
            {"use": "old", "system": "https://old.example.org", "value": "retired-1"},
        ],
    }


def stub_linking_to(target_id: str) -> dict[str, Any]:
    """A Patient that holds nothing but a link to the full record, as some EHRs write."""
    return {
        "resourceType": "Patient",
        "id": "stub",
        "link": [{"other": {"reference": f"Patient/{target_id}"}, "type": "seealso"}],
    }


def consent_of(patient_reference: str) -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "id": "consent-1",
        "status": "active",
        "scope": {"text": "Privacy"},
        "category": [{"text": "Treatment"}],
        "patient": {"reference": patient_reference},
    }


def family() -> bytes:
    ana = with_record_number(patient("Ana", "García", "1970-05-01"), "12345")
    rosa = with_record_number(dict(patient("Rosa", "Pérez", "2012-09-30"), id="p2"), "67890")
    rosa_asthma = dict(condition("Asthma"), subject={"reference": "Patient/p2"})
    return bundle(ana, rosa, condition("Gout"), rosa_asthma)


def test_a_patient_that_only_links_to_another_is_the_same_person(world: World):
    profile = new_profile(world, "Ana")
    stub_gout = dict(condition("Gout"), subject={"reference": "Patient/stub"})
    content = bundle(stub_linking_to("p1"), patient("Ana", "García"), stub_gout)

    job = read(profile, [("linked.json", content)], world)

    assert job.state == JobState.READY, (job.state, job.patients)
    assert [person["given_name"] for person in job.patients] == ["Ana"]
    commit(job, world)
    assert Condition.objects.filter(profile=profile, display="Gout").exists()


def test_a_consent_about_a_patient_the_file_does_not_hold_makes_nobody_new(world: World):
    profile = new_profile(world, "Ana")
    content = bundle(patient("Ana", "García"), condition("Gout"), consent_of("Patient/elsewhere"))

    job = read(profile, [("consent.json", content)], world)

    assert job.state == JobState.READY, (job.state, job.patients)
    assert len(job.patients) == 1


def test_among_several_people_a_record_of_someone_not_in_the_file_is_left_out(world: World):
    profile = new_profile(world, "Ana")
    stranger = dict(condition("Measles"), subject={"reference": "Patient/elsewhere"})
    content = bundle(
        with_record_number(patient("Ana", "García", "1970-05-01"), "12345"),
        dict(patient("Rosa", "Pérez"), id="p2"),
        condition("Gout"),
        stranger,
    )

    job = read(profile, [("family.json", content)], world, patient="Ana García")

    assert len(job.patients) == 2
    assert job.state == JobState.READY, (job.state, job.message)
    commit(job, world)
    assert Condition.objects.filter(profile=profile, display="Gout").exists()
    assert not Condition.objects.filter(profile=profile, display="Measles").exists()


def test_the_choice_shows_names_birth_dates_and_record_numbers_not_keys(world: World):
    job = read(world.profile, [("family.json", family())], world)
    assert job.state == JobState.CHOOSING

    client = Client()
    client.force_login(world.accounts["owner"])
    page = client.get(
        reverse("imports:detail", args=[world.profile.uuid, job.uuid]),
        headers={"accept-language": "en"},
    ).content.decode()

    assert "Ana García" in page and "born May 1, 1970" in page and "MRN 12345" in page
    assert "Rosa Pérez" in page and "MRN 67890" in page
    assert "retired-1" not in page  # an old number is not how anyone knows them now
    labels = re.findall(r"<label>.*?</label>", page, re.S)
    shown = " ".join(re.sub(r"<[^>]+>", "", label) for label in labels)
    assert "Patient/" not in shown and "urn:uuid" not in shown


def chosen_name(job: ImportJob) -> str:
    person = job.patient_named(job.patient)
    assert person is not None, job.patients
    return str(person["given_name"])


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_line_lists_people_as_they_are_known_and_takes_any_of_it(
    world: World, tmp_path: Path
):
    path = tmp_path / "family.json"
    path.write_bytes(family())

    with pytest.raises(CommandError) as choice:
        run(str(path), "--profile", str(world.profile.uuid), "--yes")
    message = str(choice.value)
    assert "--patient" in message
    assert "Ana García, born May 1, 1970, MRN 12345" in message
    assert "Rosa Pérez, born Sept. 30, 2012, MRN 67890" in message
    assert "Patient/" not in message

    for chosen, name, kept in (
        ("ana garcia", "Ana", "Gout"),
        ("67890", "Rosa", "Asthma"),
        ("MRN 67890", "Rosa", "Asthma"),
        ("30/9/2012", None, None),  # not how this terminal writes dates: no one
    ):
        someone = new_profile(world, name or "Nobody")
        if name is None:
            with pytest.raises(CommandError, match="--patient"):
                run(str(path), "--profile", str(someone.uuid), "--yes", "--patient", chosen)
            continue
        run(
            str(path),
            "--profile",
            str(someone.uuid),
            "--yes",
            "--other-person",
            "--patient",
            chosen,
        )
        job = ImportJob.objects.get(profile=someone)
        assert chosen_name(job) == name
        assert [c.display for c in Condition.objects.filter(profile=someone)] == [kept]


def test_a_choice_that_names_no_one_or_several_chooses_no_one(world: World, tmp_path: Path):
    twins = bundle(
        patient("Ana", "García", "2010-01-01"),
        dict(patient("Eva", "García", "2010-01-01"), id="p2"),
    )
    job = read(world.profile, [("twins.json", twins)], world, patient="2010-01-01")
    assert job.state == JobState.CHOOSING
    job = read(world.profile, [("twins.json", twins)], world, patient="Eva García")
    assert job.state == JobState.READY
    assert chosen_name(job) == "Eva"


def test_the_birth_dates_the_file_would_change_are_shown_as_dates(world: World):
    job = read(world.profile, [("family.json", family())], world, patient="Rosa Pérez")
    assert job.state == JobState.READY

    client = Client()
    client.force_login(world.accounts["owner"])
    page = client.get(
        reverse("imports:detail", args=[world.profile.uuid, job.uuid]),
        headers={"accept-language": "en"},
    ).content.decode()

    assert "Sept. 30, 2012" in page
    assert "2012-09-30" not in page
