"""A result reads by the name people know, in their language; its detail keeps the source's."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry, Observation

# As Synthea names it (tests/data/fhir/synthea).
MPV = "Platelet mean volume [Entitic volume] in Blood by Automated count"
CONSUMER = {"en": "Mean platelet volume (MPV)", "es": "Volumen plaquetario medio (VPM)"}
AS_NAMED = {"en": "As the source names it:", "es": "Como lo nombra la fuente:"}
# New msgids wait for their Spanish in locale/es; strict, so the test says when it arrives.


def reader(language: str) -> tuple[User, Profile, Client]:
    account = make_account(f"names-{language}@example.org", language=language)
    profile = actions.create_profile(account, request=None, given_name="Iris", language=language)
    client = Client()
    client.force_login(account)
    return account, profile, client


def result(profile: Profile, account: User, **values: object) -> Entry:
    values.setdefault("date", dt.date(2025, 3, 4))
    return create_entry(KINDS["results"], profile, actor=account, request=None, values=values)


def text_of(response) -> str:
    assert response.status_code == 200
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(body).split())


def page(client: Client, name: str, profile: Profile, **kwargs: object) -> str:
    return text_of(client.get(reverse(name, kwargs={"profile_uuid": profile.uuid, **kwargs})))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_known_test_reads_by_its_common_name_on_the_list(language: str):
    account, profile, client = reader(language)
    result(profile, account, display=MPV, code="32623-1", value_number=10.4, unit_text="fL")
    text = page(client, "records:list", profile, kind="results")
    assert CONSUMER[language] in text
    assert MPV not in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_detail_page_keeps_the_source_s_name(language: str):
    account, profile, client = reader(language)
    entry = result(profile, account, display=MPV, code="32623-1", value_number=10.4, unit_text="fL")
    text = page(client, "records:detail", profile, kind="results", entry_uuid=entry.uuid)
    assert f"{CONSUMER[language]} {AS_NAMED[language]} {MPV}" in text


@pytest.mark.django_db
def test_a_result_named_as_the_table_names_it_says_nothing_more():
    account, profile, client = reader("en")
    entry = result(profile, account, display="Hemoglobin A1c", code="4548-4", value_number=6.1)
    text = page(client, "records:detail", profile, kind="results", entry_uuid=entry.uuid)
    assert "As the source names it" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_timeline_and_the_overview_use_the_common_name(language: str):
    account, profile, client = reader(language)
    result(profile, account, display=MPV, code="32623-1", value_number=10.4, unit_text="fL")
    assert CONSUMER[language] in page(client, "records:timeline", profile)
    assert CONSUMER[language] in page(client, "profiles:overview", profile)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_an_unknown_or_uncoded_test_keeps_its_own_name(language: str):
    account, profile, client = reader(language)
    result(profile, account, display="Vitamin K1", code="99999-9", value_number=0.4)
    result(profile, account, display="Home glucose strip", value_number=101)
    text = page(client, "records:list", profile, kind="results")
    assert "Vitamin K1" in text
    assert "Home glucose strip" in text


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "typed"), [("en", "Glucose"), ("es", "Glucosa")])
def test_the_form_suggests_names_in_the_reader_s_language_and_knows_their_code(
    language: str, typed: str
):
    _account, profile, client = reader(language)
    create = reverse("records:create", kwargs={"profile_uuid": profile.uuid, "kind": "results"})
    form = client.get(create).content.decode()
    assert f'<option value="{typed}">' in form
    response = client.post(
        create,
        {"display": typed, "category": "laboratory", "date_year": "2025", "value_number": "99"},
    )
    assert response.status_code == 302
    made = Observation.objects.get(profile_id=profile.pk)
    assert (made.code, made.unit) == ("2345-7", "mg/dL")
