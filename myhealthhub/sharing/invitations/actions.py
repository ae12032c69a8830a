"""Caregiver invitations, and what a keeper and a caregiver do with the access that follows.

Each change is one transaction with its audit event (DESIGN.md principle 2).
An invitation becomes a grant only when the invitee accepts it, through
``profiles.actions.grant_access``. Callers have passed the access gate (the
keeper's pages) or signed in (the invitee's page); the actions re-check only
the rules about the change itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Grant, Profile, Role
from myhealthhub.sharing.invitations.answerable import WRONG_ACCOUNT, closed, is_for
from myhealthhub.sharing.invitations.mail import LINK_DAYS, send_invitation
from myhealthhub.sharing.invitations.tokens import new_token
from myhealthhub.sharing.models import Invitation, InvitationState


@dataclass(frozen=True)
class Invited:
    """A sent invitation, and its token: the only moment the token is known."""

    invitation: Invitation
    token: str


def invite(
    profile: Profile,
    *,
    email: str,
    role: Role,
    consent_note: str,
    access_ends_at: dt.datetime | None,
    actor: User,
    request: HttpRequest | None,
    link_for: Callable[[str], str],
    owner_confirmed: bool = False,
) -> Invited:
    """Invite ``email`` to ``profile`` and send the e-mail with ``link_for(token)``.

    The e-mail is sent after the invitation is saved, outside its
    transaction: a slow mail server must not hold the database's write lock.
    If it cannot be sent, the invitation is cancelled and the refusal says so.
    """
    invited = _save_invitation(
        profile,
        email=email,
        role=role,
        consent_note=consent_note,
        access_ends_at=access_ends_at,
        actor=actor,
        request=request,
        owner_confirmed=owner_confirmed,
    )
    try:
        send_invitation(invited.invitation, link_for(invited.token))
    except OSError as error:  # smtplib's errors and a refused connection alike
        cancel_invitation(invited.invitation, actor=actor, request=request)
        raise ActionRefused(
            _("The e-mail could not be sent, so the invitation was cancelled. Try again later.")
        ) from error
    return invited


@transaction.atomic
def _save_invitation(
    profile: Profile,
    *,
    email: str,
    role: Role,
    consent_note: str,
    access_ends_at: dt.datetime | None,
    actor: User,
    request: HttpRequest | None,
    owner_confirmed: bool,
) -> Invited:
    email = email.strip().lower()
    consent_note = consent_note.strip()
    _check_terms(role, access_ends_at, owner_confirmed=owner_confirmed, was=None)
    if not consent_note:
        raise ActionRefused(_("Write what they may see or do, and why: they read it first."))
    # Two owners inviting the same address at once: one waits for the other.
    Profile.objects.select_for_update().filter(pk=profile.pk).first()
    live = Grant.objects.in_force().filter(profile_id=profile.pk, account__email__iexact=email)
    if live.exists():
        raise ActionRefused(_("%(email)s already has access to this profile.") % {"email": email})
    now = timezone.now()
    if Invitation.objects.filter(
        profile_id=profile.pk,
        email__iexact=email,
        state=InvitationState.PENDING,
        expires_at__gt=now,
    ).exists():
        raise ActionRefused(
            _(
                "An invitation to %(email)s is already waiting for an answer. Cancel it first "
                "to send a new one."
            )
            % {"email": email}
        )
    token, token_hash = new_token()
    invitation = Invitation.objects.create(
        profile=profile,
        email=email,
        role=role,
        consent_note=consent_note,
        access_ends_at=access_ends_at,
        token_hash=token_hash,
        language=_language_for(email, actor),
        invited_by=actor,
        created_at=now,
        expires_at=now + dt.timedelta(days=LINK_DAYS),
    )
    _log(Action.INVITATION_SENT, invitation, actor, request)
    return Invited(invitation, token)


@transaction.atomic
def cancel_invitation(invitation: Invitation, *, actor: User, request: HttpRequest | None) -> None:
    invitation = _locked(invitation)
    if invitation.state != InvitationState.PENDING:
        raise ActionRefused(_("This invitation was already answered or cancelled."))
    invitation.state = InvitationState.CANCELLED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["state", "answered_at"])
    _log(Action.INVITATION_CANCELLED, invitation, actor, request)


@transaction.atomic
def accept_invitation(
    invitation: Invitation, *, account: User, request: HttpRequest | None
) -> Grant:
    """The invitee says yes: the grant exists from now, on the invitation's terms."""
    invitation = _answerable(invitation, account)
    assert invitation.invited_by is not None  # closed() checks the sender is still an owner
    # The grant records the keeper's consent: granted by them, as the invitation said.
    grant = profile_actions.grant_access(
        invitation.profile,
        account,
        Role(invitation.role),
        actor=invitation.invited_by,
        request=None,
        consent_note=invitation.consent_note,
        expires_at=invitation.access_ends_at,
    )
    _answer(invitation, InvitationState.ACCEPTED, account, grant=grant)
    _log(Action.INVITATION_ACCEPTED, invitation, account, request)
    return grant


