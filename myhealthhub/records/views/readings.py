"""Device readings: what each metric holds, its latest day, and a chart of its daily values.

Values and charts are in the reader's units (lib/formatting.py): a walk in
kilometres or miles, a temperature in °C or °F.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count, Max, Min, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext

from myhealthhub.accounts.current import account_of
from myhealthhub.lib import formatting
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.actions import add_home_readings
from myhealthhub.records.activity import shown_days
from myhealthhub.records.charts import svg_response, trend_svg
from myhealthhub.records.forms import HomeReadingsForm
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import DailySummary, Metric
from myhealthhub.records.models.samples import METRIC_UNITS, SUMMED
from myhealthhub.records.samples import devices_on
from myhealthhub.records.trends import Point, Trend


@profile_view(read=Role.VIEWER)
def readings(request: HttpRequest, access: Access) -> HttpResponse:
    metrics = (
        DailySummary.objects.filter(profile_id=access.profile.pk)
        .values("metric")
        .annotate(days=Count("id"), samples=Sum("count"), first=Min("day"), last=Max("day"))
        .order_by("metric")
    )
    labels = dict(Metric.choices)
    rows: list[dict[str, Any]] = [
        {**row, "label": labels.get(row["metric"], row["metric"])} for row in metrics
    ]
    latest = _latest_days(access, {row["metric"]: row["last"] for row in rows})
    user = account_of(request)
    for row in rows:
        metric = row["metric"]
        value = latest.get(metric)
        row["summed"] = metric in SUMMED
        unit = METRIC_UNITS.get(metric, "")
        row["latest"] = (
            formatting.quantity(_clean(value), unit, account=user) if value is not None else ""
        )
        # What each device counted on the last day, beside what the day took of it.
        row["devices"] = (
            [
                {
                    "label": device.label,
                    "model": device.model if device.model != device.label else "",
                    "total": formatting.quantity(_clean(device.total), unit, account=user),
                    "counted": formatting.quantity(_clean(device.counted), unit, account=user),
                }
                for device in devices_on(access.profile, metric, row["last"])
            ]
            if row["summed"]
            else []
        )
    return render(
        request,
        "records/readings.html",
        {"access": access, "metrics": rows, "activity_days": shown_days(access.profile)},
    )


def _latest_days(access: Access, last: dict[str, dt.date]) -> dict[str, float]:
    """Each metric's value on its last day, in one query: the total or the mean."""
    if not last:
        return {}
    last_days = Q()
    for metric, day in last.items():
        last_days |= Q(metric=metric, day=day)
    days = DailySummary.objects.filter(last_days, profile_id=access.profile.pk)
    return {
        metric: total if metric in SUMMED else mean
        for metric, total, mean in days.values_list("metric", "total", "mean")
    }


def _clean(value: float) -> float:
    # Apple writes body fat and saturation as fractions of one: times 100 they
    # leave float noise (0.181 → 18.099999999999998) that is no decimal of the reading.
    return round(value, 9)


@profile_view(read=Role.VIEWER)
def reading_chart(request: HttpRequest, access: Access, metric: str) -> HttpResponse:
    if metric not in Metric.values:
        raise Http404
    days = DailySummary.objects.filter(profile_id=access.profile.pk, metric=metric)
    stamp = days.aggregate(samples=Sum("count"), last=Max("day"), count=Count("id"))
    if not stamp["count"]:
        raise Http404

    unit, (slope, intercept) = formatting.shown_unit(
        METRIC_UNITS[metric], account=account_of(request)
    )

    def draw() -> bytes:
        points = [
            Point(day, slope * (total if metric in SUMMED else mean) + intercept)
            for day, total, mean in days.values_list("day", "total", "mean")
        ]
        trend = Trend(title=str(Metric(metric).label), unit=unit, points=points)
        return trend_svg(trend, reference_label="")

    return svg_response(
        f"readings|{access.profile.pk}|{metric}|{get_language()}|{unit}|{stamp}", draw
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def add_readings(request: HttpRequest, access: Access) -> HttpResponse:
    user = account_of(request)
    # The person's local now: the middleware has activated their time zone.
    form = HomeReadingsForm(
        request.POST or None,
        initial={"when": timezone.localtime().replace(second=0, microsecond=0)},
        account=user,
    )
    if request.method == "POST" and form.is_valid():
        made = add_home_readings(
            access.profile,
            actor=user,
            request=request,
            when=form.cleaned_data["when"],
            values=form.cleaned_data,
        )
        messages.success(
            request,
            ngettext("%(count)d reading saved.", "%(count)d readings saved.", len(made))
            % {"count": len(made)},
        )
        return redirect("records:list", profile_uuid=access.profile.uuid, kind="results")
    return render(
        request,
        "records/home_readings.html",
        {"access": access, "form": form, "kind": KINDS["results"]},
    )
