"""The guides: in English and Spanish, each with links that open the reader's own pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from lxml import html

import myhealthhub
from myhealthhub.conftest import World, make_account
from myhealthhub.guides.catalogue import GUIDES
from myhealthhub.guides.targets import TARGETS
from myhealthhub.profiles.access import get_access
from myhealthhub.profiles.models import Role

TEXTS = Path(myhealthhub.__file__).parent / "templates" / "guides"
# A sentence each language's text has, and the other's has not.
SENTENCES = {
    "what-a-phr-is": ("Nobody watches it.", "Nadie lo vigila."),
    "summary-for-a-new-clinician": (
        "Paper asks nothing of the clinician.",
        "El papel no le exige nada al médico.",
    ),
    "what-to-bring": (
        "Twenty minutes the day before is usually enough.",
        "Con veinte minutos la víspera suele bastar.",
    ),
    "records-from-many-places": (
        "Importing the same file again, or a newer download from the same portal, "
        "adds nothing twice.",
        "no se duplica nada.",
    ),
    "medication-review": (
        "Many people who take several medicines have never had anyone look at all of them "
        "together.",
        "Pregunta en tu farmacia si hacen revisiones de la medicación",
    ),
}


def parsed(markup: str | bytes) -> Any:
    return html.fromstring(markup)


def page_of(response: Any) -> Any:
    assert response.status_code == 200
    return parsed(response.content)


def links_in(page: Any, path: str) -> list[str]:
    return [str(href) for href in cast(list[Any], page.xpath(path))]


def guide_links(page: Any) -> list[str]:
    """Where the guide's text and its action button send the reader."""
    return links_in(
        page, "//div[@class='guide-body']//a/@href | //p[@class='guide-action']//a/@href"
    )


def guide_url(slug: str) -> str:
    return reverse("guides:guide", kwargs={"slug": slug})


def test_every_guide_has_its_own_text_in_every_language():
    for guide in GUIDES.values():
        for language, _name in settings.LANGUAGES:
            assert (TEXTS / language / f"{guide.slug}.html").is_file(), (guide.slug, language)


def test_every_guide_is_written_about_here():
    assert set(SENTENCES) == set(GUIDES)


@pytest.mark.parametrize("slug", sorted(GUIDES))
def test_a_guide_reads_in_the_readers_language(db, slug: str):
    english, spanish = SENTENCES[slug]
    in_english = Client(HTTP_ACCEPT_LANGUAGE="en").get(guide_url(slug)).content.decode()
    in_spanish = Client(HTTP_ACCEPT_LANGUAGE="es").get(guide_url(slug)).content.decode()
    assert english in in_english and spanish not in in_english
    assert spanish in in_spanish and english not in in_spanish
    assert '<html lang="es">' in in_spanish


def test_another_language_falls_back_to_english():
    guide = GUIDES["what-a-phr-is"]
    assert guide.templates("fr") == ["guides/fr/what-a-phr-is.html", "guides/en/what-a-phr-is.html"]
    assert guide.templates("es-mx") == [
        "guides/es/what-a-phr-is.html",
        "guides/en/what-a-phr-is.html",
    ]


@pytest.mark.parametrize("slug", sorted(GUIDES))
def test_every_link_of_a_guide_opens_for_the_owner(world: World, slug: str):
    client = world.client("owner")
    page = page_of(client.get(guide_url(slug)))
    links = guide_links(page)
    assert links, slug
    for link in links:
        # Ana's and Luis's profiles are the owner's: Ana comes first by name.
        assert link.startswith(f"/p/{world.profile.uuid}/"), link
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("slug", sorted(GUIDES))
def test_a_viewer_is_sent_only_where_a_viewer_may_go(world: World, slug: str):
    client = world.client("viewer")
    for link in guide_links(page_of(client.get(guide_url(slug)))):
        assert client.get(link).status_code == 200, link


def test_a_viewer_who_cannot_add_is_sent_to_the_list_instead(world: World):
    page = page_of(world.client("viewer").get(guide_url("medication-review")))
    profile = {"profile_uuid": world.profile.uuid}
    links = guide_links(page)
    assert reverse("records:list", kwargs=profile | {"kind": "medication-reviews"}) in links
    assert reverse("records:create", kwargs=profile | {"kind": "medication-reviews"}) not in links


def test_a_guide_opens_the_profile_the_reader_came_from(world: World):
    url = guide_url("summary-for-a-new-clinician") + f"?profile={world.other.profile.uuid}"
    page = page_of(world.client("owner").get(url))
    summary = reverse("summary:page", kwargs={"profile_uuid": world.other.profile.uuid})
    assert summary in guide_links(page)
    assert "The links in this guide open the record of Luis Moreno." in html.tostring(
        page, encoding="unicode"
    )
    # And the reader can switch to their other profile.
    assert f"?profile={world.profile.uuid}" in links_in(page, "//div[@class='guide-for']//a/@href")


def test_a_profile_the_reader_may_not_open_is_never_chosen(world: World):
    url = guide_url("what-a-phr-is") + f"?profile={world.profile.uuid}"
    for caller in ("stranger", "revoked", "expired", "anonymous"):
        text = world.client(caller).get(url).content.decode()
        assert f"/p/{world.profile.uuid}/" not in text, caller
        assert "Ana García" not in text, caller


