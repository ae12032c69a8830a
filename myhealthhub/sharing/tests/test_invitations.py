"""Caregiver invitations, through HTTP: invite, sign in, accept or decline; and what follows.

The world's ``owner`` keeps Ana García's profile; its ``viewer`` and
``editor`` already have access. ``invitee`` has an account and no access.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import PASSWORD, World, make_account
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Grant, Role
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.sharing.invitations import actions
from myhealthhub.sharing.invitations.tokens import hash_token
from myhealthhub.sharing.models import Invitation, InvitationState
from myhealthhub.tests.test_page_shell import Shell

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

NEW = "new.carer@example.org"
NOTE = "To help Ana with her appointments while she recovers."
INVITEE = "invitee@example.org"


# --- Helpers ----------------------------------------------------------------


@pytest.fixture
def invitee(db) -> User:
    return make_account(INVITEE)


def url(name: str, world: World, **kwargs: object) -> str:
    return reverse(name, kwargs={"profile_uuid": world.profile.uuid, **kwargs})


def invite(world: World, caller: str | Client = "owner", **fields: str) -> TestResponse:
    """The owner's invitation form, sent with ``fields`` over a valid one."""
    data = {"email": NEW, "role": "editor", "consent_note": NOTE, "access_ends": ""} | fields
    client = world.client(caller) if isinstance(caller, str) else caller
    return client.post(url("sharing:invite", world), data)


def emailed_link(recipient: str) -> str:
    """The invitation link in the last e-mail to ``recipient``, as the path to open."""
    sent = [message for message in mail.outbox if recipient in message.to]
    assert sent, f"no e-mail was sent to {recipient}"
    found = re.search(r"^(https?://\S+/invitation/\S+/)$", str(sent[-1].body), re.MULTILINE)
    assert found, f"no invitation link in:\n{sent[-1].body}"
    link = found.group(1)
    assert link.startswith("http://testserver/"), "links in e-mails are absolute"
    return urlsplit(link).path


def signed_in(account: User) -> Client:
    client = Client()
    client.force_login(account)
    return client


def sign_in_through_the_form(client: Client, email: str, next_path: str) -> TestResponse:
    return client.post(
        reverse("account_login"), {"login": email, "password": PASSWORD, "next": next_path}
    )


def events(world: World, action: Action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(profile_uuid=world.profile.uuid, action=action))


def live_grant(world: World, account: User) -> Grant | None:
    return Grant.objects.in_force().filter(profile=world.profile, account=account).first()


def overview(world: World) -> str:
    return url("profiles:overview", world)


def text(response: TestResponse) -> str:
    return response.content.decode()


# --- Inviting and accepting -------------------------------------------------


def test_an_invited_new_person_signs_up_comes_back_and_accepts(world: World):
    ends = timezone.localdate() + dt.timedelta(days=30)
    response = invite(world, access_ends=ends.isoformat())
    assert response.status_code == 302
    assert response["Location"] == url("profiles:sharing", world)
    invitation = Invitation.objects.get(profile=world.profile, email=NEW)
    assert invitation.state == InvitationState.PENDING
    assert invitation.role == Role.EDITOR
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    link = emailed_link(NEW)

    # Signed out: asked to sign up or sign in, and told nothing of the invitation yet.
    visitor = Client()
    landing = visitor.get(link)
    assert landing.status_code == 200
    for way in ("account_signup", "account_login"):
        assert f"{reverse(way)}?next={link}" in text(landing)
    assert "Ana García" not in text(landing)
    # A made-up token gets the same page: signed out, nothing tells a real one apart.
    unknown = visitor.get(reverse("sharing:invitation", kwargs={"token": "x" * 43}))
    assert unknown.status_code == 200 and "You have an invitation" in text(unknown)
    answer = visitor.post(link, {"answer": "accept"})
    assert answer.status_code == 302
    assert answer["Location"] == f"{reverse('account_login')}?next={link}"
    signup = visitor.post(
        f"{reverse('account_signup')}?next={link}",
        {"email": NEW, "password1": PASSWORD, "password2": PASSWORD, "next": link},
    )
    assert signup.status_code == 302
    code = re.search(r"^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+)\s*$", str(mail.outbox[-1].body), re.M)
    assert code is not None
    confirmed = visitor.post(reverse("account_email_verification_sent"), {"code": code.group(1)})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == link

    page = visitor.get(link)
    assert page.status_code == 200
    for shown in ("Ana García", "Editor", NOTE, "owner@world.example.org"):
        assert shown in text(page)
    accepted = visitor.post(link, {"answer": "accept"})
    assert accepted.status_code == 302
    assert accepted["Location"] == overview(world)

    account = User.objects.get(email=NEW)
    grant = live_grant(world, account)
    assert grant is not None
    assert (grant.role, grant.consent_note) == (Role.EDITOR, NOTE)
    assert grant.expires_at is not None
    assert timezone.localdate(grant.expires_at) == ends
    assert grant.granted_by == world.accounts["owner"]
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ACCEPTED
    assert (invitation.grant, invitation.answered_by) == (grant, account)
    assert visitor.get(overview(world)).status_code == 200

    sent = AuditEvent.objects.get(action=Action.INVITATION_SENT, object_uuid=invitation.uuid)
    assert sent.actor == world.accounts["owner"]
    [accepting] = events(world, Action.INVITATION_ACCEPTED)
    assert accepting.actor == account and accepting.object_uuid == invitation.uuid
    assert AuditEvent.objects.filter(action=Action.GRANT_CREATED, object_uuid=grant.uuid).exists()


