"""`myhealthhub backup`: the whole instance in one file, while it serves (management/backups/)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.management.backups import databases, passphrase, taking


class Command(BaseCommand):
    help = _(
        "Back up the whole instance (database and every stored file) to one file, "
        "while it keeps serving."
    )
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            required=True,
            type=Path,
            help=_("the backup file to write, or a folder to write a dated one in"),
        )
        parser.add_argument(
            "--include-master-key",
            action="store_true",
            help=_(
                "put the master key in too, and seal the whole file with a passphrase "
                "read from standard input"
            ),
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help=_("with a folder as --output: keep its N newest backups, remove the older ones"),
        )

    def handle(
        self, *args: Any, output: Path, include_master_key: bool, keep: int | None, **options: Any
    ) -> None:
        if keep is not None and keep < 1:
            raise CommandError(_("--keep must be at least 1."))
        secret = read_passphrase(confirm=True) if include_master_key else None
        try:
            taken = taking.take(output, passphrase_text=secret, keep=keep)
        except (taking.BackupRefused, databases.DatabaseRefused) as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            ngettext(
                "Backed up the database and %(count)d stored file to %(path)s (%(size)s).",
                "Backed up the database and %(count)d stored files to %(path)s (%(size)s).",
                taken.files,
            )
            % {"count": taken.files, "path": taken.path, "size": filesizeformat(taken.size)}
        )
        if not include_master_key:
            self.stdout.write(
                _(
                    "The master key is not in it: keep a copy of the master key apart, "
                    "or the files in this backup open nowhere else."
                )
            )
        if taken.missing:
            self.stderr.write(
                ngettext(
                    "%(count)d file was deleted while the backup ran and is not in it.",
                    "%(count)d files were deleted while the backup ran and are not in it.",
                    len(taken.missing),
                )
                % {"count": len(taken.missing)}
            )
        for path in taken.removed:
            self.stdout.write(_("Removed the older backup %(path)s.") % {"path": path})


def read_passphrase(*, confirm: bool) -> str:
    """The passphrase: asked for twice at a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        text = getpass.getpass(_("Passphrase: "))
        if confirm and getpass.getpass(_("The same passphrase again: ")) != text:
            raise CommandError(_("The two passphrases differ."))
    else:
        text = sys.stdin.readline().rstrip("\r\n")
    if confirm and len(text) < passphrase.MINIMUM_LENGTH:
        raise CommandError(
            _("The passphrase must have at least %(count)d characters.")
            % {"count": passphrase.MINIMUM_LENGTH}
        )
    if not text:
        raise CommandError(_("No passphrase was given."))
    return text
