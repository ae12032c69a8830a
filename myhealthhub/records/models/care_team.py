from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.models.base import Entry


class CareRole(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    PHARMACY = "pharmacy", _("Pharmacy")
    IMAGING = "imaging", _("Imaging centre")
    LABORATORY = "laboratory", _("Laboratory")
    HOSPITAL = "hospital", _("Hospital")
    INSURER = "insurer", _("Insurer")
    OTHER = "other", _("Other")


class CareTeamMember(Entry):
    """Someone who takes care of the person; ``display`` is their name."""

    role = models.CharField(
        _("role"), max_length=12, choices=CareRole.choices, default=CareRole.CLINICIAN
    )
    specialty = models.CharField(_("specialty"), max_length=200, blank=True)
    organization = models.CharField(_("organisation"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    portal_url = models.URLField(_("patient portal"), blank=True)
    member_number = models.CharField(_("member or patient number"), max_length=100, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("care team member")
        verbose_name_plural = _("care team")
        ordering = ("display", "id")
