"""Which worker holds a job, and whether it still lives: shared by imports, exports and tasks.

A job (and django-tasks' row for it) records ``host:pid`` when a worker
takes it. A worker on the same machine can tell whether that process is
still there. Elsewhere only a heartbeat can tell: each worker writes its own
every round of its recovery thread (``management/recovery.py``), and one
silent for several rounds is gone. A process that never beats (a command
line import, a worker of an older release) is judged by the job's own last
word, after a silence no job lasts.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

# django-tasks' limit for a worker's id: jobs name their worker the same way.
WORKER_ID_LENGTH = 64
# Longer than any commit's transaction could keep a job without a word.
SILENT_FOR = dt.timedelta(hours=6)


def this_worker() -> str:
    """This process as jobs and task rows name it: "host:pid"."""
    pid = str(os.getpid())
    return f"{_this_host(pid)}:{pid}"


def _this_host(pid: str) -> str:
    # Cut so the whole id fits django-tasks' column: a very long host name is
    # then known by its start, the same on every job and task row.
    return socket.gethostname()[: WORKER_ID_LENGTH - len(pid) - 1]


def holder_is_dead(worker: str, *, at_worker_start: bool = True) -> bool | None:
    """Whether the process named by ``worker`` is gone; None when it ran on another machine.

    As a worker starts, a job named by its own pid was held by an earlier
    process (a restarted container reuses pids); later, this process may well
    be the one working on it.
    """
    host, _sep, pid = worker.rpartition(":")
    if not pid.isdigit() or host != _this_host(pid):
        return None
    if int(pid) == os.getpid():
        return at_worker_start
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False


@dataclass(frozen=True)
class Liveness:
    """Who is gone, as one sweep sees it: by the process here, by heartbeats elsewhere.

    ``beats``: when each worker that beats last did; ``silent_since``: a beat
    older than this is a worker gone.
    """

    at_worker_start: bool = True
    beats: Mapping[str, dt.datetime] = field(default_factory=dict)
    silent_since: dt.datetime | None = None

    def is_dead(self, worker: str, last_word: dt.datetime | None) -> bool:
        """Whether ``worker`` is gone; ``last_word``: when its job itself last reported."""
        here = holder_is_dead(worker, at_worker_start=self.at_worker_start)
        if here is not None:
            return here
        beat = self.beats.get(worker)
        if beat is not None and self.silent_since is not None:
            return beat < self.silent_since
        return last_word is None or last_word < dt.datetime.now(dt.UTC) - SILENT_FOR
