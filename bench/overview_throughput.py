"""How many overview pages a second the real server gives to several clients at once.

Builds a fresh instance in a temporary data folder (SQLite unless DATABASE_URL
is set) with the same large profile as bench/records_pages.py (`myhealthhub
demo`), starts gunicorn as `myhealthhub serve` does (gthread workers, its
defaults for their number), and has ``--clients`` signed-in clients ask, each
over its own kept-alive connection, for one page after another for
``--seconds``: first the trivial page (the list of profiles), then the
profile's overview, in the same run. Client threads spend their time waiting
on the socket, so they take little of the cores the server and the database share.

    python bench/overview_throughput.py [--observations N] [--entries N] [--samples N]
                                        [--clients N] [--seconds S] [--workers N] [--write]

--write adds the table to the "overview's throughput" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import harness

SECTION = "## The overview's throughput under concurrent clients (`bench/overview_throughput.py`)"
INTRO = """
Goal (speed issue): on PostgreSQL with 100,000 observations, the overview
answers at least twice as many requests a second at 4 clients as before the
speed work, measured beside the trivial page in the same run. The server is
gunicorn as `myhealthhub serve` starts it; the clients run on the same machine.
"""
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    """gunicorn with the arguments `myhealthhub serve` gives it, logs aside."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "myhealthhub.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--no-control-socket",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def hammer(port: int, path: str, cookie: str, clients: int, seconds: float) -> tuple[float, float]:
    """Requests a second over ``seconds`` with ``clients`` at once, and the p95 in ms."""
    stop = time.monotonic() + seconds
    timings: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []

    def client(mine: list[float]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie, "Host": "127.0.0.1"}
        while time.monotonic() < stop:
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
                return
            mine.append((time.perf_counter() - start) * 1000)
        connection.close()

    threads = [threading.Thread(target=client, args=(mine,)) for mine in timings]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(failures[0])
    every = [timing for mine in timings for timing in mine]
    return len(every) / elapsed, harness.percentile(every, 95)


def throughput(
    pages: dict[str, str], session_cookie: str, options: argparse.Namespace
) -> list[tuple[str, float, float]]:
    """Each page's requests a second and p95 under ``options.clients``, the first page first."""
    port = free_port()
    server = start_server(port, options.workers, options.threads)
    try:
        rows = []
        for name, path in pages.items():
            hammer(port, path, session_cookie, options.clients, min(options.seconds, 3))  # warm up
            rows.append(
                (name, *hammer(port, path, session_cookie, options.clients, options.seconds))
            )
    finally:
        server.terminate()
        server.wait()
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3, help="as `myhealthhub serve`")
    parser.add_argument("--threads", type=int, default=4, help="as `myhealthhub serve`")


def signed_in_cookie(owner: Any) -> str:
    """A session in the database, as signing in leaves it; the server reads the same one."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def table(rows: list[tuple[str, float, float]]) -> str:
    baseline = rows[0][1]
    return "\n".join(
        [
            "| page | requests/s | p95 ms | ÷ baseline |",
            "|---|---:|---:|---:|",
            *(
                f"| {name} | {rate:.1f} | {p95:.1f} | {rate / baseline:.2f}× |"
                for name, rate, p95 in rows
            ),
        ]
    )


def describe(options: argparse.Namespace) -> str:
    return (
        f"{options.clients} clients for {options.seconds:g} s a page, gunicorn "
        f"{options.workers} workers × {options.threads} threads"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the demo already in the database of DATABASE_URL instead of building one",
    )
    add_arguments(parser)
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    harness.start_django()
    from django.db import connection
    from django.urls import reverse

    from myhealthhub.accounts.models import User
    from myhealthhub.profiles.models import Profile

    if not options.reuse:
        harness.build_demo(options.observations, options.entries, options.samples)
    owner = User.objects.get(email="demo@example.org")
    profile = Profile.objects.filter(given_name="Carmen").get()
    cookie = signed_in_cookie(owner)
    vendor = connection.vendor
    connection.close()
    pages = {
        "profiles list (baseline)": reverse("home"),
        "overview": reverse("profiles:overview", kwargs={"profile_uuid": profile.uuid}),
    }
    rows = throughput(pages, cookie, options)
    built = (
        "the demo already in the database"
        if options.reuse
        else (
            f"{options.observations:,} observations, {options.entries:,} other entries, "
            f"{options.samples:,} device samples"
        )
    )
    header = (
        f"### {time.strftime('%Y-%m-%d')} · {vendor} · {built} · {describe(options)}\n\n"
        f"{harness.machine()} {harness.command(vendor)}\n"
    )
    report = header + "\n" + table(rows) + "\n"
    print(report)
    if options.write:
        harness.record(SECTION, INTRO, report)


if __name__ == "__main__":
    main()
