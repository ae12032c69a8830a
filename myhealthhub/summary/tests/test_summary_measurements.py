"""The summary's Measurements section: the small charts of the Measurements page, on the web
page and in the PDF, for the series the person follows; shown when chosen."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import choose_measurements
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.pdf import summary_pdf
from myhealthhub.summary.tests.markup import find, parse

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "summary"
SVG_URI = "data:image/svg+xml;base64,"


def summary_page(client: Client, profile: Profile, *sections: str) -> bytes:
    response = client.get(
        reverse("summary:page", kwargs={"profile_uuid": profile.uuid}), {"sections": sections}
    )
    assert response.status_code == 200
    return response.content


def measurement_cells(content: bytes) -> list[dict[str, str]]:
    cells = find(parse(content), '//section[contains(@class, "summary-measurements")]//td')
    return [
        {
            "name": find(cell, ".//strong")[0].text_content(),
            "text": " ".join(cell.text_content().split()),
            "src": find(cell, ".//img")[0].get("src"),
            "alt": find(cell, ".//img")[0].get("alt"),
        }
        for cell in cells
    ]


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.django_db
def test_the_section_shows_the_small_chart_of_each_followed_series(demos):
    owner, (adult, _child) = demos["en"]
    client = Client()
    client.force_login(owner)
    cells = measurement_cells(summary_page(client, adult, "measurements"))
    # The demo keeps blood pressure, weight, glucose, HbA1c and LDL cholesterol.
    assert [cell["name"] for cell in cells] == [
        "Blood pressure",
        "Weight",
        "Glucose",
        "HbA1c",
        "LDL cholesterol",
    ]
    for cell in cells:
        assert cell["src"].startswith(SVG_URI)
        assert base64.b64decode(cell["src"].removeprefix(SVG_URI)).startswith(b"<svg")
        assert cell["alt"].startswith(cell["name"] + ":")
    assert "138/86 mmHg ·" in cells[0]["text"]


@pytest.mark.django_db
def test_the_section_follows_the_persons_choice_and_can_be_left_out(demos):
    owner, (adult, _child) = demos["en"]
    client = Client()
    client.force_login(owner)
    choose_measurements(adult, ["hba1c", "weight"], actor=owner, request=None)
    cells = measurement_cells(summary_page(client, adult, "measurements", "medications"))
    assert [cell["name"] for cell in cells] == ["Weight", "HbA1c"]
    # Not chosen among the sections: not there, and the default summary leaves it out.
    for content in (summary_page(client, adult, "medications"), summary_page(client, adult)):
        assert find(parse(content), '//section[contains(@class, "summary-measurements")]') == []
        # Still offered among the sections to choose.
        assert find(parse(content), '//input[@name="sections"][@value="measurements"]')


@pytest.mark.django_db
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_pdf_draws_the_same_charts(paper: str, demos):
    """test-artifacts/summary/measurements-<paper>.pdf, and a PNG of it when pdftoppm is there."""
    _owner, (adult, _child) = demos["en"]
    sections = frozenset({"measurements", "medications", "allergies", "conditions"})
    body = summary_pdf(adult, ExportOptions("en", paper, sections=sections))
    text = pdf_text(body)
    assert "Measurements" in text
    assert "138/86 mmHg" in text
    for name in ("Weight", "Glucose", "HbA1c", "LDL cholesterol"):
        assert name in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"measurements-{paper}.pdf"
    path.write_bytes(body)
    assert len(PdfReader(io.BytesIO(body)).pages) == 1
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", str(path), str(path.with_suffix(""))],
            check=True,
        )
        assert path.with_suffix(".png").stat().st_size > 10_000
