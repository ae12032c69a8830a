"""Which worker holds a job, and whether it still lives: shared by imports and exports.

A job records ``host:pid`` when a worker takes it. A worker on the same
machine can tell whether that process is still there; elsewhere only the
job's heartbeat can tell (``imports/recovery.py``, ``exports/jobs.py``).
"""

from __future__ import annotations

import os
import socket


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_dead(worker: str, *, at_worker_start: bool = True) -> bool | None:
    """Whether the process named by ``worker`` is gone; None when it ran on another machine.

    As a worker starts, a job named by its own pid was held by an earlier
    process (a restarted container reuses pids); later, this process may well
    be the one working on it.
    """
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
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