def test_an_existing_account_signs_in_and_comes_back_to_the_invitation(world: World, invitee: User):
    invite(world, email="Invitee@Example.org", role="viewer")
    link = emailed_link(INVITEE)
    visitor = Client()
    response = sign_in_through_the_form(visitor, INVITEE, link)
    assert response.status_code == 302
    assert response["Location"] == link
    assert "Ana García" in text(visitor.get(link))
    assert visitor.post(link, {"answer": "accept"}).status_code == 302
    grant = live_grant(world, invitee)
    assert grant is not None and grant.role == Role.VIEWER and grant.expires_at is None


def test_the_token_is_kept_only_as_its_hash(world: World):
    invite(world)
    token = emailed_link(NEW).strip("/").split("/")[-1]
    assert len(token) >= 43
    invitation = Invitation.objects.get(email=NEW)
    assert invitation.token_hash == hash_token(token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sharing_invitation")
        assert token not in repr(cursor.fetchall())


def test_the_email_speaks_the_invitees_language_or_else_the_keepers(world: World):
    # Dates are written by Django's own formats in each language: a sure sign of which.
    ends = {"access_ends": "2999-01-15"}
    spanish = make_account("hablante@example.org", language="es")
    invite(world, email=spanish.email, **ends)
    assert Invitation.objects.get(email=spanish.email).language == "es"
    assert "15 de enero de 2999" in mail.outbox[-1].body
    # An address with no account: the keeper's language, here the page's.
    invite(world, email=NEW, **ends)
    assert Invitation.objects.get(email=NEW).language == "en"
    assert "Jan. 15, 2999" in mail.outbox[-1].body
    assert mail.outbox[-1].subject.startswith("MyHealthHub: Invitation to the health record")
    assert "Ana García" in mail.outbox[-1].subject
    assert NOTE not in mail.outbox[-1].body, "the consent note stays out of the e-mail"
    world.accounts["owner"].language = "es"
    world.accounts["owner"].save(update_fields=["language"])
    invite(world, email="otro@example.org", **ends)
    assert Invitation.objects.get(email="otro@example.org").language == "es"
    assert "15 de enero de 2999" in mail.outbox[-1].body


def test_declining_gives_no_access(world: World, invitee: User):
    invite(world, email=INVITEE)
    link = emailed_link(INVITEE)
    client = signed_in(invitee)
    response = client.post(link, {"answer": "decline"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert live_grant(world, invitee) is None
    invitation = Invitation.objects.get(email=INVITEE)
    assert invitation.state == InvitationState.DECLINED
    [declined] = events(world, Action.INVITATION_DECLINED)
    assert declined.actor == invitee
    assert client.get(overview(world)).status_code == 404
    assert "Declined" in text(world.client("owner").get(url("profiles:sharing", world)))


# --- Links that no longer work ----------------------------------------------


def test_an_expired_invitation_says_so_and_gives_nothing(world: World, invitee: User):
    invite(world, email=INVITEE)
    link = emailed_link(INVITEE)
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        client = signed_in(invitee)
        page = client.get(link)
        assert page.status_code == 410
        assert "This invitation has expired" in text(page)
        assert "Ana García" not in text(page)
        assert client.post(link, {"answer": "accept"}).status_code == 302
        assert live_grant(world, invitee) is None
        assert "Expired" in text(world.client("owner").get(url("profiles:sharing", world)))
    assert Invitation.objects.get(email=INVITEE).state == InvitationState.PENDING


def test_a_cancelled_invitation_says_so_and_gives_nothing(world: World, invitee: User):
    invite(world, email=INVITEE)
    link = emailed_link(INVITEE)
    invitation = Invitation.objects.get(email=INVITEE)
    owner = world.client("owner")
    sharing = text(owner.get(url("profiles:sharing", world)))
    assert f"Cancel the invitation to {INVITEE}" in sharing
    cancel = url("sharing:cancel_invitation", world, invitation_uuid=invitation.uuid)
    assert owner.get(cancel).status_code == 405
    assert owner.post(cancel).status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.CANCELLED
    [cancelled] = events(world, Action.INVITATION_CANCELLED)
    assert cancelled.actor == world.accounts["owner"]
    client = signed_in(invitee)
    page = client.get(link)
    assert page.status_code == 410
    assert "cancelled by the person who sent it" in text(page)
    client.post(link, {"answer": "accept"})
    assert live_grant(world, invitee) is None
    # Cancelling twice changes nothing more.
    owner.post(cancel)
    assert len(events(world, Action.INVITATION_CANCELLED)) == 1


def test_a_used_link_works_only_once(world: World, invitee: User):
    invite(world, email=INVITEE, role="viewer")
    link = emailed_link(INVITEE)
    client = signed_in(invitee)
    client.post(link, {"answer": "accept"})
    again = client.get(link)
    assert again.status_code == 410
    assert "already been answered" in text(again)
    assert overview(world) in text(again), "the one who accepted is offered the record"
    client.post(link, {"answer": "decline"})
    assert Invitation.objects.get(email=INVITEE).state == InvitationState.ACCEPTED
    assert live_grant(world, invitee) is not None
    # Another account with the same link: told it is used, nothing more.
    other = signed_in(make_account("someone.else@example.org"))
    assert "Ana García" not in text(other.get(link))


def test_a_link_for_another_address_is_refused_clearly(world: World, invitee: User):
    invite(world, email=INVITEE)
    link = emailed_link(INVITEE)
    carer = world.client("carer")
    page = carer.get(link)
    assert page.status_code == 200
    assert "sent to another e-mail address" in text(page)
    assert "carer@world.example.org" in text(page)
    for hidden in ("Ana García", NOTE, INVITEE):
        assert hidden not in text(page)
    response = carer.post(link, {"answer": "accept"})
    assert response.status_code == 302 and response["Location"] == link
    assert live_grant(world, world.accounts["carer"]) is None
    assert Invitation.objects.get(email=INVITEE).state == InvitationState.PENDING
    assert events(world, Action.INVITATION_ACCEPTED) == []
    with pytest.raises(ActionRefused, match="another e-mail address"):
        actions.accept_invitation(
            Invitation.objects.get(email=INVITEE), account=world.accounts["carer"], request=None
        )


def test_an_unknown_link_is_a_clear_404(world: World):
    page = world.client("stranger").get(reverse("sharing:invitation", kwargs={"token": "x" * 43}))
    assert page.status_code == 404
    assert "This invitation link does not work" in text(page)


def test_an_invitation_whose_sender_is_no_longer_an_owner_cannot_be_accepted(
    world: World, invitee: User
):
    second_owner = make_account("second.owner@example.org")
    profile_actions.grant_access(
        world.profile, second_owner, Role.OWNER, actor=world.accounts["owner"], request=None
    )
    invite(world, email=INVITEE)
    link = emailed_link(INVITEE)
    profile_actions.revoke_grant(world.grants["owner"], actor=second_owner, request=None)
    page = signed_in(invitee).get(link)
    assert page.status_code == 410
    signed_in(invitee).post(link, {"answer": "accept"})
    assert live_grant(world, invitee) is None


# --- What the keeper may send -----------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"consent_note": ""}, "Write what they may see or do, and why"),
        ({"consent_note": "   "}, "Write what they may see or do, and why"),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"access_ends": "2001-01-01"}, "The last day of access cannot be in the past."),
        ({"role": "admin"}, "Select a valid choice."),
        (
            {"role": "owner", "confirm_owner": "on", "access_ends": "2999-01-01"},
            "An owner&#x27;s access has no end date",
        ),
    ],
)
def test_bad_input_is_a_clear_form_error_and_writes_nothing(
    world: World, fields: dict[str, str], error: str
):
    owner = world.client("owner")
    before = (AuditEvent.objects.count(), Invitation.objects.count())
    response = invite(world, owner, **fields)
    assert response.status_code == 200
    assert error in text(response)
    assert (AuditEvent.objects.count(), Invitation.objects.count()) == before
    assert mail.outbox == []


