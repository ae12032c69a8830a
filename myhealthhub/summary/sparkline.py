"""A result's small trend chart for the summary: SVG drawn here, embedded as a data: URI.

The same URI serves the web page (the CSP allows ``data:`` images) and the
PDF (whose URL fetcher accepts only the data: URIs made here, see pdf.py).
Drawn with matplotlib like the trend page's chart (records/charts.py), in
the same colours, but small and without axes: the numbers sit beside it.
Blood pressure draws two lines, systolic above diastolic, as its trend page does.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field

from django.core.cache import cache

from myhealthhub.records.charts import BAND, LINE, SECOND_LINE
from myhealthhub.records.trends import Pressure

PREFIX = "data:image/svg+xml;base64,"
WIDTH_INCHES = 1.5
HEIGHT_INCHES = 0.32
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Series:
    points: list[tuple[dt.date, float]]  # oldest first
    low: float | None = None
    high: float | None = None
    # A second line, dashed: blood pressure's diastolic values under ``points``' systolic ones.
    second: list[tuple[dt.date, float]] = field(default_factory=list)

    @classmethod
    def of_pressures(cls, readings: list[Pressure]) -> Series:
        """Blood pressure's two lines from its readings (records/trends.py), oldest first."""
        return cls(
            points=[(r.date, r.systolic) for r in readings if r.systolic is not None],
            second=[(r.date, r.diastolic) for r in readings if r.diastolic is not None],
        )

    @property
    def key(self) -> str:
        # Everything drawn, the second line too: a pair's chart differs from either half's.
        drawn = (self.points, self.low, self.high, self.second)
        digest = hashlib.sha256(repr(drawn).encode()).hexdigest()
        return "summary-sparkline:" + digest


def sparkline_uris(many: list[Series]) -> list[str]:
    """Each series' chart as a data: URI: drawn once per distinct series, then kept.

    One cache round trip for all of them, one more to keep the new ones.
    """
    kept: dict[str, str] = cache.get_many([series.key for series in many]) if many else {}
    drawn: dict[str, str] = {}
    for series in many:
        if series.key not in kept and series.key not in drawn:
            svg = sparkline_svg(
                series.points, low=series.low, high=series.high, second=series.second
            )
            drawn[series.key] = PREFIX + base64.b64encode(svg).decode("ascii")
    if drawn:
        cache.set_many(drawn, CACHE_SECONDS)
    return [kept.get(series.key) or drawn[series.key] for series in many]


def sparkline_svg(
    points: list[tuple[dt.date, float]],
    *,
    low: float | None,
    high: float | None,
    second: list[tuple[dt.date, float]] | None = None,
) -> bytes:
    # Imported here, as on the trend page (records/charts.py): only drawing pays for it.
    from matplotlib.figure import Figure

    # A Figure, not pyplot: no global state, no display, safe in threaded servers.
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=100)
    figure.subplots_adjust(left=0.02, right=0.96, top=0.9, bottom=0.1)
    axes = figure.add_subplot()
    # Day numbers are enough: the chart has no axis to label.
    dates = [day.toordinal() for day, _value in points]
    values = [value for _day, value in points]
    second_dates = [day.toordinal() for day, _value in second or []]
    second_values = [value for _day, value in second or []]
    bounds = [*values, *second_values, *(bound for bound in (low, high) if bound is not None)]
    floor, ceiling = min(bounds), max(bounds)
    margin = (ceiling - floor) * 0.12 or abs(ceiling) * 0.1 or 1.0
    bottom, top = floor - margin, ceiling + margin
    axes.set_ylim(bottom, top)
    if low is not None or high is not None:
        # A range open on one side ("below 5.7") reaches the chart's edge.
        axes.axhspan(
            low if low is not None else bottom,
            high if high is not None else top,
            color=BAND,
            linewidth=0,
            zorder=0,
        )
    # Ids name blood pressure's lines in the SVG; a single line needs none.
    lines = [(dates, values, LINE, "-", "systolic" if second_values else None)]
    if second_values:
        # Dashed, not only another colour: the summary is often printed in grey.
        lines.append((second_dates, second_values, SECOND_LINE, "--", "diastolic"))
    for days, heights, colour, style, gid in lines:
        if not heights:
            continue
        axes.plot(days, heights, color=colour, linestyle=style, linewidth=1.1, gid=gid, zorder=2)
        axes.plot(days[-1:], heights[-1:], color=colour, marker="o", markersize=2.6, zorder=3)
    axes.set_axis_off()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    svg = buffer.getvalue()
    # Drop the XML declaration and the DOCTYPE, which names a DTD on w3.org: nothing
    # that reads this image should ever be tempted to fetch it.
    return svg[svg.index(b"<svg") :]
