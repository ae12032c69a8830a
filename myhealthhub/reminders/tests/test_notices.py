"""The notices page: the account's own notices, newest first, each leading to its thing."""

from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.reminders.models import Kind, Notice
from myhealthhub.reminders.rounds import run_round
from myhealthhub.reminders.tests.helpers import noon_today, something_due


def unread_count(world: World, name: str) -> str:
    request = RequestFactory().get("/")
    request.user = world.accounts[name]
    template = Template("{% load reminders %}{% unread_notices as count %}{{ count }}")
    return template.render(Context({"request": request}))


def test_the_page_lists_the_accounts_notices_with_their_links(world: World):
    something = something_due(world, noon_today())
    run_round(something.now)
    assert unread_count(world, "viewer") == "2"

    page = world.client("viewer").get(reverse("reminders:notices"))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Dr Ruiz" in text and "Cardiology check-up" in text
    assert (
        reverse(
            "records:detail", args=(world.profile.uuid, "appointments", something.appointment.uuid)
        )
        in text
    )
    assert reverse("records:list", args=(world.profile.uuid, "medication-reviews")) in text
    # Only the owner hears of the failed import.
    assert "portal" not in text and "stopped.json" not in text
    # Seen now: the header stops counting them.
    assert unread_count(world, "viewer") == "0"


def test_dismiss_one_then_all(world: World):
    something = something_due(world, noon_today())
    run_round(something.now)
    owner = world.accounts["owner"]
    client = world.client("owner")
    first = Notice.objects.filter(account=owner, kind=Kind.IMPORT).first()
    assert first is not None

    response = client.post(reverse("reminders:notices"), {"dismiss": str(first.uuid)})

    assert response.status_code == 302
    assert Notice.objects.get(pk=first.pk).dismissed_at is not None
    assert str(first.uuid) not in client.get(reverse("reminders:notices")).content.decode()
    client.post(reverse("reminders:notices"), {"dismiss": "all"})
    assert not Notice.objects.listed().filter(account=owner).exists()
    assert "No notices." in client.get(reverse("reminders:notices")).content.decode()


def test_nobody_dismisses_anothers_notice(world: World):
    something = something_due(world, noon_today())
    run_round(something.now)
    mine = Notice.objects.filter(account=world.accounts["owner"]).first()
    assert mine is not None

    world.client("stranger").post(reverse("reminders:notices"), {"dismiss": str(mine.uuid)})
    world.client("stranger").post(reverse("reminders:notices"), {"dismiss": "all"})

    assert Notice.objects.get(pk=mine.pk).dismissed_at is None


def test_a_revoked_caregiver_no_longer_sees_the_notices_about_the_record(world: World):
    from myhealthhub.profiles.actions import revoke_grant

    something = something_due(world, noon_today())
    run_round(something.now)
    revoke_grant(world.grants["viewer"], actor=world.accounts["owner"], request=None)

    text = world.client("viewer").get(reverse("reminders:notices")).content.decode()

    assert "Cardiology" not in text
    assert unread_count(world, "viewer") == "0"


def test_the_settings_page_shows_each_kind_both_ways(world: World):
    page = world.client("viewer").get(reverse("reminders:settings")).content.decode()

    for kind in Kind:
        assert f'name="{kind}_in_app"' in page and f'name="{kind}_by_email"' in page
    assert page.count("checked") == 2 * len(Kind)
