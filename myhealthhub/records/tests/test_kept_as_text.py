"""A list an imported document gave only as text is flagged on its kind's page and the checklist."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.imports.ccda.tests.files import document, section
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read
from myhealthhub.records.actions import delete_entry
from myhealthhub.records.models import Note


def test_the_allergy_page_and_the_checklist_ask_to_review_a_list_kept_as_text(world: World):
    allergies = section(
        "48765-2",
        "2.16.840.1.113883.10.20.22.2.6.1",
        "Allergies",
        "<table><tbody><tr><td>Penicillin</td><td>Hives</td></tr></tbody></table>",
    )
    owner = world.accounts["owner"]
    profile = new_profile(world, "Ana")
    commit(read(profile, [("summary.xml", document(allergies))], world), world)
    client = Client()
    client.force_login(owner)

    def page(name: str, **kwargs: str) -> str:
        url = reverse(name, kwargs={"profile_uuid": profile.uuid, **kwargs})
        return client.get(url, headers={"accept-language": "en"}).content.decode()

    notice = "An imported document lists these only as text (“Allergies”)"
    assert notice in page("records:list", kind="allergies")
    assert notice not in page("records:list", kind="medications")
    checklist = page("summary:checklist")
    assert "An imported document lists these only as text: allergies and intolerances." in (
        checklist
    )

    delete_entry(Note.objects.get(profile=profile), actor=owner, request=None)
    assert notice not in page("records:list", kind="allergies")
    assert "only as text" not in page("summary:checklist")
