"""What dead workers left, found while the workers that remain keep running.

A worker killed in the middle of a task leaves the task's row "running" and
its import or export saying it is being worked on, with the page stuck.
Looking only when a worker starts (``myhealthhub worker``) leaves them so
until one restarts, which a supervisor may never do; so a running worker
also looks every minute (``WORKER_RECOVERY_EVERY``), from a thread of its own. On the same machine a
process that is gone is known at once (``lib/workers.py``); on another one
only a heartbeat silent for long gives it away.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from django.db import close_old_connections
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from myhealthhub.documents import spool
from myhealthhub.exports import jobs as exports
from myhealthhub.imports.recovery import fail_abandoned_jobs
from myhealthhub.lib.workers import holder_is_dead, this_worker

log = logging.getLogger(__name__)

# django-tasks' limit for a worker's id.
WORKER_ID_LENGTH = 64


class WorkerStopped(Exception):
    """Recorded on a task whose worker stopped while running it."""


@dataclass(frozen=True)
class Recovered:
    imports: int = 0
    exports: int = 0
    tasks: int = 0

    @property
    def any(self) -> bool:
        return bool(self.imports or self.exports or self.tasks)


def worker_id() -> str:
    """This process as django-tasks records it on the tasks it runs: "host:pid"."""
    name = this_worker()
    host, _sep, pid = name.rpartition(":")
    return f"{host[: WORKER_ID_LENGTH - len(pid) - 1]}:{pid}"


def recover(*, at_worker_start: bool) -> Recovered:
    """Fail the imports, exports and task rows whose worker is gone."""
    return Recovered(
        imports=fail_abandoned_jobs(at_worker_start=at_worker_start),
        exports=exports.fail_abandoned(at_worker_start=at_worker_start),
        tasks=fail_orphaned_tasks(at_worker_start=at_worker_start),
    )


def fail_orphaned_tasks(*, at_worker_start: bool) -> int:
    """Task rows still "running" in a process that is gone: failed, so they end."""
    failed = 0
    for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        holder = task.worker_ids[-1] if task.worker_ids else ""
        if holder_is_dead(holder, at_worker_start=at_worker_start):
            task.set_failed(WorkerStopped(f"worker {holder} stopped while running this task"))
            failed += 1
    return failed


def keep_recovering(every: dt.timedelta) -> threading.Thread:
    """Recover, and sweep the upload folder, every ``every`` in a daemon thread."""

    def run() -> None:
        swept_at = time.monotonic()
        while True:
            time.sleep(every.total_seconds())
            try:
                found = recover(at_worker_start=False)
                if found.any:
                    log.warning("recovered from stopped workers: %s", found)
                if time.monotonic() - swept_at >= spool.SWEEP_EVERY.total_seconds():
                    spool.sweep()
                    swept_at = time.monotonic()
            except Exception:  # the next round tries again; a worker must not stop for this
                log.exception("could not look for what stopped workers left")
            finally:
                close_old_connections()

    thread = threading.Thread(target=run, name="recovery", daemon=True)
    thread.start()
    return thread
