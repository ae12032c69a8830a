"""The summary says which time zone its times are in: the reader's page, the profile's PDF."""

from __future__ import annotations

import pytest

from myhealthhub.accounts.models import UnitSystem
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.records.tests.test_values_shown import client_of, keeper, profile_of, text_of
from myhealthhub.summary.tests.test_summary import pdf_text, url


@pytest.mark.django_db
def test_the_page_is_in_the_readers_zone_and_the_pdf_in_the_profiles():
    account = keeper("en", UnitSystem.CONVENTIONAL)
    account.time_zone = "America/New_York"
    account.save(update_fields=["time_zone"])
    profile = profile_of(account)
    client = client_of(account)

    page = text_of(client.get(url("summary:page", profile)))
    assert "Times are in America/New York." in page

    profile_actions.update_profile(profile, actor=account, request=None, time_zone="Europe/Madrid")
    pdf = client.get(url("summary:pdf", profile))
    assert "Times are in Europe/Madrid." in pdf_text(pdf.content)
    page = text_of(client.get(url("summary:page", profile)))
    assert "Times are in America/New York." in page
