from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.models.base import Entry


class ImmunizationStatus(models.TextChoices):
    COMPLETED = "completed", _("Given")
    NOT_DONE = "not-done", _("Not given")


class Immunization(Entry):
    """A vaccine given (or refused); ``code`` is its CVX code, ``date`` when."""

    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ImmunizationStatus.choices,
        default=ImmunizationStatus.COMPLETED,
    )
    dose_number = models.PositiveSmallIntegerField(_("dose number"), null=True, blank=True)
    lot_number = models.CharField(_("lot"), max_length=100, blank=True)
    site = models.CharField(_("site"), max_length=100, blank=True)
    location = models.CharField(_("where given"), max_length=200, blank=True)
    # Who gave it (a nurse, a pharmacist), as the source named them: not a place.
    performer = models.CharField(_("given by"), max_length=200, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("immunization")
        verbose_name_plural = _("immunizations")
