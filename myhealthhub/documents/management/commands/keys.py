from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.documents import keys
from myhealthhub.lib import keyring


class Command(BaseCommand):
    help = "Rotate the master key: rewrap every file's key under a new one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "rotate",
            help=(
                "with the key file (the default): make a new master key and rewrap every "
                "file key under it; with MYHEALTHHUB_MASTER_KEY: rewrap every file key still "
                "under MYHEALTHHUB_MASTER_KEY_PREVIOUS"
            ),
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if settings.MASTER_KEY_FILE is not None:
                count = keys.rotate_key_file()
                where = f"the new key is in {settings.MASTER_KEY_FILE}"
            else:
                if settings.MASTER_KEY_PREVIOUS is None:
                    raise CommandError(
                        "The master key comes from MYHEALTHHUB_MASTER_KEY. To rotate it, set "
                        "MYHEALTHHUB_MASTER_KEY to the new key and "
                        "MYHEALTHHUB_MASTER_KEY_PREVIOUS to the old one, then run this again."
                    )
                count = keys.rewrap_all(keyring.current())
                where = "MYHEALTHHUB_MASTER_KEY_PREVIOUS can now be removed"
        except keyring.MissingKey as error:
            raise CommandError(str(error)) from None
        log_action(Action.KEYS_ROTATED, request=None, actor_label="myhealthhub keys rotate")
        self.stdout.write(f"Rewrapped {count} file keys; {where}.")
