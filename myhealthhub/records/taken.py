"""When a result was taken: the clock time as written, and the zone it was read in.

A result keeps its time of day as the source wrote it (``effective_time``,
"09:30") and, when the source said so, how far that clock was from UTC
(``effective_offset``, in minutes: −240 for New York in summer). With both,
the moment is known and every reader sees it on their own clock: 09:30 in
New York is 14:30 in Madrid. A time written without a zone (many C-CDA
files, readings from before zones were kept) stays as written.

A time typed in MyHealthHub is on the typist's clock: the zone active for
their request (accounts/middleware.py).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from myhealthhub.lib.dates import Precision


def offset_minutes(time: dt.time | dt.datetime | None) -> int | None:
    """The UTC offset a parsed time carries, in minutes; None for a time with no zone."""
    if time is None:
        return None
    offset = time.utcoffset()
    return None if offset is None else round(offset.total_seconds() / 60)


def wall_clock(time: dt.time | None) -> dt.time | None:
    """The time as written, without the zone it carried (the offset is kept apart)."""
    return None if time is None else time.replace(tzinfo=None)


def offset_here(date: dt.date, time: dt.time) -> int:
    """The offset of the active zone at that date and clock time (summer or winter)."""
    local = timezone.make_aware(dt.datetime.combine(date, time))
    return offset_minutes(local) or 0


def taken_at(
    date: dt.date | None, precision: str, time: dt.time | None, offset: int | None
) -> dt.datetime | None:
    """The instant, when the day, the time and the zone are all known."""
    if date is None or time is None or offset is None or precision != Precision.DAY:
        return None
    zone = dt.timezone(dt.timedelta(minutes=offset))
    return dt.datetime.combine(date, time, tzinfo=zone)


def on_this_clock(
    date: dt.date | None, precision: str, time: dt.time | None, offset: int | None
) -> tuple[dt.date | None, dt.time | None]:
    """The day and time on the active zone's clock; as written when the moment is unknown."""
    moment = taken_at(date, precision, time, offset)
    if moment is None:
        return date, time
    local = timezone.localtime(moment)
    return local.date(), local.time()
