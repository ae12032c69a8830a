"""The invitation e-mail, written in the invitation's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from myhealthhub.sharing.models import Invitation

# How many days the link in the e-mail works: Invitation.expires_at is set from it.
LINK_DAYS = 7


def send_invitation(invitation: Invitation, link: str) -> None:
    """Send ``invitation`` to its address, with ``link``, the absolute URL of its token.

    The consent note is not in the e-mail: mail crosses servers in the clear,
    and the note may say something about the person's health. The invitee
    reads it after signing in.
    """
    context = {
        "invitation": invitation,
        "profile_name": invitation.profile.name,
        "sender": invitation.invited_by.email if invitation.invited_by else "",
        "link": link,
        "days": LINK_DAYS,
    }
    with translation.override(invitation.language):
        subject = render_to_string("sharing/invitations/email_subject.txt", context)
        body = render_to_string("sharing/invitations/email_body.txt", context)
    # A name typed with a line break must not become a second header line.
    one_line = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    send_mail(one_line, body, None, [invitation.email])
