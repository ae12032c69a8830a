"""The summary PDF is saved as ``summary-<whose>-<day>.pdf``, the day in the export's zone."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from myhealthhub.conftest import World

# 11:00 on 1 March in UTC is already 2 March in Kiritimati (UTC+14).
NOW = dt.datetime(2026, 3, 1, 11, 0, tzinfo=dt.UTC)


def pdf_name(world: World) -> str:
    url = reverse("summary:pdf", args=[world.profile.uuid])
    with time_machine.travel(NOW, tick=False):
        response = world.client("viewer").head(url)
    assert response.status_code == 200
    return response["Content-Disposition"]


def test_the_pdf_is_named_for_what_it_is_whose_and_when(world: World):
    assert pdf_name(world) == 'attachment; filename="summary-ana-garcia-2026-03-01.pdf"'


def test_the_day_is_the_profile_s_own(world: World):
    world.profile.time_zone = "Pacific/Kiritimati"
    world.profile.save(update_fields=["time_zone"])
    assert pdf_name(world) == 'attachment; filename="summary-ana-garcia-2026-03-02.pdf"'


def test_the_exports_page_names_the_summary_alike(world: World):
    from myhealthhub.exports.formats import filename
    from myhealthhub.exports.pdf import SummaryPdf

    assert filename(world.profile, SummaryPdf(), dt.date(2026, 3, 1)) == (
        "summary-ana-garcia-2026-03-01.pdf"
    )
