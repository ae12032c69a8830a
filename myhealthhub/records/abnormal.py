"""Whether a result is out of range, decided in one place for every page, the summary and the CSV.

The source's word comes first: a laboratory that writes "H", "HIGH" or
"Normal" has seen the patient's context (age, sex, method) that a bare range
does not hold, so its judgement is shown as it gave it, in the reader's
language ("High", "Alto"). Only when the source says nothing about the value
is the number compared with the reference range stored beside it, and the
marker then says so ("Above the range given"): it is our arithmetic, not a
clinician's or a laboratory's call.

A result the source calls normal is never marked, even if the number falls
outside the stored range: a careful reader trusts the laboratory over a range
copied from another document.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from myhealthhub.records.models import Observation


class Level(enum.StrEnum):
    HIGH = "high"
    LOW = "low"
    CRITICALLY_HIGH = "critically-high"
    CRITICALLY_LOW = "critically-low"
    ABNORMAL = "abnormal"
    CRITICALLY_ABNORMAL = "critically-abnormal"


# What the source's words mean: None is "normal", which silences the range check.
_NORMAL = "normal"
# The same msgids as the C-CDA importer's (imports/ccda/values.py), which stores
# these words in the language of the import: they are recognised in every
# language the site speaks, so a record imported in Spanish reads the same.
_WORDS: dict[str, Promise] = {
    _NORMAL: pgettext_lazy("result", "Normal"),
    Level.ABNORMAL: pgettext_lazy("result", "Abnormal"),
    Level.CRITICALLY_ABNORMAL: pgettext_lazy("result", "Critically abnormal"),
    Level.HIGH: pgettext_lazy("result", "High"),
    Level.CRITICALLY_HIGH: pgettext_lazy("result", "Critically high"),
    Level.LOW: pgettext_lazy("result", "Low"),
    Level.CRITICALLY_LOW: pgettext_lazy("result", "Critically low"),
}
_COMPUTED_WORDS: dict[str, Promise] = {
    Level.HIGH: pgettext_lazy("result", "Above the range given"),
    Level.LOW: pgettext_lazy("result", "Below the range given"),
}
# HL7 v3 ObservationInterpretation codes and the words sources write instead,
# casefolded. "HU" (significantly high) and "HX" (above a threshold) are high,
# not critical: only "HH", "LL" and "AA" are the laboratory's alarm.
_SAID: dict[str, str] = {
    "n": _NORMAL,
    "a": Level.ABNORMAL,
    "aa": Level.CRITICALLY_ABNORMAL,
    "h": Level.HIGH,
    "hu": Level.HIGH,
    "hx": Level.HIGH,
    "h>": Level.HIGH,
    "l": Level.LOW,
    "lu": Level.LOW,
    "lx": Level.LOW,
    "l<": Level.LOW,
    "hh": Level.CRITICALLY_HIGH,
    "ll": Level.CRITICALLY_LOW,
    # FHIR's displays for the codes above, as Synthea and Epic send them.
    "critical high": Level.CRITICALLY_HIGH,
    "critical low": Level.CRITICALLY_LOW,
    "critical abnormal": Level.CRITICALLY_ABNORMAL,
    "significantly high": Level.HIGH,
    "significantly low": Level.LOW,
    "very high": Level.HIGH,
    "very low": Level.LOW,
    "above high normal": Level.HIGH,
    "below low normal": Level.LOW,
    "above high threshold": Level.HIGH,
    "below low threshold": Level.LOW,
    "above the high threshold": Level.HIGH,
    "below the low threshold": Level.LOW,
    "above the upper limit": Level.HIGH,
    "below the lower limit": Level.LOW,
    "within normal limits": _NORMAL,
    "wnl": _NORMAL,
}
_SYMBOLS = {
    Level.HIGH: "↑",
    Level.LOW: "↓",
    Level.CRITICALLY_HIGH: "↑↑",
    Level.CRITICALLY_LOW: "↓↓",
    Level.ABNORMAL: "!",
    Level.CRITICALLY_ABNORMAL: "!!",
}


@dataclass(frozen=True)
class Flag:
    """A result marked out of range: by its source, or ``computed`` from its reference range."""

    level: Level
    computed: bool = False

    @property
    def text(self) -> str:
        """The words in the active language: "High", "Critically low", "Above the range given"."""
        words = _COMPUTED_WORDS if self.computed else _WORDS
        return str(words[self.level])

    @property
    def symbol(self) -> str:
        """An arrow beside the words, so the marker never rests on colour alone."""
        return _SYMBOLS[self.level]

    @property
    def critical(self) -> bool:
        return self.level.startswith("critically")

    def __str__(self) -> str:
        return self.text


def flag_of(
    *,
    interpretation: str,
    value: float | None,
    comparator: str = "",
    low: float | None = None,
    high: float | None = None,
) -> Flag | None:
    """The marker for a result's stored columns, or None when it is not out of range.

    For code that reads rows (the CSV export) as much as for pages.
    """
    said = _said(interpretation)
    if said == _NORMAL:
        return None
    if said is not None:
        return Flag(Level(said))
    return _against_range(value, comparator, low, high)


def result_flag(observation: Observation) -> Flag | None:
    """:func:`flag_of` for a result."""
    return flag_of(
        interpretation=observation.interpretation,
        value=observation.value_number,
        comparator=observation.comparator,
        low=observation.reference_low,
        high=observation.reference_high,
    )


def interpretation_text(interpretation: str) -> str:
    """The source's interpretation in the active language: "H" and "HIGH" read "High".

    A word not known here ("Susceptible", a laboratory's own) stays as written.
    """
    parts = [part.strip() for part in interpretation.split(",") if part.strip()]
    shown = []
    for part in parts:
        meaning = _meanings().get(part.casefold())
        word = str(_WORDS[meaning]) if meaning is not None else part
        if word not in shown:
            shown.append(word)
    return ", ".join(shown)


def _said(interpretation: str) -> str | None:
    """What the source says of the value: a Level, "normal", or None when it says neither.

    Of several ("High, Susceptible") the first that speaks of the range counts.
    """
    for part in interpretation.split(","):
        meaning = _meanings().get(part.strip().casefold())
        if meaning is not None:
            return meaning
    return None


@cache
def _meanings() -> dict[str, str]:
    """Every word for a meaning, casefolded: the codes, and the words in each site language."""
    known = dict(_SAID)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for meaning, word in _WORDS.items():
                known.setdefault(str(word).casefold(), meaning)
    return known


def _against_range(
    value: float | None, comparator: str, low: float | None, high: float | None
) -> Flag | None:
    """Above or below the stored range, only when the value's comparator leaves no doubt.

    "< 5" is not below a range starting at 5, nor above one ending at 4: it is
    any number under 5. "> 200" is above a range ending at 200.
    """
    if value is None:
        return None
    below_only = comparator in ("<", "<=")
    above_only = comparator in (">", ">=")
    if (
        high is not None
        and not below_only
        and (value > high or (comparator == ">" and value >= high))
    ):
        return Flag(Level.HIGH, computed=True)
    if low is not None and not above_only and (value < low or (comparator == "<" and value <= low)):
        return Flag(Level.LOW, computed=True)
    return None