def test_an_address_with_live_access_is_refused(world: World):
    response = invite(world, email="Viewer@World.example.org")
    assert response.status_code == 200
    assert "viewer@world.example.org already has access to this profile." in text(response)
    assert not Invitation.objects.filter(email="viewer@world.example.org").exists()
    assert mail.outbox == []
    # A revoked or expired caregiver can be invited again.
    for caller in ("revoked", "expired"):
        assert invite(world, email=f"{caller}@world.example.org").status_code == 302


def test_a_second_invitation_to_a_waiting_address_is_refused(world: World):
    invite(world)
    response = invite(world, role="viewer")
    assert "already waiting for an answer" in text(response)
    assert Invitation.objects.filter(email=NEW).count() == 1 and len(mail.outbox) == 1
    # Once the first has expired, a new one may go.
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert invite(world).status_code == 302
    assert Invitation.objects.filter(email=NEW).count() == 2


def test_making_an_owner_needs_a_second_confirmation(world: World):
    first = invite(world, role="owner")
    assert first.status_code == 200
    assert 'name="confirm_owner"' in text(first)
    assert "Tick the box to confirm" in text(first)
    assert not Invitation.objects.filter(email=NEW).exists() and mail.outbox == []
    assert 'name="confirm_owner"' not in text(
        world.client("owner").get(url("sharing:invite", world))
    )
    assert invite(world, role="owner", confirm_owner="on").status_code == 302
    assert Invitation.objects.get(email=NEW).role == Role.OWNER
    with pytest.raises(ActionRefused, match="second confirmation"):
        actions.invite(
            world.profile,
            email="another@example.org",
            role=Role.OWNER,
            consent_note=NOTE,
            access_ends_at=None,
            actor=world.accounts["owner"],
            request=None,
            link_for=str,
        )


