"""Jobs a dead worker left behind, failed by the workers (DESIGN.md principle 8).

A worker killed in the middle of a commit leaves nothing in the database:
the transaction dies with it. What it leaves is the job, still saying
"reading" or "committing", and perhaps attachments sealed ahead of the
commit. A worker on the same machine, as it starts and every minute after
(``management/recovery.py``), knows whether the process named on the job
is still alive; a job on another machine that has not
reported in for a long time is taken as abandoned.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from myhealthhub.imports.models import ACTIVE_STATES, ImportJob
from myhealthhub.imports.pipeline import fail_jobs
from myhealthhub.lib.workers import holder_is_dead

# Longer than any commit's transaction could hold a job without a heartbeat.
SILENT_FOR = dt.timedelta(hours=6)


def fail_abandoned_jobs(*, at_worker_start: bool = True) -> int:
    """Fail the jobs whose worker is gone; ``at_worker_start``: see ``holder_is_dead``."""
    silent_since = timezone.now() - SILENT_FOR
    abandoned = []
    for job in ImportJob.objects.filter(state__in=ACTIVE_STATES).exclude(worker=""):
        dead = holder_is_dead(job.worker, at_worker_start=at_worker_start)
        if dead is None:
            dead = job.heartbeat_at is None or job.heartbeat_at < silent_since
        if dead:
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
