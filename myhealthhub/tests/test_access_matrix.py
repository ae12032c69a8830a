"""Every URL pattern × every caller × GET and POST, against the access matrix.

DESIGN.md principle 1: what a caller may not see answers 404. A URL pattern
that is not listed in MATRIX fails ``test_every_url_pattern_is_in_the_matrix``,
so no new view can slip past the gate unnoticed. For each pattern:

- the roles its view declares to the gate (``profiles.access.Declared``) are
  the roles the matrix expects, read without a request;
- a caller who is refused gets 404 (or is sent to sign in), and the database
  is exactly as it was;
- a caller who is allowed gets what a person would: the page of this
  profile, showing its own things and none of another profile's; and a POST
  with what a browser would send makes the change, seen in the database;
- every thing a URL names inside a profile is tried with the thing of
  another profile of the same owner: 404, and nothing changed.

allauth's own pages are checked for their status only: what they show is
allauth's.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import lxml.html
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from myhealthhub.api.models import AccessToken
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import CALLERS, IMPORT_BUNDLE, OTHER, Rows, World
from myhealthhub.documents.models import Document
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.profiles.access import Declared
from myhealthhub.profiles.models import EmergencyContact, Grant, Profile, Role
from myhealthhub.reconcile.models import Group, How, Member, Review
from myhealthhub.records.models import (
    ChosenMeasurement,
    Condition,
    DeviceOrder,
    Medication,
    Observation,
)
from myhealthhub.reminders.models import CalendarFeed, Choice, Notice
from myhealthhub.sharing.links.manifest import location_token
from myhealthhub.sharing.models import Invitation, InvitationState, ShareAccess, ShareLink

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any account; anonymous callers are sent to sign in
Need = str | Role
CALLER_ROLES = {"owner": Role.OWNER, "editor": Role.EDITOR, "viewer": Role.VIEWER}
# Whose requests carry no account until sharing exists.
WITHOUT_ACCOUNT = ("anonymous", "share_link")


# What an allowed caller must find in the answer.


def this_profiles_page(world: World, rows: Rows) -> str:
    """The header names this profile as the page's own (base.html's profile switcher)."""
    return f'href="/p/{rows.profile.uuid}/" aria-current="page"'


def showing(text: str) -> Callable[[World, Rows], str]:
    return lambda world, rows: text


# What a POST must change.


@dataclass(frozen=True)
class Change:
    """A POST that a browser would send, and how to see it in the database.

    ``edits``: the form on the page is sent as the browser would, with these
    values changed. ``data``: what is sent instead, for forms of files.
    """

    made: Callable[[World, str], bool]
    edits: dict[str, str] | None = None
    data: Callable[[Rows], dict[str, Any]] = lambda rows: {}
    status: int = 302
    # Sent as a JSON body, as an API's client sends it, not as a form.
    as_json: bool = False


@dataclass(frozen=True)
class Rule:
    get: Need
    # The role a POST needs; None: the view takes no POST, and readers get 405.
    post: Need | None = None
    kwargs: Callable[[Rows], dict[str, Any]] = lambda rows: {}
    query: str = ""
    # Text an allowed GET must answer with; None: the status alone says it.
    shows: Callable[[World, Rows], str] | None = this_profiles_page
    get_status: int = 200
    change: Change | None = None
    # A thing only the account that made it may see (the owner's export).
    makers_only: bool = False
    # allauth's views: what they answer beyond the gate is theirs.
    theirs: bool = False
    # allauth answers 404 to an account that has no such authenticator yet.
    absent_is_404: bool = False


def on_profile(rows: Rows) -> dict[str, Any]:
    return {"profile_uuid": rows.profile.uuid}


def on_contact(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"contact_uuid": rows.contact.uuid}


def on_grant(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"grant_uuid": rows.grant.uuid}


def on_kind(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"kind": "medications"}


def on_entry(rows: Rows) -> dict[str, Any]:
    return on_kind(rows) | {"entry_uuid": rows.medication.uuid}


def on_metric(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"metric": "heart_rate"}


def on_appointment(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"entry_uuid": rows.appointment.uuid}


def on_deleted_entry(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"kind": "conditions", "entry_uuid": rows.deleted_condition.uuid}


def on_document(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"document_uuid": rows.document.uuid}


def on_deleted_document(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"document_uuid": rows.deleted_document.uuid}


def on_import(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"job_uuid": rows.import_job.uuid}


def on_choosing_import(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"job_uuid": rows.choosing_job.uuid}


def on_failed_import(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"job_uuid": rows.failed_job.uuid}


def on_export(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"job_uuid": rows.export_job.uuid}


def on_group(rows: Rows) -> dict[str, Any]:
    """The group of the medicine two sources state differently (conftest.fill)."""
    group = Member.objects.get(entry_uuid=rows.medication.uuid).group
    return on_profile(rows) | {"group_uuid": group.uuid}


def _brand_group(rows: Rows) -> Group:
    """The medicine's brand typed by hand (conftest.fill), a group of its own to link with."""
    return (
        Member.objects.exclude(group__members__entry_uuid=rows.medication.uuid)
        .get(profile=rows.profile, kind="medications")
        .group
    )


