"""A result out of range is marked the same way everywhere: the source's word first, else the range's."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account
from myhealthhub.exports.csv import CsvExport
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.abnormal import Flag, Level, flag_of
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.tests.test_summary import pdf_text

# The source's own word, in the reader's language.
SOURCE_HIGH = {"en": "7.1 % ↑ High", "es": "7,1 % ↑ Alto"}
# Worked out from the range: says so.
COMPUTED = {
    "en": "182 mg/dL ↑ Above the range given",
    "es": "182 mg/dL ↑ Sobre el rango",
}
LANGUAGES = ["en", "es"]
COMPUTED_LANGUAGES = ["en", "es"]


def reader(language: str) -> tuple[User, Profile, Client]:
    account = make_account(f"flags-{language}@example.org", language=language)
    profile = actions.create_profile(account, request=None, given_name="Iris", language=language)
    client = Client()
    client.force_login(account)
    return account, profile, client


def result(profile: Profile, account: User, **values: object) -> Entry:
    values.setdefault("date", dt.date(2025, 3, 4))
    return create_entry(KINDS["results"], profile, actor=account, request=None, values=values)


def high_a1c(profile: Profile, account: User) -> Entry:
    """As an import keeps it: the laboratory's "HIGH", a range too."""
    return result(
        profile,
        account,
        display="Hemoglobin A1c/Hemoglobin.total in Blood",
        code="4548-4",
        value_number=7.1,
        unit_text="%",
        reference_high=5.7,
        interpretation="HIGH",
    )


def high_ldl(profile: Profile, account: User) -> Entry:
    """No word from the source: only the range says it is high."""
    return result(
        profile,
        account,
        display="LDL cholesterol (calculated)",
        code="13457-7",
        value_number=182,
        unit_text="mg/dL",
        reference_high=130,
    )


def text_of(response) -> str:
    assert response.status_code == 200
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(body).split())


def page(client: Client, name: str, profile: Profile, **kwargs: object) -> str:
    return text_of(client.get(reverse(name, kwargs={"profile_uuid": profile.uuid, **kwargs})))


def results_csv(profile: Profile, language: str) -> list[dict[str, str]]:
    out = io.BytesIO()
    CsvExport().write(profile, out, ExportOptions(language=language), lambda fraction: None)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        text = archive.read("results.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("interpretation", "value", "comparator", "low", "high", "expected"),
    [
        ("H", 7.1, "", None, 5.7, Flag(Level.HIGH)),
        ("HIGH", 7.1, "", None, None, Flag(Level.HIGH)),
        ("Alto", 7.1, "", None, None, Flag(Level.HIGH)),
        ("LL", 2.1, "", 3.5, 5.1, Flag(Level.CRITICALLY_LOW)),
        ("A", None, "", None, None, Flag(Level.ABNORMAL)),
        ("Low, Susceptible", 3.0, "", 3.5, None, Flag(Level.LOW)),
        # The laboratory's "normal" stands, whatever a copied range says.
        ("N", 7.1, "", None, 5.7, None),
        ("", 7.1, "", None, 5.7, Flag(Level.HIGH, computed=True)),
        ("", 3.0, "", 3.5, 5.1, Flag(Level.LOW, computed=True)),
        ("Susceptible", 7.1, "", None, 5.7, Flag(Level.HIGH, computed=True)),
        ("", 5.7, "", None, 5.7, None),
        # "< 5" is any number under 5: not below a range starting at 5.
        ("", 5.0, "<", 5.0, None, Flag(Level.LOW, computed=True)),
        ("", 5.0, "<=", 5.0, None, None),
        ("", 5.0, "<", None, 4.0, None),
        ("", 200.0, ">", None, 200.0, Flag(Level.HIGH, computed=True)),
        ("", None, "", 1.0, 2.0, None),
    ],
)
def test_the_source_speaks_first_then_the_range(
    interpretation: str,
    value: float | None,
    comparator: str,
    low: float | None,
    high: float | None,
    expected: Flag | None,
):
    found = flag_of(
        interpretation=interpretation, value=value, comparator=comparator, low=low, high=high
    )
    assert found == expected


def test_the_words_follow_the_language():
    with translation.override("es"):
        assert Flag(Level.CRITICALLY_HIGH).text == "Críticamente alto"
        assert Flag(Level.LOW).text == "Bajo"
    with translation.override("en"):
        assert Flag(Level.HIGH, computed=True).text == "Above the range given"
        assert Flag(Level.LOW, computed=True).text == "Below the range given"


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_source_s_flag_shows_with_the_value_on_every_page(language: str):
    account, profile, client = reader(language)
    entry = high_a1c(profile, account)
    assert SOURCE_HIGH[language] in page(client, "records:list", profile, kind="results")
    detail = page(client, "records:detail", profile, kind="results", entry_uuid=entry.uuid)
    assert SOURCE_HIGH[language] in detail
    assert SOURCE_HIGH[language] in page(client, "profiles:overview", profile)
    assert SOURCE_HIGH[language].split(" ", 2)[2] in page(client, "records:timeline", profile)
    # Never the source's capitals, on the summary any more than elsewhere.
    summary = page(client, "summary:page", profile)
    assert SOURCE_HIGH[language] in summary
    assert "HIGH" not in summary


@pytest.mark.django_db
@pytest.mark.parametrize("language", COMPUTED_LANGUAGES)
def test_a_flag_from_the_range_says_so_on_every_page(language: str):
    account, profile, client = reader(language)
    entry = high_ldl(profile, account)
    assert COMPUTED[language] in page(client, "records:list", profile, kind="results")
    detail = page(client, "records:detail", profile, kind="results", entry_uuid=entry.uuid)
    assert COMPUTED[language] in detail
    assert COMPUTED[language] in page(client, "profiles:overview", profile)
    assert COMPUTED[language] in page(client, "summary:page", profile)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_normal_result_has_no_flag(language: str):
    account, profile, client = reader(language)
    result(
        profile,
        account,
        display="Glucose",
        code="2345-7",
        value_number=92,
        unit_text="mg/dL",
        reference_low=70,
        reference_high=100,
        interpretation="N",
    )
    text = page(client, "records:list", profile, kind="results")
    assert "↑" not in text and "↓" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_summary_pdf_carries_the_source_s_flag(language: str):
    account, profile, client = reader(language)
    high_a1c(profile, account)
    response = client.get(reverse("summary:pdf", kwargs={"profile_uuid": profile.uuid}))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert SOURCE_HIGH[language] in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", COMPUTED_LANGUAGES)
def test_the_summary_pdf_carries_a_computed_flag(language: str):
    account, profile, client = reader(language)
    high_ldl(profile, account)
    response = client.get(reverse("summary:pdf", kwargs={"profile_uuid": profile.uuid}))
    assert COMPUTED[language] in pdf_text(response.content)


@pytest.mark.django_db
def test_the_csv_has_the_flag_beside_the_value_as_shown():
    account, profile, _client = reader("en")
    high_a1c(profile, account)
    high_ldl(profile, account)
    rows = {row["Value as shown"]: row["Flag"] for row in results_csv(profile, "en")}
    assert rows == {"7.1 %": "High", "182 mg/dL": "Above the range given"}


@pytest.mark.django_db
def test_the_csv_flag_is_in_spanish_too():
    account, profile, _client = reader("es")
    high_a1c(profile, account)
    (row,) = results_csv(profile, "es")
    assert row["Valor mostrado"] == "7,1 %"
    assert list(row.values()).count("Alto") == 1
