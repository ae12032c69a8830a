"""Answering a SMART Health Link: its manifest, its files by location, its one file by GET.

The rules, from the guide and our own care:

- A link that ended, was revoked or was disabled answers 404 at once, the
  same 404 as a link that never existed: nothing tells them apart.
- A wrong passcode costs one of the link's lifetime attempts; the count goes
  down in one conditional UPDATE, so twenty wrong guesses at once spend no
  more attempts than there are. The last one disables the link.
- A long-term link polled again within ``POLL_EVERY`` answers 429 with
  ``Retry-After``: its files are written afresh from the record each time.
- Every request that reaches a live link is logged with the recipient it
  names (untrusted text, shown to the keeper as it was sent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from myhealthhub.audit.models import Action
from myhealthhub.documents import keys
from myhealthhub.sharing.links import jwe, passcodes
from myhealthhub.sharing.links.actions import audit, key_of
from myhealthhub.sharing.links.contents import contents_of
from myhealthhub.sharing.models import AccessOutcome, ShareAccess, ShareLink

POLL_EVERY = dt.timedelta(seconds=30)
# How long a file's location URL works: long enough to fetch it, no longer.
LOCATION_LIFETIME = dt.timedelta(minutes=5)
LOCATION_SALT = "myhealthhub.sharing.location"
RECIPIENT_MOST = 200


class Gone(Exception):
    """404: no such link, or not any more."""


@dataclass(frozen=True)
class WrongPasscode(Exception):
    remaining: int


@dataclass(frozen=True)
class TooOften(Exception):
    retry_after: int


@dataclass(frozen=True)
class File:
    content_type: str
    position: int
    # The compact JWE: embedded in the manifest, or answered at its location.
    jwe: str


def live_link(manifest_id: str) -> ShareLink:
    link = ShareLink.objects.live().select_related("profile").filter(manifest_id=manifest_id)
    found = link.first()
    if found is None:
        raise Gone
    return found


def open_manifest(
    manifest_id: str, recipient: str, passcode: str, request: HttpRequest | None = None
) -> tuple[ShareLink, list[File]]:
    """The files of a live link, for ``recipient``; Gone, WrongPasscode or TooOften if not."""
    link = live_link(manifest_id)
    recipient = recipient[:RECIPIENT_MOST]
    if link.has_passcode and not passcodes.matches(passcode, link.passcode_hash):
        _spend_an_attempt(link, recipient, request)
    if link.long_term:
        _check_polling(link, recipient)
    files = files_of(link)
    _log(link, recipient, AccessOutcome.OPENED, request)
    return link, files


def files_of(link: ShareLink, position: int | None = None) -> list[File]:
    """The link's files as JWE (only the one at ``position`` if given): kept ones read back,
    a long-term link's written now."""
    key = key_of(link)
    if key is None:
        kept = link.files.select_related("sealed").order_by("position")
        if position is not None:
            kept = kept.filter(position=position)
        return [
            File(each.content_type, each.position, b"".join(keys.read(each.sealed)).decode())
            for each in kept
        ]
    return [
        File(content.content_type, at, jwe.encrypt(key, content.body, content.content_type))
        for at, content in enumerate(contents_of(link))
        if position is None or at == position
    ]


def manifest_body(
    link: ShareLink,
    files: Sequence[File],
    embedded_most: int | None,
    location: Callable[[File], str],
) -> dict[str, object]:
    """The manifest's JSON: each file embedded, or by a short-lived location when too long."""
    listed = []
    for each in files:
        entry: dict[str, object] = {"contentType": each.content_type}
        if embedded_most is None or len(each.jwe) <= embedded_most:
            entry["embedded"] = each.jwe
        else:
            entry["location"] = location(each)
        listed.append(entry)
    return {"files": listed, "status": "can-change" if link.long_term else "finalized"}


def location_token(link: ShareLink, position: int) -> str:
    return signing.dumps([link.manifest_id, position], salt=LOCATION_SALT, compress=False)


def file_at(token: str) -> tuple[ShareLink, File]:
    """The file a location URL names, while it works and its link lives; Gone if not."""
    try:
        manifest_id, position = signing.loads(token, salt=LOCATION_SALT, max_age=LOCATION_LIFETIME)
    except (signing.BadSignature, ValueError, TypeError):
        raise Gone from None
    link = live_link(str(manifest_id))
    found = files_of(link, position) if isinstance(position, int) else []
    if not found:
        raise Gone
    return link, found[0]


def direct_file(manifest_id: str, recipient: str, request: HttpRequest | None = None) -> File:
    """Flag U: the link's one file, fetched by GET; Gone for a link without the flag."""
    link = live_link(manifest_id)
    if not link.direct:
        raise Gone
    files = files_of(link)
    if len(files) != 1:
        raise Gone
    _log(link, recipient[:RECIPIENT_MOST], AccessOutcome.OPENED, request)
    return files[0]


def _spend_an_attempt(link: ShareLink, recipient: str, request: HttpRequest | None) -> None:
    with transaction.atomic():
        spent = ShareLink.objects.filter(
            pk=link.pk, attempts_left__gt=0, disabled_at__isnull=True
        ).update(attempts_left=F("attempts_left") - 1)
        if not spent:
            raise Gone  # the last attempt went to another request
        left = ShareLink.objects.values_list("attempts_left", flat=True).get(pk=link.pk)
        if left == 0:
            ShareLink.objects.filter(pk=link.pk, disabled_at__isnull=True).update(
                disabled_at=timezone.now()
            )
            audit(Action.SHARE_LINK_DISABLED, link, request=request, recipient=recipient)
        ShareAccess.objects.create(
            profile_id=link.profile_id,
            link=link,
            recipient=recipient,
            outcome=AccessOutcome.WRONG_PASSCODE,
        )
    raise WrongPasscode(left)


def _check_polling(link: ShareLink, recipient: str) -> None:
    now = timezone.now()
    since = now - POLL_EVERY
    # Claimed in one UPDATE: of two polls at once, one is answered.
    claimed = (
        ShareLink.objects.filter(pk=link.pk)
        .exclude(last_polled_at__gt=since)
        .update(last_polled_at=now)
    )
    if not claimed:
        last = ShareLink.objects.values_list("last_polled_at", flat=True).get(pk=link.pk)
        wait = POLL_EVERY - (now - last) if last else POLL_EVERY
        ShareAccess.objects.create(
            profile_id=link.profile_id,
            link=link,
            recipient=recipient,
            outcome=AccessOutcome.TOO_OFTEN,
        )
        raise TooOften(max(1, int(wait.total_seconds()) + 1))


def _log(
    link: ShareLink, recipient: str, outcome: AccessOutcome, request: HttpRequest | None
) -> None:
    ShareAccess.objects.create(
        profile_id=link.profile_id, link=link, recipient=recipient, outcome=outcome
    )
    audit(Action.SHARE_LINK_OPENED, link, request=request, recipient=recipient)
