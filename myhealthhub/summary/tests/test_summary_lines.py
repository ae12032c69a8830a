"""What single lines of the summary say: which items are listed, and how they read."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import Listening, make_account
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.pdf import summary_pdf
from myhealthhub.summary.tests.markup import find, parse
from myhealthhub.summary.tests.test_summary import pdf_text, signed_in, url


def add(kind: str, profile: Profile, owner: User, **values: object) -> Entry:
    return create_entry(KINDS[kind], profile, actor=owner, request=None, values=values)


def section_text(client: Client, profile: Profile, name: str, **params: Any) -> str:
    page = parse(client.get(url("summary:page", profile), params).content)
    (section,) = find(page, f"//section[contains(@class, 'summary-{name}')]")
    return " ".join(str(section.text_content()).split())


def row_texts(client: Client, profile: Profile, name: str, **params: Any) -> list[str]:
    page = parse(client.get(url("summary:page", profile), params).content)
    rows = find(page, f"//section[contains(@class, 'summary-{name}')]//tbody/tr")
    return [" ".join(str(row.text_content()).split()) for row in rows]


@pytest.mark.django_db
def test_a_ruled_out_diagnosis_is_not_an_active_condition(demos):
    owner, (adult, _child) = demos["en"]
    add("conditions", adult, owner, display="Tuberculosis", verification="refuted")
    add("conditions", adult, owner, display="Asthma", verification="provisional")
    client = signed_in(owner)
    conditions = section_text(client, adult, "conditions")
    assert "Tuberculosis" not in conditions
    assert "Asthma" in conditions and "Provisional" in conditions
    assert "Tuberculosis" not in pdf_text(client.get(url("summary:pdf", adult)).content)
    # The profile overview shares the selection.
    overview = client.get(url("profiles:overview", adult)).content.decode()
    assert "Tuberculosis" not in overview and "Asthma" in overview


@pytest.mark.django_db
def test_results_read_in_the_summarys_language_with_a_readable_unit(demos):
    owner, (adult, _child) = demos["es"]
    add(
        "results",
        adult,
        owner,
        display="Glucosa",
        code="2345-7",
        value_number=139.6,
        unit="mg/dL",
        reference_low=70.0,
        reference_high=100.0,
        date=timezone.localdate(),
    )
    client = signed_in(owner)
    # The row may open with its panel's name ("Perfil metabólico").
    (glucose,) = [row for row in row_texts(client, adult, "results") if "Glucosa" in row]
    assert "139,6 mg/dL" in glucose
    assert "ref. 70–100" in glucose
    assert "139.6" not in glucose and "70,0" not in glucose
    results = section_text(client, adult, "results")
    assert "138/86 mmHg" in results  # the demo's blood pressure
    assert "mm[Hg]" not in results
    english = row_texts(client, adult, "results", language="en")
    # English names the test by its code, whatever the source called it.
    (glucose,) = [row for row in english if "Glucose" in row]
    assert "139.6 mg/dL" in glucose and "ref. 70–100" in glucose


@pytest.mark.django_db
def test_a_result_shows_the_unit_the_source_printed_before_the_code():
    owner = make_account("keeper@example.org")
    # A profile of its own: the demo's six important tests would fill the section.
    adult = actions.create_profile(owner, request=None, given_name="Iris", language="en")
    add(
        "results",
        adult,
        owner,
        display="Platelets",
        value_number=250.0,
        unit="10*3/uL",
        date=timezone.localdate(),
    )
    add(
        "results",
        adult,
        owner,
        display="Heart rate",
        value_number=61.0,
        unit="/min",
        unit_text="beats/min",
        date=timezone.localdate(),
    )
    rows = row_texts(signed_in(owner), adult, "results")
    assert any(row.startswith("Platelets 250 10³/µL") for row in rows), rows
    assert any(row.startswith("Heart rate 61 beats/min") for row in rows), rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("with_whom", "sentence"),
    [
        ("pharmacist", "reviewed on 3 Mar 2025 with a pharmacist (source:"),
        ("physician", "reviewed on 3 Mar 2025 with a physician (source:"),
        ("nurse", "reviewed on 3 Mar 2025 with a nurse (source:"),
        ("other", "reviewed on 3 Mar 2025 (source:"),
    ],
)
def test_the_medication_review_reads_well_whoever_did_it(with_whom: str, sentence: str):
    owner = make_account("keeper@example.org")
    adult = actions.create_profile(owner, request=None, given_name="Iris", language="en")
    add(
        "medication-reviews",
        adult,
        owner,
        display="Review",
        with_whom=with_whom,
        date=dt.date(2025, 3, 3),
    )
    medications = section_text(signed_in(owner), adult, "medications")
    assert sentence in medications
    assert "with a other" not in medications


@pytest.mark.django_db
def test_routine_visits_do_not_push_procedures_off_the_summary(demos):
    owner, (adult, _child) = demos["en"]
    today = timezone.localdate()
    for days in range(12):
        add("visits", adult, owner, display=f"Blood draw {days}", date=today - dt.timedelta(days))
    client = signed_in(owner)
    events = row_texts(client, adult, "events")
    assert len(events) == 8
    assert any(row.startswith("Cataract surgery") for row in events)
    assert "More procedures and visits are in the record." in section_text(client, adult, "events")


@pytest.mark.django_db
def test_partial_dates_count_when_their_span_reaches_into_the_period(demos):
    owner, (adult, _child) = demos["en"]
    today = timezone.localdate()
    # A period from the 2nd of a month, not in the future: past both partial dates' start.
    since = (today if today.day > 1 else today - dt.timedelta(days=1)).replace(day=2)
    add(
        "immunizations",
        adult,
        owner,
        display="Yellow fever",
        date=dt.date(since.year, 1, 1),
        date_precision="year",
    )
    add(
        "immunizations",
        adult,
        owner,
        display="Rabies",
        date=since.replace(day=1),
        date_precision="month",
    )
    add(
        "procedures",
        adult,
        owner,
        display="Mole removal",
        date=dt.date(since.year - 1, 1, 1),
        date_precision="year",
    )
    client = signed_in(owner)
    shown = section_text(client, adult, "immunizations", since=since.isoformat())
    assert "Yellow fever" in shown and "Rabies" in shown
    events = section_text(client, adult, "events", since=since.isoformat())
    assert "Mole removal" not in events  # last year: wholly before the period


@pytest.mark.django_db
def test_a_head_request_draws_no_pdf_and_logs_no_download(demos):
    owner, (adult, _child) = demos["en"]
    response = signed_in(owner).head(url("summary:pdf", adult))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b""
    assert not AuditEvent.objects.filter(profile=adult, action=Action.EXPORT_DOWNLOADED).exists()


@pytest.mark.django_db
def test_the_page_has_one_h1_naming_the_person_and_a_described_period_field(demos):
    owner, (adult, _child) = demos["en"]
    page = parse(signed_in(owner).get(url("summary:page", adult)).content)
    (h1,) = find(page, "//h1")
    assert " ".join(str(h1.text_content()).split()) == f"Personal health summary {adult.name}"
    levels = [int(node.tag[1]) for node in find(page, "//h1|//h2|//h3|//h4")]
    assert levels[0] == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))
    (since,) = find(page, "//input[@name='since']")
    (help_text,) = find(page, f"//*[@id='{since.get('aria-describedby')}']")
    assert "Leave empty" in help_text.text_content()


@pytest.mark.django_db
def test_the_summary_pdf_fetches_nothing_a_record_names(listening: Listening, tmp_path: Any, demos):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t-value-never-printed")
    owner, (adult, _child) = demos["en"]
    hostile = (
        f'<img src="file://{secret}"><img src="{listening}/img">'
        f'<style>@import "{listening}/css"; body {{ background: url({listening}/x) }}</style>'
        f'<link rel="stylesheet" href="{listening}/link">'
    )
    add("medications", adult, owner, display=f"Drug {hostile}", dose=f"url({listening}/d)")
    add("conditions", adult, owner, display=f"url({listening}/condition)")
    add("results", adult, owner, display="Note", value_text=hostile, date=timezone.localdate())
    add("allergies", adult, owner, display=f"{hostile} Latex", reaction=f"url({listening}/r)")
    body = summary_pdf(adult, ExportOptions("en"))
    response = signed_in(owner).get(url("summary:pdf", adult))
    assert response.status_code == 200
    assert listening.requests == []
    for text in (pdf_text(body), pdf_text(response.content)):
        assert "s3cr3t-value-never-printed" not in text
        # Shown as text (a line may break inside it), never followed.
        assert f"url({listening}/condition)" in text.replace(" ", "")
