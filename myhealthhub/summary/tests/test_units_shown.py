"""The summary (web and PDF) and the spreadsheet export show results as the pages do."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from myhealthhub.accounts.models import BodyUnits, UnitSystem
from myhealthhub.exports.csv import CsvExport
from myhealthhub.exports.tests.test_exports import unzip
from myhealthhub.records.tests.test_values_shown import (
    client_of,
    glucose,
    keeper,
    profile_of,
    result,
    text_of,
)
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.tests.test_summary import pdf_text, url


@pytest.mark.django_db
def test_spanish_si_summary_page_and_pdf_show_mmol_per_litre():
    account = keeper("es", UnitSystem.SI)
    profile = profile_of(account)
    entry = glucose(profile, account)
    entry.date = timezone.localdate()
    entry.save(update_fields=["date"])
    client = client_of(account)
    page = text_of(client.get(url("summary:page", profile), {"language": "es"}))
    assert "5,5 mmol/L" in page and "99 mg/dL" not in page
    pdf = client.get(url("summary:pdf", profile), {"language": "es"})
    assert "5,5 mmol/L" in pdf_text(pdf.content)


@pytest.mark.django_db
def test_us_summary_shows_pounds_and_a_blood_pressure_without_noise():
    account = keeper("en", UnitSystem.CONVENTIONAL, BodyUnits.US)
    profile = profile_of(account)
    today = timezone.localdate()
    result(
        profile,
        account,
        display="Body weight",
        code="29463-7",
        value_number=70.0,
        unit="kg",
        date=today,
    )
    components = [
        {"code": "8480-6", "value": 183.2291845703258, "unit": "mm[Hg]"},
        {"code": "8462-4", "value": 110.49766709212196, "unit": "mm[Hg]"},
    ]
    result(
        profile,
        account,
        display="Blood pressure",
        code="85354-9",
        components=components,
        date=today,
    )
    page = text_of(client_of(account).get(url("summary:page", profile)))
    assert "Body weight 154.3 lb" in page
    assert "Blood pressure 183/110 mmHg" in page
    assert "183.229" not in page


@pytest.mark.django_db
def test_a_deceased_person_s_summary_says_when_they_died():
    account = keeper()
    profile = profile_of(account, deceased_date=dt.date(2024, 3, 3))
    response = client_of(account).get(url("summary:page", profile))
    # The summary itself, not the form's list of sections above it.
    body = response.content.decode()
    article = body[body.index("<article") : body.index("</article>")]
    page = " ".join(re.sub(r"<[^>]+>", " ", article).split())
    assert "Died March 3, 2024" in page
    assert "Medications last recorded as taken" in page
    assert "Medications taken now" not in page


@pytest.mark.django_db
def test_the_spreadsheet_keeps_the_stored_number_and_adds_the_value_as_shown():
    account = keeper("es", UnitSystem.SI)
    profile = profile_of(account)
    glucose(profile, account)
    out = io.BytesIO()
    CsvExport().write(profile, out, ExportOptions(language="es"), lambda fraction: None)
    header, row = unzip(out.getvalue())["results.csv"]
    assert row[header.index("Valor")] == "99"
    assert row[header.index("Valor mostrado")] == "5,5 mmol/L"