def test_without_a_profile_the_links_lead_to_making_one(db):
    client = Client()
    client.force_login(make_account("new@example.org"))
    page = page_of(client.get(guide_url("what-to-bring")))
    assert set(links_in(page, "//div[@class='guide-body']//a/@href")) == {reverse("home")}
    assert links_in(page, "//p[@class='guide-action']//a/@href") == [reverse("profiles:create")]


def test_a_visitor_is_offered_an_account(db):
    page = page_of(Client().get(guide_url("what-a-phr-is")))
    assert links_in(page, "//p[@class='guide-action']//a/@href") == [
        reverse("account_signup"),
        reverse("account_login"),
    ]


def test_an_unknown_guide_is_not_found(db):
    assert Client().get(guide_url("how-to-cure-everything")).status_code == 404


def test_guides_take_no_post(db):
    assert Client().post(reverse("guides:index")).status_code == 405
    assert Client().post(guide_url("what-a-phr-is")).status_code == 405


def test_the_index_lists_every_guide_with_its_description(db):
    page = page_of(Client().get(reverse("guides:index")))
    items = cast(list[Any], page.xpath("//ul[@class='guide-list']/li"))
    assert [links_in(item, ".//h2/a/@href")[0] for item in items] == [
        guide_url(slug) for slug in GUIDES
    ]
    assert len(items) == 5
    text = html.tostring(page, encoding="unicode")
    for guide in GUIDES.values():
        assert str(guide.title) in text
        assert str(guide.description) in text


def test_the_tag_links_a_guide(world: World):
    template = Template('{% load guides %}{% guide_link "summary-for-a-new-clinician" %}')
    bare = parsed(template.render(Context({})))
    assert bare.tag == "p" and bare.get("class") == "guide-link"
    assert links_in(bare, ".//a/@href") == [guide_url("summary-for-a-new-clinician")]
    assert bare.text_content() == "Guide: Build a one-page summary for a new clinician"
    # On a profile's page, the guide's links open that profile.
    access = get_access(world.accounts["owner"], world.other.profile.uuid, Role.VIEWER)
    on_profile = parsed(template.render(Context({"access": access})))
    assert links_in(on_profile, ".//a/@href") == [
        guide_url("summary-for-a-new-clinician") + f"?profile={world.other.profile.uuid}"
    ]


def test_the_tag_refuses_an_unknown_guide():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load guides %}{% guide_link "no-such-guide" %}').render(Context({}))


def test_a_new_account_is_welcomed_and_asked_to_create_a_profile(db):
    client = Client()
    client.force_login(make_account("new@example.org"))
    page = page_of(client.get(reverse("home")))
    main = page.xpath("//main")[0]
    assert main.xpath("string(.//h1)") == "Welcome to MyHealthHub"
    [create] = main.xpath(".//a[@class='button']")
    assert create.text_content() == "Create your first profile"
    assert create.get("href") == reverse("profiles:create")
    assert guide_url("what-a-phr-is") in links_in(main, ".//a/@href")
    steps = main.xpath(".//ol[@class='next-steps']/li")
    assert [step.xpath("string(.//h3)") for step in steps] == [
        "Add your medications",
        "Import records from a portal or a file",
        "Build a summary for your next visit",
    ]
    for step in steps:
        [guide] = links_in(step, ".//p[@class='guide-link']/a/@href")
        assert client.get(guide).status_code == 200


def test_an_account_with_profiles_is_not_welcomed_again(world: World):
    text = world.client("owner").get(reverse("home")).content.decode()
    assert "Welcome to MyHealthHub" not in text
    assert "Ana García" in text


@pytest.mark.parametrize(
    ("caller", "first"),
    [("owner", "records:create"), ("viewer", "records:list")],
)
def test_next_steps_link_into_the_profile(world: World, caller: str, first: str):
    access = get_access(world.accounts[caller], world.profile.uuid, Role.VIEWER)
    rendered = render_to_string("guides/_next_steps.html", {"access": access})
    step_links = links_in(parsed(rendered), "//ol/li/p[not(@class)]/a/@href")
    profile = {"profile_uuid": world.profile.uuid}
    assert step_links == [
        reverse(first, kwargs=profile | {"kind": "medications"}),
        reverse("imports:list", kwargs=profile),
        reverse("summary:page", kwargs=profile),
    ]
    client = world.client(caller)
    for link in step_links:
        assert client.get(link).status_code == 200, link
    assert "Next steps" in rendered


def test_guide_texts_use_nothing_but_known_links():
    """The language templates are text: they use ``links`` to known pages, and nothing else."""
    for guide in GUIDES.values():
        for language, _name in settings.LANGUAGES:
            source = (TEXTS / language / f"{guide.slug}.html").read_text()
            assert "{%" not in source, (guide.slug, language)
            for variable in source.split("{{")[1:]:
                name = variable.split("}}")[0].strip()
                assert name.removeprefix("links.") in TARGETS, (guide.slug, language, name)