def on_share_link(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"link_uuid": rows.share_link.uuid}


def on_invitation(rows: Rows) -> dict[str, Any]:
    return on_profile(rows) | {"invitation_uuid": rows.invitation.uuid}


def on_invitation_token(rows: Rows) -> dict[str, Any]:
    return {"token": rows.invitation_token}


def has_access(world: World, caller: str) -> bool:
    return (
        Grant.objects.in_force()
        .filter(profile=world.profile, account=account(world, caller))
        .exists()
    )


def on_reset_key(rows: Rows) -> dict[str, Any]:
    return {"uidb36": "1", "key": "not-a-real-key"}


def account(world: World, caller: str):
    return world.accounts[caller]


def refreshed(instance: Any) -> Any:
    return type(instance).objects.get(pk=instance.pk)


def upload(name: str, content: bytes) -> Callable[[Rows], dict[str, Any]]:
    return lambda rows: {"files": SimpleUploadedFile(name, content), "kind": "other"}


MATRIX: dict[str, Rule] = {
    "home": Rule(SIGNED_IN, shows=showing('<main id="main"')),
    "profiles:create": Rule(
        SIGNED_IN,
        SIGNED_IN,
        shows=showing('name="given_name"'),
        change=Change(
            edits={"given_name": "Rosa", "family_name": "Pérez"},
            made=lambda world, caller: Profile.objects.filter(
                given_name="Rosa", grants__account=account(world, caller)
            ).exists(),
        ),
    ),
    "profiles:overview": Rule(Role.VIEWER, kwargs=on_profile),
    "profiles:edit": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_profile,
        change=Change(
            edits={"family_name": "García López"},
            made=lambda world, caller: refreshed(world.profile).family_name == "García López",
        ),
    ),
    "profiles:delete": Rule(
        Role.OWNER,
        Role.OWNER,
        kwargs=on_profile,
        change=Change(
            edits={"confirm_name": "Ana García"},
            made=lambda world, caller: not Profile.objects.filter(pk=world.profile.pk).exists(),
        ),
    ),
    "profiles:contact_add": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_profile,
        change=Change(
            edits={"name": "Eva Ruiz", "phone": "+34 611 111 111"},
            made=lambda world, caller: EmergencyContact.objects.filter(
                profile=world.profile, name="Eva Ruiz"
            ).exists(),
        ),
    ),
    "profiles:contact_edit": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_contact,
        shows=showing("Luis García"),
        change=Change(
            edits={"phone": "+34 622 222 222"},
            made=lambda world, caller: refreshed(world.contact).phone == "+34 622 222 222",
        ),
    ),
    "profiles:contact_remove": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_contact,
        get_status=405,
        change=Change(
            made=lambda world, caller: (
                not EmergencyContact.objects.filter(pk=world.contact.pk).exists()
            )
        ),
    ),
    "profiles:sharing": Rule(Role.OWNER, kwargs=on_profile, shows=showing("viewer@world")),
    "profiles:revoke": Rule(
        Role.OWNER,
        Role.OWNER,
        kwargs=on_grant,
        get_status=405,
        change=Change(made=lambda world, caller: refreshed(world.grant).revoked_at is not None),
    ),
    "sharing:invite": Rule(
        Role.OWNER,
        Role.OWNER,
        kwargs=on_profile,
        change=Change(
            edits={"email": "new.carer@example.org", "consent_note": "Helps with appointments"},
            made=lambda world, caller: Invitation.objects.filter(
                profile=world.profile, email="new.carer@example.org"
            ).exists(),
        ),
    ),
    "sharing:cancel_invitation": Rule(
        Role.OWNER,
        Role.OWNER,
        kwargs=on_invitation,
        get_status=405,
        change=Change(
            made=lambda world, caller: (
                refreshed(world.invitation).state == InvitationState.CANCELLED
            )
        ),
    ),
    "sharing:grant": Rule(
        Role.OWNER,
        Role.OWNER,
        kwargs=on_grant,
        shows=showing("viewer@world"),
        change=Change(
            edits={"role": "editor"},
            made=lambda world, caller: refreshed(world.grant).role == Role.EDITOR,
        ),
    ),
    # A caregiver ends their own access; the only owner is refused, and told so.
    "sharing:leave": Rule(
        Role.VIEWER,
        Role.VIEWER,
        kwargs=on_profile,
        change=Change(
            made=lambda world, caller: caller == "owner" or not has_access(world, caller)
        ),
    ),
    # The invitee's page, reached by the e-mail's token. Signed out: the same page
    # for any token, to sign up or in. Signed in: only the stranger, who was
    # invited, sees the invitation and can accept it; others are told it is not theirs.
    "sharing:invitation": Rule(
        PUBLIC,
        SIGNED_IN,
        kwargs=on_invitation_token,
        shows=None,
        change=Change(
            data=lambda rows: {"answer": "accept"},
            made=lambda world, caller: caller != "stranger" or has_access(world, caller),
        ),
    ),
    "audit:trail": Rule(Role.OWNER, kwargs=on_profile, shows=showing("owner@world")),
    "records:list": Rule(Role.VIEWER, kwargs=on_kind, shows=showing("Metformin")),
    "records:create": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_kind,
        change=Change(
            edits={"display": "Ibuprofen"},
            made=lambda world, caller: Medication.objects.filter(
                profile=world.profile, display="Ibuprofen"
            ).exists(),
        ),
    ),
    "records:detail": Rule(Role.VIEWER, kwargs=on_entry, shows=showing("Metformin")),
    "records:edit": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_entry,
        change=Change(
            edits={"dose": "2 tablets"},
            made=lambda world, caller: refreshed(world.medication).dose == "2 tablets",
        ),
    ),
    "records:delete": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_entry,
        shows=showing("Metformin"),
        change=Change(
            edits={},
            made=lambda world, caller: refreshed(world.medication).deleted_at is not None,
        ),
    ),
    "records:restore": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_deleted_entry,
        get_status=405,
        change=Change(
            made=lambda world, caller: refreshed(world.deleted_condition).deleted_at is None
        ),
    ),
    "records:deleted": Rule(Role.EDITOR, kwargs=on_profile, shows=showing("Type 2 diabetes")),
    "records:timeline": Rule(Role.VIEWER, kwargs=on_profile, shows=showing("Hemoglobin A1c")),
    "records:readings": Rule(Role.VIEWER, kwargs=on_profile, shows=showing("/readings/heart_rate")),
    "records:add_readings": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_profile,
        change=Change(
            edits={"pulse": "61"},
            made=lambda world, caller: Observation.objects.filter(
                profile=world.profile, value_number=61
            ).exists(),
        ),
    ),
    "records:reading_chart": Rule(Role.VIEWER, kwargs=on_metric, shows=showing("<svg")),
    "records:move_device": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=lambda rows: on_profile(rows) | {"metric": "steps"},
        get_status=302,
        shows=None,
        change=Change(
            # The phone goes first (the watch says no model): the watch is put before it.
            data=lambda rows: {"label": "Watch", "direction": "earlier"},
            made=lambda world, caller: DeviceOrder.objects.filter(
                profile=world.profile, metric="steps", label="Watch", position=0
            ).exists(),
        ),
    ),
    "records:trend": Rule(
        Role.VIEWER, kwargs=on_profile, query="?code=4548-4", shows=showing("Hemoglobin A1c")
    ),
    "records:trend_chart": Rule(
        Role.VIEWER, kwargs=on_profile, query="?code=4548-4", shows=showing("<svg")
    ),
    "records:appointments_ics": Rule(
        Role.VIEWER, kwargs=on_profile, shows=showing("SUMMARY:Eye exam")
    ),
    "records:appointment_ics": Rule(
        Role.VIEWER, kwargs=on_appointment, shows=showing("SUMMARY:Eye exam")
    ),
    "records:appointment_prepare": Rule(
        Role.VIEWER, kwargs=on_appointment, shows=showing("Eye exam")
    ),
    "documents:list": Rule(Role.VIEWER, kwargs=on_profile, shows=showing("informe de alta")),
    "documents:upload": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_profile,
        change=Change(
            data=upload("nota.txt", b"Nota de la consulta"),
            made=lambda world, caller: Document.objects.filter(
                profile=world.profile, title="nota.txt"
            ).exists(),
        ),
    ),
    "documents:deleted": Rule(Role.EDITOR, kwargs=on_profile, shows=showing("old")),
    "documents:detail": Rule(Role.VIEWER, kwargs=on_document, shows=showing("Hospital Clínico")),
    "documents:edit": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_document,
        change=Change(
            edits={"facility": "Centro de Salud Norte"},
            made=lambda world, caller: (
                refreshed(world.document).facility == "Centro de Salud Norte"
            ),
        ),
    ),
    "documents:delete": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_document,
        get_status=405,
        change=Change(made=lambda world, caller: refreshed(world.document).deleted_at is not None),
    ),
    "documents:restore": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_deleted_document,
        get_status=405,
        change=Change(
            made=lambda world, caller: refreshed(world.deleted_document).deleted_at is None
        ),
    ),
    "documents:file": Rule(Role.VIEWER, kwargs=on_document, shows=showing("Informe de alta")),
    "documents:view": Rule(Role.VIEWER, kwargs=on_document, shows=showing("Informe de alta")),
    # A text file has no thumbnail.
    "documents:thumbnail": Rule(Role.VIEWER, kwargs=on_document, shows=None, get_status=204),
    "search:results": Rule(
        Role.VIEWER, kwargs=on_profile, query="?q=metformin", shows=showing("Metformin")
    ),
    "reconcile:conflicts": Rule(Role.VIEWER, kwargs=on_profile, shows=showing("Metformin")),
    "reconcile:group": Rule(Role.VIEWER, kwargs=on_group, shows=showing("Pharmacy")),
    "reconcile:medication_list": Rule(Role.VIEWER, kwargs=on_profile, shows=showing("Metformin")),
    "reconcile:medication_list_pdf": Rule(Role.VIEWER, kwargs=on_profile, shows=showing("%PDF")),
    "reconcile:review": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_group,
        get_status=405,
        change=Change(
            data=lambda rows: {"field": "frequency", "with_whom": "pharmacist"},
            made=lambda world, caller: Review.objects.filter(with_whom="pharmacist").exists(),
        ),
    ),
    "reconcile:take_out": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_group,
        get_status=405,
        change=Change(
            data=lambda rows: {"entry": str(rows.medication.uuid)},
            made=lambda world, caller: (
                Member.objects.get(entry_uuid=world.medication.uuid).how == How.APART
            ),
        ),
    ),
    "reconcile:link": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_group,
        get_status=405,
        change=Change(
            data=lambda rows: {"other": str(_brand_group(rows).uuid)},
            made=lambda world, caller: Member.objects.filter(how=How.HAND).exists(),
        ),
    ),
    "summary:page": Rule(Role.VIEWER, kwargs=on_profile, shows=showing("Metformin")),
    "summary:pdf": Rule(Role.VIEWER, kwargs=on_profile, shows=showing("%PDF")),
    # A SMART Health Link's manifest: whoever holds the link, the 256-bit address its key.
    "sharing:shl_manifest": Rule(
        PUBLIC,
        PUBLIC,
        kwargs=lambda rows: {"manifest_id": rows.share_link.manifest_id},
        # A GET reaches only a link with flag U; the world's link has none.
        query="?recipient=matrix",
        get_status=404,
        shows=None,
        change=Change(
            made=lambda world, caller: ShareAccess.objects.filter(recipient="matrix").exists(),
            data=lambda rows: {"recipient": "matrix"},
            status=200,
            as_json=True,
        ),
    ),
    "sharing:viewer": Rule(PUBLIC, shows=showing("data-shl-viewer")),
    # Whether the instance can serve: nothing of anyone's record (test_healthz.py).
    "healthz": Rule(PUBLIC, shows=showing('"database": {"ok": true')),
    # The keeper's SMART Health Links: handing the record out is the owners' decision alone.
    "sharing:links": Rule(Role.OWNER, kwargs=on_profile, shows=showing("For Luis García")),
    # Making a link asks for the password again (SECURITY.md), before the form: the owner
    # is sent to give it, and nothing is made before it is given (test_link_pages.py).
    "sharing:link_new": Rule(
        Role.OWNER,
        Role.OWNER,
        kwargs=on_profile,
        get_status=302,
        shows=None,
        change=Change(
            data=lambda rows: {"label": "Matrix", "ends": "7d"},
            made=lambda world, caller: not ShareLink.objects.filter(label="Matrix").exists(),
        ),
    ),
    "sharing:link": Rule(Role.OWNER, kwargs=on_share_link, shows=showing("For Luis García")),
    # The world's link keeps no key: its page says it cannot be shown again.
    "sharing:link_card": Rule(
        Role.OWNER, kwargs=on_share_link, shows=showing("its key was not kept")
    ),
    "sharing:link_revoke": Rule(
        Role.OWNER,
        Role.OWNER,
        kwargs=on_share_link,
        shows=showing("For Luis García"),
        change=Change(
            edits={},
            made=lambda world, caller: refreshed(world.share_link).revoked_at is not None,
        ),
    ),
    "sharing:shl_file": Rule(
        PUBLIC,
        kwargs=lambda rows: {"token": location_token(rows.share_link, 0)},
        shows=showing("eyJ"),
    ),
    "summary:checklist": Rule(Role.VIEWER, kwargs=on_profile),
    "imports:list": Rule(
        Role.VIEWER,
        Role.EDITOR,
        kwargs=on_profile,
        shows=showing("portal.json"),
        change=Change(
            data=lambda world: {"files": SimpleUploadedFile("again.json", IMPORT_BUNDLE + b" ")},
            made=lambda world, caller: ImportJob.objects.filter(
                profile=world.profile, label="again.json"
            ).exists(),
        ),
    ),
    "imports:detail": Rule(Role.VIEWER, kwargs=on_import, shows=showing("Asthma")),
    "imports:choose": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_choosing_import,
        get_status=405,
        change=Change(
            data=lambda world: {"patient": world.choosing_job.patients[0]["key"]},
            made=lambda world, caller: refreshed(world.choosing_job).state == JobState.READY,
        ),
    ),
    "imports:commit": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_import,
        get_status=405,
        change=Change(
            made=lambda world, caller: Condition.objects.filter(
                profile=world.profile, display="Asthma"
            ).exists()
        ),
    ),
    # Started again from its kept file, read at once: the new import waits for review.
    "imports:try_again": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_failed_import,
        get_status=405,
        change=Change(
            made=lambda world, caller: (
                (again := refreshed(world.failed_job).retried_as) is not None
                and again.state == JobState.READY
            )
        ),
    ),
    "imports:discard": Rule(
        Role.EDITOR,
        Role.EDITOR,
        kwargs=on_import,
        get_status=405,
        change=Change(
            made=lambda world, caller: refreshed(world.import_job).state == JobState.DISCARDED
        ),
    ),
    # A viewer may export what a viewer may read (the calendar): answered at once.
    "exports:list": Rule(
        Role.VIEWER,
        Role.VIEWER,
        kwargs=on_profile,
        change=Change(
            data=lambda world: {"format": "ics", "language": "es"},
            made=lambda world, caller: AuditEvent.objects.filter(
                action=Action.EXPORT_DOWNLOADED,
                actor=account(world, caller),
                profile_uuid=world.profile.uuid,
            ).exists(),
            status=200,
        ),
    ),
    # A job is its maker's only.
    "exports:detail": Rule(Role.VIEWER, kwargs=on_export, makers_only=True),
    "exports:download": Rule(Role.VIEWER, kwargs=on_export, makers_only=True, shows=showing("PK")),
    "accounts:account": Rule(SIGNED_IN, shows=lambda world, rows: "@world.example.org"),
    "accounts:set_language": Rule(
        PUBLIC,
        PUBLIC,
        get_status=405,
        change=Change(
            data=lambda world: {"language": "es", "next": "/"},
            made=lambda world, caller: (
                caller in WITHOUT_ACCOUNT or refreshed(world.accounts[caller]).language == "es"
            ),
        ),
    ),
    "accounts:set_units": Rule(
        SIGNED_IN,
        SIGNED_IN,
        get_status=405,
        change=Change(
            data=lambda world: {"unit_system": "si"},
            made=lambda world, caller: refreshed(world.accounts[caller]).unit_system == "si",
        ),
    ),
    "records:measurements": Rule(
        Role.VIEWER,
        Role.EDITOR,
        kwargs=on_profile,
        shows=showing('id="measurement-hba1c"'),
        change=Change(
            edits={"series": "weight"},
            made=lambda world, caller: (
                list(
                    ChosenMeasurement.objects.filter(profile=world.profile).values_list(
                        "series", flat=True
                    )
                )
                == ["weight"]
            ),
        ),
    ),
    # The signed-in account's own notices: dismissing them all is its own change.
    "reminders:notices": Rule(
        SIGNED_IN,
        SIGNED_IN,
        shows=showing("<h1>Notices</h1>"),
        change=Change(
            data=lambda rows: {"dismiss": "all"},
            made=lambda world, caller: (
                not Notice.objects.listed().filter(account=account(world, caller)).exists()
            ),
        ),
    ),
    "reminders:settings": Rule(
        SIGNED_IN,
        SIGNED_IN,
        shows=showing('name="appointment_by_email"'),
        change=Change(
            edits={"appointment_by_email": ""},
            made=lambda world, caller: Choice.objects.filter(
                account=account(world, caller), kind="appointment", by_email=False
            ).exists(),
        ),
    ),
    # A reader's own private calendar address: shown once, in the answer to the POST.
    "reminders:calendar": Rule(
        Role.VIEWER,
        Role.VIEWER,
        kwargs=on_profile,
        change=Change(
            data=lambda rows: {"action": "make"},
            made=lambda world, caller: CalendarFeed.objects.filter(
                account=account(world, caller), profile=world.profile
            ).exists(),
            status=200,
        ),
    ),
    # The feed: whoever holds its secret address, as a calendar app does; any other is 404.
    "reminders:feed": Rule(
        PUBLIC, kwargs=lambda rows: {"token": "not-a-real-token"}, get_status=404, shows=None
    ),
    # The account's own tokens. Making one asks for the password again first, as a share
    # link does: a session that has not given it lately is sent to, and nothing is made.
    "tokens:list": Rule(
        SIGNED_IN,
        SIGNED_IN,
        shows=showing("<h1>Access tokens</h1>"),
        change=Change(
            data=lambda rows: {
                "name": "Matrix",
                "scopes": ["read"],
                "profiles": [str(rows.profile.uuid)],
                "days": "90",
            },
            made=lambda world, caller: not AccessToken.objects.filter(name="Matrix").exists(),
        ),
    ),
    # Revoking takes a POST, and only the account's own token: any other UUID answers 404,
    # as a token that never was (api/tests/test_tokens.py revokes a real one).
    "tokens:revoke": Rule(
        SIGNED_IN,
        SIGNED_IN,
        kwargs=lambda rows: {"token_uuid": uuid.UUID(int=1)},
        get_status=405,
        shows=None,
        change=Change(made=lambda world, caller: not AccessToken.objects.exists(), status=404),
    ),
    # The guides: public, and showing nothing of anyone's record.
    "guides:index": Rule(PUBLIC, shows=showing('href="/help/what-a-phr-is/"')),
    "guides:guide": Rule(
        PUBLIC, kwargs=lambda rows: {"slug": "what-a-phr-is"}, shows=showing('class="guide-body"')
    ),
    # allauth's pages: its own views decide, within these bounds.
    "account_login": Rule(PUBLIC, PUBLIC, theirs=True),
    "account_logout": Rule(PUBLIC, PUBLIC, theirs=True),
    "account_inactive": Rule(PUBLIC, PUBLIC, theirs=True),
    "account_signup": Rule(PUBLIC, PUBLIC, theirs=True),
    "account_reauthenticate": Rule(SIGNED_IN, SIGNED_IN, theirs=True),
    "account_email": Rule(SIGNED_IN, SIGNED_IN, theirs=True),
    "account_email_verification_sent": Rule(PUBLIC, PUBLIC, theirs=True),
    "account_change_password": Rule(SIGNED_IN, SIGNED_IN, theirs=True),
    "account_set_password": Rule(SIGNED_IN, SIGNED_IN, theirs=True),
    "account_reset_password": Rule(PUBLIC, PUBLIC, theirs=True),
    "account_confirm_login_code": Rule(PUBLIC, PUBLIC, theirs=True),
    "account_reset_password_from_key_done": Rule(PUBLIC, PUBLIC, theirs=True),
    "account_reset_password_from_key": Rule(PUBLIC, PUBLIC, kwargs=on_reset_key, theirs=True),
    "account_reset_password_done": Rule(PUBLIC, PUBLIC, theirs=True),
    "mfa_index": Rule(SIGNED_IN, SIGNED_IN, theirs=True),
    "mfa_authenticate": Rule(PUBLIC, PUBLIC, theirs=True),
    "mfa_reauthenticate": Rule(SIGNED_IN, SIGNED_IN, theirs=True),
    "mfa_activate_totp": Rule(SIGNED_IN, SIGNED_IN, theirs=True),
    "mfa_deactivate_totp": Rule(SIGNED_IN, SIGNED_IN, theirs=True, absent_is_404=True),
    "mfa_view_recovery_codes": Rule(SIGNED_IN, SIGNED_IN, theirs=True, absent_is_404=True),
    "mfa_generate_recovery_codes": Rule(SIGNED_IN, SIGNED_IN, theirs=True, absent_is_404=True),
    "mfa_download_recovery_codes": Rule(SIGNED_IN, SIGNED_IN, theirs=True, absent_is_404=True),
}

