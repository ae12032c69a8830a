"""Trend charts drawn on the server as SVG: the same picture serves the page and the PDF."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.http import HttpResponse

from myhealthhub.lib import formatting
from myhealthhub.records.trends import DIASTOLIC, SYSTOLIC, PressureTrend, Trend

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LINE = "#0b6e4f"
# Blood pressure's diastolic line: also dashed, with other markers, so that
# the two read apart in grey print and without colour vision.
SECOND_LINE = "#3557a0"
BAND = "#d9efe6"
ENVELOPE = "#9fd3bf"
# More points than this are drawn as bucket means with their min–max envelope:
# the picture stays readable and the SVG small, whatever the record's size.
MAX_DRAWN = 300
CACHE_SECONDS = 24 * 3600
# The small variant: one of several side by side (the Measurements page, the summary).
# Its own size is the one it takes in the summary's PDF, a third of the page's width
# (WeasyPrint reads no width attribute); a page scales it to its card.
SMALL_SIZE = (2.3, 1.15)
SMALL_FONT = 7
SVG_URI = "data:image/svg+xml;base64,"


def svg_response(key: str, draw: Callable[[], bytes]) -> HttpResponse:
    """A chart drawn once per ``key`` (which must change with the data), then kept.

    Drawing costs tens of milliseconds whatever the size of the series.
    """
    cache_key = "chart-svg:" + hashlib.sha256(key.encode()).hexdigest()
    svg = cache.get(cache_key)
    if svg is None:
        svg = draw()
        cache.set(cache_key, svg, CACHE_SECONDS)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Disposition"] = 'inline; filename="chart.svg"'
    response["Cache-Control"] = "private, no-store"
    return response


def svg_uris(drawings: list[tuple[str, Callable[[], bytes]]]) -> list[str]:
    """Each ``(key, draw)`` chart as a data: URI, drawn once per key (which must change with
    what is drawn), then kept: one cache round trip for all of them, one more for new ones.

    An image, not SVG inline in the page: the page's CSP allows no inline styles,
    which matplotlib's SVG is made of; the summary's PDF takes the same URIs.
    """
    keys = ["chart-uri:" + hashlib.sha256(key.encode()).hexdigest() for key, _draw in drawings]
    kept: dict[str, str] = cache.get_many(keys) if keys else {}
    drawn: dict[str, str] = {}
    for key, (_key, draw) in zip(keys, drawings, strict=True):
        if key not in kept and key not in drawn:
            svg = draw()
            # Without the XML declaration and the DOCTYPE, which names a DTD on w3.org:
            # nothing that reads this image should be tempted to fetch it.
            drawn[key] = SVG_URI + base64.b64encode(svg[svg.index(b"<svg") :]).decode("ascii")
    if drawn:
        cache.set_many(drawn, CACHE_SECONDS)
    return [kept.get(key) or drawn[key] for key in keys]


def trend_svg(trend: Trend, *, reference_label: str, small: bool = False) -> bytes:
    """One series over time; ``small``: a chart among several, its band unlabelled."""
    from matplotlib import dates as mdates

    figure, axes = _figure(small)
    # Matplotlib's own date numbers: typed, and what its date locators expect.
    dates = mdates.date2num([point.date for point in trend.points])
    values = [point.value for point in trend.points]
    if trend.low is not None or trend.high is not None:
        low = trend.low if trend.low is not None else min([*values, trend.high or 0]) * 0.9
        high = trend.high if trend.high is not None else max([*values, trend.low or 0]) * 1.1
        axes.axhspan(low, high, color=BAND, label=reference_label, zorder=0)
        if not small:
            axes.legend(loc="upper left", frameon=False, fontsize=9)
    if len(values) > MAX_DRAWN:
        dates, values, lows, highs = _buckets(dates, values, MAX_DRAWN)
        axes.fill_between(dates, lows, highs, color=ENVELOPE, linewidth=0, zorder=1)
        axes.plot(dates, values, color=LINE, linewidth=1.4, zorder=2)
    else:
        size = 2.5 if small else 4
        axes.plot(dates, values, color=LINE, marker="o", markersize=size, linewidth=1.6, zorder=2)
    return _finished(figure, axes, trend.unit, small)


def pressure_svg(
    trend: PressureTrend,
    *,
    systolic_label: str,
    diastolic_label: str,
    reference_label: str,
    small: bool = False,
) -> bytes:
    """Systolic and diastolic on one chart, told apart by line style and the legend.

    Each line carries an id (``systolic``, ``diastolic``) in the SVG, so that
    what reads the picture can find it.
    """
    from matplotlib import dates as mdates

    figure, axes = _figure(small)
    lines = (
        (SYSTOLIC, systolic_label, LINE, "-", "o", trend.systolic_range),
        (DIASTOLIC, diastolic_label, SECOND_LINE, "--", "s", trend.diastolic_range),
    )
    banded = False
    for half, label, colour, style, marker, reference in lines:
        points = trend.line(half)
        if not points:
            continue
        dates = mdates.date2num([moment for moment, _value in points])
        values = [value for _moment, value in points]
        if reference is not None:
            low, high = reference
            axes.axhspan(
                low if low is not None else min(values) * 0.9,
                high if high is not None else max(values) * 1.1,
                color=BAND,
                # One legend entry for both halves' bands; none on a small chart.
                label=reference_label if not banded and not small else None,
                zorder=0,
            )
            banded = True
        width = 1.6
        if len(values) > MAX_DRAWN:
            dates, values, lows, highs = _buckets(dates, values, MAX_DRAWN)
            axes.fill_between(dates, lows, highs, color=ENVELOPE, linewidth=0, zorder=1)
            marker, width = "", 1.4  # bucket means: a marker on each would be noise
        axes.plot(
            dates,
            values,
            color=colour,
            linestyle=style,
            marker=marker,
            markersize=2.5 if small else 4,
            linewidth=width,
            label=label,
            gid="systolic" if half == SYSTOLIC else "diastolic",
            zorder=2,
        )
    if small:
        # Above the lines, not over them: a small chart has no empty corner.
        figure.subplots_adjust(top=0.84)
        axes.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1),
            borderaxespad=0.2,
            frameon=False,
            fontsize=SMALL_FONT,
            ncols=2,
        )
    else:
        axes.legend(loc="upper left", frameon=False, fontsize=9, ncols=3)
    return _finished(figure, axes, trend.unit, small)


def _figure(small: bool = False) -> tuple[Figure, Axes]:
    # Imported here (and matplotlib.dates in each function that needs it):
    # matplotlib takes half a second, which every command line start would pay
    # when Django loads the views, drawing or not.
    from matplotlib.figure import Figure

    # A Figure, not pyplot: no global state, no display, safe in threaded servers.
    figure = Figure(figsize=SMALL_SIZE if small else (8, 3.2), dpi=100)
    # Fixed margins: the constrained layout engine would double the drawing time.
    if small:
        figure.subplots_adjust(left=0.2, right=0.95, top=0.95, bottom=0.18)
    else:
        figure.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=0.12)
    return figure, figure.add_subplot()


def _finished(figure: Figure, axes: Axes, unit: str, small: bool = False) -> bytes:
    from matplotlib import dates as mdates
    from matplotlib.ticker import MaxNLocator

    # A "$" in a typed unit would otherwise start matplotlib's maths mode.
    axes.set_ylabel(formatting.unit(unit), parse_math=False, fontsize=SMALL_FONT if small else None)
    if small:
        first, last = axes.dataLim.intervalx
        if first == last:
            # One day of values: a month around it, not matplotlib's four years.
            axes.set_xlim(first - 15, last + 15)
        # A few labels: the card beside the chart gives the numbers.
        axes.tick_params(labelsize=SMALL_FONT, length=2)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=3))
    locator = mdates.AutoDateLocator(minticks=2, maxticks=5) if small else mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    # A small chart has no room for the offset ("2025" under the axis): its card gives the dates.
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=not small))
    axes.grid(axis="y", color="#e3e7ee", linewidth=0.8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _buckets(
    dates: Any, values: list[float], count: int
) -> tuple[Any, list[float], list[float], list[float]]:
    """Split the time span into ``count`` equal buckets: mean, min and max of each non-empty one."""
    start, end = float(dates[0]), float(dates[-1])
    width = (end - start) / count or 1.0
    groups: dict[int, list[float]] = {}
    for day, value in zip(dates, values, strict=True):
        groups.setdefault(min(int((float(day) - start) / width), count - 1), []).append(value)
    keys = sorted(groups)
    middles = [start + (key + 0.5) * width for key in keys]
    return (
        middles,
        [sum(groups[key]) / len(groups[key]) for key in keys],
        [min(groups[key]) for key in keys],
        [max(groups[key]) for key in keys],
    )
