"""Jobs a dead worker left behind, failed when a worker starts (DESIGN.md principle 8).

A worker killed in the middle of a commit leaves nothing in the database:
the transaction dies with it. What it leaves is the job, still saying
"reading" or "committing", and perhaps attachments sealed ahead of the
commit. A worker that starts on the same machine knows whether the process
named on the job is still alive; a job on another machine that has not
reported in for a long time is taken as abandoned.
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from myhealthhub.interop.models import ACTIVE_STATES, ImportJob
from myhealthhub.interop.pipeline import fail_jobs

# Longer than any commit's transaction could hold a job without a heartbeat.
SILENT_FOR = dt.timedelta(hours=6)


def fail_abandoned_jobs() -> int:
    host = socket.gethostname()
    silent_since = timezone.now() - SILENT_FOR
    abandoned = []
    for job in ImportJob.objects.filter(state__in=ACTIVE_STATES).exclude(worker=""):
        job_host, _sep, pid = job.worker.rpartition(":")
        if job_host == host:
            if pid.isdigit() and not _alive(int(pid)):
                abandoned.append(job)
        elif job.heartbeat_at is None or job.heartbeat_at < silent_since:
            abandoned.append(job)
    failed = 0
    for job in abandoned:
        with translation.override(job.language):
            failed += fail_jobs(
                [job],
                _(
                    "The worker stopped while working on this import, and nothing of it was "
                    "added. Import the file again."
                ),
            )
    return failed


def _alive(pid: int) -> bool:
    # A worker that is only starting holds no job: one named by its own pid
    # was held by an earlier process (a restarted container reuses pids).
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
