"""The account page: plan, second factor, recent sign-ins, units, time zone and language."""

from __future__ import annotations

from typing import Literal, cast

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from myhealthhub.accounts import actions
from myhealthhub.accounts.current import account_of
from myhealthhub.accounts.forms import PreferencesForm
from myhealthhub.accounts.models import User
from myhealthhub.accounts.plans import plan_for
from myhealthhub.audit.models import AuditEvent
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.zones import zone_label

RECENT_SIGN_INS = 10


@login_required
@require_safe
def account(request: HttpRequest) -> HttpResponse:
    user = account_of(request)
    return _account_page(request, user, _preferences_form(user))


@login_required
@require_POST
def set_units(request: HttpRequest) -> HttpResponse:
    """The preferences form: laboratory units, body units and time zone.

    Each field posted is saved; those left out stay as they were.
    """
    user = account_of(request)
    form = _preferences_form(user, request.POST)
    if form.is_valid():
        try:
            changed = actions.set_preferences(user, request=request, **form.changes())
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            if changed:
                messages.success(request, _("Your preferences were saved."))
            return HttpResponseRedirect(reverse("accounts:account"))
    return _account_page(request, user, form, status=400)


def _preferences_form(user: User, data: QueryDict | None = None) -> PreferencesForm:
    return PreferencesForm(
        data,
        initial={
            "unit_system": user.unit_system,
            "body_units": user.body_units,
            "time_zone": user.time_zone,
        },
        site_zone=settings.TIME_ZONE,
    )


def _account_page(
    request: HttpRequest, user: User, form: PreferencesForm, status: int = 200
) -> HttpResponse:
    events = AuditEvent.objects.filter(
        actor=user, profile__isnull=True, action__startswith="account.sign_in"
    )
    return render(
        request,
        "accounts/account.html",
        {
            "plan": plan_for(user),
            # A self-hosted instance has one plan, which says nothing worth a line.
            "several_plans": len(settings.PLANS) > 1,
            "has_totp": Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists(),
            "recent_sign_ins": events[:RECENT_SIGN_INS],
            "form": form,
            "time_zone": zone_label(timezone.get_current_timezone()),
        },
        status=status,
    )


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