def test_a_mail_that_cannot_be_sent_cancels_the_invitation(world: World, monkeypatch):
    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("myhealthhub.sharing.invitations.mail.send_mail", refuse)
    response = invite(world)
    assert response.status_code == 200
    assert "The e-mail could not be sent" in text(response)
    assert Invitation.objects.get(email=NEW).state == InvitationState.CANCELLED


@pytest.mark.parametrize("caller", ["editor", "viewer", "revoked", "expired", "stranger"])
def test_only_an_owner_invites_cancels_or_changes_access(world: World, caller: str):
    invite(world)
    invitation = Invitation.objects.get(email=NEW)
    client = world.client(caller)
    before = (AuditEvent.objects.count(), Invitation.objects.count())
    pages = [
        url("sharing:invite", world),
        url("sharing:cancel_invitation", world, invitation_uuid=invitation.uuid),
        url("sharing:grant", world, grant_uuid=world.grants["viewer"].uuid),
        url("profiles:sharing", world),
    ]
    for page in pages:
        assert client.get(page).status_code == 404, page
        assert client.post(page, {"email": NEW, "role": "owner"}).status_code == 404, page
    assert Invitation.objects.get(email=NEW).state == InvitationState.PENDING
    assert (AuditEvent.objects.count(), Invitation.objects.count()) == before


def test_an_anonymous_visitor_is_sent_to_sign_in(world: World):
    page = url("sharing:invite", world)
    response = Client().post(page, {"email": NEW})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Invitation.objects.filter(email=NEW).exists()


# --- The keeper's page, and what follows an acceptance ------------------------