# Things of the other profile that no page of Ana's may show.
OTHERS_THINGS = (OTHER.contact, OTHER.medication, OTHER.document)


def url_patterns(
    patterns: list[Any] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name"
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


# The API's routes answer tokens, not sessions: myhealthhub/api/tests/test_api_matrix.py
# walks every one of them with every kind of token, as this file walks the pages.
TOKEN_NAMESPACES = ("api:", "fhir:")


def page_patterns() -> Iterator[tuple[str, URLPattern]]:
    return (
        (name, pattern) for name, pattern in url_patterns() if not name.startswith(TOKEN_NAMESPACES)
    )


def test_every_url_pattern_is_in_the_matrix():
    names = [name for name, _pattern in page_patterns()]
    assert len(names) == len(set(names)), "two URL patterns share a name"
    assert set(names) == set(MATRIX), (
        f"not in the matrix: {sorted(set(names) - set(MATRIX))}; "
        f"in the matrix but gone: {sorted(set(MATRIX) - set(names))}"
    )


def test_every_profile_view_declares_the_roles_of_the_matrix():
    for name, pattern in page_patterns():
        declared = getattr(pattern.callback, "declared", None)
        rule = MATRIX[name]
        if declared is None:
            assert not isinstance(rule.get, Role), f"{name} does not go through profile_view"
            continue
        assert isinstance(declared, Declared)
        assert (declared.read, declared.write) == (rule.get, rule.post), name


# What the database holds, to see that a refusal changed none of it.

# Rows a request may touch before any gate: the caller's session. And tables
# no request writes to: Django's own lists of models and permissions.
UNWATCHED = {"sessions.session", "contenttypes.contenttype", "auth.permission"}


def database_state() -> dict[str, int]:
    """A digest of every row of every table, one per table."""
    state = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.label_lower in UNWATCHED or not model._meta.managed:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608
            state[model._meta.db_table] = hash(repr(cursor.fetchall()))
    return state


def expected(rule: Rule, caller: str, method: str) -> str:
    """ "allowed", "login" (sent to sign in), "hidden" (404) or "not allowed" (405)."""
    need = rule.get if method == "get" or rule.post is None else rule.post
    if need == PUBLIC:
        outcome = "allowed"
    elif caller in WITHOUT_ACCOUNT:
        return "login"
    elif need == SIGNED_IN:
        outcome = "allowed"
    else:
        role = CALLER_ROLES.get(caller)
        if role is None or not role.includes(Role(need)):
            return "hidden"
        outcome = "allowed"
        if rule.makers_only and caller != "owner" and method == "get":
            return "hidden"
    if method == "post" and rule.post is None:
        return "not allowed"
    if method == "get" and rule.get_status == 405:
        return "not allowed"
    return outcome


@dataclass
class Call:
    world: World
    name: str
    caller: str
    method: str
    rule: Rule = field(init=False)

    def __post_init__(self) -> None:
        self.rule = MATRIX[self.name]

    @property
    def url(self) -> str:
        return reverse(self.name, kwargs=self.rule.kwargs(self.world)) + self.rule.query

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url} as {self.caller}"

    def data(self) -> dict[str, Any] | None:
        """What a POST sends: a valid change, whoever sends it; None for a bare request."""
        change = self.rule.change
        if self.method == "get" or self.rule.theirs or change is None:
            return None
        if change.edits is None:
            return change.data(self.world)
        # The form as the owner's browser shows it: a caller who may not see it tries it all the same.
        form = self.world.client("owner").get(self.url)
        return as_a_browser_sends(form, change.edits)

    def send(self, client: Client, data: dict[str, Any] | None) -> TestResponse:
        if data is None:
            return getattr(client, self.method)(self.url)
        if self.rule.change is not None and self.rule.change.as_json:
            return client.post(self.url, json.dumps(data), content_type="application/json")
        return client.post(self.url, data)


