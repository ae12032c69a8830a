"""Per-request account settings: session limits, the account's language and time zone."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from myhealthhub.lib import formatting

SESSION_STARTED = "myhealthhub.session_started"
SESSION_LAST_SEEN = "myhealthhub.session_last_seen"
# Writing the session on every request would cost a database write per page,
# so activity is recorded at most this often, and at most every tenth of the
# idle limit: a person is then never signed out while clicking at intervals
# shorter than nine tenths of the limit, however short the limit is.
LAST_SEEN_RESOLUTION = 60


class SessionLimitsMiddleware:
    """End a signed-in session after the idle limit or the absolute limit.

    Both limits are enforced here, on the server, from times kept in the
    session; the cookie's own lifetime is only a backstop.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(SESSION_STARTED, now)
            last_seen = session.get(SESSION_LAST_SEEN, started)
            if (
                now - started > settings.SESSION_ABSOLUTE_SECONDS
                or now - last_seen > settings.SESSION_IDLE_SECONDS
            ):
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= last_seen_resolution():
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


def last_seen_resolution() -> float:
    """How stale the recorded activity may be: a minute, or a tenth of a shorter idle limit."""
    return min(LAST_SEEN_RESOLUTION, settings.SESSION_IDLE_SECONDS / 10)


class AccountLanguageMiddleware:
    """Speak the signed-in account's chosen language, whatever the browser asks for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class AccountPreferencesMiddleware:
    """Times in the signed-in account's time zone, quantities in its units; defaults for others.

    Forms parse a typed "09:30" in this zone, and templates and
    ``timezone.localtime()``/``localdate()`` answer in it; every value shown
    through lib/formatting.py, pages and the summary PDF alike, is in the
    reader's units. Both are set for the request only: a thread that served a
    signed-in account must not serve the next anonymous request in its zone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        units = request.user if request.user.is_authenticated else None
        with timezone.override(account_zone(request.user)), formatting.using(units):
            return self.get_response(request)


def account_zone(account: object) -> dt.tzinfo:
    """The account's chosen zone; the site's (settings.TIME_ZONE) for none or no account.

    ``account`` may be anything a request carries as its user: an anonymous
    user has no ``time_zone``.
    """
    return zone_named(getattr(account, "time_zone", "") or "")


def zone_named(name: str) -> dt.tzinfo:
    """The IANA zone ``name``; the site's when it is empty or no longer known.

    A name is checked when saved, but the system's zone database can lose a
    name after an upgrade; a page must not fail for that.
    """
    if not name:
        return timezone.get_default_timezone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()
