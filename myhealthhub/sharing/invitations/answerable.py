"""Whether an invitation can still be answered, and by which account.

The invitee's page and the actions ask the same questions here, so what the
page says and what the actions refuse cannot drift apart.
"""

from __future__ import annotations

import enum
from datetime import datetime

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from myhealthhub.accounts.models import User
from myhealthhub.profiles.models import Grant, Role
from myhealthhub.sharing.models import Invitation, InvitationState


class Closed(enum.Enum):
    """Why an invitation can no longer be answered."""

    ANSWERED = "answered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    # Still pending, but what it offered is gone: its sender is no longer an
    # owner of the profile, or the access it offered has already ended.
    WITHDRAWN = "withdrawn"

    @property
    def message(self) -> Promise:
        return _MESSAGES[self]


_MESSAGES = {
    Closed.ANSWERED: _(
        "This invitation has already been answered. Each invitation link works once."
    ),
    Closed.CANCELLED: _("This invitation was cancelled by the person who sent it."),
    Closed.EXPIRED: _(
        "This invitation has expired: its link worked for 7 days. Ask the person who invited "
        "you to send a new one."
    ),
    Closed.WITHDRAWN: _(
        "This invitation can no longer be accepted: the access it offered has ended, or the "
        "person who sent it no longer manages this record. Ask them to invite you again."
    ),
}

WRONG_ACCOUNT = _(
    "This invitation was sent to another e-mail address than the one you are signed in with. "
    "Sign out, then sign in or sign up with the address the invitation was sent to."
)


def closed(invitation: Invitation, at: datetime | None = None) -> Closed | None:
    """Why ``invitation`` can no longer be answered; None while it can."""
    at = at or timezone.now()
    if invitation.state in (InvitationState.ACCEPTED, InvitationState.DECLINED):
        return Closed.ANSWERED
    if invitation.state == InvitationState.CANCELLED:
        return Closed.CANCELLED
    if invitation.is_expired(at):
        return Closed.EXPIRED
    if invitation.access_ends_at is not None and invitation.access_ends_at <= at:
        return Closed.WITHDRAWN
    sender_is_owner = (
        Grant.objects.in_force(at)
        .filter(
            profile_id=invitation.profile_id, account_id=invitation.invited_by_id, role=Role.OWNER
        )
        .exists()
    )
    return None if sender_is_owner else Closed.WITHDRAWN


def is_for(invitation: Invitation, account: User) -> bool:
    """Whether ``account`` is the one invited: the e-mail address, whatever its case."""
    return account.email.casefold() == invitation.email.casefold()
