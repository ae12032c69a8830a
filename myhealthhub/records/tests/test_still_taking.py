"""A medicine an old document says is taken is asked about, not presented as taken now."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.imports.tests.test_pipeline import commit, files_of, new_profile, read
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Medication
from myhealthhub.tests.real_files import ours

QUESTION = "status unknown — still taking?"


def test_medicines_from_a_years_old_document_are_asked_about(world: World):
    owner = world.accounts["owner"]
    profile = new_profile(world, "Alice")
    # Practice Fusion's clinical summary, written in September 2017.
    path = ours("ccda/jdd_PracticeFusion_AliceNewmanApi.xml")
    commit(read(profile, files_of([path]), world), world)
    imported = list(Medication.objects.filter(profile=profile, status="active", end_date=None))
    assert imported
    typed = create_entry(
        KINDS["medications"],
        profile,
        actor=owner,
        request=None,
        values={"display": "Vitamin D", "status": "active"},
    )

    client = Client()
    client.force_login(owner)
    overview = client.get(
        reverse("profiles:overview", args=[profile.uuid]), headers={"accept-language": "en"}
    ).content.decode()
    summary = client.get(
        reverse("summary:page", args=[profile.uuid]), {"language": "en"}
    ).content.decode()

    for page in (overview, summary):
        for medication in imported:
            row = page[page.index(medication.display) :][:1200]
            assert QUESTION in row[: row.index("</li>" if page is overview else "</tr>")]
        row = page[page.index(typed.display) :]
        assert QUESTION not in row[: row.index("</li>" if page is overview else "</tr>")]
