"""Latest results, on the overview and the summary: one line per test, its newest value."""

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
from myhealthhub.summary.tests.test_summary import pdf_text

GLUCOSE = {"en": "Glucose", "es": "Glucosa"}
# The overview's line, tags dropped (hence the space before the colon).
LINE = {
    "en": "Glucose : 97 mg/dL · March 3, 2025 · 3 values",
    "es": "Glucosa : 97 mg/dL · 3 de marzo de 2025 ·",
}
VALUES = {"en": "3 values", "es": "3 valores"}


def reader(language: str) -> tuple[User, Profile, Client]:
    account = make_account(f"latest-{language}@example.org", language=language)
    profile = actions.create_profile(account, request=None, given_name="Iris", language=language)
    client = Client()
    client.force_login(account)
    return account, profile, client


def glucose_three_times_and_a1c_once(profile: Profile, account: User) -> None:
    for day, value in ((1, 110), (2, 104), (3, 97)):
        create_entry(
            KINDS["results"],
            profile,
            actor=account,
            request=None,
            values={
                "display": "Glucose [Mass/volume] in Serum or Plasma",
                "code": "2345-7",
                "date": dt.date(2025, 3, day),
                "value_number": value,
                "unit_text": "mg/dL",
            },
        )
    create_entry(
        KINDS["results"],
        profile,
        actor=account,
        request=None,
        values={
            "display": "Hemoglobin A1c",
            "code": "4548-4",
            "date": dt.date(2025, 2, 1),
            "value_number": 5.4,
            "unit_text": "%",
        },
    )


def text_of(body: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def overview(client: Client, profile: Profile) -> str:
    response = client.get(reverse("profiles:overview", kwargs={"profile_uuid": profile.uuid}))
    assert response.status_code == 200
    body = response.content.decode()
    (section,) = re.findall(
        r'<section[^>]*aria-labelledby="results-heading".*?</section>', body, re.S
    )
    return section


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_overview_shows_each_test_once_with_its_latest_value(language: str):
    account, profile, client = reader(language)
    glucose_three_times_and_a1c_once(profile, account)
    text = text_of(overview(client, profile))
    assert text.count(GLUCOSE[language]) == 1
    assert LINE[language] in text
    assert "104" not in text and "110" not in text
    assert text.count("5.4 %" if language == "en" else "5,4 %") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_overview_links_a_test_s_values_to_its_trend(language: str):
    account, profile, client = reader(language)
    glucose_three_times_and_a1c_once(profile, account)
    section = overview(client, profile)
    trend = reverse("records:trend", kwargs={"profile_uuid": profile.uuid})
    assert f'<a href="{trend}?code=2345-7">{VALUES[language]}</a>' in section


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_summary_shows_each_test_once_on_the_page_and_in_the_pdf(language: str):
    account, profile, client = reader(language)
    glucose_three_times_and_a1c_once(profile, account)
    kwargs = {"profile_uuid": profile.uuid}
    name, value = GLUCOSE[language], "97 mg/dL"
    page = text_of(client.get(reverse("summary:page", kwargs=kwargs)).content.decode())
    assert page.count(name) == 1
    assert f"{name} {value}" in page
    pdf = pdf_text(client.get(reverse("summary:pdf", kwargs=kwargs)).content)
    assert pdf.count(name) == 1
    assert f"{name} {value}" in pdf
