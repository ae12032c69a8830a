"""A notice in words, in the active language and time zone, and where it leads.

The notices page and the e-mail say the same sentence: only dates from the
record, never what to do about them. Days read through lib/dates.py's
PartialDate and times through Django's localized formats, as every page does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from myhealthhub.lib.dates import PartialDate, Precision
from myhealthhub.reminders.models import Kind, Notice


@dataclass(frozen=True)
class Worded:
    headline: str
    sentence: str
    # Where the notice leads: the appointment, the reviews, the link, who has access, the import.
    path: str


def worded(notice: Notice, now: dt.datetime | None = None) -> Worded:
    """``notice`` in the active language, its times in the active zone.

    "Today" and "tomorrow" are said of ``now``: the moment the e-mail is
    written, or the page is read.
    """
    kind = Kind(notice.kind)
    today = timezone.localdate(now)
    return Worded(str(kind.label), SENTENCES[kind](notice, today), path_of(notice))


def day(value: dt.date) -> str:
    """A day as every page writes it: "March 3, 2026", "3 de marzo de 2026"."""
    return PartialDate.from_stored(value, Precision.DAY).localized()


def clock(moment: dt.datetime) -> str:
    """The time of ``moment`` in the active zone: "10:30 a.m.", "10:30"."""
    return formats.time_format(timezone.localtime(moment).time(), "TIME_FORMAT")


def local_day(moment: dt.datetime) -> str:
    return day(timezone.localtime(moment).date())


def _review(notice: Notice, today: dt.date) -> str:
    assert notice.on is not None
    values = {"name": notice.profile.name, "person": notice.person, "date": day(notice.on)}
    if notice.on < today:
        if notice.person:
            return _("%(name)s's medication review with %(person)s was due on %(date)s.") % values
        return _("%(name)s's medication review was due on %(date)s.") % values
    if notice.on == today:
        if notice.person:
            return _("%(name)s's medication review with %(person)s is due today, %(date)s.") % (
                values
            )
        return _("%(name)s's medication review is due today, %(date)s.") % values
    if notice.person:
        return _("%(name)s's medication review with %(person)s is due on %(date)s.") % values
    return _("%(name)s's medication review is due on %(date)s.") % values


def _appointment(notice: Notice, today: dt.date) -> str:
    assert notice.at is not None
    local = timezone.localtime(notice.at)
    moment = {"date": day(local.date()), "time": clock(notice.at)}
    if local.date() == today + dt.timedelta(days=1):
        when = _("tomorrow, %(date)s, at %(time)s") % moment
    elif local.date() == today:
        when = _("today, %(date)s, at %(time)s") % moment
    else:
        when = _("on %(date)s at %(time)s") % moment
    values = {"name": notice.profile.name, "when": when, "what": notice.title}
    if notice.person:
        return _("%(name)s has an appointment %(when)s with %(person)s: %(what)s.") % (
            values | {"person": notice.person}
        )
    return _("%(name)s has an appointment %(when)s: %(what)s.") % values


def _share_link(notice: Notice, today: dt.date) -> str:
    assert notice.at is not None
    values = {
        "name": notice.profile.name,
        "label": notice.title,
        "date": local_day(notice.at),
        "time": clock(notice.at),
    }
    if notice.title:
        return (
            _("The link “%(label)s” to %(name)s's record stops working on %(date)s at %(time)s.")
            % values
        )
    return _("A link to %(name)s's record stops working on %(date)s at %(time)s.") % values


def _grant(notice: Notice, today: dt.date) -> str:
    assert notice.at is not None
    return _("%(email)s's access to %(name)s's record ends on %(date)s at %(time)s.") % {
        "email": notice.title,
        "name": notice.profile.name,
        "date": local_day(notice.at),
        "time": clock(notice.at),
    }


def _import(notice: Notice, today: dt.date) -> str:
    values = {"label": notice.title, "name": notice.profile.name}
    if notice.at is None:
        return (
            _("The import of “%(label)s” into %(name)s's record failed; nothing of it was added.")
            % values
        )
    return _(
        "The import of “%(label)s” into %(name)s's record failed on %(date)s at %(time)s; "
        "nothing of it was added."
    ) % (values | {"date": local_day(notice.at), "time": clock(notice.at)})


SENTENCES = {
    Kind.REVIEW: _review,
    Kind.APPOINTMENT: _appointment,
    Kind.SHARE_LINK: _share_link,
    Kind.GRANT: _grant,
    Kind.IMPORT: _import,
}


def path_of(notice: Notice) -> str:
    profile_uuid = notice.profile.uuid
    kind = Kind(notice.kind)
    if kind == Kind.APPOINTMENT:
        return reverse("records:detail", args=(profile_uuid, "appointments", notice.subject_uuid))
    if kind == Kind.REVIEW:
        return reverse("records:list", args=(profile_uuid, "medication-reviews"))
    if kind == Kind.SHARE_LINK:
        return reverse("sharing:link", args=(profile_uuid, notice.subject_uuid))
    if kind == Kind.GRANT:
        return reverse("profiles:sharing", args=(profile_uuid,))
    return reverse("imports:detail", args=(profile_uuid, notice.subject_uuid))
