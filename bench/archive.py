"""The full archive: its restore beside the insert limit, and its export's speed.

Builds a fresh instance in a temporary data folder (SQLite unless
DATABASE_URL is set) with the demo account, whose adult gets --observations
lab values and --samples heart-rate readings from a watch (``myhealthhub
demo``). Then:

- export: ``myhealthhub export --profile UUID --format archive --output
  FILE`` (the FHIR bundle, every row of the profile as JSON Lines, every
  document), its wall and CPU time;
- restore: ``myhealthhub import FILE --owner EMAIL`` into a new account of
  a fresh instance (a child process, see ``restore``): the whole command,
  from checking the zip to the commit (search index and groups included).

The limits, measured in the same run against the same database:

- insert: as many rows as the restore writes for the observations and
  samples (one each), a result's width, written into a table with a unique
  index by a prepared ``executemany`` on SQLite and by ``COPY`` on
  PostgreSQL, in one transaction (``bench/bulk_import.py``'s limit);
- read: every row of the profile's observations and samples read once,
  by a plain cursor (what an export cannot do without).

    python bench/archive.py [--observations N] [--samples N] [--profile] [--write]

--profile runs the export and the restore under cProfile and prints the top
functions instead (nothing is written).

Goals (speed issue): the restore of 100k observations + 100k samples within
5× of the insert limit; the export at least 3× faster than before the issue
(24 s, 20.6 s CPU on SQLite, measured on the same machine for the issue).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import harness
from bulk_import import limit_rows, limits_postgresql, limits_sqlite

OWNER = "demo@example.org"
RESTORER = "restorer@example.org"
GOAL_RESTORE = 5  # × the insert limit
GOAL_EXPORT = 3  # × faster than before
# Before the speed issue: the issue's own measurement, on SQLite, on the same machine.
EXPORT_BEFORE = 24.0
SECTION = "## Full archive: export, and restore beside the insert limit (`bench/archive.py`)"
INTRO = """
Goals (speed issue): restoring an archive of 100,000 observations and
100,000 device samples within 5× of the database's own insert limit for as
many rows (a prepared `executemany` into a table with a unique index on
SQLite, `COPY` on PostgreSQL, measured in the same run); the archive export
at least 3× faster than before the issue (24 s, 20.6 s CPU, on SQLite). The
export runs in the benchmark's process (`call_command("export" …)`) on a
fresh data folder with the demo's profile; the restore
(`call_command("import" … owner=…)`) in a child process on another fresh
data folder (and a new database on PostgreSQL), since an archive's UUIDs
must be new where it is restored; only the command is timed.
"""


def build(observations: int, samples: int) -> str:
    """The demo's adult with the extra rows; returns its UUID."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    out = io.StringIO()
    call_command("demo", observations=observations, samples=samples, stdout=out)
    return out.getvalue().split()[0]


def export(profile: str, path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one archive export."""
    from django.core.management import call_command

    start, cpu = time.perf_counter(), time.process_time()
    call_command("export", profile=profile, format="archive", output=path, stdout=io.StringIO())
    return time.perf_counter() - start, time.process_time() - cpu


def restore(path: Path, *, profile: bool = False) -> tuple[float, str]:
    """Seconds of one restore into a fresh instance, and what it said.

    The archive's UUIDs must be new to the instance that restores it: the
    restore runs in a child process (this script with ``--restore``) on a
    new data folder, and on PostgreSQL a new database, migrated beforehand.
    Only the command is timed, not the child's start-up.
    """
    environment = dict(os.environ)
    environment["MYHEALTHHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="myhealthhub-bench-")
    url = os.environ.get("DATABASE_URL", "")
    database = ""
    if url.startswith("postgres"):
        database = f"bench_restore_{uuid.uuid4().hex[:12]}"
        _postgresql(url, f"CREATE DATABASE {database}")
        environment["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + database
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--restore", str(path), *(["--profile"] if profile else [])],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        if database:
            _postgresql(url, f"DROP DATABASE IF EXISTS {database}")
    *printed, last = done.stdout.strip().splitlines()
    if profile:
        print("\n".join(printed))
    answer = json.loads(last)
    return answer["seconds"], answer["said"]


def _postgresql(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as database:
        database.execute(statement)


def restore_here(path: Path, *, profile: bool = False) -> None:
    """The child's side: migrate, make the account, time the restore, print JSON."""
    from django.core.management import call_command

    from myhealthhub.accounts.models import User

    call_command("migrate", verbosity=0)
    User.objects.create_user(email=RESTORER, password="correct-horse-battery")  # noqa: S106
    out = io.StringIO()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    if profile:
        profiler.enable()
    call_command("import", str(path), owner=RESTORER, stdout=out, stderr=io.StringIO())
    seconds = time.perf_counter() - start
    if profile:
        profiler.disable()
        stats = io.StringIO()
        pstats.Stats(profiler, stream=stats).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler, stream=stats).sort_stats("tottime").print_stats(30)
        print(stats.getvalue())
    print(json.dumps({"seconds": seconds, "said": out.getvalue().strip()}))


