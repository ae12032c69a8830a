"""The personal health summary, as a web page and as a PDF, through HTTP and the exporter."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from myhealthhub.accounts.models import User
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import make_account
from myhealthhub.exports.pdf import SummaryPdf
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry
from myhealthhub.records.demo import create_demo
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Allergy, Entry, Medication
from myhealthhub.records.models.allergies import AllergyStatus
from myhealthhub.records.models.medications import MedicationStatus
from myhealthhub.records.sources import source_label
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.pdf import RefusingFetcher, summary_pdf
from myhealthhub.summary.tests.markup import find, parse

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "summary"
# Points per inch: A4 is 210 × 297 mm, Letter 8.5 × 11 in.
PAPER_POINTS = {"a4": (595.3, 841.9), "letter": (612.0, 792.0)}


def signed_in(account: User) -> Client:
    client = Client()
    client.force_login(account)
    return client


def url(name: str, profile: Profile) -> str:
    return reverse(name, kwargs={"profile_uuid": profile.uuid})


def current_items(profile: Profile) -> list[Entry]:
    """What the summary must list, read straight from the database."""
    medications = Medication.objects.filter(
        profile=profile, deleted_at__isnull=True, status=MedicationStatus.ACTIVE
    )
    allergies = Allergy.objects.filter(
        profile=profile, deleted_at__isnull=True, status=AllergyStatus.ACTIVE
    )
    items: list[Entry] = [
        *medications.select_related("source"),
        *allergies.select_related("source"),
    ]
    return items


def cell_text(row: Any, tag: str, name: str) -> str:
    cells = find(row, f"./{tag}[@class='{name}']")
    return str(cells[0].text_content()).strip() if cells else ""


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_page_shows_every_current_medication_and_allergy_with_source_and_date(language: str, demos):
    owner, profiles = demos[language]
    client = signed_in(owner)
    for profile in profiles:
        response = client.get(url("summary:page", profile))
        assert response.status_code == 200
        page = parse(response.content)
        (article,) = find(page, "//article[@class and contains(@class, 'summary ')]")
        assert article.get("lang") == language
        items = current_items(profile)
        assert items
        for entry in items:
            rows = [
                row
                for row in find(article, ".//tr")
                if cell_text(row, "th", "what").startswith(entry.display)
            ]
            assert len(rows) == 1, entry.display
            assert cell_text(rows[0], "td", "when"), entry.display
            shown = cell_text(rows[0], "td", "source")
            with translation.override(language):
                assert source_label(entry.source, None, short=True) in shown
            assert "@" not in shown  # a person, not an e-mail address


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_pdf_download_holds_every_current_medication_and_allergy(language: str, demos):
    owner, profiles = demos[language]
    client = signed_in(owner)
    for profile in profiles:
        response = client.get(url("summary:pdf", profile))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response["Content-Disposition"].endswith('.pdf"')
        text = pdf_text(response.content)
        assert profile.name in text
        for entry in current_items(profile):
            assert entry.display in text, entry.display
        assert AuditEvent.objects.filter(
            profile=profile, action=Action.EXPORT_DOWNLOADED, actor=owner
        ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_exporter_writes_the_summary_pdf(language: str, demos):
    _owner, profiles = demos[language]
    for profile in profiles:
        out = io.BytesIO()
        progress: list[float] = []
        SummaryPdf().write(profile, out, ExportOptions(language=language), progress.append)
        assert out.getvalue().startswith(b"%PDF-")
        assert progress[-1] == 1.0
        text = pdf_text(out.getvalue())
        for entry in current_items(profile):
            assert entry.display in text, entry.display


@pytest.mark.django_db
def test_exporter_falls_back_safely_on_options_it_cannot_use(demos):
    _owner, (adult, _child) = demos["en"]
    out = io.BytesIO()
    odd = ExportOptions(language="xx", paper="a3", sections=frozenset({"horoscope"}))
    SummaryPdf().write(adult, out, odd, lambda done: None)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert cast(Any, reader.trailer["/Root"])["/Lang"] == "en"
    assert round(float(reader.pages[0].mediabox.width), 1) == PAPER_POINTS["a4"][0]
    assert "Metformin" in pdf_text(out.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_demo_adults_default_summary_fits_one_page(language: str, paper: str, demos):
    _owner, (adult, _child) = demos[language]
    reader = PdfReader(io.BytesIO(summary_pdf(adult, ExportOptions(language, paper))))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == PAPER_POINTS[paper]


# Whole phrases of the Spanish summary: a heading translated and its table left in
# English, or the banner half done, fails here.
SPANISH_PHRASES = (
    "Resumen de salud personal",
    "Resumen elaborado por el paciente; no es una historia clínica oficial.",
    "Nacimiento:",
    "Generado el",
    "Alergias e intolerancias",
    "Medicamentos actuales",
    "Afecciones activas",
    "Resultados recientes",
    "Vacunas",
    "Procedimientos y eventos importantes",
    "Próximas citas",
    "Equipo de atención y contactos de emergencia",
    "Sustancia",
    "Medicamento",
    "Afección",
    "Vacuna",
    "Detalles",
    "Fecha",
    "Fuente",
    "Prueba",
    "Evolución",
)
ENGLISH_PHRASES = (
    "Personal health summary",
    "Patient-generated summary",
    "Born",
    "Generated on",
    "Medications taken now",
    "Active conditions",
    "Recent results",
    "Substance",
    "Details",
    "Source",
    "Trend",
)


@pytest.mark.django_db
def test_spanish_pdf_is_in_spanish_and_says_so(demos):
    owner, (adult, _child) = demos["es"]
    # The profile's language decides, not the reader's (English here).
    response = signed_in(owner).get(url("summary:pdf", adult))
    reader = PdfReader(io.BytesIO(response.content))
    assert cast(Any, reader.trailer["/Root"])["/Lang"] == "es"
    text = pdf_text(response.content)
    # Case aside: the stylesheet sets the kicker above the name in capitals.
    missing = [phrase for phrase in SPANISH_PHRASES if phrase.casefold() not in text.casefold()]
    assert missing == []
    left_in_english = [phrase for phrase in ENGLISH_PHRASES if phrase in text]
    assert left_in_english == []
    english = signed_in(owner).get(url("summary:pdf", adult), {"language": "en"})
    assert cast(Any, PdfReader(io.BytesIO(english.content)).trailer["/Root"])["/Lang"] == "en"
    english_text = pdf_text(english.content)
    folded = english_text.casefold()
    assert [phrase for phrase in ENGLISH_PHRASES if phrase.casefold() not in folded] == []


@pytest.mark.django_db
def test_sections_chosen_are_the_sections_shown(demos):
    owner, (adult, _child) = demos["en"]
    client = signed_in(owner)
    every = client.get(url("summary:page", adult)).content.decode()
    assert "summary-allergies" in every and "summary-results" in every
    chosen = client.get(url("summary:page", adult), {"sections": ["medications", "conditions"]})
    page = chosen.content.decode()
    assert "summary-medications" in page and "summary-conditions" in page
    assert "summary-allergies" not in page and "summary-results" not in page
    text = pdf_text(client.get(url("summary:pdf", adult), {"sections": ["allergies"]}).content)
    assert "Penicillin" in text and "Metformin" not in text


@pytest.mark.django_db
def test_the_period_chosen_leaves_out_older_items(demos):
    owner, (adult, _child) = demos["en"]
    client = signed_in(owner)
    every = pdf_text(client.get(url("summary:pdf", adult)).content)
    assert "5 doses" in every
    assert "Cataract surgery" in every
    since = timezone.localdate() - dt.timedelta(days=200)
    recent = pdf_text(client.get(url("summary:pdf", adult), {"since": since.isoformat()}).content)
    assert "5 doses" not in recent
    assert "Influenza, seasonal" in recent  # this autumn's dose
    assert "Cataract surgery" not in recent
    # The current state is the current state, whatever the period.
    assert "Metformin" in recent and "Penicillin" in recent


def result_names(client: Client, profile: Profile, **params: str) -> list[str]:
    page = parse(client.get(url("summary:page", profile), params).content)
    # The first test of a panel opens with the panel's name: not the test's.
    for panel_name in find(page, "//span[contains(@class, 'panel-name')]"):
        panel_name.drop_tree()
    return [
        cell_text(row, "th", "what")
        for row in find(page, "//section[contains(@class, 'summary-results')]//tbody/tr")
    ]


@pytest.mark.django_db
def test_results_are_the_latest_of_the_important_tests_in_the_period(demos):
    owner, (adult, _child) = demos["en"]
    client = signed_in(owner)
    # Grouped by panel: lipids, then the metabolic panel, then the vital signs.
    latest = ["Hemoglobin A1c", "LDL cholesterol (calculated)", "Glucose", "Creatinine"]
    assert result_names(client, adult) == [*latest, "Blood pressure", "Body weight"]
    five_years_ago = timezone.localdate() - dt.timedelta(days=5 * 365)
    create_entry(
        KINDS["results"],
        adult,
        actor=owner,
        request=None,
        values={
            "display": "Potassium",
            "code": "2823-3",
            "value_number": 4.1,
            "unit": "mmol/L",
            "date": five_years_ago,
        },
    )
    # Older than the default period: neither shown nor taking the place of another.
    assert result_names(client, adult) == [*latest, "Blood pressure", "Body weight"]
    since = (five_years_ago - dt.timedelta(days=1)).isoformat()
    # Potassium joins glucose and creatinine in the metabolic panel; the tests
    # that stand alone (their panel has no other here) come first.
    assert result_names(client, adult, since=since) == [
        "Hemoglobin A1c",
        "LDL cholesterol (calculated)",
        "Blood pressure",
        "Glucose",
        "Creatinine",
        "Potassium",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sections": ["medications", "horoscope"]}, "Unknown section “horoscope”"),
        ({"since": "2024-13-45"}, "is not a date"),
        ({"since": "yesterday"}, "is not a date"),
        ({"since": "9" * 5000}, "is not a date"),
        ({"since": "2999-01-01"}, "cannot start in the future"),
        ({"language": "fr"}, "Unknown language “fr”"),
        ({"paper": "a3"}, "Unknown paper size “a3”"),
    ],
)
def test_bad_choices_get_a_clear_message_and_a_safe_default(
    params: dict[str, Any], message: str, demos
):
    owner, (adult, _child) = demos["en"]
    client = signed_in(owner)
    response = client.get(url("summary:page", adult), params)
    assert response.status_code == 200
    page = parse(response.content)
    (alert,) = find(page, "//div[@role='alert']")
    assert message in alert.text_content()
    # A long value is named, not echoed whole.
    assert "9" * 41 not in alert.text_content()
    pdf = client.get(url("summary:pdf", adult), params)
    assert pdf.status_code == 200
    assert "Metformin" in pdf_text(pdf.content)


@pytest.mark.django_db
def test_allergies_not_recorded_and_no_known_allergies_read_differently():
    owner = make_account("keeper@example.org")
    from myhealthhub.profiles import actions

    profile = actions.create_profile(owner, request=None, given_name="Iris", language="en")
    client = signed_in(owner)
    assert "Allergies not recorded" in client.get(url("summary:page", profile)).content.decode()
    create_entry(
        KINDS["no-known-allergies"],
        profile,
        actor=owner,
        request=None,
        values={"display": "No known allergies", "date": dt.date(2025, 3, 4)},
    )
    page = client.get(url("summary:page", profile)).content.decode()
    assert "Allergies not recorded" not in page
    assert "No known allergies" in page and "4 Mar 2025" in page


@pytest.mark.django_db
def test_hostile_text_in_the_record_is_only_text(demos):
    owner, (adult, _child) = demos["en"]
    create_entry(
        KINDS["medications"],
        adult,
        actor=owner,
        request=None,
        values={"display": '<img src="file:///etc/passwd"> Drug', "dose": "<b>1</b>"},
    )
    client = signed_in(owner)
    page = client.get(url("summary:page", adult)).content.decode()
    assert '<img src="file:///etc/passwd">' not in page
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt; Drug" in page
    text = pdf_text(client.get(url("summary:pdf", adult)).content)
    assert '<img src="file:///etc/passwd"> Drug' in text


@pytest.mark.parametrize(
    "address",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/admin/",
        "https://fonts.example.com/font.woff2",
        "data:text/html;base64,PHNjcmlwdD4=",
        "data:image/svg+xml;base64,not-base64!",
        "data:image/svg+xml;base64,PHNjcmlwdD4=",  # "<script>": not an SVG of ours
    ],
)
def test_the_pdf_fetches_nothing(address: str):
    with pytest.raises(ValueError, match="fetches nothing"):
        RefusingFetcher().fetch(address)


@pytest.mark.django_db
def test_page_queries_are_bounded_whatever_the_record_size(django_assert_max_num_queries):
    owner = make_account("keeper@example.org")
    small, _child = create_demo(owner)
    large, _child = create_demo(owner, observations=3000)
    client = signed_in(owner)
    client.get(url("summary:page", small))  # draws and keeps the charts
    client.get(url("summary:page", large))
    # Reconcile's grouping is a few of them: members, one per kind, reviews.
    with django_assert_max_num_queries(48):
        assert client.get(url("summary:page", small)).status_code == 200
    with django_assert_max_num_queries(48):
        assert client.get(url("summary:page", large)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url("summary:checklist", large)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_render_the_demo_summaries_for_a_human_to_look_at(language: str, demos):
    """test-artifacts/summary/: every demo profile's PDF, and PNGs when pdftoppm is there.

    Each is one page that names its person; each page became a picture."""
    _owner, profiles = demos[language]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for profile, who in zip(profiles, ("adult", "child"), strict=True):
        for paper in ("a4", "letter"):
            path = ARTIFACTS / f"{who}-{language}-{paper}.pdf"
            body = summary_pdf(profile, ExportOptions(language, paper))
            path.write_bytes(body)
            assert len(PdfReader(io.BytesIO(body)).pages) == 1, path.name
            assert profile.name in pdf_text(body), path.name
            if shutil.which("pdftoppm"):
                for old in ARTIFACTS.glob(f"{path.stem}-*.png"):
                    old.unlink()
                subprocess.run(
                    ["pdftoppm", "-png", "-r", "60", str(path), str(path.with_suffix(""))],
                    check=True,
                )
                assert [png.name for png in ARTIFACTS.glob(f"{path.stem}-*.png")] == [
                    f"{path.stem}-1.png"
                ]
