"""A load MyHealthHub must hold: signed-in people using the real server over HTTP (issue 21).

A fresh instance (bench/load_instance.py): SQLite in a new data folder, or a
new database on DATABASE_URL's PostgreSQL server; documents in the folder, in
S3 when MYHEALTHHUB_STORAGE=s3 and its variables are set, or in a SeaweedFS
started for the run (--seaweedfs). --users accounts are made with
`myhealthhub createuser` and filled by `myhealthhub demo` (two profiles each:
an adult followed for years, a child). `myhealthhub serve` starts as a person
starts it, its task worker with it, in a process group of its own that is
stopped whole at the end, on Ctrl+C and on any error. Every person signs in
through the sign-in form.

Then an open loop (bench/load_client.py) sends --rate requests a second for
--duration seconds, each from a random person, by route in a hundred:

     8  the sign-in page with no session: the baseline, in the same run
     5  the list of profiles          20  a profile's overview
    10  the timeline                  24  a list (medicines, conditions, allergies,
    10  a search                          immunizations, results, visits, documents)
     5  the summary page              11  add a glucose result (form POST)
     5  upload a one-page PDF (multipart POST; the worker reads it)
     2  start a CSV export (POST; the worker writes it; the password is given
        again when allauth asks: at a person's first export, then every 5 minutes)

It reports each route's count, errors (any answer but the one a browser
expects, or none), p50/p95/p99 from the moment the request was due, the rate
achieved; the "database is locked" lines and tracebacks in the server's log;
the load average at the start and the end and the CPU seconds of the web
processes, the database's backends (PostgreSQL), the task worker and SeaweedFS
(bench/load_machine.py); and what the worker still had queued at the end.

    python bench/load.py [--users N] [--rate R] [--duration S] [--workers N]
                         [--ramp R1,R2,... --step-seconds S]
                         [--while-importing [--import-mb N]]
                         [--seaweedfs] [--observations N] [--keep] [--write]

--ramp runs the rates one after the other and reports where p95 crosses
200 ms. --while-importing uploads an Apple Health export (written by
../shared/tools/gen_apple_export.py) through the import page at the start,
commits it, keeps the load on until the commit is over, and reports page p95
while the worker reads and commits it. The Markdown block at the end goes in
bench/RESULTS.md (--write adds it).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from types import FrameType

import harness
from apple import generate
from documents import free_port
from load_client import Driver, Person, Sample
from load_figures import (
    GOAL_MS,
    Figures,
    Step,
    answered_rate,
    crossing,
    error_lines,
    ramp_table,
    route_table,
    step,
    verdict,
    within,
)
from load_import import BigImport
from load_instance import Instance, Server
from load_log import LogFindings, read_log
from load_machine import (
    DATABASE,
    STORAGE,
    WEB,
    WORKER,
    CpuMeter,
    Roles,
    describe_cpu,
)

SECTION = "## A load it holds: signed-in people over HTTP (`bench/load.py`)"
INTRO = """
Goals (operations issue, point 7): on SQLite with the default `myhealthhub
serve`, 50 requests a second of the mix for 10 minutes at p95 < 200 ms, with
no error and no "database is locked"; on PostgreSQL + SeaweedFS, the rate at
which p95 crosses 200 ms; while a large import commits, page p95 under 500 ms.
The mix, the open-loop client and what is counted are described at the top
of `bench/load.py`; times run from the moment a request was due. Every run
measures the sign-in page with no session (the baseline) in the same stream.
"""
IMPORT_GOAL_MS = 500


# --- The whole run -----------------------------------------------------------------------------


class Run:
    """Everything one invocation measures; the report is built from it."""

    def __init__(self, options: argparse.Namespace, instance: Instance) -> None:
        self.options = options
        self.instance = instance
        self.steps: list[Step] = []
        self.importer: BigImport | None = None
        self.archive_bytes = 0
        self.built_seconds = 0.0
        self.log = LogFindings(0, 0, Counter(), {})
        self.queue: dict[str, int] = {}
        self.exports: dict[str, int] = {}
        self.reauthentications = 0
        self.shown_roles = {WEB, WORKER}

    def measure(self) -> None:
        options, instance = self.options, self.instance
        archive = None
        begun = time.monotonic()
        if options.while_importing:
            say(f"Writing a {options.import_mb} MB Apple Health export…")
            _xml, archive = generate(options.import_mb, instance.folder)
            self.archive_bytes = archive.stat().st_size
        say(f"Making {options.users} accounts with the demo's records…")
        accounts = instance.make_accounts(options.users, options.observations)
        self.built_seconds = time.monotonic() - begun
        server = Server(instance, free_port(), options.workers)
        try:
            server.wait_until_ready()
            say("Signing everyone in…")
            scratch = instance.folder / "scans"
            scratch.mkdir()
            people = [
                Person(server.port, account, options.timeout, scratch) for account in accounts
            ]
            for person in people:
                person.sign_in(person.account.email, person.account.password)
            roles = Roles(
                server_group=server.group,
                task_worker=server.task_worker(),
                database_name=instance.database_name,
                storage_group=instance.storage_group,
            )
            if instance.database_name:
                self.shown_roles.add(DATABASE)
            if instance.storage_group:
                self.shown_roles.add(STORAGE)
            driver = Driver(people, options.timeout, options.threads, options.seed)
            try:
                with CpuMeter(roles) as meter:
                    self._drive(driver, meter, people, archive)
            finally:
                driver.close()
            self.reauthentications = sum(person.reauthentications for person in people)
            self._read_state()
        finally:
            server.stop()
            self.log = read_log(server.log_text())

    def _drive(
        self, driver: Driver, meter: CpuMeter, people: list[Person], archive: Path | None
    ) -> None:
        options = self.options
        rates = options.ramp or [options.rate]
        say(f"Warming up for {options.warm_up:g} s…")
        driver.run(rates[0], options.warm_up)
        if options.ramp:
            for rate in rates:
                say(f"{rate:g} req/s for {options.step_seconds:g} s…")
                self.steps.append(step(driver, meter, rate, options.step_seconds))
            return
        importer = None
        if archive:
            limit = time.monotonic() + options.duration + options.import_timeout
            importer = self.importer = BigImport(people[0], archive, self.instance, limit)
            importer.start()
        say(f"{options.rate:g} req/s for {options.duration:g} s…")
        # Past --duration, the load goes on until the import is over.
        keep_going = importer.is_alive if importer else None
        self.steps.append(step(driver, meter, options.rate, options.duration, keep_going))
        if importer:
            importer.join(timeout=5)

    def _read_state(self) -> None:
        """What the worker had still to do when the load stopped."""
        self.queue = dict(
            self.instance.query(
                "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
            )
        )
        self.exports = dict(
            self.instance.query("SELECT state, count(*) FROM exports_exportjob GROUP BY state")
        )

    # --- The report ----------------------------------------------------------------------------

    def report(self) -> str:
        options, instance = self.options, self.instance
        vendor = instance.vendor
        first, last = self.steps[0], self.steps[-1]
        seconds = sum(one.seconds for one in self.steps)
        every = [sample for one in self.steps for sample in one.samples]
        cpu = {role: sum(one.cpu[role] for one in self.steps) for role in first.cpu}
        what = (
            f"ramp {', '.join(f'{rate:g}' for rate in options.ramp)} req/s, "
            f"{options.step_seconds:g} s each"
            if options.ramp
            else f"{options.rate:g} req/s for {options.duration:g} s"
        )
        importing = (
            f" · while importing a {options.import_mb} MB Apple Health export"
            if self.importer
            else ""
        )
        workers = options.workers or instance.env.get("MYHEALTHHUB_WEB_WORKERS", "3")
        threads = instance.env.get("MYHEALTHHUB_WEB_THREADS", "4")
        client = resource.getrusage(resource.RUSAGE_SELF)
        extra = f" (+{options.observations:,} lab values)" if options.observations else ""
        lines = [
            f"### {time.strftime('%Y-%m-%d')} · {vendor} · {options.users} people · "
            f"{what}{importing}",
            "",
            f"{harness.machine()} {harness.command(vendor)}",
            "",
            f"Server: `myhealthhub serve`, gunicorn {workers} workers × {threads} threads and "
            f"its task worker; documents in {instance.storage}. Each person has the demo's two "
            f"profiles{extra}; instance built and "
            f"{options.users} accounts made in {self.built_seconds:.0f} s. Load average "
            f"(1 / 5 / 15 min): {first.load_before} at the start, {last.load_after} at the "
            f"end. CPU over the {seconds:.0f} s measured, in seconds and % of the "
            f"{os.cpu_count()} cores: {describe_cpu(cpu, seconds, self.shown_roles.__contains__)}"
            f"; this client {client.ru_utime + client.ru_stime:.0f} s in all.",
            "",
        ]
        if options.ramp:
            lines += ramp_table(self.steps, self.shown_roles)
            lines += ["", crossing(self.steps)]
        else:
            lines += [
                f"Achieved {answered_rate(every, first.start):.1f} req/s "
                f"({len(every):,} requests).",
                "",
                *route_table(every),
            ]
            whole = Figures.of(every)
            met = whole.p95 < GOAL_MS and not whole.errors and not self.log.locked
            lines += [
                "",
                f"Goal: p95 < {GOAL_MS} ms, no error, no “database is locked”: {verdict(met)}.",
            ]
        if self.importer:
            lines += ["", self._import_line(every)]
        lines += ["", self._server_line()]
        if errors := error_lines(every):
            lines += ["", "Errors:", "", *errors]
        return "\n".join(lines) + "\n"

    def _import_line(self, every: list[Sample]) -> str:
        assert self.importer
        phases = self.importer.phases
        parts = [
            f"The import ({self.archive_bytes / 1e6:.1f} MB zip) ended “{self.importer.outcome}”"
        ]
        for phase, label in (("upload", "uploaded"), ("read", "read"), ("commit", "committed")):
            if phase in phases:
                start, end = phases[phase]
                parts.append(f"{label} in {end - start:.0f} s")
        line = ", ".join(parts) + "."
        for phase, label in (
            ("read", "while the worker read it"),
            ("commit", "while it committed"),
        ):
            if phase in phases:
                during = Figures.of(within(every, *phases[phase]))
                line += f" Page p95 {label}: {during.p95:.0f} ms ({during.count:,} requests)."
        if "commit" in phases:
            committing = Figures.of(within(every, *phases["commit"]))
            goal = committing.p95 < IMPORT_GOAL_MS and self.importer.outcome == "committed"
            line += f" Goal, p95 < {IMPORT_GOAL_MS} ms while it commits: {verdict(goal)}."
        return line

    def _server_line(self) -> str:
        queue = ", ".join(
            f"{count} {status.lower()}" for status, count in sorted(self.queue.items())
        )
        exports = ", ".join(f"{count} {state}" for state, count in sorted(self.exports.items()))
        return (
            f"Server log: {self.log.locked} “database is locked”, "
            f"{sum(self.log.tracebacks.values())} tracebacks, {self.log.timeouts} worker "
            f"timeouts. Task rows at the end: {queue or 'none'}; exports: {exports or 'none'}; "
            f"{self.reauthentications} password re-entries before an export."
        )

    def findings(self) -> str:
        """The server's tracebacks, each kind once, for whoever fixes them."""
        if not self.log.tracebacks:
            return ""
        parts = ["Tracebacks in the server's log (each kind once):"]
        for last, count in self.log.tracebacks.most_common():
            parts += ["", f"{count}× {last}", "", self.log.examples[last]]
        return "\n".join(parts)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def rates(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


def time_limit(options: argparse.Namespace) -> int:
    """A bound on the whole run: building, the load itself, and stopping."""
    load = options.warm_up + (
        len(options.ramp) * (options.step_seconds + options.timeout + 10)
        if options.ramp
        else options.duration + options.timeout + 10
    )
    if options.while_importing:
        load += options.import_timeout + 120
    building = 600 + options.users * (30 + options.observations / 1000)
    return int(building + load)


def stop_on(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_out_of_time(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError("bench/load.py went past its time limit")


def parse(arguments: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="signed-in people")
    parser.add_argument("--rate", type=float, default=50, help="requests a second")
    parser.add_argument("--duration", type=float, default=600, help="seconds")
    parser.add_argument("--ramp", type=rates, default=[], help="rates one after another: 10,20,40")
    parser.add_argument("--step-seconds", type=float, default=60)
    parser.add_argument("--warm-up", type=float, default=10, help="seconds, not measured")
    parser.add_argument("--workers", type=int, default=None, help="`serve --workers` (its default)")
    parser.add_argument("--observations", type=int, default=0, help="extra lab values a person")
    parser.add_argument("--while-importing", action="store_true")
    parser.add_argument("--import-mb", type=int, default=50)
    parser.add_argument("--import-timeout", type=float, default=1800, help="seconds")
    parser.add_argument(
        "--seaweedfs", action="store_true", help="documents in a SeaweedFS of its own"
    )
    parser.add_argument("--timeout", type=float, default=30, help="seconds a request may take")
    parser.add_argument("--threads", type=int, default=256, help="client threads")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--keep", action="store_true", help="keep the data folder and database")
    parser.add_argument("--write", action="store_true", help="add the block to bench/RESULTS.md")
    options = parser.parse_args(arguments)
    if options.ramp and options.while_importing:
        parser.error("--while-importing goes with --rate, not --ramp")
    return options


def main() -> None:
    options = parse()
    # Ctrl+C, a SIGTERM and the time limit all unwind through the `finally`
    # clauses that stop the server's process group and remove the instance;
    # SIGINT too when started in the background, where the shell ignores it.
    signal.signal(signal.SIGINT, stop_on)
    signal.signal(signal.SIGTERM, stop_on)
    signal.signal(signal.SIGALRM, run_out_of_time)
    signal.alarm(time_limit(options))
    folder = Path(tempfile.mkdtemp(prefix="myhealthhub-load-"))
    try:
        instance = Instance(folder, seaweedfs=options.seaweedfs)
        try:
            run = Run(options, instance)
            run.measure()
        finally:
            signal.alarm(0)
            instance.close(keep=options.keep)
    except (KeyboardInterrupt, TimeoutError) as stopped:
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(f"Stopped ({stopped}); the server and its data are gone.") from None
    text = run.report()
    print("\n" + SECTION + "\n" + INTRO + "\n" + text)
    if findings := run.findings():
        print(findings)
    if options.write:
        harness.record(SECTION, INTRO, text)


if __name__ == "__main__":
    main()
