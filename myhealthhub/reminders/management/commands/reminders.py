from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.reminders.rounds import run_round


class Command(BaseCommand):
    help = _("Send the reminders that are due (the worker does it every hour).")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("send", help=_("make the notices and send the e-mails due now, once each"))

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        done = run_round()
        notices = ngettext("%(count)d new notice", "%(count)d new notices", done.notices) % {
            "count": done.notices
        }
        emails = ngettext("%(count)d e-mail sent", "%(count)d e-mails sent", done.emails) % {
            "count": done.emails
        }
        self.stdout.write(f"{notices}, {emails}.")
