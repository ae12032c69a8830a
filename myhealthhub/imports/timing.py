"""How often a medicine is taken, in words: "once a day", "every 6 hours", "2 times a day".

FHIR writes a timing's repeat (frequency, period, period unit); C-CDA writes
a periodic interval (``PIVL_TS``: a period value and a UCUM unit). Both read
the same way.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext

# A timing's period unit: once per one of them, or every so many.
PERIOD_UNITS = {
    "s": (N_("a second"), N_("every %(n)s seconds")),
    "min": (N_("a minute"), N_("every %(n)s minutes")),
    "h": (N_("an hour"), N_("every %(n)s hours")),
    "d": (N_("a day"), N_("every %(n)s days")),
    "wk": (N_("a week"), N_("every %(n)s weeks")),
    "mo": (N_("a month"), N_("every %(n)s months")),
    "a": (N_("a year"), N_("every %(n)s years")),
}


def frequency(times: float | None, period: float | None, unit: str) -> str:
    """``times`` in each ``period`` of ``unit``, in words; "" when it cannot be said."""
    if unit not in PERIOD_UNITS or period is None or period <= 0:
        return ""
    count = int(times) if times is not None and 1 <= times < 1000 else 1
    once, every = PERIOD_UNITS[unit]
    if period == 1:
        per = _(once)
        if count == 1:
            return _("once %(per)s") % {"per": per}
    else:
        per = _(every) % {"n": f"{period:g}"}
        if count == 1:
            return per
    return ngettext("%(count)d time %(per)s", "%(count)d times %(per)s", count) % {
        "count": count,
        "per": per,
    }
