"""The summary PDF through the API: the page's PDF, its choices, its headers and its audit."""

from __future__ import annotations

import io
from typing import Any, cast

import pytest
from django.urls import reverse
from pypdf import PdfReader

from myhealthhub.api.tests.callers import bearer
from myhealthhub.api.tests.test_documents_api import FILE_HEADERS
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.profiles.actions import revoke_grant

pytestmark = pytest.mark.django_db


def summary_url(world: World) -> str:
    return f"/api/v1/profiles/{world.profile.uuid}/summary.pdf"


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_pdf_is_the_profile_s_summary_with_the_page_s_headers(world: World):
    response = bearer(world, "viewer", "read").get(
        summary_url(world), {"language": "en", "paper": "letter"}
    )
    assert response.status_code == 200
    body = response.content
    assert body.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(body))
    assert cast(Any, reader.trailer["/Root"])["/Lang"] == "en"
    assert round(float(reader.pages[0].mediabox.width)) == 612  # US Letter
    text = pdf_text(body)
    assert "Ana García" in text and "Metformin" in text
    # The page's "Download PDF" answers HEAD with its headers and draws nothing.
    page = world.client("viewer").head(reverse("summary:pdf", args=[world.profile.uuid]))
    same = [name for name in FILE_HEADERS if name != "Content-Length"]
    assert {name: response[name] for name in same} == {name: page[name] for name in same}
    assert response["Content-Disposition"].startswith('attachment; filename="summary-ana-garcia-')
    events = AuditEvent.objects.filter(profile=world.profile, object_type="export.pdf")
    assert sorted(events.values_list("action", flat=True)) == [
        Action.EXPORT_DOWNLOADED,
        Action.EXPORT_STARTED,
    ]
    assert {event.actor for event in events} == {world.accounts["viewer"]}


def test_a_choice_it_cannot_use_is_refused_and_nothing_is_drawn(world: World):
    response = bearer(world, "viewer", "read").get(summary_url(world), {"language": "xx"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"where": "query", "problem": "Unknown language “xx”: shown in the profile’s language."}
    ]
    assert not AuditEvent.objects.filter(object_type="export.pdf").exists()


def test_a_plan_without_the_pdf_refuses_it(world: World, settings):
    settings.PLANS = {"basic": {"name": "Basic", "features": ["export.ics"]}}
    settings.DEFAULT_PLAN = "basic"
    response = bearer(world, "viewer", "read").get(summary_url(world))
    assert response.status_code == 403
    assert "does not include exports" in response.json()["detail"]


def test_a_token_without_the_read_scope_or_of_a_revoked_caregiver_gets_nothing(world: World):
    assert bearer(world, "viewer", "export").get(summary_url(world)).status_code == 403
    client = bearer(world, "editor", "read")
    revoke_grant(world.grants["editor"], actor=world.accounts["owner"], request=None)
    assert client.get(summary_url(world)).status_code == 404
