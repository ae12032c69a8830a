"""A file that says its person has died offers the date of death with the demographics."""

from __future__ import annotations

from myhealthhub.conftest import World
from myhealthhub.imports.ccda.tests.files import document
from myhealthhub.imports.fhir.tests.files import bundle, condition, patient
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read


def test_a_fhir_date_of_death_is_offered_and_applied_when_asked(world: World):
    person = {**patient(), "deceasedDateTime": "2023-11-05T08:30:00Z"}
    profile = new_profile(world, "Ana")
    job = read(profile, [("a.json", bundle(person, condition("Asthma")))], world)
    assert job.preview["demographics"]["deceased"] == "2023-11-05"
    commit(job, world)
    profile.refresh_from_db()
    assert profile.deceased is None
    job = read(profile, [("a.json", bundle(person, condition("Asthma")))], world)
    commit(job, world, apply_demographics=True)
    profile.refresh_from_db()
    assert profile.deceased is not None and profile.deceased.isoformat() == "2023-11-05"


def test_a_death_without_a_date_is_a_warning_not_a_change(world: World):
    person = {**patient(), "deceasedBoolean": True}
    profile = new_profile(world, "Ana")
    job = read(profile, [("a.json", bundle(person, condition("Asthma")))], world)
    assert "deceased" not in job.preview["demographics"]
    assert any("has died, without a date" in w["message"] for w in job.preview["warnings"])


def test_a_ccda_deceased_time_is_offered_with_its_precision(world: World):
    said = document("").replace(
        b'<birthTime value="19800102"/>',
        b'<birthTime value="19800102"/><sdtc:deceasedInd value="true"/>'
        b'<sdtc:deceasedTime value="202306"/>',
    )
    profile = new_profile(world, "Ana")
    job = read(profile, [("summary.xml", said)], world)
    assert job.preview["demographics"]["deceased"] == "2023-06"
    commit(job, world, apply_demographics=True)
    profile.refresh_from_db()
    assert profile.deceased is not None and profile.deceased.isoformat() == "2023-06"
