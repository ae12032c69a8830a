from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from myhealthhub.accounts.current import account_of
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.charts import svg_response, trend_svg
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.trends import Trend, build_trend, series_stamp

TABLE_ROWS = 100


def _series_query(request: HttpRequest) -> tuple[str, str]:
    return request.GET.get("code", "").strip()[:100], request.GET.get("name", "").strip()[:500]


def _trend(request: HttpRequest, access: Access) -> Trend:
    user = account_of(request)
    code, name = _series_query(request)
    trend = build_trend(
        access.profile,
        code=code,
        name=name,
        unit_system=user.unit_system,
        body_units=user.body_units,
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
            "points": trend.points[: -TABLE_ROWS - 1 : -1],
            "more_points": max(len(trend.points) - TABLE_ROWS, 0),
        },
    )


@profile_view(read=Role.VIEWER)
def trend_chart(request: HttpRequest, access: Access) -> HttpResponse:
    user = account_of(request)
    code, name = _series_query(request)
    stamp = series_stamp(access.profile, code=code, name=name)
    return svg_response(
        f"trend|{access.profile.pk}|{code}|{name}|{user.unit_system}|{user.body_units}|"
        f"{get_language()}|{stamp}",
        lambda: trend_svg(_trend(request, access), reference_label=_("Reference range")),
    )
