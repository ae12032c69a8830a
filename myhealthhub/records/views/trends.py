from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.charts import trend_svg
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.trends import Trend, build_trend


def _trend(request: HttpRequest, access: Access) -> Trend:
    user = request.user
    assert isinstance(user, User)
    trend = build_trend(
        access.profile,
        code=request.GET.get("code", "").strip()[:100],
        name=request.GET.get("name", "").strip()[:500],
        unit_system=user.unit_system,
    )
    if trend is None:
        raise Http404
    return trend


@profile_view(read=Role.VIEWER)
def trend_page(request: HttpRequest, access: Access) -> HttpResponse:
    trend = _trend(request, access)
    return render(
        request,
        "records/trend.html",
        {
            "access": access,
            "kind": KINDS["results"],  # the record's menu shows where a trend belongs
            "trend": trend,
            "query": request.GET.urlencode(),
            "points": reversed(trend.points),
        },
    )


@profile_view(read=Role.VIEWER)
def trend_chart(request: HttpRequest, access: Access) -> HttpResponse:
    trend = _trend(request, access)
    response = HttpResponse(
        trend_svg(trend, reference_label=_("Reference range")), content_type="image/svg+xml"
    )
    response["Content-Disposition"] = 'inline; filename="trend.svg"'
    response["Cache-Control"] = "private, no-store"
    return response