def read_limit(profile: str) -> float:
    """Seconds to read the profile's observations and samples once, by a plain cursor."""
    from django.db import connection

    from myhealthhub.profiles.models import Profile
    from myhealthhub.records.models import Sample
    from myhealthhub.records.models.observations import Observation

    pk = Profile.objects.get(uuid=profile).pk
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Observation, Sample):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table} WHERE profile_id = %s", [pk])  # noqa: S608
            while cursor.fetchmany(5000):
                pass
    return time.perf_counter() - start


def profiled(what: str, step: Any) -> None:
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    step()
    profiler.disable()
    print(f"\n{what}: {time.perf_counter() - start:.1f} s")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--limit-runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--write", action="store_true", help="add the table to RESULTS.md")
    parser.add_argument("--restore", type=Path, help=argparse.SUPPRESS)  # the child's side
    options = parser.parse_args()

    harness.start_django()
    if options.restore:
        restore_here(options.restore, profile=options.profile)
        return
    from django.db import connection

    vendor = connection.vendor
    start = time.perf_counter()
    profile = build(options.observations, options.samples)
    built = time.perf_counter() - start
    print(f"demo built in {built:.1f} s", file=sys.stderr)
    path = Path(tempfile.mkdtemp(prefix="myhealthhub-bench-")) / "archive.zip"
    if options.profile:
        profiled("export", lambda: export(profile, path))
        seconds, said = restore(path, profile=True)
        print(f"\nrestore: {seconds:.1f} s\n{said}")
        return

    exported, exported_cpu = export(profile, path)
    size = path.stat().st_size
    restored, said = restore(path)
    print(said, file=sys.stderr)
    read = statistics.median(read_limit(profile) for _ in range(options.limit_runs))

    rows = options.observations + options.samples
    limit = limit_rows(rows)
    url = os.environ.get("DATABASE_URL", "")
    inserts = [
        limits_postgresql(url, limit)[0] if vendor == "postgresql" else limits_sqlite(limit)[0]
        for _ in range(options.limit_runs)
    ]
    insert = statistics.median(inserts)

    def verdict(met: bool) -> str:
        return "met" if met else "**missed**"

    insert_name = "`COPY`" if vendor == "postgresql" else "`executemany`, unique index"
    restore_met = restored <= GOAL_RESTORE * insert
    export_met = exported * GOAL_EXPORT <= EXPORT_BEFORE
    run = "\n".join(
        [
            f"### {time.strftime('%Y-%m-%d')} · {vendor} · {options.observations:,} observations "
            f"+ {options.samples:,} samples · archive {size / 1e6:.0f} MB",
            "",
            f"{harness.machine()} {harness.command(vendor)}",
            "",
            "| step | s | rows/s | ÷ its limit | goal |",
            "|---|---:|---:|---:|---|",
            f"| limit: insert ({insert_name}, median of {options.limit_runs}) | {insert:.2f} "
            f"| {rows / insert:,.0f} | 1.0× | |",
            f"| restore (`import FILE --owner`) | {restored:.1f} | {rows / restored:,.0f} "
            f"| {restored / insert:.1f}× | ≤ {GOAL_RESTORE}×: {verdict(restore_met)} |",
            f"| limit: read the rows once (cursor, median of {options.limit_runs}) "
            f"| {read:.2f} | {rows / read:,.0f} | 1.0× | |",
            f"| export (`export --format archive`), CPU {exported_cpu:.1f} s | {exported:.1f} "
            f"| {rows / exported:,.0f} | {exported / read:.1f}× "
            f"| {EXPORT_BEFORE / exported:.1f}× faster than {EXPORT_BEFORE:.0f} s "
            f"(≥ {GOAL_EXPORT}×): {verdict(export_met)} |",
        ]
    )
    print(run)
    if options.write:
        harness.record(SECTION, INTRO, run)
    sys.exit(0 if restore_met and export_met else 1)


if __name__ == "__main__":
    main()