def as_a_browser_sends(page: TestResponse, edits: dict[str, str]) -> dict[str, Any]:
    """The values of the page's main form, as a browser sends them, with ``edits`` made."""
    document = lxml.html.document_fromstring(page.content.decode())
    found = document.xpath("//form[translate(@method, 'POST', 'post') = 'post']")
    assert isinstance(found, list)
    # lxml.html's FormElement: its form_values() are what a browser sends.
    forms: list[Any] = list(found)
    main = max(forms, key=lambda form: len(form.inputs))
    values: dict[str, Any] = {}
    for name, value in main.form_values():
        values.setdefault(name, []).append(value)
    for name, value in edits.items():
        values[name] = [value]
    return {name: each[0] if len(each) == 1 else each for name, each in values.items()}


def cases() -> list[tuple[str, str, str]]:
    """Every URL name × caller × method; on PostgreSQL, those the gate lets through.

    A refused caller is stopped at the gate, before its view reads anything:
    the gate's queries are the same on both databases, and the callers let
    through make them too. What differs between the databases is what a
    view does once it runs, and every view runs for its allowed callers on
    both.
    """
    every = [
        (name, caller, method)
        for name in sorted(MATRIX)
        for caller in CALLERS
        for method in ("get", "post")
    ]
    if connection.vendor == "sqlite":
        return every
    return [case for case in every if expected(MATRIX[case[0]], case[1], case[2]) == "allowed"]


