"""A profile's activity log, for its owner."""

from __future__ import annotations

import uuid

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from myhealthhub.audit.models import AuditEvent
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Grant, Role
from myhealthhub.profiles.zones import zone_label

PAGE_SIZE = 50


@profile_view(read=Role.OWNER)
def trail(request: HttpRequest, access: Access) -> HttpResponse:
    events = AuditEvent.objects.filter(profile_uuid=access.profile.uuid).select_related("actor")
    # ?who=<grant>: what one caregiver did, named by their grant on this profile, so that
    # no account's own identifier appears in an address.
    who = _grant(access, request.GET.get("who", ""))
    if who is not None:
        events = events.filter(actor_id=who.account_id)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    # Shown in the viewer's zone, like every page; the page names it once.
    return render(
        request,
        "audit/trail.html",
        {
            "access": access,
            "page": page,
            "who": who,
            "time_zone": zone_label(timezone.get_current_timezone()),
        },
    )


def _grant(access: Access, value: str) -> Grant | None:
    try:
        wanted = uuid.UUID(value)
    except ValueError:
        return None
    grants = Grant.objects.filter(profile_id=access.profile.pk).select_related("account")
    return grants.filter(uuid=wanted).first()
