from __future__ import annotations

import getpass
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from myhealthhub.accounts.actions import create_account
from myhealthhub.errors import ActionRefused
from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS


class Command(BaseCommand):
    help = _("Make an account whose e-mail address counts as verified.")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help=_("read the password from standard input instead of prompting"),
        )
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], default=""
        )

    def handle(
        self, *args: Any, email: str, password_stdin: bool, language: str, **options: Any
    ) -> None:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass(_("Password: "))
            if getpass.getpass(_("Password (again): ")) != password:
                raise CommandError(_("The two passwords differ."))
        try:
            user = create_account(email, password, language=language)
        except ActionRefused as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(_("Created the account %(email)s.") % {"email": user.email})
