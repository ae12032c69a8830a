from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from myhealthhub.accounts.current import account_of
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.charts import pressure_svg, svg_response, trend_svg
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.trends import (
    PressureTrend,
    Trend,
    build_pressure_trend,
    build_trend,
    is_blood_pressure,
    series_stamp,
)

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


def _pressure(access: Access) -> PressureTrend:
    trend = build_pressure_trend(access.profile)
    if trend is None:
        raise Http404
    return trend


@profile_view(read=Role.VIEWER)
def trend_page(request: HttpRequest, access: Access) -> HttpResponse:
    code, _name = _series_query(request)
    if is_blood_pressure(code):
        # The panel's code or either half's: the detail page links each to its own code.
        return _pressure_page(request, access)
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


def _pressure_page(request: HttpRequest, access: Access) -> HttpResponse:
    pressure = _pressure(access)
    return render(
        request,
        "records/trend.html",
        {
            "access": access,
            "kind": KINDS["results"],
            "trend": pressure,
            "pressure": pressure,
            "query": request.GET.urlencode(),
            "points": pressure.readings[: -TABLE_ROWS - 1 : -1],
            "more_points": max(len(pressure.readings) - TABLE_ROWS, 0),
        },
    )


@profile_view(read=Role.VIEWER)
def trend_chart(request: HttpRequest, access: Access) -> HttpResponse:
    user = account_of(request)
    code, name = _series_query(request)
    stamp = series_stamp(access.profile, code=code, name=name)
    if is_blood_pressure(code):
        # Its own key: the pair's chart is the same from any of the three codes, and
        # a single-line chart kept under a half's code before must not come back.
        return svg_response(
            f"pressure|{access.profile.pk}|{get_language()}|{stamp}",
            lambda: pressure_svg(
                _pressure(access),
                systolic_label=_("Systolic"),
                diastolic_label=_("Diastolic"),
                reference_label=_("Reference range"),
            ),
        )
    return svg_response(
        f"trend|{access.profile.pk}|{code}|{name}|{user.unit_system}|{user.body_units}|"
        f"{get_language()}|{stamp}",
        lambda: trend_svg(_trend(request, access), reference_label=_("Reference range")),
    )
