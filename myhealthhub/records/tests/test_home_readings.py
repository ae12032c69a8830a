from __future__ import annotations

from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.records.models import Observation


def post(world: World, data: dict[str, str], caller: str = "editor"):
    return world.client(caller).post(
        reverse("records:add_readings", kwargs={"profile_uuid": world.profile.uuid}), data
    )


def test_each_filled_value_becomes_a_coded_result(world: World):
    before = Observation.objects.filter(profile=world.profile).count()
    response = post(
        world,
        {
            "when": "2025-05-04T08:15",
            "systolic": "132",
            "diastolic": "84",
            "pulse": "71",
            "glucose": "6.2",
            "glucose_unit": "mmol/L",
            "weight": "70.5",
        },
    )
    assert response.status_code == 302
    made = Observation.objects.filter(profile=world.profile).order_by("id")[before:]
    assert {(item.code, item.value_number, item.unit) for item in made} == {
        ("85354-9", None, ""),
        ("8867-4", 71.0, "/min"),
        ("2339-0", 6.2, "mmol/L"),
        ("29463-7", 70.5, "kg"),
    }
    pressure = next(item for item in made if item.code == "85354-9")
    assert [part["value"] for part in pressure.components] == [132, 84]
    assert pressure.value_display == "132/84 mmHg"
    assert all(str(item.date) == "2025-05-04" for item in made)


def test_half_a_blood_pressure_or_nothing_is_refused(world: World):
    before = Observation.objects.filter(profile=world.profile).count()
    response = post(world, {"when": "2025-05-04T08:15", "systolic": "132"})
    assert "Enter both blood pressure numbers, or neither." in response.content.decode()
    response = post(world, {"when": "2025-05-04T08:15"})
    assert "Enter at least one reading." in response.content.decode()
    response = post(world, {"when": "2025-05-04T08:15", "oxygen": "140"})
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    assert Observation.objects.filter(profile=world.profile).count() == before


def test_readings_are_named_in_the_profile_s_language(world: World):
    """Ana's profile is in Spanish: what is written in it reads in Spanish, whoever types it."""
    assert world.profile.language == "es"
    before = Observation.objects.filter(profile=world.profile).count()
    response = post(
        world, {"when": "2025-05-04T08:15", "systolic": "120", "diastolic": "80", "pulse": "64"}
    )
    assert response.status_code == 302
    made = Observation.objects.filter(profile=world.profile).order_by("id")[before:]
    assert {item.display for item in made} == {"Presión arterial", "Frecuencia cardiaca"}
    pressure = next(item for item in made if item.code == "85354-9")
    assert [part["display"] for part in pressure.components] == ["Sistólica", "Diastólica"]
