"""`myhealthhub restore`: a whole-instance backup into an empty instance (management/backups/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.management.backups import databases, restoring
from myhealthhub.management.backups.manifest import NotABackup
from myhealthhub.management.commands.backup import read_passphrase


class Command(BaseCommand):
    help = _(
        "Restore a backup made by `myhealthhub backup` into an empty instance: a new data "
        "folder, or a new PostgreSQL database. Everything is checked before anything is "
        "written, and read back after."
    )
    # Checks may open the database, and the database must stay untouched until the
    # backup has been checked: a restore checks what it needs itself.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help=_("the backup file"))

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": path})
        secret = read_passphrase(confirm=False) if restoring.needs_passphrase(path) else None
        try:
            restored = restoring.restore(path, passphrase_text=secret)
        except (NotABackup, restoring.RestoreRefused, databases.DatabaseRefused) as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            ngettext(
                "Restored %(rows)d rows and %(count)d stored file, and checked them all.",
                "Restored %(rows)d rows and %(count)d stored files, and checked them all.",
                restored.files,
            )
            % {"rows": restored.rows, "count": restored.files}
        )
        if restored.migrated:
            self.stdout.write(
                _("The backup was made by an older version: the database was upgraded.")
            )
        if restored.missing:
            self.stderr.write(
                ngettext(
                    "%(count)d file was deleted while the backup was taken and is not in it.",
                    "%(count)d files were deleted while the backup was taken and are not in it.",
                    len(restored.missing),
                )
                % {"count": len(restored.missing)}
            )
