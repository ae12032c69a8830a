"""Sources people can read: who typed an entry, or what document it came in, never an address.

The list, the timeline and the summary name an import by its sender and
date; only the entry's own page names the file it came in.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from myhealthhub.accounts.models import User
from myhealthhub.conftest import World, make_account
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.pipeline import request_commit, start_import
from myhealthhub.profiles.actions import grant_access
from myhealthhub.profiles.models import Role
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Condition
from myhealthhub.tests.real_files import ours

IPS = "ips/hl7ri_IPS-bundle-01.json"
SENDER = "Anorg Aniza Tion BV / The best custodian ever"
TITLE = "Patient Summary as of December 11, 2017 14:30"


@pytest.fixture
def rosa(world: World) -> User:
    """A caregiver who may edit, and has typed one condition."""
    rosa = make_account("rosa@family.example.net")
    owner = world.accounts["owner"]
    grant_access(world.profile, rosa, Role.EDITOR, actor=owner, request=None)
    typed(world, rosa, "Gout")
    typed(world, owner, "Migraine")
    return rosa


def typed(world: World, account: User, name: str) -> Condition:
    entry = create_entry(
        KINDS["conditions"],
        world.profile,
        actor=account,
        request=None,
        values={"display": name, "date": dt.date(2024, 5, 1)},
    )
    assert isinstance(entry, Condition)
    return entry


def imported(world: World) -> ImportJob:
    file = ours(IPS)
    job = start_import(
        world.profile,
        [(file.name, io.BytesIO(file.read_bytes()))],
        actor=world.accounts["owner"],
        request=None,
    )
    job.refresh_from_db()
    request_commit(
        job, actor=world.accounts["owner"], apply_demographics=False, other_person_confirmed=True
    )
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED, (job.state, job.message)
    return job


def signed_in(account: User, language: str = "en") -> Client:
    account.language = language
    account.save(update_fields=["language"])
    client = Client()
    client.force_login(account)
    return client


def page(client: Client, world: World, name: str, *args: object) -> str:
    response = client.get(reverse(name, args=[world.profile.uuid, *args]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_reads_who_typed_what(world: World, rosa: User):
    html = page(signed_in(world.accounts["owner"]), world, "records:list", "conditions")
    assert "Typed by you" in html
    assert "Typed by rosa (caregiver)" in html
    assert "@" not in html.split("<main", 1)[-1]


def test_the_caregiver_reads_herself_as_you(world: World, rosa: User):
    html = page(signed_in(rosa), world, "records:list", "conditions")
    assert "Typed by you" in html
    assert "Typed by owner (owner)" in html
    assert "rosa@family.example.net" not in html


def test_a_typist_is_named_by_their_name_when_they_gave_one(world: World, rosa: User):
    rosa.first_name, rosa.last_name = "Rosa", "Díaz"
    rosa.save(update_fields=["first_name", "last_name"])
    html = page(signed_in(world.accounts["owner"]), world, "records:list", "conditions")
    assert "Typed by Rosa Díaz (caregiver)" in html


def test_an_import_is_named_by_its_sender_and_date_not_its_file(world: World):
    job = imported(world)
    owner = world.accounts["owner"]
    for language, date in (("en", "11 Dec 2017"), ("es", "11 Dic 2017")):
        client = signed_in(owner, language)
        listed = page(client, world, "records:list", "conditions")
        assert f"{SENDER}, {date}" in listed
        assert job.label not in listed and TITLE not in listed
        timeline = page(client, world, "records:timeline")
        assert f"· {SENDER}, {date}</small>" in timeline
        # The timeline's filter tells sources apart by their titles too; never by file.
        assert f"{SENDER} — {TITLE}, {date}</option>" in timeline
        assert job.label not in timeline


def test_the_entry_s_page_names_the_document_and_its_file(world: World):
    job = imported(world)
    entry = Condition.objects.filter(profile=world.profile, source=job.source).first()
    assert entry is not None
    html = page(
        signed_in(world.accounts["owner"]), world, "records:detail", "conditions", entry.uuid
    )
    assert f"{SENDER} — {TITLE}, 11 Dec 2017" in html
    assert f"imported from {job.label}" in html


def test_the_summary_names_sources_shortly_without_addresses(world: World, rosa: User):
    job = imported(world)
    # The profile's summary is in Spanish (world.profile.language); it is written
    # for someone else to read, so every typist is named in the third person.
    html = page(signed_in(world.accounts["owner"]), world, "summary:page")
    assert f"{SENDER}, 11 Dic 2017" in html
    assert "Anotado por rosa" in html
    assert "Anotado por owner" in html
    assert "@world.example.org" not in html and "rosa@" not in html
    assert job.label not in html


def test_a_long_list_reads_its_typists_once(world: World, rosa: User):
    client = signed_in(world.accounts["owner"])
    url = reverse("records:list", args=[world.profile.uuid, "conditions"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(10):
        typed(world, rosa, f"Condition {index}")
    with CaptureQueriesContext(connection) as many:
        assert "Condition 9" in client.get(url).content.decode()
    assert len(many) == len(few)
