from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.documents import keys
from myhealthhub.errors import ActionRefused
from myhealthhub.lib import keyring
from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS


class Command(BaseCommand):
    help = _("Rotate the master key: rewrap every file's key under a new one.")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "rotate",
            help=_(
                "with the key file (the default): make a new master key and rewrap every "
                "file key under it; with MYHEALTHHUB_MASTER_KEY: rewrap every file key still "
                "under MYHEALTHHUB_MASTER_KEY_PREVIOUS"
            ),
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            rotation = keys.rotate()
        except (ActionRefused, keyring.MissingKey) as refusal:
            raise CommandError(str(refusal)) from None
        count = rotation.rewrapped
        if rotation.key_file:
            message = ngettext(
                "Rewrapped %(count)d file key; the new key is in %(path)s.",
                "Rewrapped %(count)d file keys; the new key is in %(path)s.",
                count,
            ) % {"count": count, "path": rotation.key_file}
        else:
            message = ngettext(
                "Rewrapped %(count)d file key; MYHEALTHHUB_MASTER_KEY_PREVIOUS can now be removed.",
                "Rewrapped %(count)d file keys; "
                "MYHEALTHHUB_MASTER_KEY_PREVIOUS can now be removed.",
                count,
            ) % {"count": count}
        self.stdout.write(message)
