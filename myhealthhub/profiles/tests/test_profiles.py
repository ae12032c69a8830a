from __future__ import annotations

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World, make_account
from myhealthhub.profiles.models import Grant, Profile, Role


def profile_form(**overrides: str) -> dict[str, str]:
    data = {
        "given_name": "Rosa",
        "family_name": "Pérez",
        "birth_year": "1948",
        "birth_month": "",
        "birth_day": "",
        "sex": "female",
        "language": "es",
    }
    data.update(overrides)
    return data


@pytest.fixture
def ana_client(db) -> Client:
    client = Client()
    client.force_login(make_account("ana@example.org"))
    return client


def anas_profiles() -> QuerySet[Profile]:
    return Profile.objects.filter(grants__account__email="ana@example.org")


def test_create_a_profile_with_a_birth_year_only(ana_client):
    response = ana_client.post(reverse("profiles:create"), profile_form())
    profile = anas_profiles().get()
    assert response["Location"] == reverse(
        "profiles:overview", kwargs={"profile_uuid": profile.uuid}
    )
    assert profile.birth is not None and profile.birth.isoformat() == "1948"
    page = ana_client.get(response["Location"]).content.decode()
    assert "1948" in page
    assert "Rosa Pérez" in page


def test_creator_becomes_the_owner_and_it_is_audited(ana_client):
    ana_client.post(reverse("profiles:create"), profile_form())
    grant = Grant.objects.get(account__email="ana@example.org")
    assert grant.role == Role.OWNER
    event = AuditEvent.objects.get(action=Action.PROFILE_CREATED, actor=grant.account)
    assert event.profile_uuid == grant.profile.uuid
    assert event.actor == grant.account


