"""Result values on the record's pages: in the reader's units and language, never raw."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from myhealthhub.accounts.models import BodyUnits, UnitSystem, User
from myhealthhub.conftest import make_account
from myhealthhub.lib import formatting
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry, Observation

DAY = dt.date(2025, 3, 4)


def keeper(language: str = "en", units: str = "conventional", body: str = "metric") -> User:
    account = make_account(f"keeper-{language}-{units}-{body}@example.org", language=language)
    account.unit_system, account.body_units = units, body
    account.save(update_fields=["unit_system", "body_units"])
    return account


def profile_of(account: User, **values: object) -> Profile:
    return actions.create_profile(account, request=None, given_name="Iris", language="en", **values)


def result(profile: Profile, account: User, **values: object) -> Entry:
    values.setdefault("date", DAY)
    return create_entry(KINDS["results"], profile, actor=account, request=None, values=values)


def client_of(account: User) -> Client:
    client = Client()
    client.force_login(account)
    return client


def text_of(response) -> str:
    """The page's words, tags dropped and spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(body).split())


def detail(client: Client, profile: Profile, entry: Entry) -> str:
    kwargs = {"profile_uuid": profile.uuid, "kind": "results", "entry_uuid": entry.uuid}
    return text_of(client.get(reverse("records:detail", kwargs=kwargs)))


def listing(client: Client, profile: Profile) -> str:
    kwargs = {"profile_uuid": profile.uuid, "kind": "results"}
    return text_of(client.get(reverse("records:list", kwargs=kwargs)))


def glucose(profile: Profile, account: User) -> Entry:
    return result(
        profile, account, display="Glucose", code="2345-7", value_number=99.0, unit="mg/dL"
    )


@pytest.mark.django_db
def test_si_in_spanish_shows_mmol_per_litre_with_a_comma_everywhere():
    account = keeper("es", UnitSystem.SI)
    profile = profile_of(account)
    entry = glucose(profile, account)
    client = client_of(account)
    page = detail(client, profile, entry)
    assert "5,5 mmol/L" in page
    assert "99 mg/dL" in page  # as recorded, one click away
    assert "5,5 mmol/L" in listing(client, profile)
    overview = text_of(client.get(reverse("profiles:overview", args=[profile.uuid])))
    assert "5,5 mmol/L" in overview


@pytest.mark.django_db
def test_conventional_in_english_shows_what_was_recorded():
    account = keeper("en", UnitSystem.CONVENTIONAL)
    profile = profile_of(account)
    entry = glucose(profile, account)
    page = detail(client_of(account), profile, entry)
    assert "99 mg/dL" in page and "mmol/L" not in page
    assert "As recorded" not in page


@pytest.mark.django_db
def test_a_blood_pressure_reading_shows_both_numbers():
    account = keeper()
    profile = profile_of(account)
    response = client_of(account).post(
        reverse("records:add_readings", kwargs={"profile_uuid": profile.uuid}),
        {"when": "2025-03-04T08:15", "systolic": "120", "diastolic": "80"},
    )
    assert response.status_code == 302
    pressure = Observation.objects.get(profile=profile, code="85354-9")
    client = client_of(account)
    assert "Value 120/80 mmHg" in detail(client, profile, pressure)
    assert "120/80 mmHg" in listing(client, profile)
    assert "mm[Hg]" not in listing(client, profile)


@pytest.mark.django_db
def test_a_blood_pressure_kept_as_two_results_shows_both_on_each():
    account = keeper()
    profile = profile_of(account)
    common = {"unit": "mm[Hg]", "effective_time": dt.time(8, 15)}
    systolic = result(
        profile, account, display="Systolic", code="8480-6", value_number=120.0, **common
    )
    diastolic = result(
        profile, account, display="Diastolic", code="8462-4", value_number=80.0, **common
    )
    client = client_of(account)
    assert "Blood pressure 120/80 mmHg" in detail(client, profile, systolic)
    assert "Blood pressure 120/80 mmHg" in detail(client, profile, diastolic)


