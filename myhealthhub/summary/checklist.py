"""The personal health checklist: what a well-kept record has, item by item, with a way to fix each.

Each item is one small check in one or two queries. Links that change the
record lead to pages an editor can use; a viewer gets a link to look instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from myhealthhub.documents.models import Document
from myhealthhub.profiles.models import EmergencyContact, Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Appointment, Immunization, MedicationReview
from myhealthhub.records.models.base import NEWEST_FIRST
from myhealthhub.records.models.visits import AppointmentStatus
from myhealthhub.records.overview import allergy_status
from myhealthhub.records.text_only import lists_kept_as_text

REVIEW_WITHIN = dt.timedelta(days=183)  # six months


@dataclass(frozen=True)
class Item:
    key: str
    title: Promise
    done: bool
    why: Promise
    # What was found, in a few words ("2 documents lack a date, facility or reason").
    found: str
    # Where to fix it (needs an editor), and where to look (a viewer may).
    fix_url: str
    fix_label: str
    see_url: str


def checklist(profile: Profile) -> list[Item]:
    return [
        _allergies(profile),
        *_lists_kept_as_text(profile),
        _medication_review(profile),
        _emergency_contact(profile),
        _immunizations(profile),
        _documents(profile),
        _next_visit(profile),
    ]


def _lists_kept_as_text(profile: Profile) -> list[Item]:
    """Imported lists that reached the record only as text: shown only while there are some."""
    kept = lists_kept_as_text(profile)
    if not kept:
        return []
    kinds = [KINDS[slug] for slug in ("allergies", "medications", "conditions") if slug in kept]
    names = ", ".join(str(kind.plural) for kind in kinds)
    first = kept[kinds[0].slug][0]
    note_url = reverse(
        "records:detail",
        kwargs={"profile_uuid": profile.uuid, "kind": "notes", "entry_uuid": first.uuid},
    )
    return [
        Item(
            key="kept-as-text",
            title=gettext_lazy("Lists that imported documents gave only as text reviewed"),
            done=False,
            why=gettext_lazy(
                "An allergy or a medicine that is only in a note's text reaches no list, "
                "and no summary a clinician reads."
            ),
            found=_("An imported document lists these only as text: %(kinds)s.") % {"kinds": names},
            fix_url=_kind_url("create", profile, kinds[0].slug),
            fix_label=_("Add them to the list"),
            see_url=note_url,
        )
    ]


def _kind_url(name: str, profile: Profile, kind: str) -> str:
    return reverse(f"records:{name}", kwargs={"profile_uuid": profile.uuid, "kind": kind})


def _allergies(profile: Profile) -> Item:
    # The summary's own selection: a resolved allergy is history, not an answer.
    status = allergy_status(profile)
    listed = len(status["allergies"])
    stated = status["no_known_allergies"] is not None
    if listed:
        found = ngettext(
            "%(count)d active allergy recorded.", "%(count)d active allergies recorded.", listed
        )
        found %= {"count": listed}
    elif stated:
        found = _("“No known allergies” is stated.")
    else:
        found = _("Nothing recorded: a clinician cannot tell “none” from “not asked”.")
    return Item(
        key="allergies",
        title=gettext_lazy("Allergies recorded, or “no known allergies” stated"),
        done=bool(listed or stated),
        why=gettext_lazy(
            "Before prescribing, every clinician asks about allergies; "
            "an empty list is not an answer."
        ),
        found=found,
        fix_url=_kind_url(
            "create", profile, "allergies" if stated or listed else "no-known-allergies"
        ),
        fix_label=_("Add an allergy") if stated or listed else _("State “no known allergies”"),
        see_url=_kind_url("list", profile, "allergies"),
    )


def _medication_review(profile: Profile) -> Item:
    last = (
        MedicationReview.objects.alive()
        .filter(profile_id=profile.pk, date__isnull=False)
        .order_by(*NEWEST_FIRST)
        .first()
    )
    today = timezone.localdate()
    done = bool(last and last.date and last.date >= today - REVIEW_WITHIN)
    if last is None:
        found = _("No review recorded.")
    else:
        found = _("Last reviewed on %(date)s.") % {"date": last.when}
    return Item(
        key="medication-review",
        title=gettext_lazy("Medication list reviewed within six months"),
        done=done,
        why=gettext_lazy(
            "Going through the whole list with a pharmacist or doctor catches doubles, "
            "interactions and medicines no longer needed."
        ),
        found=found,
        fix_url=_kind_url("create", profile, "medication-reviews"),
        fix_label=_("Record a medication review"),
        see_url=_kind_url("list", profile, "medications"),
    )


def _emergency_contact(profile: Profile) -> Item:
    count = EmergencyContact.objects.filter(profile_id=profile.pk).count()
    found = (
        ngettext("%(count)d contact.", "%(count)d contacts.", count) % {"count": count}
        if count
        else _("None recorded.")
    )
    return Item(
        key="emergency-contact",
        title=gettext_lazy("At least one emergency contact"),
        done=count > 0,
        why=gettext_lazy("Whom to call if the person cannot speak for themself."),
        found=found,
        fix_url=reverse("profiles:contact_add", kwargs={"profile_uuid": profile.uuid}),
        fix_label=_("Add an emergency contact"),
        see_url=reverse("profiles:overview", kwargs={"profile_uuid": profile.uuid}),
    )


def _immunizations(profile: Profile) -> Item:
    count = Immunization.objects.alive().filter(profile_id=profile.pk).count()
    found = (
        ngettext("%(count)d vaccination recorded.", "%(count)d vaccinations recorded.", count)
        % {"count": count}
        if count
        else _("None recorded.")
    )
    return Item(
        key="immunizations",
        title=gettext_lazy("Immunizations recorded"),
        done=count > 0,
        why=gettext_lazy(
            "Travel, school, work and new clinicians all ask which vaccines and when."
        ),
        found=found,
        fix_url=_kind_url("create", profile, "immunizations"),
        fix_label=_("Add a vaccination"),
        see_url=_kind_url("list", profile, "immunizations"),
    )


def _documents(profile: Profile) -> Item:
    alive = Document.objects.alive().filter(profile_id=profile.pk)
    unlabelled = alive.filter(Q(date__isnull=True) | Q(facility="") | Q(why="")).count()
    see_url = reverse("documents:list", kwargs={"profile_uuid": profile.uuid})
    fix_url, fix_label = see_url, _("Label documents")
    # No documents is not "every document labelled": the letters and results a
    # person keeps belong in the record, so adding them is what is left to do.
    any_kept = unlabelled > 0 or alive.exists()
    if unlabelled:
        found = ngettext(
            "%(count)d document lacks a date, a facility or why it is kept.",
            "%(count)d documents lack a date, a facility or why they are kept.",
            unlabelled,
        ) % {"count": unlabelled}
    elif any_kept:
        found = _("Every document is labelled.")
    else:
        found = _("No documents yet: add the letters, results and scans you keep.")
        fix_url = reverse("documents:upload", kwargs={"profile_uuid": profile.uuid})
        fix_label = _("Add a document")
    return Item(
        key="documents",
        title=gettext_lazy("Documents labelled with date, facility and why they are kept"),
        done=any_kept and unlabelled == 0,
        why=gettext_lazy("An unlabelled scan is hard to find when it is needed most."),
        found=found,
        fix_url=fix_url,
        fix_label=fix_label,
        see_url=see_url,
    )


def _next_visit(profile: Profile) -> Item:
    upcoming = (
        Appointment.objects.alive()
        .filter(
            profile_id=profile.pk,
            starts_at__gte=timezone.now(),
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.PROPOSED],
        )
        .order_by("starts_at", "id")
        .first()
    )
    done = bool(upcoming and (upcoming.questions.strip() or upcoming.reason.strip()))
    if upcoming is None:
        found = _("No upcoming visit recorded.")
        fix_url = _kind_url("create", profile, "appointments")
        fix_label = _("Add your next visit")
        see_url = _kind_url("list", profile, "appointments")
    else:
        found = (
            _("%(visit)s: questions or reason written down.")
            if done
            else _("%(visit)s: no questions or reason written down yet.")
        ) % {"visit": upcoming.display}
        kwargs = {"profile_uuid": profile.uuid, "entry_uuid": upcoming.uuid}
        fix_url = reverse("records:edit", kwargs=kwargs | {"kind": "appointments"})
        fix_label = _("Write down questions for this visit")
        see_url = reverse("records:appointment_prepare", kwargs=kwargs)
    return Item(
        key="next-visit",
        title=gettext_lazy("Next visit prepared"),
        done=done,
        why=gettext_lazy(
            "Visits are short: the reason and the questions written down beforehand get answered."
        ),
        found=found,
        fix_url=fix_url,
        fix_label=fix_label,
        see_url=see_url,
    )
