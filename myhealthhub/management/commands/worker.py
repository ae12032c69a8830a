"""`myhealthhub worker`: the task worker, which first fails the jobs a dead worker left."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from myhealthhub.interop.recovery import fail_abandoned_jobs


class Command(DatabaseWorker):
    help = "Run the task worker (imports, document reading)."

    def handle(self, *args: Any, **options: Any) -> None:
        failed = fail_abandoned_jobs()
        if failed:
            self.stderr.write(f"Marked {failed} abandoned import(s) as failed.")
        super().handle(*args, **options)
