"""What dead workers left, found while the workers that remain keep running.

A worker killed in the middle of a task leaves the task's row "running" and
its import or export saying it is being worked on, with the page stuck.
Looking only when a worker starts (``myhealthhub worker``) leaves them so
until one restarts, which a supervisor may never do; so a running worker
also looks every minute (``WORKER_RECOVERY_EVERY``), from a thread of its
own. Each round it first writes its heartbeat, then judges the others
(``lib/workers.py``): on the same machine a process that is gone is known at
once; on another, a worker whose heartbeat has been silent for
``SILENT_ROUNDS`` rounds is gone, and what it held is failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from myhealthhub.documents import spool
from myhealthhub.exports import jobs as exports
from myhealthhub.imports import live_progress
from myhealthhub.imports.models import WorkerHeartbeat
from myhealthhub.imports.recovery import fail_abandoned_jobs
from myhealthhub.lib.workers import Liveness, this_worker
from myhealthhub.reminders import rounds as reminders

log = logging.getLogger(__name__)

# Rounds a worker may miss (a busy database, a pause) before it is taken for gone.
SILENT_ROUNDS = 5
# A heartbeat silent this long is let go of: what its worker held was failed long ago.
FORGOTTEN_AFTER = dt.timedelta(days=1)


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
    return this_worker()


def recover(*, at_worker_start: bool) -> Recovered:
    """Say this worker is alive, then fail the imports, exports and task rows of dead ones."""
    try:
        beat()
    except DatabaseError:
        # SQLite while a long commit holds its one write lock: the next round
        # beats again, and a worker on SQLite is judged by its process anyway.
        log.info("could not record this worker's heartbeat", exc_info=True)
    liveness = judge(at_worker_start=at_worker_start)
    return Recovered(
        imports=fail_abandoned_jobs(liveness),
        exports=exports.fail_abandoned(liveness=liveness),
        tasks=fail_orphaned_tasks(liveness),
    )


def beat() -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker=this_worker(), defaults={"beat_at": timezone.now()}
    )


def judge(*, at_worker_start: bool) -> Liveness:
    """Every worker's last heartbeat, and how old one may be for its worker to count as alive."""
    now = timezone.now()
    beats = dict(WorkerHeartbeat.objects.values_list("worker", "beat_at"))
    forgotten = [worker for worker, beat_at in beats.items() if beat_at < now - FORGOTTEN_AFTER]
    if forgotten:  # only then a write, which on SQLite waits for any commit running
        WorkerHeartbeat.objects.filter(worker__in=forgotten).delete()
    return Liveness(
        at_worker_start=at_worker_start,
        beats=beats,
        silent_since=now - SILENT_ROUNDS * settings.WORKER_RECOVERY_EVERY,
    )


def fail_orphaned_tasks(liveness: Liveness) -> int:
    """Task rows still "running" in a worker that is gone: failed, so they end."""
    failed = 0
    for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        holder = task.worker_ids[-1] if task.worker_ids else ""
        if liveness.is_dead(holder, task.started_at):
            task.set_failed(WorkerStopped(f"worker {holder} stopped while running this task"))
            failed += 1
    return failed


def keep_recovering(every: dt.timedelta) -> threading.Thread:
    """Beat and recover, and sweep the upload and progress folders, every ``every``;
    send the reminders due every ``reminders.EVERY``, starting with the first round."""

    def run() -> None:
        swept_at = time.monotonic()
        reminded_at = -math.inf
        while True:
            time.sleep(every.total_seconds())
            try:
                found = recover(at_worker_start=False)
                if found.any:
                    log.warning("recovered from stopped workers: %s", found)
                if time.monotonic() - swept_at >= spool.SWEEP_EVERY.total_seconds():
                    spool.sweep()
                    spool.sweep(live_progress.folder())
                    swept_at = time.monotonic()
            except Exception:  # the next round tries again; a worker must not stop for this
                log.exception("could not look for what stopped workers left")
            try:
                if time.monotonic() - reminded_at >= reminders.EVERY.total_seconds():
                    reminded_at = time.monotonic()
                    reminders.run_round()
            except Exception:  # the next hour tries again; each reminder is still sent once
                log.exception("could not send the reminders due")
            close_old_connections()

    thread = threading.Thread(target=run, name="recovery", daemon=True)
    thread.start()
    return thread
