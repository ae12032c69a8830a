"""How close a large import comes to the speed of the database itself.

A FHIR bundle of --observations Observations (100,000 by default, about
100 MB) is generated from the largest Synthea bundle: its Patient, then its
351 Observations over and over, each copy with a new id and its time moved
on by a minute, so every one is a new result. It is imported the way a
person does from a terminal, `myhealthhub import FILE --profile UUID --yes`,
each run a new process against a fresh data folder (SQLite unless
DATABASE_URL is set); the time is the whole process, start-up included, and
the memory its peak resident set. Then the same file again: the re-import,
where every entry is already present.

The limits, measured in the same run against the same database:

- insert: the same number of rows, each a result's width (a key, a
  profile, a display, a value, a unit, a time and a JSON column), written
  into a table with a unique index, by a prepared `executemany` on SQLite
  and by `COPY` on PostgreSQL, in one transaction;
- ignored insert: the same rows again, each refused by the unique index
  (`INSERT OR IGNORE`; `ON CONFLICT DO NOTHING` after a `COPY` into a
  temporary table on PostgreSQL).

    python bench/bulk_import.py [--observations N] [--runs N] [--data DIR]
                                [--profile] [--write]

--profile runs one import and one re-import in this process under cProfile
and prints the top functions instead (nothing is written).

Goals (speed issue): the whole import within 5× of the insert limit, the
re-import within 3× of the ignored-insert limit, peak memory under 250 MiB.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
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

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SYNTHEA = "fhir/synthea/smartsandbox_Fletcher_Hyatt_*.json"
EMAIL = "bench@example.org"
GOAL_IMPORT = 5  # × the insert limit
GOAL_REIMPORT = 3  # × the ignored-insert limit
GOAL_MEMORY = 250  # MiB
SECTION = "## Large imports beside the database's limit (`bench/bulk_import.py`)"
INTRO = """
Goals (speed issue): a FHIR bundle of 100,000 Observations imports within 5×
of the database's own insert limit for as many rows (a prepared `executemany`
into a table with a unique index on SQLite, `COPY` on PostgreSQL), its
re-import within 3× of the ignored-insert limit, at under 250 MiB peak
memory. Imports are `myhealthhub import FILE --profile UUID --yes` as a new
process (start-up included), median of the runs; the limits are measured in
the same run on the same database.
"""


# The file ---------------------------------------------------------------------


def generate(data: Path, observations: int, into: Path) -> int:
    """Write the bundle; returns its size in bytes."""
    found = sorted(data.glob(SYNTHEA))
    if not found:
        raise SystemExit(f"No {SYNTHEA} under {data} (see --data).")
    bundle = json.loads(found[0].read_bytes())
    patient = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    originals = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    with into.open("w") as out:
        out.write('{"resourceType": "Bundle", "type": "collection", "entry": [\n')
        out.write(json.dumps(patient))
        for number in range(observations):
            entry = json.loads(json.dumps(originals[number % len(originals)]))
            resource = entry["resource"]
            resource.pop("encounter", None)  # the visits are not in this file
            resource["id"] = str(uuid.UUID(int=number + 1))
            entry["fullUrl"] = f"urn:uuid:{resource['id']}"
            shift = dt.timedelta(minutes=number // len(originals))
            for field in ("effectiveDateTime", "issued"):
                if field in resource:
                    moment = dt.datetime.fromisoformat(resource[field]) + shift
                    resource[field] = moment.isoformat()
            out.write(",\n" + json.dumps(entry))
        out.write("\n]}\n")
    return into.stat().st_size


# The limits --------------------------------------------------------------------


def limit_rows(count: int) -> list[tuple[Any, ...]]:
    now = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    return [
        (
            f"urn:uuid:{uuid.UUID(int=number + 1)}",
            1,
            "Body Height",
            171.85 + number,
            "cm",
            (now + dt.timedelta(minutes=number)).isoformat(),
            '[{"system": "http://loinc.org", "code": "8302-2", "display": "Body Height"}]',
        )
        for number in range(count)
    ]


LIMIT_TABLE = """
    CREATE TABLE bench_limit (
        id integer PRIMARY KEY, key varchar(300) NOT NULL, profile_id integer NOT NULL,
        display varchar(500) NOT NULL, value double precision, unit varchar(50) NOT NULL,
        at varchar(40) NOT NULL, codings text NOT NULL)
