"""`myhealthhub worker`: the task worker. It first fails what a dead worker left (imports,
exports, task rows), lets go of expired exports and sweeps the uploads a killed process left;
then it keeps looking for those every minute while it runs (management/recovery.py)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from myhealthhub.documents import spool
from myhealthhub.exports import jobs
from myhealthhub.management import recovery


class Command(DatabaseWorker):
    help = _("Run the task worker (imports, exports, document reading).")

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Named as the jobs it takes name it ("host:pid"): another worker on this
        # machine can then tell that a task's process is gone.
        parser.set_defaults(worker_id=recovery.worker_id())

    def handle(self, *args: Any, **options: Any) -> None:
        found = recovery.recover(at_worker_start=True)
        self._say(
            found.imports,
            ngettext(
                "Marked %(count)d abandoned import as failed.",
                "Marked %(count)d abandoned imports as failed.",
                found.imports,
            ),
        )
        self._say(
            found.exports,
            ngettext(
                "Marked %(count)d abandoned export as failed.",
                "Marked %(count)d abandoned exports as failed.",
                found.exports,
            ),
        )
        expired = jobs.remove_expired()
        self._say(
            expired,
            ngettext(
                "Removed %(count)d expired export.", "Removed %(count)d expired exports.", expired
            ),
        )
        leftovers = spool.sweep()
        self._say(
            leftovers,
            ngettext(
                "Removed %(count)d unfinished upload left behind.",
                "Removed %(count)d unfinished uploads left behind.",
                leftovers,
            ),
        )
        recovery.keep_recovering(settings.WORKER_RECOVERY_EVERY)
        super().handle(*args, **options)

    def _say(self, count: int, message: str) -> None:
        if count:
            self.stderr.write(message % {"count": count})
