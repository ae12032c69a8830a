from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.charts import trend_svg
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.trends import Trend, build_trend, series_stamp

TABLE_ROWS = 100
CHART_CACHE_SECONDS = 24 * 3600


def _series_query(request: HttpRequest) -> tuple[str, str]:
    return request.GET.get("code", "").strip()[:100], request.GET.get("name", "").strip()[:500]


def _trend(request: HttpRequest, access: Access) -> Trend:
    user = request.user
    assert isinstance(user, User)
    code, name = _series_query(request)
    trend = build_trend(access.profile, code=code, name=name, unit_system=user.unit_system)
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
            "points": trend.points[: -TABLE_ROWS - 1 : -1],
            "more_points": max(len(trend.points) - TABLE_ROWS, 0),
        },
    )


@profile_view(read=Role.VIEWER)
def trend_chart(request: HttpRequest, access: Access) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    code, name = _series_query(request)
    # Drawing costs tens of milliseconds whatever the size; the drawing is
    # kept until a value of the series changes.
    stamp = series_stamp(access.profile, code=code, name=name)
    key = (
        "trend-svg:"
        + hashlib.sha256(
            f"{access.profile.pk}|{code}|{name}|{user.unit_system}|{get_language()}|{stamp}".encode()
        ).hexdigest()
    )
    svg = cache.get(key)
    if svg is None:
        svg = trend_svg(_trend(request, access), reference_label=_("Reference range"))
        cache.set(key, svg, CHART_CACHE_SECONDS)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Disposition"] = 'inline; filename="trend.svg"'
    response["Cache-Control"] = "private, no-store"
    return response
