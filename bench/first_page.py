"""How long a fresh install takes to answer its first page: `myhealthhub serve` on an empty folder.

Each run starts `myhealthhub serve` (the README's command, this virtualenv's
script) on a new, empty data folder with the embedded defaults (SQLite, no
MYHEALTHHUB_* variables), then asks for the sign-in page until one answers.
After that, waves of concurrent requests spread over the web workers until
every worker has answered at least once; the server-side socket of each
request tells which worker took it (/proc, so Linux only). Times are from the
moment the command starts.

    python bench/first_page.py [--runs N] [--workers N] [--baseline DIR] [--cold-bytecode]
                               [--label TEXT] [--write]

With ``--baseline DIR`` (a copy of the code from before a change, e.g.
``git archive``d), runs of that code and of this checkout alternate, so both
meet the same machine load.

Reported: the first line serve prints, its "running at" banner, the first
answered page, the first page answered in under 1 s, and each worker's first
request (a cold worker is one whose first request is slow).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import harness

PAGE = "/accounts/login/"
FAST = 1.0  # seconds: "a page answered under 1 s"
GIVE_UP = 240.0  # seconds for one run
SECTION = "## First page on a fresh install (`bench/first_page.py`)"
INTRO = """
The README's first command, `myhealthhub serve`, on an empty data folder with
the embedded defaults (SQLite, 3 web workers unless said): seconds from the
command's start to its first line of output, to its "running at" banner, to
the first answered page (`GET /accounts/login/`), and to the first page
answered in under 1 s; then each web worker's first request, in ms (waves of
concurrent requests until every worker has answered; the worker is found from
the server's socket in /proc). A worker whose first request is slow started
cold.
"""


@dataclass
class Answer:
    sent: float  # seconds since the command started
    seconds: float
    status: int
    worker: int | None


@dataclass
class Run:
    first_line: float | None = None
    banner: float | None = None
    answers: list[Answer] = field(default_factory=list)
    output: list[tuple[float, str]] = field(default_factory=list)

    def first_answer(self) -> Answer | None:
        return next((a for a in self.answers if a.status in (200, 302)), None)

    def first_fast(self) -> float | None:
        fast = [a.sent + a.seconds for a in self.answers if a.seconds < FAST]
        return min(fast) if fast else None

    def first_per_worker(self) -> dict[int, Answer]:
        firsts: dict[int, Answer] = {}
        for answer in sorted(self.answers, key=lambda a: a.sent):
            if answer.worker is not None:
                firsts.setdefault(answer.worker, answer)
        return firsts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment(data_dir: str, bytecode: str | None) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MYHEALTHHUB_", "AWS_")) and name != "DATABASE_URL"
    }
    if bytecode is not None:
        # An empty bytecode cache: every module is compiled from its source, as
        # on the first start after a fresh clone.
        environment["PYTHONPYCACHEPREFIX"] = bytecode
    return environment | {"MYHEALTHHUB_DATA_DIR": data_dir}


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    found = []
    for child in children(pid):
        found += [child, *descendants(child)]
    return found


def server_socket_inode(port: int, client_port: int) -> str | None:
    """The inode of the server's end of the connection from ``client_port`` to ``port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote = fields[1], fields[2]
                if int(local.rsplit(":", 1)[1], 16) == port and (
                    int(remote.rsplit(":", 1)[1], 16) == client_port
                ):
                    return fields[9]
    return None


def worker_holding(inode: str, candidates: list[int]) -> int | None:
    target = f"socket:[{inode}]"
    for pid in candidates:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == target:
                        return pid
    return None


