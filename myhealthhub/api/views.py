"""The account's personal access tokens: the list, a new token, a revocation.

A token opens the account's records to a program, so making one asks for
the password again when it was last given more than 5 minutes ago, as
making a share link does (SECURITY.md). The form is shown only once it has
been given: nothing typed is lost on the way. Revoking asks for nothing: it
can only take access away.

A new token is answered to the POST that made it, never by a redirect: its
secret exists only in that answer, and is never stored (only its SHA-256).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from myhealthhub.accounts.current import account_of
from myhealthhub.accounts.models import User
from myhealthhub.api.actions import Made, create_token, revoke_token
from myhealthhub.api.forms import NewTokenForm
from myhealthhub.api.models import AccessToken, Scope
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.access import visible_profiles
from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.zones import zone_label


class State(models.TextChoices):
    LIVE = "live", gettext_lazy("In use")
    EXPIRED = "expired", gettext_lazy("Expired")
    REVOKED = "revoked", gettext_lazy("Revoked")


def state_of(token: AccessToken, now: dt.datetime) -> State:
    if token.revoked_at is not None:
        return State.REVOKED
    if token.expires_at <= now:
        return State.EXPIRED
    return State.LIVE


@dataclass(frozen=True)
class Shown:
    """A token as its list shows it."""

    token: AccessToken
    state: State
    scopes: list[str]
    # The profiles it names that the account still sees; the others it no longer reaches.
    profiles: list[Profile]
    unreachable: int


def shown_tokens(account: User) -> list[Shown]:
    now = timezone.now()
    visible = set(visible_profiles(account).values_list("pk", flat=True))
    labels = dict(Scope.choices)
    found = AccessToken.objects.filter(account=account).prefetch_related("profiles")
    shown = []
    for token in found:
        named = sorted(token.profiles.all(), key=lambda profile: profile.name)
        reachable = [profile for profile in named if profile.pk in visible]
        shown.append(
            Shown(
                token=token,
                state=state_of(token, now),
                scopes=[str(label) for scope, label in labels.items() if scope in token.scopes],
                profiles=reachable,
                unreachable=len(named) - len(reachable),
            )
        )
    return shown


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    fresh = _password_given_lately(request)
    if request.method == "POST" and not fresh:
        messages.info(
            request,
            _("Give your password again, then make the token: what you typed was not kept."),
        )
        return redirect(_ask_password_url())
    form = NewTokenForm(account, request.POST if request.method == "POST" else None)
    made: Made | None = None
    if request.method == "POST" and form.is_valid():
        try:
            made = create_token(
                account,
                request=request,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                profile_uuids=form.profile_uuids(),
                lifetime=form.lifetime(),
            )
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            form = NewTokenForm(account)
    response = render(
        request,
        "api/tokens.html",
        {
            "made": made,
            "form": form if fresh else None,
            "ask_password_url": _ask_password_url(),
            "shown": shown_tokens(account),
            "time_zone": zone_label(timezone.get_current_timezone()),
        },
    )
    # A new token's secret is in this answer alone: no cache keeps it.
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_uuid: uuid.UUID) -> HttpResponse:
    """Revokes one of the account's own tokens: it is refused from its next request on."""
    account = account_of(request)
    # Another account's token answers as one that never was.
    token = AccessToken.objects.filter(account=account, uuid=token_uuid).first()
    if token is None:
        raise Http404
    revoke_token(token, actor=account, request=request)
    messages.success(
        request,
        _("“%(name)s” is revoked: programs that use it are refused from now on.")
        % {"name": token.name},
    )
    return redirect("tokens:list")


def _password_given_lately(request: HttpRequest) -> bool:
    try:
        _ask_password_again(request)
    except ReauthenticationRequired:
        return False
    return True


@reauthentication_required
def _ask_password_again(request: HttpRequest) -> None:
    """Raises allauth's ReauthenticationRequired unless the password was given in 5 minutes."""


def _ask_password_url() -> str:
    return f"{reverse('account_reauthenticate')}?{urlencode({'next': reverse('tokens:list')})}"
