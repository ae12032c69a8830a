"""`myhealthhub worker`: the task worker, which first fails the jobs a dead worker left,
lets go of expired exports and sweeps the uploads a killed process left (hourly after that)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from myhealthhub.documents import spool
from myhealthhub.exports import jobs
from myhealthhub.imports.recovery import fail_abandoned_jobs


class Command(DatabaseWorker):
    help = _("Run the task worker (imports, exports, document reading).")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = fail_abandoned_jobs()
        if failed:
            self.stderr.write(
                ngettext(
                    "Marked %(count)d abandoned import as failed.",
                    "Marked %(count)d abandoned imports as failed.",
                    failed,
                )
                % {"count": failed}
            )
        expired, abandoned = jobs.clean_up()
        if expired:
            self.stderr.write(
                ngettext(
                    "Removed %(count)d expired export.",
                    "Removed %(count)d expired exports.",
                    expired,
                )
                % {"count": expired}
            )
        if abandoned:
            self.stderr.write(
                ngettext(
                    "Marked %(count)d abandoned export as failed.",
                    "Marked %(count)d abandoned exports as failed.",
                    abandoned,
                )
                % {"count": abandoned}
            )
        leftovers = spool.sweep()
        if leftovers:
            self.stderr.write(
                ngettext(
                    "Removed %(count)d unfinished upload left behind.",
                    "Removed %(count)d unfinished uploads left behind.",
                    leftovers,
                )
                % {"count": leftovers}
            )
        spool.keep_sweeping()
        super().handle(*args, **options)
