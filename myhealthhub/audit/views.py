"""A profile's activity log, for its owner."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from myhealthhub.audit.models import AuditEvent
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.profiles.zones import zone_label

PAGE_SIZE = 50


@profile_view(read=Role.OWNER)
def trail(request: HttpRequest, access: Access) -> HttpResponse:
    events = AuditEvent.objects.filter(profile_uuid=access.profile.uuid).select_related("actor")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    # Shown in the viewer's zone, like every page; the page names it once.
    return render(
        request,
        "audit/trail.html",
        {
            "access": access,
            "page": page,
            "time_zone": zone_label(timezone.get_current_timezone()),
        },
    )
