"""Appointments as an iCalendar file, for the person's own calendar app.

Every appointment of the profile, past and future, so that a calendar that
imports it twice updates the events rather than duplicating them (the UIDs
are stable: records/calendar.py).
"""

from __future__ import annotations

from typing import BinaryIO

from django.utils import translation
from django.utils.translation import gettext as _

from myhealthhub.exports.formats import Progress
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.records.calendar import appointments_ics
from myhealthhub.records.models import Appointment
from myhealthhub.summary.options import ExportOptions


class CalendarExport:
    slug = "ics"
    # The same appointments any viewer can already add to a calendar.
    role = Role.VIEWER
    background = False
    media_type = "text/calendar"
    extension = "ics"

    @property
    def label(self) -> str:
        return _("Calendar (iCalendar)")

    @property
    def description(self) -> str:
        return _(
            "Every appointment, past and upcoming, as an .ics file for Google Calendar, "
            "Outlook or Apple Calendar."
        )

    def write(
        self, profile: Profile, out: BinaryIO, options: ExportOptions, progress: Progress
    ) -> None:
        appointments = (
            Appointment.objects.alive().filter(profile_id=profile.pk).order_by("starts_at", "pk")
        )
        with translation.override(options.language):
            out.write(appointments_ics(profile, appointments))
        progress(1.0)
