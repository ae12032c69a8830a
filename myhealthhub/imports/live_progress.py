"""How far a job has got, as its worker said last, seen from outside the commit's transaction.

A commit is one transaction (DESIGN.md principle 8), and what it writes to
the job's row, its progress too, is seen by nobody until it ends: the page
would sit at the end of the reading while the entries go in. So the worker
also writes its progress to a small file of the data folder
(``progress/<job uuid>``, owner only), replaced whole each time, and the
import page shows whichever is newer, the file or the row.

A file rather than a second database connection, because it works the same
on both databases: on SQLite the commit holds the only write lock, so a
progress write from another connection would wait for the very commit it
reports on; on PostgreSQL the commit holds the job's row, so the progress
would need a table of its own and a connection taken from the pool for
every commit, writing twice a second to the database the pages wait on.
The file costs the database nothing. Its limit: a web process on another
machine than the worker, without the data folder shared, does not see it,
and shows the row's progress as before.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from myhealthhub.documents.spool import make_private
from myhealthhub.imports.models import ImportJob


@dataclass(frozen=True)
class Said:
    progress: float
    items: int
    at: dt.datetime


def folder() -> Path:
    return Path(settings.DATA_DIR) / "progress"


def write(job: ImportJob, progress: float, items: int, at: dt.datetime) -> None:
    """Replace the job's file, so a reader finds the whole of one or the other."""
    where = folder()
    text = json.dumps({"progress": progress, "items": items, "at": at.timestamp()})
    temporary = where / f".{job.uuid}.{os.getpid()}"
    try:
        make_private(where)
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(text)
        os.replace(temporary, where / str(job.uuid))
    except OSError:
        pass  # a full or read-only disk: the page shows the row's progress, the import goes on


def read(job: ImportJob) -> Said | None:
    try:
        said = json.loads((folder() / str(job.uuid)).read_text())
        return Said(
            progress=min(max(float(said["progress"]), 0.0), 1.0),
            items=max(int(said["items"]), 0),
            at=dt.datetime.fromtimestamp(float(said["at"]), dt.UTC),
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


def forget(job: ImportJob) -> None:
    with suppress(OSError):  # what is left is swept by the workers, and read by nobody
        (folder() / str(job.uuid)).unlink(missing_ok=True)


def bring_up_to_date(job: ImportJob) -> None:
    """Show, on this instance of the job, what its worker said last, if the file is newer."""
    said = read(job) if job.is_active else None
    if said is not None and (job.heartbeat_at is None or said.at > job.heartbeat_at):
        job.progress, job.progress_items, job.heartbeat_at = said.progress, said.items, said.at
