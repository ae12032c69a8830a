"""Reminders' pages: the account's notices and its choices, and the private calendar feed.

The notices and the choices are the signed-in account's own; the feed's page
goes through the gate for the profile, for whoever may read it; the feed
itself is answered to whoever holds its secret address, as a calendar app
fetches it, and as 404 to anyone else.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from myhealthhub.accounts.current import account_of
from myhealthhub.profiles.access import Access, profile_view, visible_profiles
from myhealthhub.profiles.models import Role
from myhealthhub.reminders import actions
from myhealthhub.reminders.choices import account_choices
from myhealthhub.reminders.feeds import calendar_of, etag_of, feed_for
from myhealthhub.reminders.forms import ChoicesForm
from myhealthhub.reminders.models import CalendarFeed, Notice
from myhealthhub.reminders.wording import worded

# The newest notices shown; older ones wait until these are dismissed.
SHOWN = 100


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notices(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    if request.method == "POST":
        _dismiss(request, request.POST.get("dismiss", ""))
        return redirect("reminders:notices")
    listed = list(
        Notice.objects.listed()
        .filter(account=account, profile__in=visible_profiles(account))
        .select_related("profile")[:SHOWN]
    )
    rows = [(notice, worded(notice), notice.read_at is None) for notice in listed]
    actions.mark_read(account, [notice.pk for notice in listed if notice.read_at is None])
    return render(request, "reminders/notices.html", {"rows": rows})


def _dismiss(request: HttpRequest, which: str) -> None:
    account = account_of(request)
    if which == "all":
        count = actions.dismiss_all(account)
        if count:
            messages.success(
                request,
                ngettext("%(count)d notice dismissed.", "%(count)d notices dismissed.", count)
                % {"count": count},
            )
        return
    try:
        notice_uuid = uuid.UUID(which)
    except ValueError:
        return
    if actions.dismiss(account, notice_uuid):
        messages.success(request, _("Notice dismissed."))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def choices(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    current = account_choices(account.pk)
    form = ChoicesForm(
        request.POST if request.method == "POST" else None,
        initial=ChoicesForm.initial_of(current),
    )
    if request.method == "POST" and form.is_valid():
        if actions.set_choices(account, form.wanted(), request=request):
            messages.success(request, _("Your reminder settings were saved."))
        return redirect("reminders:settings")
    return render(request, "reminders/settings.html", {"form": form})


@profile_view(read=Role.VIEWER, write=Role.VIEWER)
def calendar(request: HttpRequest, access: Access) -> HttpResponse:
    """The caller's own feed of this profile: made (again) or stopped by a POST."""
    account = account_of(request)
    context: dict[str, object] = {"access": access}
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if actions.revoke_feed(access.profile, account, request=request):
                messages.success(request, _("The calendar address was stopped."))
            return redirect("reminders:calendar", profile_uuid=access.profile.uuid)
        made = actions.make_feed(access.profile, account, request=request)
        path = reverse("reminders:feed", kwargs={"token": made.token})
        https = request.build_absolute_uri(path)
        context |= {
            "feed": made.feed,
            "https_url": https,
            "webcal_url": "webcal://" + https.split("://", 1)[1],
        }
    else:
        context["feed"] = CalendarFeed.objects.filter(
            account=account, profile_id=access.profile.pk
        ).first()
    response = render(request, "reminders/calendar.html", context)
    # The address is a secret, shown once: no cache keeps it.
    add_never_cache_headers(response)
    return response


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = feed_for(token)
    if found is None:
        raise Http404
    account = found.account
    with translation.override(account.language or settings.LANGUAGE_CODE):
        body = calendar_of(found.profile, timezone.now())
    etag = etag_of(body)
    if etag in _etags(request.headers.get("If-None-Match", "")):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["ETag"] = etag
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _etags(header: str) -> set[str]:
    return {part.strip() for part in header.split(",") if part.strip()}
