from __future__ import annotations

from typing import Literal, cast

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from myhealthhub.accounts import actions
from myhealthhub.accounts.current import account_of
from myhealthhub.accounts.models import UnitSystem, User
from myhealthhub.accounts.plans import plan_for
from myhealthhub.audit.models import AuditEvent

RECENT_SIGN_INS = 10


@login_required
@require_safe
def account(request: HttpRequest) -> HttpResponse:
    user = account_of(request)
    events = AuditEvent.objects.filter(
        actor=user, profile__isnull=True, action__startswith="account.sign_in"
    )
    return render(
        request,
        "accounts/account.html",
        {
            "plan": plan_for(user),
            "has_totp": Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists(),
            "recent_sign_ins": events[:RECENT_SIGN_INS],
            "unit_systems": UnitSystem.choices,
        },
    )


@login_required
@require_POST
def set_units(request: HttpRequest) -> HttpResponse:
    user = account_of(request)
    choice = request.POST.get("unit_system", "")
    if choice in UnitSystem.values:
        actions.set_unit_system(user, choice, request=request)
    return HttpResponseRedirect(reverse("accounts:account"))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language from any page: remembered on the account, or in a cookie."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if isinstance(request.user, User):
        actions.set_language(request.user, language, request=request)
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
    )
    return response
