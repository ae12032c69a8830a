"""The summary's results read by panel: a clinician finds the lipids together, under their name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from myhealthhub.records.tests.test_result_panels import CBC, LANGUAGES, LIPIDS, reader, record
from myhealthhub.summary.tests.markup import find, parse

# The first three of each: six tests, as many as the summary shows, in its order:
# the important ones first (IMPORTANT_RESULTS), then the newest.
NAMED = {
    "en": {
        "Lipids": ["LDL cholesterol (calculated)", "Cholesterol (total)", "HDL cholesterol"],
        "Blood count": ["Hemoglobin", "Platelets", "White blood cells"],
    },
    "es": {
        "Lípidos": ["Colesterol LDL (calculado)", "Colesterol (total)", "Colesterol HDL"],
        "Hemograma": ["Hemoglobina", "Plaquetas", "Leucocitos"],
    },
}


def panels(page: Any) -> list[tuple[str, list[str]]]:
    """(panel name, its tests' names) for each row group of the results table."""
    found = []
    for body in find(page, "//table[contains(@class, 'results')]/tbody"):
        names = [
            " ".join("".join(find(cell, "text()")).split())
            for cell in find(body, "tr/th[@scope='row']")
        ]
        found.append((body.get("aria-label", ""), names))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_summary_groups_latest_results_by_panel(language: str):
    account, profile, client = reader(language)
    today = timezone.localdate()
    # Interleaved days: without grouping, the list would mix the two panels.
    record(profile, account, CBC, today - dt.timedelta(days=30))
    record(profile, account, LIPIDS[:3], today - dt.timedelta(days=10))
    response = client.get(reverse("summary:page", kwargs={"profile_uuid": profile.uuid}))
    assert response.status_code == 200
    page = parse(response.content)
    # The important tests lead (LDL, then hemoglobin): each brings its panel.
    assert panels(page) == list(NAMED[language].items())
    shown = [
        " ".join(text.split()) for text in find(page, "//span[@class='panel-name muted']/text()")
    ]
    assert shown == list(NAMED[language])


@pytest.mark.django_db
def test_a_panel_of_one_test_reads_without_a_name():
    account, profile, client = reader("en")
    today = timezone.localdate()
    record(profile, account, CBC, today - dt.timedelta(days=30))
    record(profile, account, LIPIDS[2:3], today - dt.timedelta(days=10))
    response = client.get(reverse("summary:page", kwargs={"profile_uuid": profile.uuid}))
    assert panels(parse(response.content)) == [
        ("", ["LDL cholesterol (calculated)"]),
        ("Blood count", ["Hemoglobin", "Platelets", "White blood cells"]),
    ]