@pytest.mark.django_db
def test_imported_float_noise_is_rounded_and_kept_one_click_away():
    account = keeper()
    profile = profile_of(account)
    components = [
        {"code": "8480-6", "display": "Systolic", "value": 183.2291845703258, "unit": "mm[Hg]"},
        {"code": "8462-4", "display": "Diastolic", "value": 110.49766709212196, "unit": "mm[Hg]"},
    ]
    pressure = result(
        profile, account, display="Blood pressure", code="85354-9", components=components
    )
    client = client_of(account)
    page = detail(client, profile, pressure)
    assert "Value 183/110 mmHg" in page
    assert "As recorded 183.2291845703258/110.49766709212196 mm[Hg]" in page
    rows = listing(client, profile)
    assert "183/110 mmHg" in rows and "183.229" not in rows


@pytest.mark.django_db
def test_lab_units_read_as_printed_on_a_report():
    account = keeper()
    profile = profile_of(account)
    result(profile, account, display="Platelets", code="777-3", value_number=250.0, unit="10*3/uL")
    result(
        profile, account, display="eGFR", code="62238-1", value_number=92.0, unit="mL/min/{1.73_m2}"
    )
    rows = listing(client_of(account), profile)
    assert "250 10³/µL" in rows
    assert "92 mL/min/1.73 m²" in rows
    assert "10*3/uL" not in rows


@pytest.mark.django_db
def test_us_body_units_show_pounds_and_fahrenheit():
    account = keeper("en", UnitSystem.CONVENTIONAL, BodyUnits.US)
    profile = profile_of(account)
    weight = result(
        profile,
        account,
        display="Body weight",
        code="29463-7",
        value_number=70.0,
        unit="kg",
        unit_text="kg",
    )
    heat = result(
        profile,
        account,
        display="Body temperature",
        code="8310-5",
        value_number=37.0,
        unit="Cel",
        unit_text="Cel",
    )
    client = client_of(account)
    assert "Value 154.3 lb" in detail(client, profile, weight)
    assert "Value 98.6 °F" in detail(client, profile, heat)
    rows = listing(client, profile)
    assert "154.3 lb" in rows and "98.6 °F" in rows


@pytest.mark.django_db
def test_home_readings_are_typed_in_the_person_s_units_and_stored_in_kg_and_celsius():
    account = keeper("en", UnitSystem.SI, BodyUnits.US)
    profile = profile_of(account)
    client = client_of(account)
    url = reverse("records:add_readings", kwargs={"profile_uuid": profile.uuid})
    form = text_of(client.get(url))
    assert "Weight (lb)" in form and "Temperature (°F)" in form
    assert '<option value="mmol/L" selected>' in client.get(url).content.decode()
    response = client.post(
        url, {"when": "2025-03-04T08:15", "weight": "154.3", "temperature": "98.6"}
    )
    assert response.status_code == 302
    weight = Observation.objects.get(profile=profile, code="29463-7")
    heat = Observation.objects.get(profile=profile, code="8310-5")
    assert (weight.value_number, weight.unit) == (69.99, "kg")
    assert (heat.value_number, heat.unit) == (37.0, "Cel")
    assert "Value 154.3 lb" in detail(client, profile, weight)


@pytest.mark.django_db
def test_a_deceased_person_s_overview_says_when_and_takes_nothing_now():
    account = keeper()
    profile = profile_of(account, deceased_date=dt.date(2024, 3, 3))
    create_entry(
        KINDS["medications"],
        profile,
        actor=account,
        request=None,
        values={"display": "Metformin", "status": "active"},
    )
    page = text_of(client_of(account).get(reverse("profiles:overview", args=[profile.uuid])))
    assert "Died March 3, 2024" in page
    assert "Medications last recorded as taken" in page
    assert "Medications taken now" not in page


def test_the_formatter_s_choices_are_the_account_s():
    assert {formatting.CONVENTIONAL, formatting.SI} == set(UnitSystem.values)
    assert {formatting.METRIC, formatting.US} == set(BodyUnits.values)
