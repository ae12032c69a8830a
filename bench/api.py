"""How fast the API answers: a list of entries, and readings pushed 500 at a time.

Builds a fresh instance in a temporary data folder (SQLite unless DATABASE_URL
is set), fills the demo adult with ``--observations`` results through
`myhealthhub demo`, makes a personal access token with every scope, then times
the server's handling (Django's test client, in process, as
bench/records_pages.py does) of:

- the trivial API page, the list of the token's profiles: the baseline;
- ``GET /api/v1/profiles/{id}/entries/results``, a page of 50, walked with its
  cursor so later pages count too;
- ``POST /api/v1/profiles/{id}/readings`` with ``--batches`` batches of 500
  new weights each, then the same batches again (every line already present).

    python bench/api.py [--observations N] [--requests N] [--batches N] [--write]

--write adds the table to the API section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

import harness

SECTION = "## The API (`bench/api.py`)"
INTRO = """
Goal (API issue): the entries list's 95th percentile and the readings POST's
throughput (500 a batch), each beside a trivial API page in the same run.
"""
BATCH = 500


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    harness.start_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from myhealthhub.accounts.models import User
    from myhealthhub.api.actions import create_token
    from myhealthhub.api.models import Scope
    from myhealthhub.profiles.models import Profile

    settings.API_REQUESTS_PER_MINUTE = 10**9  # the bench measures speed, not the limit
    harness.build_demo(options.observations, 0, 0)
    owner = User.objects.get()
    adult = Profile.objects.order_by("birth_date").first()
    assert adult is not None
    secret = create_token(
        owner, request=None, name="bench", scopes=Scope.values, profile_uuids=[adult.uuid]
    ).secret
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")

    def timed(send) -> float:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        response = send()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code in {200, 201}, response.content[:300]
        return elapsed

    trivial = harness.time_page(client, "/api/v1/profiles/", {}, options.requests)

    listing: list[float] = []
    url = f"/api/v1/profiles/{adult.uuid}/entries/results"
    cursor = ""
    for _ in range(options.requests):
        params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
        start = time.perf_counter()
        response = client.get(url, params)
        listing.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:300]
        cursor = response.json().get("next") or ""

    first = dt.datetime(2020, 1, 1, 7, tzinfo=dt.UTC)
    batches = [
        json.dumps(
            {
                "items": [
                    {
                        "key": f"scale-{batch}-{line}",
                        "metric": "weight",
                        "value": 70 + (line % 50) / 10,
                        "unit": "kg",
                        "time": (first + dt.timedelta(hours=batch * BATCH + line)).isoformat(),
                        "source": "Bench scale",
                    }
                    for line in range(BATCH)
                ]
            }
        )
        for batch in range(options.batches)
    ]
    readings_url = f"/api/v1/profiles/{adult.uuid}/readings"

    def push(body: str) -> float:
        return timed(lambda: client.post(readings_url, body, content_type="application/json"))

    added = [push(body) for body in batches]
    again = [push(body) for body in batches]

    def row(name: str, timings: list[float], extra: str = "") -> str:
        median, p95 = harness.summary(timings)
        return f"| {name} | {len(timings)} | {median:.1f} | {p95:.1f} | {extra} |"

    def per_second(timings: list[float]) -> str:
        return f"{BATCH * len(timings) / (sum(timings) / 1000):,.0f} readings/s"

    table = "\n".join(
        [
            "| request | n | p50 ms | p95 ms | throughput |",
            "|---|---:|---:|---:|---|",
            row("trivial: GET /api/v1/profiles/", trivial),
            row("GET entries/results, 50 a page, by cursor", listing),
            row("POST readings, 500 new", added, per_second(added)),
            row("POST readings, the same 500 again (all present)", again, per_second(again)),
        ]
    )
    run = "\n\n".join(
        [
            f"### {timezone.localdate()} · {connection.vendor} · "
            f"{options.observations:,} results, {options.batches} batches of {BATCH}",
            harness.machine() + " " + harness.command(connection.vendor),
            table,
        ]
    )
    print(run)
    if options.write:
        harness.record(SECTION, INTRO, run)


if __name__ == "__main__":
    main()
