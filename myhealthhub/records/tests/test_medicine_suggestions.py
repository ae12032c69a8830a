"""The medicine form suggests names in the reader's language, and each is a medicine known by name."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from myhealthhub.conftest import make_account
from myhealthhub.lib import codes
from myhealthhub.lib.medicine_names import ingredients_of
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import Medication


def keeper(language: str) -> tuple[Profile, Client]:
    account = make_account(f"medicines-{language}@example.org", language=language)
    profile = actions.create_profile(account, request=None, given_name="Iris", language=language)
    client = Client()
    client.force_login(account)
    return profile, client


def offered(client: Client, profile: Profile) -> list[str]:
    create = reverse("records:create", kwargs={"profile_uuid": profile.uuid, "kind": "medications"})
    response = client.get(create)
    assert response.status_code == 200
    (suggestions,) = re.findall(
        r'<datalist id="entry-suggestions">(.*?)</datalist>', response.content.decode()
    )
    return [html.unescape(value) for value in re.findall(r'<option value="([^"]*)">', suggestions)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        (
            "es",
            ["Paracetamol", "Ácido acetilsalicílico", "Ceftriaxona"],
            "Paracetamol (Acetaminophen)",
        ),
        (
            "en",
            ["Paracetamol (Acetaminophen)", "Aspirin (Acetylsalicylic acid)", "Ceftriaxone"],
            "Ceftriaxona",
        ),
    ],
)
def test_the_form_suggests_medicines_in_the_reader_s_language(
    language: str, shown: list[str], not_shown: str
):
    profile, client = keeper(language)
    names = offered(client, profile)
    assert set(shown) <= set(names)
    assert not_shown not in names
    assert len(names) == len(codes.medicines())


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_suggested_name_is_a_known_medicine(language: str):
    profile, client = keeper(language)
    for name in offered(client, profile):
        medicine = codes.find_medicine(name)
        assert medicine is not None, name
        found = ingredients_of([], name)
        assert found is not None and found.ingredients == medicine.ingredients, name


@pytest.mark.django_db
def test_a_spanish_name_picked_from_the_list_is_the_same_medicine_as_its_english_one():
    profile, client = keeper("es")
    create = reverse("records:create", kwargs={"profile_uuid": profile.uuid, "kind": "medications"})
    response = client.post(create, {"display": "Ácido micofenólico", "status": "active"})
    assert response.status_code == 302
    made = Medication.objects.get(profile_id=profile.pk)
    typed = ingredients_of(made.codings, made.display)
    coded = ingredients_of(
        [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "485023"}],
        "Mycophenolic Acid 360 MG Delayed Release Oral Tablet",
    )
    assert typed and coded and typed.ingredients == coded.ingredients == {"mycophenolic acid"}
