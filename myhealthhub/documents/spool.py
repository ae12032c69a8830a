"""Where a large upload waits while it arrives: a private folder in the data folder.

Django writes an upload past FILE_UPLOAD_MAX_MEMORY_SIZE to a named file, in
plaintext, until the request is done with it. In the system's temporary
folder, a process killed mid-upload would leave a person's health document
there for anyone on the machine to find, with nothing ever removing it. So
uploads wait in FILE_UPLOAD_TEMP_DIR, inside the data folder and open to its
owner alone, and what a killed process left there is swept away.

A web server and a worker may share the folder, so the sweep only takes files
untouched for a day: an upload still arriving writes to its file all the time.
Even a file removed while a process still has it open stays readable through
that process's handle on POSIX systems, so the upload would not break.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from django.conf import settings

# Far longer than any upload or the request that reads it can take.
LEFT_FOR = dt.timedelta(days=1)
# How often a long-running process looks for leftovers.
SWEEP_EVERY = dt.timedelta(hours=1)

_last_swept = 0.0  # monotonic time of this process's last sweep; 0: not yet


def upload_folder() -> Path:
    return Path(settings.FILE_UPLOAD_TEMP_DIR)


def make_private(folder: Path) -> None:
    """Create ``folder`` readable by its owner only, or make it so if it exists."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # A folder made by hand, or copied without its modes, is closed again.
    if folder.stat().st_mode & 0o777 != 0o700:
        folder.chmod(0o700)


def sweep(folder: Path | None = None, *, older_than: dt.timedelta = LEFT_FOR) -> int:
    """Remove the files in the upload folder untouched for ``older_than``; how many went."""
    folder = folder or upload_folder()
    cutoff = time.time() - older_than.total_seconds()
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    removed = 0
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            os.unlink(entry.path)
        except FileNotFoundError:  # another process swept it first
            continue
        removed += 1
    return removed


def prepare() -> None:
    """Before an upload is spooled: the folder exists and private, swept now and then.

    Called on first use rather than when settings load, so a command that only
    prints its help writes nothing; a web process started by gunicorn alone
    sweeps here too, at its first large upload and hourly after that.
    """
    global _last_swept
    folder = upload_folder()
    make_private(folder)
    now = time.monotonic()
    # Two threads may both sweep at once; the second just finds less to remove.
    if not _last_swept or now - _last_swept >= SWEEP_EVERY.total_seconds():
        _last_swept = now
        sweep(folder)