"""
COLUMNS = "key, profile_id, display, value, unit, at, codings"


def limits_sqlite(rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    import sqlite3

    with tempfile.TemporaryDirectory() as folder:
        database = sqlite3.connect(Path(folder) / "limit.sqlite3", isolation_level=None)
        database.execute("PRAGMA journal_mode=wal")
        database.execute("PRAGMA synchronous=full")
        database.execute(LIMIT_TABLE)
        database.execute("CREATE UNIQUE INDEX bench_limit_key ON bench_limit (profile_id, key)")
        insert = f"INSERT INTO bench_limit ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
        start = time.perf_counter()
        database.execute("BEGIN")
        database.executemany(insert, rows)
        database.execute("COMMIT")
        inserted = time.perf_counter() - start
        start = time.perf_counter()
        database.execute("BEGIN")
        database.executemany(insert.replace("INSERT", "INSERT OR IGNORE"), rows)
        database.execute("COMMIT")
        ignored = time.perf_counter() - start
        database.close()
    return inserted, ignored


def limits_postgresql(url: str, rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as database:
        database.execute("DROP TABLE IF EXISTS bench_limit")
        database.execute(LIMIT_TABLE.replace("integer PRIMARY KEY", "bigserial PRIMARY KEY"))
        database.execute("CREATE UNIQUE INDEX bench_limit_key ON bench_limit (profile_id, key)")
        start = time.perf_counter()
        with (
            database.transaction(),
            database.cursor() as cursor,
            cursor.copy(f"COPY bench_limit ({COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        inserted = time.perf_counter() - start
        start = time.perf_counter()
        with database.transaction(), database.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_incoming (LIKE bench_limit INCLUDING DEFAULTS) "
                "ON COMMIT DROP"
            )
            with cursor.copy(f"COPY bench_incoming ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO bench_limit ({COLUMNS}) SELECT {COLUMNS} FROM bench_incoming "  # noqa: S608
                "ON CONFLICT (profile_id, key) DO NOTHING"
            )
        ignored = time.perf_counter() - start
        database.execute("DROP TABLE bench_limit")
    return inserted, ignored


# The imports ---------------------------------------------------------------------


def fresh_instance() -> tuple[dict[str, str], str]:
    """A migrated data folder with one account and one profile: environment, profile UUID."""
    environment = dict(os.environ)
    environment["MYHEALTHHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="myhealthhub-bench-")
    environment["MYHEALTHHUB_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    cli = [sys.executable, "-m", "myhealthhub.cli"]
    run_cli(environment, "migrate", "-v0")
    subprocess.run(
        [*cli, "createuser", "--email", EMAIL, "--password-stdin"],
        env=environment,
        input=b"correct-horse-battery\n",
        check=True,
        capture_output=True,
    )
    made = run_cli(environment, "profiles", "create", "--owner", EMAIL, "--name", "Fletcher Hyatt")
    return environment, made.strip().splitlines()[-1]


def run_cli(environment: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "myhealthhub.cli", *args],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def timed_import(environment: dict[str, str], path: Path, profile: str) -> tuple[float, float]:
    """Seconds and peak MiB of one `myhealthhub import … --yes`, as its own process."""
    command = [sys.executable, "-m", "myhealthhub.cli", "import", str(path)]
    command += ["--profile", profile, "--yes", "--other-person"]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    errors = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the import failed:\n{errors}")
    return elapsed, usage.ru_maxrss / 1024


def profile_in_process(path: Path) -> None:
    harness.start_django()
    from django.core.management import call_command

    from myhealthhub.accounts.models import User
    from myhealthhub.profiles.actions import create_profile

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user(email=EMAIL, password="correct-horse-battery")  # noqa: S106
    profile = create_profile(owner, request=None, given_name="Fletcher", family_name="Hyatt")
    for step in ("import", "re-import"):
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        call_command(
            "import",
            str(path),
            profile=str(profile.uuid),
            yes=True,
            other_person=True,
            stdout=io.StringIO(),
        )
        profiler.disable()
        print(f"\n{step}: {time.perf_counter() - start:.1f} s")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


# The report --------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--write", action="store_true", help="add the table to RESULTS.md")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="myhealthhub-bench-"))
    path = folder / "observations.json"
    size = generate(options.data, options.observations, path)
    if options.profile:
        profile_in_process(path)
        return

    url = os.environ.get("DATABASE_URL", "")
    vendor = "postgresql" if url.startswith("postgres") else "sqlite"
    rows = limit_rows(options.observations)
    limits = [
        limits_postgresql(url, rows) if vendor == "postgresql" else limits_sqlite(rows)
        for _ in range(options.runs)
    ]
    insert_limit = statistics.median(limit[0] for limit in limits)
    ignore_limit = statistics.median(limit[1] for limit in limits)

    imports, reimports, memory = [], [], []
    for _ in range(options.runs):
        environment, profile = fresh_instance()
        seconds, peak = timed_import(environment, path, profile)
        imports.append(seconds)
        memory.append(peak)
        seconds, peak = timed_import(environment, path, profile)
        reimports.append(seconds)
        memory.append(peak)
        # The import's own entries, counted by the database: nothing was left out.
        counted = run_cli(environment, "profiles", "show", profile, "--json")
        results = json.loads(counted).get("counts", {}).get("results")
        if results != options.observations:
            raise SystemExit(f"{results} results after the import, not {options.observations}")
    imported = statistics.median(imports)
    reimported = statistics.median(reimports)
    peak = max(memory)
    missed = (
        imported > GOAL_IMPORT * insert_limit
        or reimported > GOAL_REIMPORT * ignore_limit
        or peak > GOAL_MEMORY
    )

    def verdict(met: bool) -> str:
        return "met" if met else "**missed**"

    insert_name = "`COPY`" if vendor == "postgresql" else "`executemany`, unique index"
    ignore_name = (
        "`COPY` + `ON CONFLICT DO NOTHING`" if vendor == "postgresql" else ("`INSERT OR IGNORE`")
    )
    n = options.observations
    run = "\n".join(
        [
            f"### {time.strftime('%Y-%m-%d')} · {vendor} · {n:,} Observations "
            f"({size / 1e6:.0f} MB) · {options.runs} runs",
            "",
            f"{harness.machine()} {harness.command(vendor)}",
            "",
            "| step | median s | rows/s | ÷ its limit | peak MiB | goal |",
            "|---|---:|---:|---:|---:|---|",
            f"| limit: insert ({insert_name}) | {insert_limit:.2f} | {n / insert_limit:,.0f} "
            "| 1.0× | | |",
            f"| limit: ignored insert ({ignore_name}) | {ignore_limit:.2f} "
            f"| {n / ignore_limit:,.0f} | 1.0× | | |",
            f"| whole import | {imported:.1f} | {n / imported:,.0f} "
            f"| {imported / insert_limit:.1f}× | {max(memory[0::2]):.0f} "
            f"| ≤ {GOAL_IMPORT}×: {verdict(imported <= GOAL_IMPORT * insert_limit)} |",
            f"| re-import (all present) | {reimported:.1f} | {n / reimported:,.0f} "
            f"| {reimported / ignore_limit:.1f}× | {max(memory[1::2]):.0f} "
            f"| ≤ {GOAL_REIMPORT}×: {verdict(reimported <= GOAL_REIMPORT * ignore_limit)} |",
            "",
            f"Peak memory {peak:.0f} MiB (goal < {GOAL_MEMORY} MiB: "
            f"{verdict(peak < GOAL_MEMORY)}).",
        ]
    )
    print(run)
    if options.write:
        harness.record(SECTION, INTRO, run)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
