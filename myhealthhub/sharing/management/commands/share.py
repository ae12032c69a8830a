"""`myhealthhub share create|list|revoke`: SMART Health Links from the command line."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.documents.models import Document
from myhealthhub.errors import ActionRefused
from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.usage import billed_account
from myhealthhub.sharing.links.actions import (
    DEFAULT_LIFETIME,
    LinkChoices,
    addresses,
    create_link,
    link_text,
    revoke_link,
)
from myhealthhub.sharing.models import ShareLink

_LIFETIME = re.compile(r"^(\d+)([dh])$")


def lifetime(text: str) -> dt.timedelta | None:
    """ "7d", "12h", or "never"; CommandError for anything else."""
    if text == "never":
        return None
    found = _LIFETIME.match(text)
    if found is None or int(found.group(1)) == 0:
        raise CommandError(_('--expires takes a number of days or hours ("7d", "12h") or "never".'))
    amount = int(found.group(1))
    return dt.timedelta(days=amount) if found.group(2) == "d" else dt.timedelta(hours=amount)


class Command(BaseCommand):
    help = _("Make, list and revoke SMART Health Links to a profile's summary.")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help=_("make a link and print it"))
        create.add_argument("--profile", type=uuid.UUID, required=True, help=_("profile UUID"))
        create.add_argument(
            "--expires",
            default=f"{DEFAULT_LIFETIME.days}d",
            help=_('how long it works: "7d", "12h", or "never" (default: 7d)'),
        )
        create.add_argument(
            "--passcode-stdin", action="store_true", help=_("read a passcode from standard input")
        )
        create.add_argument(
            "--long-term",
            action="store_true",
            help=_("keep it up to date: each visit reads the record as it is then"),
        )
        create.add_argument(
            "--document",
            type=uuid.UUID,
            action="append",
            default=[],
            help=_("also carry this document (repeat for more)"),
        )
        create.add_argument("--label", default="", help=_("a short label, at most 80 characters"))
        create.add_argument("--language", default="", help=_("en or es (default: the profile's)"))
        create.add_argument("--json", action="store_true", dest="as_json")
        listing = sub.add_parser("list", help=_("list a profile's links"))
        listing.add_argument("--profile", type=uuid.UUID, required=True, help=_("profile UUID"))
        revoke = sub.add_parser("revoke", help=_("revoke a link"))
        revoke.add_argument("id", type=uuid.UUID, help=_("the link's ID, as `share list` shows"))

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_create(
        self,
        *,
        profile: uuid.UUID,
        expires: str,
        passcode_stdin: bool,
        long_term: bool,
        document: list[uuid.UUID],
        label: str,
        language: str,
        as_json: bool,
        **_options: Any,
    ) -> None:
        found = _profile(profile)
        ends = lifetime(expires)
        passcode = sys.stdin.readline().rstrip("\r\n") if passcode_stdin else ""
        documents = list(Document.objects.alive().filter(profile=found, uuid__in=document))
        if len(documents) != len(set(document)):
            raise CommandError(_("Choose documents of this profile."))
        languages = {code for code, _name in settings.LANGUAGES}
        if language and language not in languages:
            raise CommandError(_("--language is en or es."))
        choices = LinkChoices(
            expires_at=timezone.now() + ends if ends else None,
            label=label,
            passcode=passcode,
            long_term=long_term,
            documents=documents,
            language=language or (found.language if found.language in languages else "en"),
        )
        try:
            made = create_link(found, choices, actor=billed_account(found), request=None)
        except ActionRefused as refusal:
            raise CommandError(refusal.message) from None
        viewer, manifest = addresses(made.link, None)
        text = link_text(viewer, made.link, made.key, manifest)
        if as_json:
            shown = {
                "id": str(made.link.uuid),
                "link": text,
                "viewer": viewer,
                "expires": made.link.expires_at.isoformat() if made.link.expires_at else None,
                "flag": made.link.flags,
            }
            self.stdout.write(json.dumps(shown, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(text)

    def handle_list(self, *, profile: uuid.UUID, **_options: Any) -> None:
        for link in ShareLink.objects.filter(profile=_profile(profile)).order_by("created_at"):
            ends = link.expires_at.isoformat(timespec="minutes") if link.expires_at else "-"
            state = _state(link)
            self.stdout.write(
                f"{link.uuid}  {state:<8}  {ends:<25}  {link.flags or '-':<3}  {link.label}"
            )

    def handle_revoke(self, *, id: uuid.UUID, **_options: Any) -> None:
        link = ShareLink.objects.select_related("profile").filter(uuid=id).first()
        if link is None:
            raise CommandError(_("No link %(id)s.") % {"id": id})
        revoke_link(link, actor=None, request=None)
        self.stdout.write(_("Revoked: the link answers no one from now on."))


def _profile(found: uuid.UUID) -> Profile:
    profile = Profile.objects.filter(uuid=found).first()
    if profile is None:
        raise CommandError(_("No profile %(uuid)s.") % {"uuid": found})
    return profile


def _state(link: ShareLink) -> str:
    if link.revoked_at:
        return "revoked"
    if link.disabled_at:
        return "disabled"
    if link.expires_at and link.expires_at <= timezone.now():
        return "ended"
    return "live"
