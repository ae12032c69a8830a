"""Making and revoking personal access tokens: each audited, each in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.api import tokens
from myhealthhub.api.models import AccessToken, Scope
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.access import live_grants


@dataclass(frozen=True)
class Made:
    token: AccessToken
    # The only time it exists in the clear: shown once, never stored.
    secret: str


@transaction.atomic
def create_token(
    account: User,
    *,
    request: HttpRequest | None,
    name: str,
    scopes: Iterable[str],
    profile_uuids: Iterable[object],
    lifetime: dt.timedelta = tokens.DEFAULT_LIFETIME,
) -> Made:
    """A token for some of the profiles ``account`` may see now, never more."""
    name = name.strip()
    if not name:
        raise ActionRefused(_("Give the token a name, such as the device that will use it."))
    chosen_scopes = sorted(set(scopes))
    if not chosen_scopes or not set(chosen_scopes) <= set(Scope.values):
        raise ActionRefused(_("Choose what the token may do."))
    wanted = {str(value) for value in profile_uuids}
    grants = [grant for grant in live_grants(account) if str(grant.profile.uuid) in wanted]
    if not wanted or len(grants) != len(wanted):
        raise ActionRefused(_("Choose profiles that this account may see."))
    if not dt.timedelta(days=1) <= lifetime <= tokens.LONGEST_LIFETIME:
        raise ActionRefused(_("A token lasts from one day to a year."))
    secret = tokens.new_secret()
    token = AccessToken.objects.create(
        account=account,
        name=name[:100],
        prefix=secret[:12],
        digest=tokens.digest(secret),
        scopes=chosen_scopes,
        expires_at=timezone.now() + lifetime,
    )
    token.profiles.set([grant.profile for grant in grants])
    log_action(
        Action.TOKEN_CREATED,
        request=request,
        actor=account,
        object_type="token",
        object_uuid=token.uuid,
    )
    return Made(token=token, secret=secret)


@transaction.atomic
def revoke_token(token: AccessToken, *, actor: User, request: HttpRequest | None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    log_action(
        Action.TOKEN_REVOKED,
        request=request,
        actor=actor,
        object_type="token",
        object_uuid=token.uuid,
    )
