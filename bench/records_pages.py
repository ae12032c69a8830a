"""How fast the record's main pages answer on a large profile.

Builds a fresh instance in a temporary data folder (SQLite unless DATABASE_URL
is set), fills one profile with 100,000 observations, 10,000 other entries
and 1,000,000 device samples through `myhealthhub demo`, then times the
server's handling of the overview, the timeline, a list page, a trend chart
and the device readings against a trivial page (the list of profiles)
measured in the same run.

    python bench/records_pages.py [--observations N] [--entries N] [--samples N]
                                  [--requests N] [--write]

--write appends the table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    os.environ["MYHEALTHHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="myhealthhub-bench-")
    os.environ["MYHEALTHHUB_STATIC_MANIFEST"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myhealthhub.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from myhealthhub.accounts.models import User
    from myhealthhub.profiles.models import Profile

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command(
        "demo",
        "--observations",
        str(options.observations),
        "--entries",
        str(options.entries),
        "--samples",
        str(options.samples),
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    built = time.perf_counter() - started
    owner = User.objects.get(email="demo@example.org")
    profile = Profile.objects.filter(given_name="Carmen").get()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    pages = {
        "profiles list (baseline)": reverse("home"),
        "overview": reverse("profiles:overview", kwargs={"profile_uuid": profile.uuid}),
        "timeline": reverse("records:timeline", kwargs={"profile_uuid": profile.uuid}),
        "results list": reverse(
            "records:list", kwargs={"profile_uuid": profile.uuid, "kind": "results"}
        ),
        "trend chart (HbA1c)": reverse("records:trend_chart", kwargs={"profile_uuid": profile.uuid})
        + "?code=4548-4",
        "device readings": reverse("records:readings", kwargs={"profile_uuid": profile.uuid}),
        "heart rate chart": reverse(
            "records:reading_chart", kwargs={"profile_uuid": profile.uuid, "metric": "heart_rate"}
        ),
    }
    rows = []
    for name, url in pages.items():
        for _ in range(5):  # warm caches and the UCUM registry
            assert client.get(url).status_code == 200, url
        timings = []
        for _ in range(options.requests):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
        rows.append((name, statistics.median(timings), p95))

    baseline = rows[0][1]
    table = [
        "| page | median ms | p95 ms | median ÷ baseline |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {median:.1f} | {p95:.1f} | {median / baseline:.1f}× |"
            for name, median, p95 in rows
        ),
    ]
    header = (
        f"### {time.strftime('%Y-%m-%d')} · {connection.vendor} · "
        f"{options.observations:,} observations, {options.entries:,} other entries, "
        f"{options.samples:,} device samples · "
        f"{options.requests} requests a page\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. "
        f"Data built in {built:.0f} s. Command: `python bench/records_pages.py --write`"
        + (" (with DATABASE_URL)" if connection.vendor != "sqlite" else "")
        + "\n"
    )
    report = header + "\n" + "\n".join(table) + "\n"
    print(report)
    if options.write:
        results = Path(__file__).with_name("RESULTS.md")
        existing = results.read_text() if results.exists() else "# Benchmark results\n"
        results.write_text(existing.rstrip() + "\n\n" + report)


if __name__ == "__main__":
    main()
