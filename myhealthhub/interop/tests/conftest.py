"""Import tests commit the way a worker that did not read the job does: from the kept file.

With tasks run inline, the process that read a job for its preview is the
one that commits it, and would reuse what it read (kept_files.LastRead). A
deployed worker often is another process; so, except for the command line's
own tests (where reuse is the production path), every commit here reads the
kept file again.
"""

from __future__ import annotations

import pytest

from myhealthhub.interop import kept_files


@pytest.fixture(autouse=True)
def _commits_read_the_kept_file(request, monkeypatch):
    if request.module.__name__.endswith("test_cli"):
        return
    monkeypatch.setattr(kept_files.LastRead, "MAX_BYTES", -1)
