"""How often, from C-CDA's repeating effectiveTimes: "every 6 hours", "3 times a day", "at bedtime".

A medicine's frequency is written as a periodic interval (``PIVL_TS``: a
period, perhaps a count in it), an event (``EIVL_TS``: before meals), or a
set of either (``SXPR_TS``). The words are the shared ``frequency()``'s,
as the FHIR importer writes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.ccda.values import number_of
from myhealthhub.imports.ccda.xml import Element, attr, is_null, kid, kids, xsi_type
from myhealthhub.imports.timing import frequency

# Event-related timings (EIVL_TS): HL7 TimingEvent codes.
EVENTS = {
    "HS": N_("at bedtime"),
    "WAKE": N_("on waking"),
    "AC": N_("before meals"),
    "ACM": N_("before breakfast"),
    "ACD": N_("before lunch"),
    "ACV": N_("before dinner"),
    "PC": N_("after meals"),
    "PCM": N_("after breakfast"),
    "PCD": N_("after lunch"),
    "PCV": N_("after dinner"),
    "C": N_("with meals"),
    "CM": N_("with breakfast"),
    "CD": N_("with lunch"),
    "CV": N_("with dinner"),
}
# Period units as vendors spell them, to UCUM.
UNITS = {
    **{unit: unit for unit in ("s", "min", "h", "d", "wk", "mo", "a")},  # "D", "H" as written
    **{"hr": "h", "hrs": "h", "hour": "h", "hours": "h", "day": "d", "days": "d", "week": "wk"},
}


def how_often(repeats: Iterable[Element]) -> str:
    """What the repeating effectiveTimes say together, each said once."""
    return ", ".join(dict.fromkeys(text for time in repeats if (text := timing(time))))


def timing(time: Element) -> str:
    """How often one repeating effectiveTime says, in words."""
    kind = xsi_type(time)
    if kind == "SXPR_TS":
        return how_often(kids(time, "comp"))
    if kind.startswith("EIVL"):
        event = EVENTS.get(attr(kid(time, "event"), "code").upper())
        return _(event) if event else ""
    period = kid(time, "period")
    # PPD_PQ with a deviation is "every 4 to 6 hours": the sig says it better.
    if is_null(period) or kid(period, "standardDeviation") is not None:
        return ""
    value, unit = number_of(attr(period, "value")), attr(period, "unit")
    if value is None:
        # OpenVista writes the schedule's name as the unit: "TWICE,A,DAY".
        return unit.replace(",", " ").strip() if re.search("[A-Za-z]{3}", unit) else ""
    times = None
    count = kid(time, "frequency")
    if count is not None:
        times = number_of(attr(count, "value") or attr(kid(count, "numerator"), "value"))
        denominator = kid(count, "denominator")
        if number_of(attr(denominator, "value")) is not None:
            value = number_of(attr(denominator, "value"))
            unit = attr(denominator, "unit")
    return _every(times, value, UNITS.get(unit.lower(), unit), time.get("institutionSpecified"))


# Periods a schedule can mean, in any unit: beyond these it is a typing error.
MIN_PERIOD, MAX_PERIOD = 1e-3, 1e4


def _every(times: float | None, value: float | None, unit: str, institution: str | None) -> str:
    hours = {"h": 1.0, "min": 1 / 60, "s": 1 / 3600, "d": 24.0}.get(unit)
    if value is None or not MIN_PERIOD <= value <= MAX_PERIOD:
        return ""  # a period of 1e-308 hours or of a million years says nothing
    if hours is None or (unit == "d" and value >= 1):
        return frequency(times, value, unit)
    hours *= value
    if institution == "true" and times is None:
        # "every 8 hours, at the institution's times" is "3 times a day";
        # Allscripts writes it as 0.3333 d.
        per_day = 24 / hours
        if abs(per_day - round(per_day)) < 0.01 and round(per_day) >= 1:
            return frequency(round(per_day), 1, "d")
    if abs(hours - round(hours)) < 0.01 and round(hours) >= 1:
        return frequency(times, round(hours), "h")
    return frequency(times, value, unit)