@pytest.mark.parametrize(("name", "caller", "method"), cases())
def test_access_matrix(world: World, name: str, caller: str, method: str):
    call = Call(world, name, caller, method)
    outcome = expected(call.rule, caller, method)
    # Signing in, and the owner's look at a form, are written down: before the state is taken.
    client = world.client(caller)
    data = call.data()
    before = database_state() if outcome != "allowed" else None
    response = call.send(client, data)
    status = response.status_code
    assert status < 500, f"{call}: {status}"
    if outcome == "hidden":
        assert status == 404, f"{call} should be hidden, got {status}"
    elif outcome == "login":
        assert status == 302, f"{call}: {status}"
        assert response["Location"].startswith(reverse("account_login"))
    elif outcome == "not allowed":
        assert status == 405, f"{call}: {status}"
    elif call.rule.theirs:
        refused = {403} if call.rule.absent_is_404 else {403, 404}
        assert status not in refused, f"{call}: {status}"
    elif method == "get":
        assert_shows(call, response)
    else:
        change = call.rule.change
        assert change is not None
        assert status == change.status, f"{call}: {status}"
        assert change.made(world, caller), f"{call} did not make its change"
    if before is not None:
        assert database_state() == before, f"{call} was refused, yet changed the database"


def assert_shows(call: Call, response: TestResponse) -> None:
    assert response.status_code == call.rule.get_status, f"{call}: {response.status_code}"
    if call.rule.shows is None:
        return
    content = b"".join(response) if response.streaming else response.content
    text = content.decode(errors="replace")
    assert call.rule.shows(call.world, call.world) in text, f"{call} does not show its profile"
    for thing in OTHERS_THINGS:
        assert thing not in text, f"{call} shows {thing!r}, of another profile"


