"""Jobs a dead worker left behind, failed by the workers (DESIGN.md principle 8).

A worker killed in the middle of a commit leaves nothing in the database:
the transaction dies with it. What it leaves is the job, still saying
"reading" or "committing", and perhaps attachments sealed ahead of the
commit. A worker, as it starts and every minute after
(``management/recovery.py``), judges whether the worker named on the job is
alive (``lib/workers.py``: its process on this machine, its heartbeat on
another), and fails the job if not. Its kept files stay: the person can try
it again (``pipeline.try_again``).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from myhealthhub.imports.models import ACTIVE_STATES, ImportJob
from myhealthhub.imports.pipeline import fail_jobs
from myhealthhub.lib.workers import Liveness


def fail_abandoned_jobs(liveness: Liveness | None = None) -> int:
    """Fail the jobs whose worker is gone; by default as a worker starts (``Liveness``)."""
    liveness = liveness or Liveness()
    abandoned = [
        job
        for job in ImportJob.objects.filter(state__in=ACTIVE_STATES).exclude(worker="")
        if liveness.is_dead(job.worker, job.heartbeat_at)
    ]
    failed = 0
    for job in abandoned:
        with translation.override(job.language):
            failed += fail_jobs(
                [job],
                _(
                    "The worker stopped while working on this import, and nothing of it was "
                    "added. Try it again."
                ),
            )
    return failed
