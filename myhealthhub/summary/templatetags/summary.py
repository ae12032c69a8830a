from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from myhealthhub.lib.dates import PartialDate, Precision
from myhealthhub.records.models import Entry, MedicationReview, Observation
from myhealthhub.records.models.medications import ReviewedWith
from myhealthhub.records.sources import source_label
from myhealthhub.summary import sections, values

register = template.Library()

# One whole sentence per choice: translators get sentences, not "with a" + a noun
# whose article (and gender, in Spanish) the sentence cannot know.
REVIEWED_WITH: dict[str, Promise] = {
    ReviewedWith.PHARMACIST: _(
        "Medication list last reviewed on %(date)s with a pharmacist (source: %(source)s)."
    ),
    ReviewedWith.PHYSICIAN: _(
        "Medication list last reviewed on %(date)s with a physician (source: %(source)s)."
    ),
    ReviewedWith.NURSE: _(
        "Medication list last reviewed on %(date)s with a nurse (source: %(source)s)."
    ),
}
REVIEWED = _("Medication list last reviewed on %(date)s (source: %(source)s).")


@register.filter
def to_verify(entry: Entry, summary: sections.Summary) -> bool:
    """Sources disagree on this item, and no one has reviewed it (reconcile, through the hook)."""
    return summary.grouping.to_verify(entry)


@register.filter
def name_in(entry: Entry, summary: sections.Summary) -> str:
    """The name its sources give it most: one vendor's code-system name is no name."""
    return summary.grouping.name_of(entry)


@register.filter
def sources_count(entry: Entry, summary: sections.Summary) -> int:
    """How many sources state what ``entry`` states."""
    return summary.grouping.sources_of(entry)


@register.filter
def short(value: PartialDate | dt.date | None) -> str:
    """A date in few characters, in the active language, showing only what is known.

    "3 Mar 2024", "Mar 2024" or "2024": a month's name, not its number, so that
    no reader takes 03/04 for April or for March.
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    if isinstance(value, dt.date):
        value = PartialDate(value.year, value.month, value.day)
    if value.precision == Precision.DAY:
        return formats.date_format(value.earliest, "j M Y")
    if value.precision == Precision.MONTH:
        return formats.date_format(value.earliest, "M Y")
    return str(value.year)


@register.filter
def result_value(observation: Observation) -> str:
    """ "139,6 mg/dL" in Spanish: the number in the language, the unit readable.

    The summary's own lines are gathered in the reader's units (sections.Result.value).
    """
    return values.value_line(observation)


@register.filter
def result_range(observation: Observation) -> str:
    return values.reference_range(observation)


@register.filter
def review_note(review: MedicationReview) -> str:
    """The sentence saying when the medication list was last reviewed, and with whom."""
    sentence = REVIEWED_WITH.get(review.with_whom, REVIEWED)
    # Written for someone else to read: no reader, every typist in the third person.
    source = source_label(review.source, None, short=True)
    return str(sentence) % {"date": short(review.when), "source": source}
