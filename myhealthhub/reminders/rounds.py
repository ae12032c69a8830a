"""One round of reminders: what is due becomes notices and e-mails, each once.

The task worker runs a round every ``EVERY`` (management/recovery.py), and
``myhealthhub reminders send`` runs one now. A round may run on several
workers at once: a notice is made by whichever inserts its (account, key)
first, and an e-mail is sent by whichever claims it first (an UPDATE that
only one can win), so nothing is told twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from myhealthhub.reminders.choices import Wants, choices_of
from myhealthhub.reminders.due import Due, due_at
from myhealthhub.reminders.mail import send_notice
from myhealthhub.reminders.models import Notice

log = logging.getLogger(__name__)

EVERY = dt.timedelta(hours=1)
# An e-mail that could not be sent is tried again by later rounds for this long.
RETRY_MAIL_FOR = dt.timedelta(days=1)


@dataclass(frozen=True)
class Round:
    notices: int = 0
    emails: int = 0


def run_round(now: dt.datetime | None = None) -> Round:
    now = now or timezone.now()
    made = [
        notice for due, wants in _not_yet_given(due_at(now)) if (notice := _make(due, wants, now))
    ]
    return Round(notices=len(made), emails=send_waiting(now))


def _not_yet_given(due: list[Due]) -> list[tuple[Due, Wants]]:
    """What no notice holds yet and its account wants in some way, with how it wants it.

    A kind turned off both ways makes no notice at all: turned on again
    later, what is still due then is told.
    """
    given = set(
        Notice.objects.filter(key__in={item.key for item in due}).values_list("account_id", "key")
    )
    wanted = choices_of({item.account.pk for item in due})
    pending = [
        (item, wanted.of(item.account.pk, item.kind))
        for item in due
        if (item.account.pk, item.key) not in given
    ]
    return [(item, wants) for item, wants in pending if wants.any]


def _make(due: Due, wants: Wants, now: dt.datetime) -> Notice | None:
    notice = Notice(
        account=due.account,
        profile=due.profile,
        kind=due.kind,
        key=due.key,
        subject_uuid=due.subject_uuid,
        title=due.title[:500],
        person=due.person[:200],
        at=due.at,
        on=due.on,
        created_at=now,
        in_app=wants.in_app,
        by_email=wants.by_email,
    )
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        return None  # another worker's round made it first
    return notice


def send_waiting(now: dt.datetime) -> int:
    """Send the e-mails no round has sent yet: each claimed first, so only one round sends it."""
    sent = 0
    waiting = (
        Notice.objects.filter(
            by_email=True, emailed_at__isnull=True, created_at__gte=now - RETRY_MAIL_FOR
        )
        .select_related("account", "profile")
        .order_by("id")
    )
    for notice in waiting:
        if not Notice.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(emailed_at=now):
            continue
        try:
            send_notice(notice, now)
        except Exception:  # the next round tries again; one bad address must not stop the rest
            log.exception("could not send the reminder %s", notice.key)
            Notice.objects.filter(pk=notice.pk).update(emailed_at=None)
            continue
        sent += 1
    return sent