def test_the_keeper_sees_every_grant_and_invitation_in_every_state(world: World):
    owner = world.accounts["owner"]
    states = {}
    for name in ("waiting", "accepted", "declined", "cancelled", "expired"):
        email = f"{name}@example.org"
        make_account(email)
        invite(world, email=email)
        states[name] = Invitation.objects.get(email=email)
    accepted = User.objects.get(email="accepted@example.org")
    actions.accept_invitation(states["accepted"], account=accepted, request=None)
    declined = User.objects.get(email="declined@example.org")
    actions.decline_invitation(states["declined"], account=declined, request=None)
    actions.cancel_invitation(states["cancelled"], actor=owner, request=None)
    Invitation.objects.filter(pk=states["expired"].pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    page = text(world.client("owner").get(url("profiles:sharing", world)))
    for shown in (
        "Waiting for an answer until",
        "Accepted ",
        "Declined ",
        "Cancelled ",
        "Expired ",
        "viewer@world.example.org",
        "Revoked ",
        "accepted@example.org",
        'aria-label="Change the access of editor@world.example.org"',
        'aria-label="Activity of revoked@world.example.org"',
    ):
        assert shown in page, shown
    # Only an invitation still waiting can be cancelled.
    for name in ("waiting", "accepted", "declined", "cancelled", "expired"):
        offered = f"Cancel the invitation to {name}@example.org" in page
        assert offered == (name == "waiting"), name


def test_invitations_add_no_query_per_row_to_the_keepers_page(world: World):
    client = world.client("owner")
    page = url("profiles:sharing", world)
    invite(world, email="first@example.org")
    with CaptureQueriesContext(connection) as first:
        client.get(page)
    for index in range(10):
        invite(world, email=f"more{index}@example.org")
    with CaptureQueriesContext(connection) as more:
        client.get(page)
    assert len(more) == len(first)


def test_a_revoked_caregiver_is_refused_on_the_next_request(world: World, invitee: User):
    invite(world, email=INVITEE, role="editor")
    client = signed_in(invitee)
    client.post(emailed_link(INVITEE), {"answer": "accept"})
    assert client.get(overview(world)).status_code == 200
    grant = live_grant(world, invitee)
    assert grant is not None
    revoke = reverse(
        "profiles:revoke", kwargs={"profile_uuid": world.profile.uuid, "grant_uuid": grant.uuid}
    )
    assert world.client("owner").post(revoke).status_code == 302
    assert client.get(overview(world)).status_code == 404
    assert client.get(url("records:list", world, kind="medications")).status_code == 404


def test_the_keeper_changes_a_role_and_extends_an_access(world: World):
    owner = world.client("owner")
    viewer_grant = world.grants["viewer"]
    page = url("sharing:grant", world, grant_uuid=viewer_grant.uuid)
    shown = text(owner.get(page))
    assert "viewer@world.example.org" in shown and 'name="role"' in shown
    ends = timezone.localdate() + dt.timedelta(days=90)
    response = owner.post(page, {"role": "editor", "access_ends": ends.isoformat()})
    assert response.status_code == 302
    viewer_grant.refresh_from_db()
    assert viewer_grant.role == Role.EDITOR
    assert viewer_grant.expires_at is not None
    assert timezone.localdate(viewer_grant.expires_at) == ends
    updates = AuditEvent.objects.filter(action=Action.GRANT_UPDATED, object_uuid=viewer_grant.uuid)
    assert updates.count() == 2
    # An access that ended comes back with a new last day, or none.
    expired = world.grants["expired"]
    assert world.client("expired").get(overview(world)).status_code == 404
    page = url("sharing:grant", world, grant_uuid=expired.uuid)
    assert owner.post(page, {"role": "editor", "access_ends": ""}).status_code == 302
    assert world.client("expired").get(overview(world)).status_code == 200
    # Only the role, with the end kept as it is: no refusal for an end already past.
    Grant.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=2))
    kept = timezone.localdate(timezone.now() - dt.timedelta(days=2)).isoformat()
    assert owner.post(page, {"role": "viewer", "access_ends": kept}).status_code == 302
    expired.refresh_from_db()
    assert expired.role == Role.VIEWER


def test_a_grant_change_is_checked_like_an_invitation(world: World):
    owner = world.client("owner")
    page = url("sharing:grant", world, grant_uuid=world.grants["editor"].uuid)
    past = owner.post(page, {"role": "editor", "access_ends": "2001-01-01"})
    assert "The last day of access cannot be in the past." in text(past)
    first = owner.post(page, {"role": "owner", "access_ends": ""})
    assert "Tick the box to confirm" in text(first)
    assert Grant.objects.get(pk=world.grants["editor"].pk).role == Role.EDITOR
    assert owner.post(page, {"role": "owner", "confirm_owner": "on"}).status_code == 302
    assert Grant.objects.get(pk=world.grants["editor"].pk).role == Role.OWNER
    # A revoked access is shown, but not changed.
    revoked = url("sharing:grant", world, grant_uuid=world.grants["revoked"].uuid)
    assert 'name="role"' not in text(owner.get(revoked))
    refused = owner.post(revoked, {"role": "viewer"})
    assert "This access was revoked" in text(refused)
    assert Grant.objects.get(pk=world.grants["revoked"].pk).role == Role.EDITOR


