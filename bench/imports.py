"""How fast a FHIR file becomes part of a record, phase by phase.

Builds a fresh instance in a temporary data folder (SQLite unless DATABASE_URL
is set), with the database task queue as deployed (the documents an import
carries are queued for reading, and read later by the worker, not timed
here) unless MYHEALTHHUB_TASKS_BACKEND says otherwise, and drives the import
pipeline (`imports/pipeline.py`) the way the command line does, in this one
process: `start_import`
(seal and keep the originals, create the job: the upload request), `read_job`
(decrypt, parse, map, plan against the profile, store the preview: a task),
`choose_patient` and `read_job` again when the files hold several people,
then `request_commit` and `commit_job` (plan again under the profile's lock,
then write everything in one transaction: a task). The commit reuses the
mapping this process read for the preview (files up to 16 MiB); a worker
that did not read the job itself decrypts, parses and maps it again, which
costs about the "parse + map alone" row more.

Two data sets, each against its own baseline measured in the same run:

1. The largest Synthea bundle (Fletcher Hyatt, 3.9 MB, 1,111 resources):
   `json.loads` of its bytes; parse and map alone (`Fhir().read`, no
   database); the whole import into a fresh profile; and the re-import of
   the same file into a profile that already holds it (every entry a
   duplicate). Goals: whole import under 0.5 s, re-import under 0.3 s.
2. The bulk NDJSON export (13 people, 7,160 resources in 13 files, plus
   the export's log.ndjson; all 14 uploaded together as one import):
   `json.loads` of every line; parse and map alone; the whole import of
   the person with the most entries (start, read, choose, read again,
   commit) into a fresh profile; and its re-import.

Every figure is the median of --runs runs, after one untimed warm-up run of
the same step (the warm-up import goes into a throwaway profile; the
re-imports follow a first import and one untimed re-import), so process
start-up and first-time costs (imports, caches, prepared plans) are left out.
Resources per second count every resource in the files read, the other
people's too.

    python bench/imports.py [--runs N] [--data DIR] [--profile] [--write]

--profile also runs cProfile over one more whole import and one re-import
of each data set and prints the top functions (not written anywhere).
--write adds the tables to the "Imports" section of bench/RESULTS.md.
Exits 1 if the Synthea bundle misses a goal.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import harness

if TYPE_CHECKING:
    from myhealthhub.accounts.models import User
    from myhealthhub.imports.base import Mapping
    from myhealthhub.profiles.models import Profile

DATABASE_QUEUE = "django_tasks_db.DatabaseBackend"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SYNTHEA = "fhir/synthea/smartsandbox_Fletcher_Hyatt_*.json"
BULK = "fhir/bulk-ndjson/*.ndjson"
GOAL_IMPORT = 0.5  # seconds, the whole import of the Synthea bundle
GOAL_REIMPORT = 0.3  # seconds, its re-import
PHASES = ("start", "read", "choose", "commit")
MB = 1_000_000

# A file of an import: its name and its bytes.
File = tuple[str, bytes]


@dataclass
class DataSet:
    title: str
    files: list[File]
    resources: int  # FHIR resources in the files, every person's


@dataclass
class Row:
    step: str
    timings: list[float]
    resources: int
    phases: dict[str, list[float]] = field(default_factory=dict)
    outcome: str = ""
    goal: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.timings)


@dataclass
class Imported:
    """One import through the pipeline: seconds per phase, and what it did."""

    phases: dict[str, float]
    counts: dict[str, int]

    @property
    def total(self) -> float:
        return sum(self.phases.values())


# Data ------------------------------------------------------------------------


def load(data: Path) -> tuple[DataSet, DataSet]:
    bundles = sorted(data.glob(SYNTHEA))
    bulk = sorted(data.glob(BULK))
    if not bundles or not bulk:
        raise SystemExit(f"No {SYNTHEA} or {BULK} under {data} (see --data).")
    bundle = bundles[0]
    content = bundle.read_bytes()
    person = " ".join(bundle.name.split("_")[1:3])
    entries = json.loads(content)["entry"]
    synthea = DataSet(
        f"Synthea bundle ({person}, {len(content) / MB:.1f} MB, "
        f"{len(entries):,} resources, one person)",
        [(bundle.name, content)],
        len(entries),
    )
    files = [(path.name, path.read_bytes()) for path in bulk]
    types = Counter(
        json.loads(line).get("resourceType", "")
        for _, content in files
        for line in content.splitlines()
        if line.strip()
    )
    types.pop("", None)
    size = sum(len(content) for _, content in files)
    ndjson = DataSet(
        f"Bulk NDJSON export ({len(files)} files as one import, log.ndjson included, "
        f"{size / MB:.1f} MB, {types.total():,} resources, {types['Patient']} people)",
        files,
        types.total(),
    )
    return synthea, ndjson


def loads_bundle(files: list[File]) -> None:
    for _, content in files:
        json.loads(content)


def loads_lines(files: list[File]) -> None:
    for _, content in files:
        for line in content.splitlines():
            if line.strip():
                json.loads(line)


def parse_and_map(files: list[File]) -> Mapping:
    from myhealthhub.imports.base import Upload, no_progress
    from myhealthhub.imports.fhir.importer import Fhir

    uploads = [Upload(name, io.BytesIO(content), len(content)) for name, content in files]
    return Fhir().read(uploads, no_progress)


def timed(step: Callable[[], object], runs: int) -> list[float]:
    """Seconds for each of ``runs`` calls of ``step``, after one to warm up."""
    step()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        timings.append(time.perf_counter() - start)
    return timings


def mapped_count(mapping: Mapping) -> str:
    return (
        f"{len(mapping.entries):,} entries, {len(mapping.documents):,} documents, "
        f"{len(mapping.skipped):,} skipped, {len(mapping.patients)} "
        f"{'person' if len(mapping.patients) == 1 else 'people'}"
    )


def most_entries(mapping: Mapping) -> tuple[str, str, int]:
    """The key, name and entry count of the person with the most entries."""
    counts: Counter[str] = Counter()
    for entry in mapping.entries:
        counts.update(entry.patients)
    for document in mapping.documents:
        counts.update(document.patients)
    person = max(mapping.patients, key=lambda person: counts[person.key])
    return person.key, person.name, counts[person.key]


# The pipeline ----------------------------------------------------------------


def import_files(profile: Profile, owner: User, files: list[File], patient: str) -> Imported:
    """Start, read, choose ``patient`` if asked to, commit; seconds per phase."""
    from myhealthhub.imports.models import JobState
    from myhealthhub.imports.pipeline import (
        choose_patient,
        commit_job,
        read_job,
        request_commit,
        start_import,
    )

    handles = [(name, io.BytesIO(content)) for name, content in files]
    marks = [time.perf_counter()]
    job = start_import(profile, handles, actor=owner, request=None, enqueue=False)
    marks.append(time.perf_counter())
    read_job(job)
    job.refresh_from_db()
    marks.append(time.perf_counter())
    if job.state == JobState.CHOOSING:
        choose_patient(job, patient or job.patients[0]["key"], enqueue=False)
        read_job(job)
        job.refresh_from_db()
    marks.append(time.perf_counter())
    if job.state != JobState.READY:
        raise SystemExit(f"The import is {job.state}, not ready: {job.message} {job.where}")
    request_commit(
        job, actor=owner, apply_demographics=False, other_person_confirmed=True, enqueue=False
    )
    commit_job(job)
    job.refresh_from_db()
    marks.append(time.perf_counter())
    if job.state != JobState.COMMITTED:
        raise SystemExit(f"The import is {job.state}, not committed: {job.message}")
    phases = {phase: marks[i + 1] - marks[i] for i, phase in enumerate(PHASES)}
    return Imported(phases, job.counts)


def outcome(counts: dict[str, int]) -> str:
    shown = ("added", "updated", "present", "documents", "readings", "skipped")
    return ", ".join(f"{counts[name]:,} {name}" for name in shown if counts.get(name))


class Imports:
    """Fresh profiles of one owner, and the imports timed into them."""

    def __init__(self, runs: int) -> None:
        from myhealthhub.accounts.actions import create_account

        self.runs = runs
        self.owner = create_account("bench@example.org", "correct horse battery staple")
        self.profiles = 0

    def profile(self) -> Profile:
        from myhealthhub.profiles.actions import create_profile

        self.profiles += 1
        return create_profile(self.owner, request=None, given_name=f"Bench {self.profiles}")

    def fresh(self, step: str, data: DataSet, patient: str = "") -> Row:
        """The whole import into a fresh profile each run, after a warm-up into another."""
        import_files(self.profile(), self.owner, data.files, patient)
        results = [
            import_files(self.profile(), self.owner, data.files, patient) for _ in range(self.runs)
        ]
        return self.row(step, data, results)

    def again(self, step: str, data: DataSet, patient: str = "") -> Row:
        """Re-imports into a profile that already holds the file (the first one untimed)."""
        profile = self.profile()
        import_files(profile, self.owner, data.files, patient)
        import_files(profile, self.owner, data.files, patient)
        results = [import_files(profile, self.owner, data.files, patient) for _ in range(self.runs)]
        if any(result.counts.get("added") for result in results):
            raise SystemExit(f"A re-import added entries: {results[0].counts}")
        return self.row(step, data, results)

    def row(self, step: str, data: DataSet, results: list[Imported]) -> Row:
        phases = {phase: [result.phases[phase] for result in results] for phase in PHASES}
        return Row(
            step,
            [result.total for result in results],
            data.resources,
            phases=phases,
            outcome=outcome(results[-1].counts),
        )


# Report ----------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value:.3f}"


def verdict(row: Row) -> str:
    if row.goal is None:
        return ""
    if row.median < row.goal:
        return f"< {row.goal} s: met"
    over = row.median - row.goal
    return f"< {row.goal} s: **missed by {over:.2f} s ({row.median / row.goal:.2f}×)**"


def table(rows: list[Row], phases: tuple[str, ...], goals: bool) -> str:
    lines = [
        "| step | median s | min–max s | resources/s | "
        + "".join(f"{phase} s | " for phase in phases)
        + "outcome |"
        + (" goal |" if goals else ""),
        "|---|---:|---:|---:|" + "---:|" * len(phases) + "---|" + ("---|" if goals else ""),
    ]
    for row in rows:
        split = [
            seconds(statistics.median(row.phases[phase])) if row.phases else "" for phase in phases
        ]
        lines.append(
            f"| {row.step} | {seconds(row.median)} "
            f"| {seconds(min(row.timings))}–{seconds(max(row.timings))} "
            f"| {row.resources / row.median:,.0f} | "
            + "".join(f"{value} | " for value in split)
            + f"{row.outcome} |"
            + (f" {verdict(row)} |" if goals else "")
        )
    return "\n".join(lines)


def profile_imports(imports: Imports, data: DataSet, patient: str = "") -> None:
    """cProfile over one whole import and one re-import; the top functions printed."""
    profile = imports.profile()
    for what in ("whole import into a fresh profile", "re-import (all duplicates)"):
        profiler = cProfile.Profile()
        profiler.enable()
        result = import_files(profile, imports.owner, data.files, patient)
        profiler.disable()
        print(f"\n--- cProfile: {data.title}, {what}: {result.phases} ---")
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)


# Main ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each step")
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    synthea, ndjson = load(options.data)
    os.environ.setdefault("MYHEALTHHUB_TASKS_BACKEND", DATABASE_QUEUE)
    harness.start_django()
    data_dir = os.environ["MYHEALTHHUB_DATA_DIR"]
    try:
        report, missed = run(options, synthea, ndjson)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(report)
    if options.write:
        harness.record(SECTION, INTRO, report)
    if missed:
        print("A goal was missed: " + ", ".join(missed), file=sys.stderr)
        sys.exit(1)


def run(options: Any, synthea: DataSet, ndjson: DataSet) -> tuple[str, list[str]]:
    """The report, and the steps that missed their goal."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # Other processes on the machine skew the timings; the report says how busy it was.
    load = os.getloadavg()[0]
    call_command("migrate", verbosity=0)
    # The immediate backend logs every task it runs.
    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    runs = options.runs
    imports = Imports(runs)

    bundle_mapping = parse_and_map(synthea.files)
    bulk_mapping = parse_and_map(ndjson.files)
    key, name, entries = most_entries(bulk_mapping)
    bundle_rows = [
        Row(
            "`json.loads` of the file (baseline)",
            timed(lambda: loads_bundle(synthea.files), runs),
            synthea.resources,
        ),
        Row(
            "parse + map alone (`Fhir().read`)",
            timed(lambda: parse_and_map(synthea.files), runs),
            synthea.resources,
            outcome=mapped_count(bundle_mapping),
        ),
        imports.fresh("whole import into a fresh profile", synthea),
        imports.again("re-import (all duplicates)", synthea),
    ]
    bundle_rows[2].goal = GOAL_IMPORT
    bundle_rows[3].goal = GOAL_REIMPORT
    bulk_rows = [
        Row(
            "`json.loads` of every line (baseline)",
            timed(lambda: loads_lines(ndjson.files), runs),
            ndjson.resources,
        ),
        Row(
            "parse + map alone (`Fhir().read`)",
            timed(lambda: parse_and_map(ndjson.files), runs),
            ndjson.resources,
            outcome=mapped_count(bulk_mapping),
        ),
        imports.fresh("whole import of one person into a fresh profile", ndjson, key),
        imports.again("re-import of that person (all duplicates)", ndjson, key),
    ]

    backend = settings.TASKS["default"]["BACKEND"].rsplit(".", 1)[-1]
    goals = "; ".join(
        f"{row.step} {seconds(row.median)} s ({verdict(row)})" for row in bundle_rows[2:]
    )
    missed = [row.step for row in bundle_rows if row.goal and row.median >= row.goal]
    report = (
        f"### {time.strftime('%Y-%m-%d')} · {connection.vendor} · "
        f"Synthea bundle and bulk NDJSON export · median of {runs} runs a step\n\n"
        f"{harness.machine()} Load average {load:.1f} before the run. "
        f"Tasks backend: {backend}. "
        f"{harness.command(connection.vendor)}\n\n"
        f"Goals: {goals}.\n\n"
        f"{synthea.title}:\n\n"
        + table(bundle_rows, ("start", "read", "commit"), goals=True)
        + f"\n\n{ndjson.title}; the person imported is {name}, with the most "
        f"entries ({entries:,} entries and documents):\n\n"
        + table(bulk_rows, PHASES, goals=False)
        + "\n"
    )
    if options.profile:
        profile_imports(imports, synthea)
        profile_imports(imports, ndjson, key)
    return report, missed


SECTION = "## Imports (`bench/imports.py`)"
INTRO = """
Goals: the whole import of the largest Synthea bundle (3.9 MB, 1,111
resources) under 0.5 s, and its re-import into a profile that already holds
it under 0.3 s. Measured in one process, after a warm-up, calling the
pipeline's functions as `myhealthhub import` does: start (seal and keep the
originals, create the job), read (decrypt, parse, map, plan against the
profile, store the preview), choose (a person picked among several, then
read again), commit (plan again under the profile's lock, then write in one
transaction; the mapping this process read for the preview is reused for
files up to 16 MiB, so a worker that did not read the job itself spends
about the "parse + map alone" row more). Each phase is the median of its own
runs, so the phases need not add up to the median total. The baselines are
`json.loads` of the same bytes and parse + map alone (no database).
Resources per second count every resource in the files, other people's
included. Tasks go to the database queue as deployed: the documents an
import carries are queued for reading, and read afterwards by the worker,
outside these timings. The machine has 2 cores shared with other work; the
load average before each run is noted.
"""


if __name__ == "__main__":
    main()
