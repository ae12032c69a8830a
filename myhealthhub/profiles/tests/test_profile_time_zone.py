"""A profile's own time zone and date of death, on the profile form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World


def edit_url(world: World) -> str:
    return reverse("profiles:edit", kwargs={"profile_uuid": world.profile.uuid})


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "given_name": "Ana",
        "family_name": "García",
        "birth_year": "1948",
        "sex": "female",
        "language": "es",
        "time_zone": "",
        "version": "1",
    }
    data.update(overrides)
    return data


def test_the_form_offers_each_reader_s_own_zone_or_a_chosen_one(world: World):
    page = world.client("owner").get(edit_url(world)).content.decode()
    assert '<option value="" selected>Each reader&#x27;s own</option>' in page
    assert '<optgroup label="Europe">' in page
    assert '<option value="Europe/Madrid">Madrid</option>' in page
    assert "<legend>Date of death</legend>" in page


def test_an_editor_sets_the_profile_s_zone_and_date_of_death_audited(world: World):
    response = world.client("editor").post(
        edit_url(world),
        form_data(
            time_zone="America/Argentina/Buenos_Aires",
            deceased_year="2024",
            deceased_month="11",
        ),
    )
    assert response.status_code == 302
    world.profile.refresh_from_db()
    assert world.profile.time_zone == "America/Argentina/Buenos_Aires"
    assert world.profile.deceased is not None and world.profile.deceased.isoformat() == "2024-11"
    event = AuditEvent.objects.get(action=Action.PROFILE_UPDATED, profile=world.profile)
    assert event.actor == world.accounts["editor"]
    page = world.client("editor").get(edit_url(world)).content.decode()
    assert (
        '<option value="America/Argentina/Buenos_Aires" selected>Argentina/Buenos Aires</option>'
        in page
    )


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"deceased_year": "2999"}, "A date of death cannot be in the future."),
        ({"deceased_year": "1947"}, "The date of death is before the birth date."),
        (
            {"birth_month": "6", "deceased_year": "1948", "deceased_month": "5"},
            "The date of death is before the birth date.",
        ),
    ],
)
def test_an_impossible_date_of_death_is_refused(world: World, dates, message):
    response = world.client("owner").post(edit_url(world), form_data(**dates))
    assert response.status_code == 200
    assert message in response.content.decode()
    world.profile.refresh_from_db()
    assert world.profile.deceased_date is None


def test_a_death_in_the_birth_year_known_only_to_the_year_is_accepted(world: World):
    response = world.client("owner").post(
        edit_url(world),
        form_data(birth_month="6", birth_day="14", deceased_year="1948"),
    )
    assert response.status_code == 302


def test_an_unknown_zone_is_refused(world: World):
    response = world.client("owner").post(edit_url(world), form_data(time_zone="Mars/Base"))
    assert (
        "Select a valid choice. Mars/Base is not one of the available choices."
        in response.content.decode()
    )
    world.profile.refresh_from_db()
    assert world.profile.time_zone == ""
