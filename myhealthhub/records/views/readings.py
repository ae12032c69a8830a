"""Device readings: what each metric holds, and a chart of its daily values."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Max, Min, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext

from myhealthhub.accounts.current import account_of
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.actions import add_home_readings
from myhealthhub.records.charts import svg_response, trend_svg
from myhealthhub.records.forms import HomeReadingsForm
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import DailySummary, Metric
from myhealthhub.records.models.samples import METRIC_UNITS, SUMMED
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
    rows = [{**row, "label": labels.get(row["metric"], row["metric"])} for row in metrics]
    return render(request, "records/readings.html", {"access": access, "metrics": rows})


@profile_view(read=Role.VIEWER)
def reading_chart(request: HttpRequest, access: Access, metric: str) -> HttpResponse:
    if metric not in Metric.values:
        raise Http404
    days = DailySummary.objects.filter(profile_id=access.profile.pk, metric=metric)
    stamp = days.aggregate(samples=Sum("count"), last=Max("day"), count=Count("id"))
    if not stamp["count"]:
        raise Http404

    def draw() -> bytes:
        points = [
            Point(day, total if metric in SUMMED else mean)
            for day, total, mean in days.values_list("day", "total", "mean")
        ]
        trend = Trend(title=str(Metric(metric).label), unit=METRIC_UNITS[metric], points=points)
        return trend_svg(trend, reference_label="")

    return svg_response(f"readings|{access.profile.pk}|{metric}|{get_language()}|{stamp}", draw)


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
