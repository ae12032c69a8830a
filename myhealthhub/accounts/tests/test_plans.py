from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from myhealthhub.accounts.plans import allowance, plan_for
from myhealthhub.conftest import make_account
from myhealthhub.profiles.models import Profile

PLANS = {
    "personal": {
        "name": "Personal",
        "limits": {"profiles": 1, "storage_bytes": 10**9},
        "features": ["export.fhir"],
    },
    "family": {
        "name": "Family",
        "limits": {"profiles": 6, "storage_bytes": None},
        "features": ["*"],
    },
}


@pytest.fixture
def plans(settings):
    settings.PLANS = PLANS
    settings.DEFAULT_PLAN = "personal"


def test_self_hosted_default_has_everything(db):
    account = make_account("ana@example.org")
    assert plan_for(account).key == "selfhosted"
    assert allowance(account, "profiles", 1000).allowed
    assert allowance(account, "share_links").allowed


def test_features_and_limits_follow_the_plan(db, plans):
    account = make_account("ana@example.org")
    assert allowance(account, "export.fhir").allowed
    assert not allowance(account, "share_links").allowed
    quota = allowance(account, "profiles")
    assert (quota.allowed, quota.remaining, quota.limit) == (True, 1, 1)
    account.plan = "family"
    assert allowance(account, "share_links").allowed
    assert allowance(account, "profiles", 6).allowed


def test_profile_quota_is_enforced_with_a_clear_message(db, plans):
    client = Client()
    ana = make_account("ana@example.org")
    client.force_login(ana)
    data = {"given_name": "Ana", "sex": "female", "language": "en"}
    assert client.post(reverse("profiles:create"), data).status_code == 302
    response = client.post(reverse("profiles:create"), {**data, "given_name": "Rosa"})
    assert response.status_code == 200
    assert "Your plan allows 1 profile." in response.content.decode()
    assert Profile.objects.filter(grants__account=ana).count() == 1
