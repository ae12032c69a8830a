"""A worker killed in the middle of committing a large Apple Health export leaves nothing.

The test suite does this with a small FHIR bundle (imports/tests/
test_worker_killed.py); here it is the issue's case, an export of
--size-mb megabytes (1 GB by default) written by gen_apple_export.py:
real processes on a database of their own (SQLite, or DATABASE_URL's
server), the import started as the web page starts it, read by
`myhealthhub worker`, committed, and the worker killed with SIGKILL some
seconds into the commit's transaction. Then: no sample stored; the next
worker marks the job failed; the same file imports from the command line.

    python bench/apple_killed.py [--size-mb N] [--after SECONDS] [--write]
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

import harness
from apple import generate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from myhealthhub.imports.tests.test_worker_killed import (
    DRIVER,
    Database,
    in_transaction,
    wait_for,
)

SECTION = "## A worker killed mid-commit of a large Apple Health export (`bench/apple_killed.py`)"
INTRO = """
The Apple Health issue asks that a worker killed in the middle of committing
the 1 GB export leave no sample behind, that the restarted worker mark the
job failed, and that the import can be run again.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1000)
    parser.add_argument("--after", type=float, default=20.0, help="seconds into the commit")
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        _xml, archive = generate(options.size_mb, folder)
        database = Database(folder / "data", "myhealthhub_apple_killed")
        try:
            lines = run(database, archive, options.after)
        finally:
            database.drop()
    vendor = "postgresql" if database.server_url else "sqlite"
    run_text = "\n".join(
        [
            f"### {time.strftime('%Y-%m-%d')} · {vendor} · {options.size_mb} MB export",
            "",
            f"{harness.machine()} Command: `python bench/apple_killed.py "
            f"--size-mb {options.size_mb} --after {options.after:g} --write`",
            "",
            *lines,
        ]
    )
    print(run_text)
    if options.write:
        harness.record(SECTION, INTRO, run_text)


def run(database: Database, archive: Path, after: float) -> list[str]:
    samples = "SELECT count(*) FROM records_sample"
    migrated = database.run("-m", "myhealthhub.cli", "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    started = database.run("-c", DRIVER, "start", str(archive))
    assert started.returncode == 0, started.stderr
    profile_uuid, job_uuid = started.stdout.split()
    stored_uuid = job_uuid if database.server_url else job_uuid.replace("-", "")
    job = f"SELECT state, message, preview FROM imports_importjob WHERE uuid = '{stored_uuid}'"  # noqa: S608

    worker = database.worker()
    try:
        begun = time.monotonic()
        wait_for(lambda: database.query(job)[0][0] == "ready", 1800, "the preview")
        previewed = time.monotonic() - begun
        committed = database.run("-c", DRIVER, "commit", job_uuid)
        assert committed.returncode == 0, committed.stderr
        wait_for(lambda: in_transaction(database), 1800, "the commit's transaction")
        time.sleep(after)
        state = database.query(job)[0][0]
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    left = database.query(samples)[0][0]
    if database.query(job)[0][0] != "committing":
        raise SystemExit(f"the commit ended before the kill ({state}): give a shorter --after")

    worker = database.worker()
    try:
        row = wait_for(
            lambda: (row := database.query(job)[0])[0] == "failed" and row, 120, "the job to fail"
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)

    begun = time.monotonic()
    again = database.run(
        "-m",
        "myhealthhub.cli",
        "import",
        str(archive),
        "--profile",
        profile_uuid,
        "--yes",
        "--other-person",
    )
    assert again.returncode == 0, again.stderr
    rerun = time.monotonic() - begun
    stored = database.query(samples)[0][0]
    return [
        "| step | seen |",
        "|---|---|",
        f"| preview read by the worker | {previewed:.0f} s |",
        f"| job when the worker was killed, {after:g} s into the commit's transaction | {state} |",
        f"| samples stored after the kill | **{left:,}** |",
        f"| the restarted worker marks the job | {row[0]}: “{row[1]}” |",
        f"| the same file imported again from the command line | {rerun:.0f} s, "
        f"{stored:,} samples |",
    ]


if __name__ == "__main__":
    main()
