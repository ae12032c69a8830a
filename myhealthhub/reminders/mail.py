"""A reminder by e-mail: in the account's language, its times in the account's zone."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from myhealthhub.accounts.middleware import account_zone
from myhealthhub.lib import formatting
from myhealthhub.reminders.models import Notice
from myhealthhub.reminders.wording import worded


def send_notice(notice: Notice, now: dt.datetime) -> None:
    account = notice.account
    language = account.language or settings.LANGUAGE_CODE
    with (
        translation.override(language),
        timezone.override(account_zone(account)),
        formatting.using(account),
    ):
        words = worded(notice, now)
        context = {
            "words": words,
            "name": notice.profile.name,
            "link": settings.SITE_URL + words.path,
            "settings_link": settings.SITE_URL + reverse("reminders:settings"),
        }
        subject = render_to_string("reminders/email_subject.txt", context)
        body = render_to_string("reminders/email_body.txt", context)
    # A name typed with a line break must not become a second header line.
    one_line = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    send_mail(one_line, body, None, [account.email])
