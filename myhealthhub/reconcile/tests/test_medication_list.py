"""The medication list to review with a pharmacist or clinician, on the page and as a PDF.

It starts from the reconciled list: one line per medicine however many
sources state it, what they disagree on shown side by side, what every
source says was stopped within the year below, and nothing older.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html
from pypdf import PdfReader

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.reconcile.tests.test_matching import RXNORM, add, imported
from myhealthhub.summary.tests.markup import find
from myhealthhub.summary.tests.test_summary import pdf_text


def text_of(node: Any) -> str:
    return " ".join(str(node.text_content()).split())


def page_rows(body: bytes) -> dict[str, str]:
    """Each medicine line of the page: its name and the text of the whole row."""
    rows = find(html.fromstring(body), "//table[contains(@class, 'review-table')]/tbody/tr")
    return {text_of(find(row, "./th")[0]): text_of(row) for row in rows}


def sections(body: bytes) -> dict[str, str]:
    parts = find(html.fromstring(body), "//article[contains(@class, 'medication-list')]/section")
    return {text_of(find(part, "./h2")[0]): text_of(part) for part in parts}


def list_url(world: World, name: str = "reconcile:medication_list") -> str:
    return reverse(name, args=[world.profile.uuid])


def english_page(world: World, caller: str = "owner") -> bytes:
    # Ana's profile is kept in Spanish: the list is in the profile's language unless chosen.
    response = world.client(caller).get(list_url(world), {"language": "en"})
    assert response.status_code == 200
    return response.content


def test_one_line_per_medicine_with_its_sources_and_what_they_disagree_on(world: World):
    clinic = imported(world, "Community Health")
    add(world, "medications", clinic, display="Tylenol 500 mg", system=RXNORM, code="209459")
    add(world, "medications", display="paracetamol 500 mg", frequency="as needed")
    rows = page_rows(english_page(world, "viewer"))
    # Metformin from the owner and from the pharmacy: one line, the disagreement on it.
    metformin = rows["Metformin"]
    assert "To verify, how often:" in metformin
    assert "twice a day" in metformin and "once a day" in metformin
    assert "Pharmacy" in metformin
    # Tylenol from a clinic and paracetamol typed by hand: one medicine, one line.
    acetaminophen = [name for name in rows if "500 mg" in name or "Tylenol" in name]
    assert len(acetaminophen) == 1, rows
    assert "Community Health" in rows[acetaminophen[0]]
    # The brand typed alone is a line of its own, with nothing to verify.
    assert "To verify" not in rows["Glucophage"]


def test_stopped_lately_is_listed_apart_and_long_stopped_is_left_out(world: World):
    today = timezone.localdate()
    add(
        world,
        "medications",
        display="Amoxicillin",
        status="completed",
        date=today - dt.timedelta(days=40),
        end_date=today - dt.timedelta(days=30),
    )
    add(
        world,
        "medications",
        display="Atorvastatin",
        status="stopped",
        date=today - dt.timedelta(days=900),
        end_date=today - dt.timedelta(days=800),
    )
    body = english_page(world)
    parts = sections(body)
    taken = parts["Medicines taken now, according to the sources"]
    stopped = parts["Stopped in the last year, according to the sources"]
    assert "Metformin" in taken and "Amoxicillin" not in taken
    assert "Amoxicillin" in stopped and "Metformin" not in stopped
    assert "Atorvastatin" not in body.decode()


def test_allergies_head_the_list_and_none_recorded_is_a_question(world: World):
    parts = sections(english_page(world))
    assert "No allergy recorded: ask about allergies." in parts["Allergies and intolerances"]
    add(world, "allergies", display="Penicillin", reaction="Hives", status="active")
    parts = sections(english_page(world))
    assert "Penicillin (Hives)" in parts["Allergies and intolerances"]


@pytest.mark.parametrize(
    ("language", "title", "disagreement"),
    [
        ("en", "Medication list to review with your pharmacist or clinician", "To verify, how"),
        ("es", "Lista de medicamentos para revisar con tu farmacéutico o tu médico", "Verificar,"),
    ],
)
def test_the_pdf_is_one_page_in_the_language_chosen_and_audited(
    world: World, language: str, title: str, disagreement: str
):
    response = world.client("viewer").get(
        list_url(world, "reconcile:medication_list_pdf"), {"language": language}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="medication-list-ana-garcia-' in response["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    text = pdf_text(response.content)
    assert title.upper() in text.upper()
    assert "Ana García" in text and "Metformin" in text and "Pharmacy" in text
    assert disagreement in text
    assert AuditEvent.objects.filter(
        profile=world.profile, action=Action.EXPORT_DOWNLOADED, actor=world.accounts["viewer"]
    ).exists()


def test_the_exports_page_offers_it_and_the_medication_list_links_to_it(world: World):
    client = world.client("owner")
    exports = client.get(reverse("exports:list", args=[world.profile.uuid])).content.decode()
    assert "Medication list to review (PDF)" in exports
    medications = client.get(
        reverse("records:list", args=[world.profile.uuid, "medications"])
    ).content.decode()
    assert list_url(world) in medications


def test_an_unknown_language_or_paper_is_named_and_the_list_still_shows(world: World):
    response = world.client("owner").get(list_url(world), {"language": "xx", "paper": "a0"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Unknown language" in body and "Unknown paper size" in body
    assert "Metformin" in body
