"""What the benchmarks share: a throwaway instance, timing a page, the results file.

Each script in bench/ imports this module as a sibling (it runs as
``python bench/<name>.py``, so bench/ is on the import path).
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("RESULTS.md")
TITLE = "# Benchmark results\n"
WARM_UP = 5


def start_django() -> None:
    """Django set up on a fresh data folder (SQLite unless DATABASE_URL is set)."""
    os.environ["MYHEALTHHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="myhealthhub-bench-")
    os.environ["MYHEALTHHUB_STATIC_MANIFEST"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myhealthhub.settings")
    import django

    django.setup()


def build_demo(observations: int, entries: int, samples: int) -> None:
    """Migrate, then fill the demo family with `myhealthhub demo` (quietly)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command(
            "demo",
            "--observations",
            str(observations),
            "--entries",
            str(entries),
            "--samples",
            str(samples),
            stdout=quiet,
        )


def time_page(client: Any, url: str, params: dict[str, str], requests: int) -> list[float]:
    """Milliseconds for each of ``requests`` GETs, after a few to warm caches."""
    for _ in range(WARM_UP):
        assert client.get(url, params).status_code == 200, url
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, params)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    return timings


def percentile(timings: list[float], percent: int) -> float:
    ordered = sorted(timings)
    return ordered[max(int(len(ordered) * percent / 100) - 1, 0)]


def summary(timings: list[float]) -> tuple[float, float]:
    """Median and 95th percentile."""
    return statistics.median(timings), percentile(timings, 95)


def machine() -> str:
    return (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}."
    )


def command(vendor: str) -> str:
    """The command line that produced this run, as typed."""
    typed = " ".join(["python", f"bench/{Path(sys.argv[0]).name}", *sys.argv[1:]])
    return f"Command: `{typed}`" + (" (with DATABASE_URL)" if vendor != "sqlite" else "")


def record(section: str, intro: str, run: str, *, replace: bool = False) -> None:
    """Add ``run`` at the end of ``section`` of RESULTS.md (or make it the section's only run).

    The file is read just before it is written, since other benchmarks may
    have added their own sections meanwhile, and replaced in one step.
    """
    text = RESULTS.read_text() if RESULTS.exists() else TITLE
    if section not in text:
        text = text.rstrip() + "\n\n" + section + "\n\n" + intro.strip() + "\n"
    start = text.index(section)
    following = text.find("\n## ", start + len(section))
    end = len(text) if following == -1 else following + 1
    head = text[start:end].rstrip()
    if replace:
        head = section + "\n\n" + intro.strip()
    rest = text[end:]
    updated = text[:start] + head + "\n\n" + run.strip() + "\n" + ("\n" + rest if rest else "")
    partial = RESULTS.with_name(RESULTS.name + ".partial")
    partial.write_text(updated)
    partial.replace(RESULTS)
