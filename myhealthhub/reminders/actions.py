"""Changes to reminders: an account's choices, its notices, its calendar feeds.

Choices and feeds are audited. Reading and dismissing one's own notices is
not: like marking mail read, it changes nothing of anyone's record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.profiles.models import Profile
from myhealthhub.reminders.choices import Wants, account_choices
from myhealthhub.reminders.feeds import hashed, new_token
from myhealthhub.reminders.models import CalendarFeed, Choice, Kind, Notice

FEED = "calendar_feed"


@transaction.atomic
def set_choices(
    account: User, wanted: dict[Kind, Wants], *, request: HttpRequest | None
) -> list[Kind]:
    """Keep ``account``'s choice for each kind given; the kinds whose choice changed."""
    before = account_choices(account.pk)
    changed = [kind for kind, wants in wanted.items() if before[kind] != wants]
    if not changed:
        return []
    rows = {row.kind: row for row in Choice.objects.filter(account=account, kind__in=changed)}
    for kind in changed:
        wants = wanted[kind]
        row = rows.get(kind)
        if row is None:
            Choice.objects.create(
                account=account, kind=kind, in_app=wants.in_app, by_email=wants.by_email
            )
            continue
        row.in_app, row.by_email = wants.in_app, wants.by_email
        row.save(update_fields=["in_app", "by_email"])
    log_action(Action.REMINDERS_CHANGED, request=request, actor=account)
    return changed


def dismiss(account: User, notice_uuid: uuid.UUID, *, at: dt.datetime | None = None) -> bool:
    """Dismiss one of ``account``'s own notices; False if it has none by that UUID."""
    return bool(
        Notice.objects.filter(account=account, uuid=notice_uuid, dismissed_at__isnull=True).update(
            dismissed_at=at or timezone.now()
        )
    )


def dismiss_all(account: User, *, at: dt.datetime | None = None) -> int:
    return Notice.objects.filter(account=account, dismissed_at__isnull=True).update(
        dismissed_at=at or timezone.now()
    )


def mark_read(account: User, notice_ids: list[int], *, at: dt.datetime | None = None) -> int:
    """The notices just shown to ``account`` count as read: the header stops counting them."""
    return Notice.objects.filter(account=account, pk__in=notice_ids, read_at__isnull=True).update(
        read_at=at or timezone.now()
    )


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    # Shown once, in the address; only its hash is kept.
    token: str


@transaction.atomic
def make_feed(profile: Profile, account: User, *, request: HttpRequest | None) -> NewFeed:
    """A new private address for ``account``'s calendar of ``profile``; the old one stops."""
    _revoke(profile, account, request=request)
    token = new_token()
    feed = CalendarFeed.objects.create(account=account, profile=profile, token_hash=hashed(token))
    log_action(
        Action.CALENDAR_FEED_CREATED,
        request=request,
        actor=account,
        profile=profile,
        object_type=FEED,
        object_uuid=feed.uuid,
    )
    return NewFeed(feed, token)


@transaction.atomic
def revoke_feed(profile: Profile, account: User, *, request: HttpRequest | None) -> bool:
    """Stop ``account``'s address for ``profile``; False if it had none."""
    return _revoke(profile, account, request=request)


def _revoke(profile: Profile, account: User, *, request: HttpRequest | None) -> bool:
    feed = CalendarFeed.objects.filter(account=account, profile=profile).first()
    if feed is None:
        return False
    feed.delete()
    log_action(
        Action.CALENDAR_FEED_REVOKED,
        request=request,
        actor=account,
        profile=profile,
        object_type=FEED,
        object_uuid=feed.uuid,
    )
    return True
