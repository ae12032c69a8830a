"""Where the machine's time goes during bench/load.py: CPU seconds by role, read from /proc.

The roles are the web server (`myhealthhub serve` and its gunicorn processes),
the task worker it starts (with anything that worker starts), the database
server's backends for this run's database (PostgreSQL only: with SQLite the
database's work is done inside the web and worker processes), and the object
storage when the run started its own SeaweedFS. Each process's user + system
time is sampled twice a second; a process that ends between two samples loses
at most half a second, and its children's time is never counted twice (the
``cutime`` fields of /proc are left alone).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_EVERY = 0.5
WEB, WORKER, DATABASE, STORAGE = "web", "worker", "database", "storage"
ROLES = (WEB, DATABASE, WORKER, STORAGE)
# Every process on the machine, this run's or not: on a shared machine, what
# the others took is part of the figures.
MACHINE = "whole machine"


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    group: int
    cpu_seconds: float  # user + system


def read_process(pid: int) -> Process | None:
    """One process from /proc/<pid>/stat; None once it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name, in parentheses, may itself hold spaces and parentheses.
    fields = stat[stat.rindex(")") + 2 :].split()
    return Process(
        pid=pid,
        parent=int(fields[1]),
        group=int(fields[2]),
        cpu_seconds=(int(fields[11]) + int(fields[12])) / TICKS,
    )


def command_line(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return ""


def every_process() -> dict[int, Process]:
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (process := read_process(int(entry.name))):
            found[process.pid] = process
    return found


@dataclass
class Roles:
    """Which processes belong to whom: process groups, and a database's name."""

    server_group: int
    task_worker: int  # its descendants are the worker's too
    database_name: str = ""  # PostgreSQL backends whose command line names it
    storage_group: int = 0
    _database_pids: dict[int, bool] = field(default_factory=dict)

    def of(self, process: Process, table: dict[int, Process]) -> str | None:
        if process.group == self.server_group:
            return WORKER if self._descends_from_worker(process, table) else WEB
        if self.storage_group and process.group == self.storage_group:
            return STORAGE
        if self.database_name and self._is_our_backend(process.pid):
            return DATABASE
        return None

    def _descends_from_worker(self, process: Process, table: dict[int, Process]) -> bool:
        pid = process.pid
        while pid > 1 and pid in table:
            if pid == self.task_worker:
                return True
            pid = table[pid].parent
        return False

    def _is_our_backend(self, pid: int) -> bool:
        # A backend keeps its database for life: look at its command line once.
        if pid not in self._database_pids:
            line = command_line(pid)
            self._database_pids[pid] = line.startswith("postgres:") and (
                f" {self.database_name} " in line
            )
        return self._database_pids[pid]


class CpuMeter:
    """CPU seconds each role has used since the meter started, at any moment of the run."""

    def __init__(self, roles: Roles) -> None:
        self.roles = roles
        self._first: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CpuMeter:
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def totals(self) -> dict[str, float]:
        """Seconds by role so far, and the machine's busy seconds since it booted."""
        self._sample()
        with self._lock:
            used = dict.fromkeys(ROLES, 0.0)
            for pid, (role, seconds) in self._last.items():
                used[role] += seconds - self._first.get(pid, 0.0)
        return used | {MACHINE: machine_busy()}

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self._sample()

    def _sample(self, *, first: bool = False) -> None:
        table = every_process()
        with self._lock:
            for process in table.values():
                role = self.roles.of(process, table)
                if role is None:
                    continue
                if first:
                    self._first[process.pid] = process.cpu_seconds
                self._last[process.pid] = (role, process.cpu_seconds)


def machine_busy() -> float:
    """CPU seconds every core has spent not idle, from /proc/stat."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user, nice, system, (idle, iowait), irq, softirq; guest time is already in user's.
    return (sum(ticks[:3]) + ticks[5] + ticks[6]) / TICKS


def difference(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {role: after[role] - before[role] for role in after}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def describe_cpu(used: dict[str, float], seconds: float, shown: Callable[[str], bool]) -> str:
    """ "web 412 s (34% of the machine), database …" for the roles this run has."""
    cores = os.cpu_count() or 1
    return ", ".join(
        f"{role} {used[role]:.0f} s ({100 * used[role] / (seconds * cores):.0f}%)"
        for role in (*ROLES, MACHINE)
        if shown(role) or role == MACHINE
    )