def test_birth_month_and_year(ana_client):
    ana_client.post(reverse("profiles:create"), profile_form(birth_month="3"))
    birth = anas_profiles().get().birth
    assert birth is not None and birth.isoformat() == "1948-03"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"birth_year": "1948", "birth_month": "2", "birth_day": "30"}, "This is not a real date."),
        (
            {"birth_year": "1948", "birth_day": "3"},
            "Choose a month for this day, or leave the day empty.",
        ),
        ({"birth_year": "", "birth_month": "3"}, "Enter at least the year."),
        ({"birth_year": "2999"}, "A birth date cannot be in the future."),
        ({"given_name": ""}, "This field is required."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(ana_client, fields, message):
    response = ana_client.post(reverse("profiles:create"), profile_form(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not anas_profiles().exists()
    assert not AuditEvent.objects.filter(
        action=Action.PROFILE_CREATED, actor__email="ana@example.org"
    ).exists()


def test_edit_saves_only_what_changed(world: World):
    client = world.client("editor")
    url = reverse("profiles:edit", kwargs={"profile_uuid": world.profile.uuid})
    response = client.post(
        url, profile_form(given_name="Ana María", family_name="García", sex="female")
    )
    assert response.status_code == 302
    world.profile.refresh_from_db()
    assert world.profile.name == "Ana María García"
    event = AuditEvent.objects.filter(action=Action.PROFILE_UPDATED).get()
    assert event.actor == world.accounts["editor"]


def test_saving_an_unchanged_form_records_nothing(world: World):
    client = world.client("owner")
    url = reverse("profiles:edit", kwargs={"profile_uuid": world.profile.uuid})
    form = client.get(url).context["form"]
    data = {
        "given_name": form.initial["given_name"],
        "family_name": form.initial["family_name"],
        "birth_year": "",
        "sex": form.initial["sex"],
        "language": form.initial["language"],
    }
    client.post(url, data)
    assert not AuditEvent.objects.filter(action=Action.PROFILE_UPDATED).exists()


def test_a_viewer_cannot_write(world: World):
    client = world.client("viewer")
    url = reverse("profiles:edit", kwargs={"profile_uuid": world.profile.uuid})
    assert client.post(url, profile_form(given_name="Mallory")).status_code == 404
    world.profile.refresh_from_db()
    assert world.profile.given_name == "Ana"


def test_a_profile_named_in_the_body_is_ignored(world: World):
    """The profile comes from the URL through the gate, never from the form."""
    other = Profile.objects.create(given_name="Other")
    client = world.client("editor")
    url = reverse("profiles:contact_add", kwargs={"profile_uuid": world.profile.uuid})
    client.post(url, {"name": "Marta", "profile": str(other.uuid), "profile_id": str(other.pk)})
    assert world.profile.contacts.filter(name="Marta").exists()
    assert not other.contacts.exists()


def test_delete_needs_the_name_typed(world: World):
    client = world.client("owner")
    url = reverse("profiles:delete", kwargs={"profile_uuid": world.profile.uuid})
    client.post(url, {"confirm_name": "Ana"})
    assert Profile.objects.filter(pk=world.profile.pk).exists()
    response = client.post(url, {"confirm_name": "Ana García"})
    assert response["Location"] == reverse("home")
    assert not Profile.objects.filter(pk=world.profile.pk).exists()
    event = AuditEvent.objects.get(action=Action.PROFILE_DELETED)
    assert event.profile_uuid == world.profile.uuid, "the deletion stays on record"


def test_emergency_contacts_add_edit_remove(world: World):
    client = world.client("editor")
    kwargs = {"profile_uuid": world.profile.uuid}
    client.post(
        reverse("profiles:contact_add", kwargs=kwargs),
        {"name": "Marta", "phone": "+34 611 111 111"},
    )
    contact = world.profile.contacts.get(name="Marta")
    client.post(
        reverse("profiles:contact_edit", kwargs={**kwargs, "contact_uuid": contact.uuid}),
        {"name": "Marta Ruiz", "relationship": "Sister", "phone": "+34 611 111 111"},
    )
    contact.refresh_from_db()
    assert (contact.name, contact.relationship) == ("Marta Ruiz", "Sister")
    client.post(reverse("profiles:contact_remove", kwargs={**kwargs, "contact_uuid": contact.uuid}))
    assert not world.profile.contacts.filter(pk=contact.pk).exists()
    actions = list(
        AuditEvent.objects.filter(object_uuid=contact.uuid).values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(
        [Action.CONTACT_ADDED, Action.CONTACT_UPDATED, Action.CONTACT_REMOVED]
    )


def test_home_lists_only_profiles_the_account_may_open(world: World):
    page = world.client("stranger").get(reverse("home")).content.decode()
    assert "Ana García" not in page
    for caller in ("owner", "editor", "viewer"):
        assert "Ana García" in world.client(caller).get(reverse("home")).content.decode()
    for caller in ("revoked", "expired"):
        assert "Ana García" not in world.client(caller).get(reverse("home")).content.decode()


def test_profile_pages_make_a_fixed_number_of_queries(world: World, django_assert_max_num_queries):
    """No N+1: ten more profiles and contacts do not add queries to the main pages."""
    from myhealthhub.profiles import actions

    owner = world.accounts["owner"]
    client = world.client("owner")
    urls = [
        reverse("home"),
        reverse("profiles:overview", kwargs={"profile_uuid": world.profile.uuid}),
        reverse("profiles:sharing", kwargs={"profile_uuid": world.profile.uuid}),
    ]
    baseline = {}
    for url in urls:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        baseline[url] = len(queries)
    for index in range(10):
        actions.create_profile(owner, request=None, given_name=f"Child {index}")
        actions.add_contact(world.profile, actor=owner, request=None, name=f"Contact {index}")
        actions.grant_access(
            world.profile,
            make_account(f"c{index}@example.org"),
            Role.VIEWER,
            actor=owner,
            request=None,
        )
    for url in urls:
        with django_assert_max_num_queries(baseline[url]):
            client.get(url)


def test_a_viewer_is_not_offered_what_they_cannot_do(world: World):
    page = world.client("viewer").get(
        reverse("profiles:overview", kwargs={"profile_uuid": world.profile.uuid})
    )
    html = page.content.decode()
    assert "Luis García" in html, "a viewer sees the emergency contacts"
    for hidden in (
        "Edit profile",
        "Add an emergency contact",
        "Who has access",
        "Delete this profile",
    ):
        assert hidden not in html
    owner_page = world.client("owner").get(
        reverse("profiles:overview", kwargs={"profile_uuid": world.profile.uuid})
    )
    for shown in (
        "Edit profile",
        "Add an emergency contact",
        "Who has access",
        "Delete this profile",
    ):
        assert shown in owner_page.content.decode()


def form_of(client: Client, url: str) -> dict[str, str]:
    """The edit form's values, as the page gave them to this person."""
    form = client.get(url).context["form"]
    values = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "birth":
            continue
        values[name] = "" if value is None else str(value)
    return values


def test_a_profile_edit_begun_before_another_saved_is_refused_and_changes_nothing(world: World):
    url = reverse("profiles:edit", kwargs={"profile_uuid": world.profile.uuid})
    owner, editor = world.client("owner"), world.client("editor")
    owners_form, editors_form = form_of(owner, url), form_of(editor, url)
    assert owner.post(url, {**owners_form, "family_name": "García López"}).status_code == 302
    late = editor.post(url, {**editors_form, "given_name": "Anita"})
    assert late.status_code == 409
    assert "Someone else saved this profile while you were editing it" in late.content.decode()
    world.profile.refresh_from_db()
    assert (world.profile.given_name, world.profile.family_name) == ("Ana", "García López")


def test_a_contact_edit_begun_before_another_saved_is_refused_and_changes_nothing(world: World):
    url = reverse(
        "profiles:contact_edit",
        kwargs={"profile_uuid": world.profile.uuid, "contact_uuid": world.contact.uuid},
    )
    owner, editor = world.client("owner"), world.client("editor")
    owners_form, editors_form = form_of(owner, url), form_of(editor, url)
    assert owner.post(url, {**owners_form, "phone": "+34 611 111 111"}).status_code == 302
    late = editor.post(url, {**editors_form, "phone": "+34 622 222 222"})
    assert late.status_code == 409
    assert "Someone else saved this contact while you were editing it" in late.content.decode()
    world.contact.refresh_from_db()
    assert world.contact.phone == "+34 611 111 111"