@pytest.mark.parametrize(
    "name", sorted(n for n, rule in MATRIX.items() if isinstance(rule.get, Role))
)
def test_unknown_profile_answers_like_a_forbidden_one(world: World, name: str):
    kwargs = MATRIX[name].kwargs(world) | {"profile_uuid": uuid.uuid4()}
    client = world.client("owner")
    before = database_state()
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 404
    assert client.post(reverse(name, kwargs=kwargs)).status_code == 404
    assert database_state() == before


def child_routes() -> list[str]:
    """The routes that name a thing inside a profile: a UUID or a slug besides the profile's."""
    routes = []
    for name, pattern in page_patterns():
        converters = set(pattern.pattern.converters) - {"profile_uuid", "kind"}
        if "profile_uuid" in pattern.pattern.converters and converters - {"metric"}:
            routes.append(name)
    return sorted(routes)


@pytest.mark.parametrize("name", child_routes())
def test_a_thing_of_another_profile_is_hidden(world: World, name: str):
    """Ana's owner owns Luis's profile too: only the gate's profile check keeps them apart."""
    rule = MATRIX[name]
    kwargs = rule.kwargs(world.other) | {"profile_uuid": world.profile.uuid}
    url = reverse(name, kwargs=kwargs) + rule.query
    client = world.client("owner")
    before = database_state()
    # 405 where the view takes only POST, or only GET: said before any lookup, it tells nothing.
    assert client.get(url).status_code == (405 if rule.get_status == 405 else 404), url
    data = rule.change.data(world.other) if rule.change and rule.change.edits is None else {}
    assert client.post(url, data).status_code == (405 if rule.post is None else 404), url
    assert database_state() == before
