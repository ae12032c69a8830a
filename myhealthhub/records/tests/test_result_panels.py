"""A blood count reads as one group on the results list, under its name and day, not twenty rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account
from myhealthhub.lib import codes
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.panels import PANELS
from myhealthhub.summary.tests.markup import find, parse

CBC_DAY, LIPIDS_DAY = dt.date(2019, 8, 9), dt.date(2020, 3, 4)
# (LOINC, as a source names it, value, unit): the names the page shows come from data/loinc.csv.
CBC = (
    ("718-7", "Hemoglobin [Mass/volume] in Blood", 13.5, "g/dL"),
    ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", 6.2, "10*3/uL"),
    ("777-3", "Platelets [#/volume] in Blood by Automated count", 250, "10*3/uL"),
)
LIPIDS = (
    ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", 190, "mg/dL"),
    ("2085-9", "HDL Cholesterol", 55, "mg/dL"),
    ("13457-7", "LDL Cholesterol (calculated)", 110, "mg/dL"),
    ("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", 125, "mg/dL"),
)
HEADINGS = {
    "en": ["Lipids · March 4, 2020", "Blood count · Aug. 9, 2019"],
    "es": ["Lípidos · 4 de marzo de 2020", "Hemograma · 9 de agosto de 2019"],
}
ROWS = {
    "en": [
        ["Cholesterol (total)", "HDL cholesterol", "LDL cholesterol (calculated)", "Triglycerides"],
        ["Hemoglobin", "White blood cells", "Platelets"],
    ],
    "es": [
        ["Colesterol (total)", "Colesterol HDL", "Colesterol LDL (calculado)", "Triglicéridos"],
        ["Hemoglobina", "Leucocitos", "Plaquetas"],
    ],
}


LANGUAGES = ["en", "es"]


def reader(language: str) -> tuple[User, Profile, Client]:
    account = make_account(f"panels-{language}@example.org", language=language)
    profile = actions.create_profile(account, request=None, given_name="Iris", language=language)
    client = Client()
    client.force_login(account)
    return account, profile, client


def record(
    profile: Profile, account: User, tests: tuple[tuple[str, str, float, str], ...], day: dt.date
) -> None:
    for code, display, value, unit in tests:
        values = {"code": code, "display": display, "value_number": value, "unit_text": unit}
        create_entry(
            KINDS["results"], profile, actor=account, request=None, values={**values, "date": day}
        )


def a_cbc_a_ferritin_and_lipids(profile: Profile, account: User) -> None:
    record(profile, account, CBC[:2], CBC_DAY)
    # Ferritin is in no panel: drawn the same morning, it stays a row of its own.
    record(profile, account, (("2276-4", "Ferritin", 80, "ng/mL"),), CBC_DAY)
    record(profile, account, CBC[2:], CBC_DAY)
    record(profile, account, LIPIDS, LIPIDS_DAY)


def results_list(client: Client, profile: Profile, **query: str) -> Any:
    address = reverse("records:list", kwargs={"profile_uuid": profile.uuid, "kind": "results"})
    response = client.get(address, query)
    assert response.status_code == 200
    return parse(response.content)


def groups(page: Any) -> list[tuple[str, list[str]]]:
    """(heading, the names of its rows) for each row group of the list's table."""
    found = []
    for body in find(page, "//table/tbody"):
        heading = " ".join(str(body.xpath("string(tr/th[@scope='rowgroup'])")).split())
        names = [" ".join(name.split()) for name in find(body, "tr/td[1]/a/text()")]
        found.append((heading, names))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_panel_of_one_day_reads_under_its_name_and_date(language: str):
    account, profile, client = reader(language)
    a_cbc_a_ferritin_and_lipids(profile, account)
    ferritin = {"en": "Ferritin", "es": "Ferritina"}[language]
    lipids, blood_count = HEADINGS[language]
    lipid_rows, cbc_rows = ROWS[language]
    # Newest first: each group where its newest row was, rows within it newest first.
    assert groups(results_list(client, profile)) == [
        (lipids, list(reversed(lipid_rows))),
        (blood_count, list(reversed(cbc_rows))),
        ("", [ferritin]),
    ]


@pytest.mark.django_db
def test_the_heading_names_the_group_for_assistive_technology():
    account, profile, client = reader("en")
    record(profile, account, CBC, CBC_DAY)
    page = results_list(client, profile)
    (heading,) = find(page, "//table/tbody/tr/th[@scope='rowgroup']")
    assert heading.get("colspan") == str(len(find(page, "//table/thead/tr/th")))
    assert heading.text_content() == "Blood count · Aug. 9, 2019"


@pytest.mark.django_db
def test_one_panel_on_two_days_is_two_groups():
    account, profile, client = reader("en")
    record(profile, account, CBC, CBC_DAY)
    record(profile, account, CBC, dt.date(2019, 9, 10))
    headings = [heading for heading, _names in groups(results_list(client, profile))]
    assert headings == ["Blood count · Sept. 10, 2019", "Blood count · Aug. 9, 2019"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"sort": "oldest"}, {"sort": "name"}, {"q": "chol"}])
def test_another_sort_or_a_search_keeps_the_flat_table(query: dict[str, str]):
    account, profile, client = reader("en")
    a_cbc_a_ferritin_and_lipids(profile, account)
    found = groups(results_list(client, profile, **query))
    assert len(found) == 1
    assert found[0][0] == ""


@pytest.mark.django_db
def test_an_empty_list_still_says_so():
    _account, profile, client = reader("en")
    page = results_list(client, profile)
    assert str(page.xpath("string(//table/tbody)")).strip() == "Nothing recorded yet."


def counted_queries(client: Client, profile: Profile) -> int:
    address = reverse("records:list", kwargs={"profile_uuid": profile.uuid, "kind": "results"})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_grouping_reads_no_more_rows_than_the_flat_list():
    account, profile, client = reader("en")
    record(profile, account, CBC, CBC_DAY)
    before = counted_queries(client, profile)
    for month in range(1, 10):
        record(profile, account, CBC + LIPIDS, dt.date(2021, month, 1))
    assert counted_queries(client, profile) <= before


def test_every_panel_in_the_code_table_has_a_name():
    shipped = {test.panel for test in codes.lab_tests() if test.panel}
    assert shipped <= set(PANELS)
    assert codes.panel_of("718-7") == "blood-count"
    assert codes.panel_of("2276-4") == ""
