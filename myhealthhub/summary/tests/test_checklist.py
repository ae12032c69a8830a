"""The personal health checklist: each item flips to done when the record gets what it asks."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account
from myhealthhub.documents.actions import Details, add_document, update_details
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.records.actions import create_entry, update_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry
from myhealthhub.summary.tests.markup import find, parse

ITEMS = (
    "allergies",
    "medication-review",
    "emergency-contact",
    "immunizations",
    "documents",
    "next-visit",
)


def states(client: Client, profile: Profile) -> dict[str, bool]:
    response = client.get(reverse("summary:checklist", kwargs={"profile_uuid": profile.uuid}))
    assert response.status_code == 200
    page = parse(response.content)
    return {
        item.get("id").removeprefix("check-"): item.get("data-done") == "true"
        for item in find(page, "//ul[@class='checklist']/li")
    }


def add(kind: str, profile: Profile, owner: User, **values: object) -> Entry:
    return create_entry(KINDS[kind], profile, actor=owner, request=None, values=values)


@pytest.fixture
def owner(db) -> User:
    return make_account("keeper@example.org")


@pytest.fixture
def profile(owner: User) -> Profile:
    return actions.create_profile(owner, request=None, given_name="Iris", family_name="Moreno")


def test_a_new_profile_has_everything_to_do(owner: User, profile: Profile):
    # No documents is not "every document labelled": nothing is done on an empty profile.
    client = Client()
    client.force_login(owner)
    assert states(client, profile) == dict.fromkeys(ITEMS, False)
    response = client.get(reverse("summary:checklist", kwargs={"profile_uuid": profile.uuid}))
    page = response.content.decode()
    assert "0 of 6 done" in page
    assert "No documents yet" in page
    assert reverse("documents:upload", kwargs={"profile_uuid": profile.uuid}) in page


def test_a_resolved_allergy_is_no_answer_about_allergies(owner: User, profile: Profile):
    """The checklist agrees with the summary, which lists only active allergies."""
    client = Client()
    client.force_login(owner)
    add("allergies", profile, owner, display="Pollen", status="resolved")
    assert states(client, profile)["allergies"] is False
    summary = client.get(reverse("summary:page", kwargs={"profile_uuid": profile.uuid}))
    assert "Allergies not recorded" in summary.content.decode()
    add("allergies", profile, owner, display="Penicillin", status="active")
    assert states(client, profile)["allergies"] is True
    page = client.get(reverse("summary:checklist", kwargs={"profile_uuid": profile.uuid}))
    assert "1 active allergy recorded." in page.content.decode()


def test_each_item_flips_to_done_when_the_record_changes(owner: User, profile: Profile):
    client = Client()
    client.force_login(owner)
    today = timezone.localdate()

    add("no-known-allergies", profile, owner, display="No known allergies", date=today)
    assert states(client, profile)["allergies"] is True

    add(
        "medication-reviews",
        profile,
        owner,
        display="Review",
        with_whom="pharmacist",
        date=today - dt.timedelta(days=300),
    )
    assert states(client, profile)["medication-review"] is False  # older than six months
    add(
        "medication-reviews",
        profile,
        owner,
        display="Review",
        with_whom="pharmacist",
        date=today - dt.timedelta(days=20),
    )
    assert states(client, profile)["medication-review"] is True

    actions.add_contact(profile, actor=owner, request=None, name="Sara", phone="+34 600 000 001")
    assert states(client, profile)["emergency-contact"] is True

    add("immunizations", profile, owner, display="Tetanus", date=dt.date(2020, 5, 1))
    assert states(client, profile)["immunizations"] is True

    document = add_document(
        profile, io.BytesIO(b"scan"), filename="scan.txt", actor=owner, request=None
    )
    assert states(client, profile)["documents"] is False
    update_details(
        document,
        Details(when=PartialDate(2024, 2, 3), facility="Clinic North", why="Blood test results"),
        actor=owner,
        request=None,
    )
    assert states(client, profile)["documents"] is True

    visit = add(
        "appointments",
        profile,
        owner,
        display="GP visit",
        starts_at=timezone.now() + dt.timedelta(days=7),
    )
    assert states(client, profile)["next-visit"] is False
    update_entry(
        visit,
        actor=owner,
        request=None,
        expected_version=None,
        values={"questions": "Should the dose change?"},
    )
    assert states(client, profile) == dict.fromkeys(ITEMS, True)
    response = client.get(reverse("summary:checklist", kwargs={"profile_uuid": profile.uuid}))
    assert "6 of 6 done" in response.content.decode()


def test_fix_links_are_for_editors_and_viewers_get_links_to_look(owner: User, profile: Profile):
    viewer = make_account("viewer@example.org")
    actions.grant_access(profile, viewer, Role.VIEWER, actor=owner, request=None)
    as_viewer = Client()
    as_viewer.force_login(viewer)
    page = as_viewer.get(reverse("summary:checklist", kwargs={"profile_uuid": profile.uuid}))
    links = find(parse(page.content), "//ul[@class='checklist']//a/@href")
    assert links and not any("/new/" in link or "/edit/" in link for link in links)
    # Every link a viewer is given opens for them.
    for link in links:
        assert as_viewer.get(link).status_code == 200, link
    as_owner = Client()
    as_owner.force_login(owner)
    page = as_owner.get(reverse("summary:checklist", kwargs={"profile_uuid": profile.uuid}))
    links = find(parse(page.content), "//ul[@class='checklist']//a/@href")
    for link in links:
        assert as_owner.get(link).status_code == 200, link
