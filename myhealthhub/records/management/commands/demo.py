from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.accounts.actions import create_account
from myhealthhub.accounts.models import User
from myhealthhub.documents.demo import add_demo_documents
from myhealthhub.errors import ActionRefused
from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.records.demo import create_demo


class Command(BaseCommand):
    help = _("Create a demo account with two profiles full of realistic synthetic records.")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="demo@example.org")
        parser.add_argument("--language", choices=["en", "es"], default="en")
        parser.add_argument(
            "--observations", type=int, default=0, help=_("extra lab values for the adult")
        )
        parser.add_argument("--entries", type=int, default=0, help=_("extra notes for the adult"))
        parser.add_argument(
            "--samples",
            type=int,
            default=0,
            help=_("heart rate readings from a watch for the adult"),
        )

    def handle(
        self,
        *args: Any,
        email: str,
        language: str,
        observations: int,
        entries: int,
        samples: int,
        **options: Any,
    ) -> None:
        if min(observations, entries, samples) < 0:
            raise CommandError(_("--observations, --entries and --samples cannot be negative."))
        password = None
        owner = User.objects.filter(email=email.lower()).first()
        if owner is None:
            password = secrets.token_urlsafe(12)
            try:
                owner = create_account(email, password, language=language)
            except ActionRefused as refusal:
                raise CommandError(refusal.message) from None
        profiles = create_demo(
            owner, language=language, observations=observations, entries=entries, samples=samples
        )
        add_demo_documents(profiles[0], owner, language, timezone.localdate())
        for profile in profiles:
            self.stdout.write(f"{profile.uuid}  {profile.name}")
        if password:
            self.stdout.write(
                _("Sign in as %(email)s with the password %(password)s")
                % {"email": owner.email, "password": password}
            )
        else:
            self.stdout.write(
                _("Added to the existing account %(email)s.") % {"email": owner.email}
            )
