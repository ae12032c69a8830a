"""How long the personal health summary takes as a PDF, on the demo adult and on a large record.

Builds a fresh instance in a temporary data folder (SQLite unless DATABASE_URL
is set) with two demo adults: the plain one, and one with 100,000 more lab
values spread over ten years. For each it times, through the web client as a
person would ask for them: the PDF summary (charts already drawn and kept, and
charts drawn afresh with the cache emptied first), the web summary page, and,
as the baseline in the same run, WeasyPrint laying out a one-line HTML page.

    python bench/summary_pdf.py [--observations N] [--runs N] [--write]

--write adds the table to the "summary PDF" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import harness

SECTION = "## Personal health summary PDF (`bench/summary_pdf.py`)"
INTRO = """
Goal (issue 7): the PDF summary in under 1.5 s, for the demo adult and for the
adult with 100,000 observations. Baseline: WeasyPrint laying out a one-line
HTML page, measured in the same run. "Charts drawn afresh" empties the cache
first, so each result's small trend chart is drawn again with matplotlib.
"""
WARM_UP = 2


def timed(
    run: Callable[[], None], runs: int, before: Callable[[], None] = lambda: None
) -> list[float]:
    """Seconds for each of ``runs`` calls, after a warm-up; ``before`` runs untimed each time."""
    for _ in range(WARM_UP):
        before()
        run()
    timings = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    harness.start_django()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from weasyprint import HTML

    from myhealthhub.accounts.actions import create_account
    from myhealthhub.records.demo import create_demo
    from myhealthhub.records.models import Observation
    from myhealthhub.summary.pdf import RefusingFetcher

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    owner = create_account("bench@example.org", "a long bench passphrase")
    demo_adult, _child = create_demo(owner)
    started = time.perf_counter()
    large_adult, _child = create_demo(owner, observations=options.observations)
    built = time.perf_counter() - started
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)

    def get(name: str, profile_uuid: object) -> Callable[[], None]:
        address = reverse(name, kwargs={"profile_uuid": profile_uuid})

        def run() -> None:
            response = client.get(address)
            assert response.status_code == 200, address

        return run

    def trivial_pdf() -> None:
        HTML(string="<p>One line.</p>", base_url=None, url_fetcher=RefusingFetcher()).write_pdf()

    rows: list[tuple[str, str, list[float]]] = [
        ("—", "WeasyPrint, one-line HTML (baseline)", timed(trivial_pdf, options.runs))
    ]
    for label, profile in (("demo adult", demo_adult), ("large adult", large_adult)):
        count = Observation.objects.filter(profile=profile).count()
        who = f"{label} ({count:,} observations)"
        rows.append((who, "PDF summary", timed(get("summary:pdf", profile.uuid), options.runs)))
        rows.append(
            (
                who,
                "PDF summary, charts drawn afresh",
                timed(get("summary:pdf", profile.uuid), options.runs, before=cache.clear),
            )
        )
        rows.append(
            (who, "web summary page", timed(get("summary:page", profile.uuid), options.runs))
        )

    baseline = statistics.median(rows[0][2])
    goal = 1.5
    table = [
        "| profile | what | median s | min–max s | median ÷ baseline | goal |",
        "|---|---|---:|---:|---:|---|",
    ]
    for who, what, timings in rows:
        median = statistics.median(timings)
        verdict = ""
        if what.startswith("PDF summary"):
            verdict = f"< {goal} s: {'met' if median < goal else 'NOT met'}"
        table.append(
            f"| {who} | {what} | {median:.3f} | {min(timings):.3f}–{max(timings):.3f} "
            f"| {median / baseline:.1f}× | {verdict} |"
        )
    header = (
        f"### {time.strftime('%Y-%m-%d')} · {connection.vendor} · demo adult and "
        f"+{options.observations:,} observations · median of {options.runs} runs after "
        f"{WARM_UP} warm-up\n\n"
        f"{harness.machine()} Large profile built in {built:.0f} s. "
        f"{harness.command(connection.vendor)}\n"
    )
    report = header + "\n" + "\n".join(table) + "\n"
    print(report)
    if options.write:
        harness.record(SECTION, INTRO, report)


if __name__ == "__main__":
    main()
