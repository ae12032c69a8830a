"""How often, from words back to a FHIR ``Timing.repeat``: "every 6 hours" is 1 in 6 h.

The importer says a timing in words with ``imports/timing.frequency``; this
reads those same words back, in the export's language, by asking that
function for every timing it can say and looking the text up. So the two
cannot drift apart, and whatever our importer wrote comes back structured.
A few words people type in English (and the Latin abbreviations of
prescriptions) are read too. Anything else ("up to 4 times a day", "with
meals") stays words only: a timing that reads back as something else would
be a different instruction.
"""

from __future__ import annotations

from functools import cache

from django.utils import translation

from myhealthhub.exports.fhir_resources.common import Json
from myhealthhub.imports.timing import PERIOD_UNITS, frequency

# (times, period, unit): the words our importer writes say no more than this.
Repeat = tuple[int, int, str]

# The timings an instruction plausibly has: up to 12 times in a period, or every 1-72 units.
MOST_TIMES = 12
MOST_PERIOD = 72

# Said so in any language (prescription abbreviations) or by people typing in English.
COMMON: dict[str, Repeat] = {
    "qd": (1, 1, "d"),
    "od": (1, 1, "d"),
    "bid": (2, 1, "d"),
    "tid": (3, 1, "d"),
    "qid": (4, 1, "d"),
    "qod": (1, 2, "d"),
    "daily": (1, 1, "d"),
    "once daily": (1, 1, "d"),
    "every day": (1, 1, "d"),
    "twice a day": (2, 1, "d"),
    "twice daily": (2, 1, "d"),
    "three times a day": (3, 1, "d"),
    "three times daily": (3, 1, "d"),
    "four times a day": (4, 1, "d"),
    "every other day": (1, 2, "d"),
    "weekly": (1, 1, "wk"),
    "twice a week": (2, 1, "wk"),
    "monthly": (1, 1, "mo"),
    "yearly": (1, 1, "a"),
}


def repeat(text: str) -> Json | None:
    """``{"frequency", "period", "periodUnit"}`` for ``text``, or None when it is not one."""
    wanted = " ".join(text.lower().replace(".", "").split())
    found = _said(translation.get_language() or "en").get(wanted) or COMMON.get(wanted)
    if found is None:
        return None
    times, period, unit = found
    return {"frequency": times, "period": period, "periodUnit": unit}


@cache
def _said(language: str) -> dict[str, Repeat]:
    """Every timing ``frequency()`` can say in ``language``, by its words."""
    words: dict[str, Repeat] = {}
    with translation.override(language):
        for unit in PERIOD_UNITS:
            for period in range(MOST_PERIOD, 0, -1):
                for times in range(MOST_TIMES, 0, -1):
                    # Smallest numbers last, so that words said two ways keep the simplest.
                    words[frequency(times, period, unit).lower()] = (times, period, unit)
    return words
