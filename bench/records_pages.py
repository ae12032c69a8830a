"""How fast the record's main pages answer on a large profile.

Builds a fresh instance in a temporary data folder (SQLite unless DATABASE_URL
is set), fills one profile with 100,000 observations, 10,000 other entries
and 1,000,000 device samples through `myhealthhub demo`, then times the
server's handling of the overview, the timeline, a list page, a trend chart
and the device readings against a trivial page (the list of profiles)
measured in the same run, right after the data went in (no manual ANALYZE).
Then, on the same data, the real server (gunicorn, as `myhealthhub serve`
starts it) answers ``--clients`` concurrent clients asking for the trivial
page, then the overview (bench/overview_throughput.py); --clients 0 skips it.

    python bench/records_pages.py [--observations N] [--entries N] [--samples N]
                                  [--requests N] [--clients N] [--seconds S] [--write]

--write adds the table to the "record's pages" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import time

import harness
import overview_throughput

SECTION = "## The record's pages on a large profile (`bench/records_pages.py`)"
INTRO = """
Goal (records issue): every page under 100 ms at the 95th percentile on the
reference machine (2 cores). Trend and device charts are drawn once per change
of their data and then served from the cache; the first drawing of a chart
takes 50–150 ms.

Goal (speed issue): on PostgreSQL with 100,000 observations, the overview,
the timeline and the results list under 100 ms at the 95th percentile right
after the bulk load, and the overview's requests a second at 4 clients at
least twice what they were before (44 a second on 2 cores).
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60)
    overview_throughput.add_arguments(parser)
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    harness.start_django()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from myhealthhub.accounts.models import User
    from myhealthhub.profiles.models import Profile

    started = time.perf_counter()
    harness.build_demo(options.observations, options.entries, options.samples)
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
    rows = [
        (name, *harness.summary(harness.time_page(client, url, {}, options.requests)))
        for name, url in pages.items()
    ]

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
        f"{harness.machine()} Data built in {built:.0f} s. "
        f"{harness.command(connection.vendor)}\n"
    )
    report = header + "\n" + "\n".join(table) + "\n"
    if options.clients:
        cookie = overview_throughput.signed_in_cookie(owner)
        connection.close()
        served = overview_throughput.throughput(
            {name: pages[name] for name in ("profiles list (baseline)", "overview")},
            cookie,
            options,
        )
        report += (
            f"\nThe real server, {overview_throughput.describe(options)}:\n\n"
            + overview_throughput.table(served)
            + "\n"
        )
    print(report)
    if options.write:
        harness.record(SECTION, INTRO, report)


if __name__ == "__main__":
    main()