@transaction.atomic
def decline_invitation(
    invitation: Invitation, *, account: User, request: HttpRequest | None
) -> None:
    invitation = _answerable(invitation, account)
    _answer(invitation, InvitationState.DECLINED, account)
    _log(Action.INVITATION_DECLINED, invitation, account, request)


@transaction.atomic
def change_grant(
    grant: Grant,
    *,
    role: Role,
    access_ends_at: dt.datetime | None,
    actor: User,
    request: HttpRequest | None,
    owner_confirmed: bool = False,
) -> list[str]:
    """A keeper changes a caregiver's role and when their access ends; returns what changed.

    Setting a later end, or none, extends an access; an access that has
    already ended comes back to life that way.
    """
    grant = Grant.objects.select_for_update().select_related("profile").get(pk=grant.pk)
    if grant.revoked_at is not None:
        raise ActionRefused(_("This access was revoked. Invite them again to give it back."))
    _check_terms(role, access_ends_at, owner_confirmed=owner_confirmed, was=grant)
    changed = []
    if grant.role != role:
        # profiles' own rule keeps the profile an owner, and records the change.
        profile_actions.change_role(grant, role, actor=actor, request=request)
        changed.append("role")
    if grant.expires_at != access_ends_at:
        grant.expires_at = access_ends_at
        grant.save(update_fields=["expires_at"])
        log_action(
            Action.GRANT_UPDATED,
            request=request,
            actor=actor,
            profile=grant.profile,
            object_type="grant",
            object_uuid=grant.uuid,
        )
        changed.append("expires_at")
    return changed


@transaction.atomic
def leave(grant: Grant, *, actor: User, request: HttpRequest | None) -> None:
    """A caregiver ends their own access; the keeper sees it in the activity log."""
    grant = Grant.objects.select_for_update().select_related("profile").get(pk=grant.pk)
    if grant.account_id != actor.pk:
        raise ActionRefused(_("Only the person who has this access can leave."))
    if grant.revoked_at is not None:
        return
    if grant.role == Role.OWNER:
        # Lock the owners' grants so two owners cannot both leave at once.
        others = (
            Grant.objects.in_force()
            .select_for_update()
            .filter(profile_id=grant.profile_id, role=Role.OWNER)
            .exclude(pk=grant.pk)
        )
        if not list(others.values_list("pk", flat=True)):
            raise ActionRefused(
                _(
                    "You are the only owner of this profile, so you cannot leave it. Make "
                    "someone else an owner first, or delete the profile."
                )
            )
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    log_action(
        Action.GRANT_LEFT,
        request=request,
        actor=actor,
        profile=grant.profile,
        object_type="grant",
        object_uuid=grant.uuid,
    )


def _check_terms(
    role: Role,
    access_ends_at: dt.datetime | None,
    *,
    owner_confirmed: bool,
    was: Grant | None,
) -> None:
    """The rules about a role and an end, for an invitation (``was`` None) or a grant."""
    if role == Role.OWNER and (was is None or was.role != Role.OWNER) and not owner_confirmed:
        raise ActionRefused(_("Making someone an owner needs a second confirmation."))
    if role == Role.OWNER and access_ends_at is not None:
        # An owner whose access ran out could leave a profile with no owner at all.
        raise ActionRefused(_("An owner's access has no end date: revoke it when it should end."))
    unchanged = was is not None and was.expires_at == access_ends_at
    if access_ends_at is not None and access_ends_at <= timezone.now() and not unchanged:
        raise ActionRefused(_("The access cannot end in the past."))


def _language_for(email: str, sender: User) -> str:
    """The invitee's language if their account chose one, else the keeper's."""
    known = User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
    for language in (known, sender.language, translation.get_language()):
        if language:
            try:
                return translation.get_supported_language_variant(language)
            except LookupError:
                continue
    return settings.LANGUAGE_CODE


def _locked(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().select_related("profile").get(pk=invitation.pk)


def _answerable(invitation: Invitation, account: User) -> Invitation:
    """``invitation``, locked, if ``account`` may answer it now; refused otherwise."""
    invitation = _locked(invitation)
    if not is_for(invitation, account):
        raise ActionRefused(str(WRONG_ACCOUNT))
    why = closed(invitation)
    if why is not None:
        raise ActionRefused(str(why.message))
    return invitation


def _answer(
    invitation: Invitation, state: InvitationState, account: User, grant: Grant | None = None
) -> None:
    invitation.state = state
    invitation.answered_at = timezone.now()
    invitation.answered_by = account
    invitation.grant = grant
    invitation.save(update_fields=["state", "answered_at", "answered_by", "grant"])


def _log(action: Action, invitation: Invitation, actor: User, request: HttpRequest | None) -> None:
    log_action(
        action,
        request=request,
        actor=actor,
        profile=invitation.profile,
        object_type="invitation",
        object_uuid=invitation.uuid,
    )
