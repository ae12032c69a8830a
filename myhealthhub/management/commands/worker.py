"""`myhealthhub worker`: the task worker, which first fails the jobs a dead worker left
and lets go of expired exports."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from myhealthhub.exports import jobs
from myhealthhub.imports.recovery import fail_abandoned_jobs


class Command(DatabaseWorker):
    help = "Run the task worker (imports, exports, document reading)."

    def handle(self, *args: Any, **options: Any) -> None:
        failed = fail_abandoned_jobs()
        if failed:
            self.stderr.write(f"Marked {failed} abandoned import(s) as failed.")
        expired, abandoned = jobs.clean_up()
        if expired or abandoned:
            self.stderr.write(
                f"Removed {expired} expired export(s); marked {abandoned} abandoned one(s) failed."
            )
        super().handle(*args, **options)
