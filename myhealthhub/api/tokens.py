"""Making, recognising and recording the use of personal access tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from myhealthhub.api.models import AccessToken

# "mhh_" and 40 characters of base32-like text: 200 bits, easy to spot in a leaked file.
PREFIX = "mhh_"
DEFAULT_LIFETIME = dt.timedelta(days=90)
LONGEST_LIFETIME = dt.timedelta(days=366)
# A token's last use is written at most this often: a device posting every
# minute should not rewrite its token's row every minute.
USE_RECORDED_EVERY = dt.timedelta(minutes=1)


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(30)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def find(secret: str) -> AccessToken | None:
    """The live token this secret is, with its account; None for any other string."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    return (
        AccessToken.objects.live()
        .select_related("account")
        .filter(digest=digest(secret), account__is_active=True)
        .first()
    )


def record_use(token: AccessToken, address: str | None) -> None:
    now = timezone.now()
    if (
        token.last_used_at is not None
        and now - token.last_used_at < USE_RECORDED_EVERY
        and token.last_used_from == address
    ):
        return
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_from=address)