def test_an_owner_who_steps_down_lands_on_the_record(world: World):
    owner = world.client("owner")
    own = url("sharing:grant", world, grant_uuid=world.grants["owner"].uuid)
    refused = owner.post(own, {"role": "editor"})
    assert "A profile needs at least one owner." in text(refused)
    profile_actions.grant_access(
        world.profile,
        make_account("second.owner@example.org"),
        Role.OWNER,
        actor=world.accounts["owner"],
        request=None,
    )
    response = owner.post(own, {"role": "editor"})
    assert response["Location"] == overview(world)
    assert owner.get(url("profiles:sharing", world)).status_code == 404


def test_the_keeper_sees_what_each_caregiver_did(world: World):
    create_entry(
        KINDS["conditions"],
        world.profile,
        actor=world.accounts["editor"],
        request=None,
        values={"display": "Hypertension"},
    )
    page = text(
        world.client("owner").get(
            url("sharing:grant", world, grant_uuid=world.grants["editor"].uuid)
        )
    )
    assert "Entry added" in page
    viewer_page = text(
        world.client("owner").get(
            url("sharing:grant", world, grant_uuid=world.grants["viewer"].uuid)
        )
    )
    assert "Entry added" not in viewer_page


# --- The caregiver's side ---------------------------------------------------


def test_a_caregiver_can_leave(world: World):
    client = world.client("viewer")
    leave = url("sharing:leave", world)
    assert "Leave the record of Ana García?" in text(client.get(leave))
    response = client.post(leave)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert live_grant(world, world.accounts["viewer"]) is None
    [left] = events(world, Action.GRANT_LEFT)
    assert left.actor == world.accounts["viewer"]
    assert left.object_uuid == world.grants["viewer"].uuid
    assert client.get(overview(world)).status_code == 404


def test_the_only_owner_cannot_leave(world: World):
    client = world.client("owner")
    response = client.post(url("sharing:leave", world))
    assert response.status_code == 302
    assert "You are the only owner" in text(client.get(response["Location"]))
    assert live_grant(world, world.accounts["owner"]) is not None
    assert events(world, Action.GRANT_LEFT) == []


def test_caregiver_pages_say_whose_record_and_under_which_consent(world: World):
    Grant.objects.filter(pk=world.grants["editor"].pk).update(
        expires_at=timezone.now() + dt.timedelta(days=10)
    )
    for page in (overview(world), url("records:list", world, kind="medications")):
        shown = text(world.client("editor").get(page))
        assert "You are looking at the record of Ana García, as editor." in shown
        assert "Consent: “Family caregiver”" in shown
        assert "Until " in shown
        assert url("sharing:leave", world) in shown
    assert "You are looking at the record" not in text(world.client("owner").get(overview(world)))


def test_an_editors_change_shows_who_made_it(world: World):
    entry = create_entry(
        KINDS["conditions"],
        world.profile,
        actor=world.accounts["editor"],
        request=None,
        values={"display": "Hypertension"},
    )
    detail = reverse(
        "records:detail",
        kwargs={"profile_uuid": world.profile.uuid, "kind": "conditions", "entry_uuid": entry.uuid},
    )
    assert "editor@world.example.org" in text(world.client("owner").get(detail))


# --- The pages themselves ---------------------------------------------------


def test_the_pages_have_landmarks_labels_and_no_inline_script_or_style(world: World, invitee: User):
    invite(world, email=INVITEE)
    link = emailed_link(INVITEE)
    owner = world.client("owner")
    pages = [
        (owner, "GET", url("sharing:invite", world), {}),
        (owner, "POST", url("sharing:invite", world), {"email": NEW, "role": "owner"}),
        (owner, "GET", url("sharing:grant", world, grant_uuid=world.grants["viewer"].uuid), {}),
        (world.client("viewer"), "GET", url("sharing:leave", world), {}),
        (Client(), "GET", link, {}),
        (world.client("carer"), "GET", link, {}),
        (signed_in(invitee), "GET", link, {}),
    ]
    for client, method, address, data in pages:
        response = client.post(address, data) if method == "POST" else client.get(address)
        assert response.status_code == 200, address
        shell = Shell()
        shell.feed(text(response))
        tags = [tag for tag, _ in shell.tags]
        assert {"header", "main", "footer", "h1"} <= set(tags), address
        assert shell.inline_scripts == 0, address
        labelled = {attributes.get("for") for tag, attributes in shell.tags if tag == "label"}
        for tag, attributes in shell.tags:
            if tag in {"input", "select", "textarea"} and attributes.get("type") not in {
                "hidden",
                "submit",
            }:
                assert attributes.get("id") in labelled, f"{address}: unlabelled <{tag}>"