def ask(port: int, start: float, serve_pid: int) -> Answer | None:
    """One GET of PAGE on a new connection; None while nothing listens yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=GIVE_UP)
    sent = time.monotonic()
    try:
        connection.request("GET", PAGE)
        response = connection.getresponse()
        response.read()
        seconds = time.monotonic() - sent
        # gunicorn keeps the connection open (keep-alive) after answering:
        # the process holding its server end is the worker that answered.
        worker = None
        assert connection.sock is not None
        inode = server_socket_inode(port, connection.sock.getsockname()[1])
        if inode is not None:
            worker = worker_holding(inode, descendants(serve_pid))
        return Answer(sent - start, seconds, response.status, worker)
    except OSError:
        return None
    finally:
        connection.close()


def read_output(process: subprocess.Popen[str], start: float, run: Run, port: int) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        now = time.monotonic() - start
        run.output.append((now, line.rstrip()))
        if run.first_line is None and line.strip():
            run.first_line = now
        if run.banner is None and f":{port}/" in line:
            run.banner = now


def one_run(workers: int, cold_bytecode: bool, source: str | None) -> Run:
    data_dir = tempfile.mkdtemp(prefix="myhealthhub-first-page-")
    bytecode = tempfile.mkdtemp(prefix="myhealthhub-pycache-") if cold_bytecode else None
    port = free_port()
    command = [str(Path(sys.executable).with_name("myhealthhub")), "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    run = Run()
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        env=clean_environment(data_dir, bytecode)
        | ({"PYTHONPATH": source} if source is not None else {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        # Not this checkout: `python -m` puts the working folder first on the
        # import path, which would hide a baseline's code.
        cwd=data_dir,
    )
    reader = threading.Thread(target=read_output, args=(process, start, run, port), daemon=True)
    reader.start()
    try:
        while time.monotonic() - start < GIVE_UP and process.poll() is None:
            answer = ask(port, start, process.pid)
            if answer is not None:
                run.answers.append(answer)
                if answer.status in (200, 302):
                    break
            else:
                time.sleep(0.05)
        # Waves of concurrent requests, so that the kernel hands some to each worker.
        with ThreadPoolExecutor(max_workers=workers * 2) as pool:
            while time.monotonic() - start < GIVE_UP and process.poll() is None:
                wave = [pool.submit(ask, port, start, process.pid) for _ in range(workers * 2)]
                run.answers += [a for a in (f.result() for f in wave) if a is not None]
                if len(run.first_per_worker()) >= workers and run.first_fast() is not None:
                    break
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        reader.join(timeout=5)
        shutil.rmtree(data_dir, ignore_errors=True)
        if bytecode is not None:
            shutil.rmtree(bytecode, ignore_errors=True)
    return run


def seconds_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def row(name: str, number: int, run: Run) -> tuple[str, float | None, float | None]:
    first = run.first_answer()
    first_at = None if first is None else first.sent + first.seconds
    per_worker = sorted(run.first_per_worker().values(), key=lambda a: a.sent)
    workers_text = ", ".join(f"{a.seconds * 1000:,.0f}" for a in per_worker) or "—"
    failed = sum(1 for a in run.answers if a.status not in (200, 302))
    text = (
        f"| {name} {number} | {seconds_text(run.first_line)} | {seconds_text(run.banner)} "
        f"| {seconds_text(first_at)} | {seconds_text(run.first_fast())} "
        f"| {workers_text} | {len(run.answers)} ({failed} not 200/302) |"
    )
    return text, first_at, run.first_fast()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--label", default="", help="what this run measures")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a copy of the code from before a change: its runs alternate with this checkout's",
    )
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="start with an empty bytecode cache (PYTHONPYCACHEPREFIX), as after a fresh clone",
    )
    parser.add_argument("--output", action="store_true", help="print serve's output of each run")
    parser.add_argument("--write", action="store_true", help="add the table to RESULTS.md")
    options = parser.parse_args()

    # The baseline's package comes first on the import path; this checkout's is the installed one.
    codes: list[tuple[str, str | None]] = [("this checkout", None)]
    if options.baseline is not None:
        codes.insert(0, ("baseline", str(options.baseline.resolve())))
    rows = []
    medians = []
    results: dict[str, list[tuple[float | None, float | None]]] = {name: [] for name, _ in codes}
    for number in range(1, options.runs + 1):
        for name, source in codes:
            run = one_run(options.workers, options.cold_bytecode, source)
            if options.output:
                for at, line in run.output:
                    print(f"{at:7.2f} {line}")
            text, first_at, fast_at = row(name, number, run)
            rows.append(text)
            results[name].append((first_at, fast_at))
    for name, measured in results.items():
        firsts = [first for first, _fast in measured if first is not None]
        fasts = [fast for _first, fast in measured if fast is not None]
        if firsts and fasts:
            medians.append(
                f"{name}: first answered page {statistics.median(firsts):.1f} s, "
                f"first page under 1 s {statistics.median(fasts):.1f} s (medians)."
            )
    label = f" · {options.label}" if options.label else ""
    if options.cold_bytecode:
        label += " · empty bytecode cache"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    text = "\n".join(
        [
            f"### {time.strftime('%Y-%m-%d')}{label} · sqlite · {options.workers} web workers "
            f"· {options.runs} runs each",
            "",
            f"{harness.machine()} {harness.command('sqlite')} Load average at the end: {load}.",
            "",
            "| code, run | first line s | banner s | first page s | first page < 1 s, s "
            "| each worker's first request, ms | requests |",
            "|---|---:|---:|---:|---:|---|---:|",
            *rows,
            "",
            *medians,
        ]
    )
    print(text)
    if options.write:
        harness.record(SECTION, INTRO, text)


if __name__ == "__main__":
    main()
