"""How fast an Apple Health export imports, beside lxml reading the same file alone.

An export of --size-mb megabytes is written by ../shared/tools/gen_apple_export.py
(realistic shapes: heart rate, steps, energy, sleep, blood pressure,
workouts, daily activity) and zipped as the Health app does. It is imported
the way a person does from a terminal, `myhealthhub import export.zip
--profile UUID --yes`, a new process against a fresh data folder (SQLite
unless DATABASE_URL is set): read, preview and commit, start-up included,
with its peak resident memory. Then the same file again: the re-import.

The baselines, in the same run: (a) a bare lxml `iterparse` of the same
export.xml that only counts its records (the most any importer built on
lxml can do); (b) healthkit-to-sqlite (PyPI, dogsheep) loading the same
zip into a SQLite file, when its command is found (`--healthkit-to-sqlite`,
else on PATH; install it in a venv of its own: `pip install
healthkit-to-sqlite`).

    python bench/apple.py [--size-mb N] [--write] [--healthkit-to-sqlite PATH]

Goals (Apple Health issue): the whole import at 110,000 records/s or more on
SQLite (half of what lxml alone reads), peak memory under 150 MB for a 1 GB
export, and the re-import at least 3× faster than the first import.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import harness
from bulk_import import fresh_instance, timed_import

TOOLS = Path(__file__).resolve().parents[2] / "shared" / "tools"
SECTION = "## Apple Health exports beside lxml alone (`bench/apple.py`)"
INTRO = """
Goals (Apple Health issue): a whole import (read, preview, commit) at
110,000 records/s or more on SQLite, about half of what a bare lxml
`iterparse` reads of the same file in the same run; peak memory under
150 MB for a 1 GB export; the re-import at least 3× faster than the first.
Imports are `myhealthhub import export.zip --profile UUID --yes` as a new
process, start-up included.
"""


def generate(size_mb: int, folder: Path) -> tuple[Path, Path]:
    """export.xml and export.zip (apple_health_export/export.xml inside)."""
    xml = folder / "export.xml"
    subprocess.run(
        [
            sys.executable,
            str(TOOLS / "gen_apple_export.py"),
            "--size-mb",
            str(size_mb),
            "--out",
            str(xml),
            "--seed",
            "1",
        ],
        check=True,
        capture_output=True,
    )
    archive = folder / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(xml, "apple_health_export/export.xml")
    return xml, archive


def lxml_alone(xml: Path) -> tuple[float, int]:
    """Seconds for lxml to read every element and count the records, as its own process."""
    script = (
        "import sys, time\n"
        "from lxml import etree\n"
        "start = time.perf_counter(); count = 0\n"
        "for _, element in etree.iterparse(sys.argv[1], events=('end',), load_dtd=False,\n"
        "        resolve_entities=False, no_network=True, huge_tree=True):\n"
        "    if element.tag == 'Record': count += 1\n"
        "    if element.getparent() is not None and element.getparent().tag == 'HealthData':\n"
        "        element.clear()\n"
        "print(time.perf_counter() - start, count)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(xml)], check=True, capture_output=True, text=True
    )
    seconds, count = done.stdout.split()
    return float(seconds), int(count)


def healthkit_to_sqlite(command: str, archive: Path, folder: Path) -> float | None:
    """Seconds for healthkit-to-sqlite to load the zip into a new SQLite file."""
    if not command:
        return None
    start = time.perf_counter()
    subprocess.run(
        [command, str(archive), str(folder / "healthkit.db"), "--silent"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--healthkit-to-sqlite", default=shutil.which("healthkit-to-sqlite") or "", metavar="PATH"
    )
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    vendor = "postgresql" if url.startswith("postgres") else "sqlite"
    with tempfile.TemporaryDirectory() as folder:
        xml, archive = generate(options.size_mb, Path(folder))
        size = xml.stat().st_size
        alone, records = lxml_alone(xml)
        dogsheep = healthkit_to_sqlite(options.healthkit_to_sqlite, archive, Path(folder))
        environment, profile = fresh_instance()
        imported, first_peak = timed_import(environment, archive, profile)
        reimported, second_peak = timed_import(environment, archive, profile)
    peak = max(first_peak, second_peak)
    fast = "met" if records / imported >= 110_000 else "**missed**"
    faster = "met" if imported >= 3 * reimported else "**missed**"
    run = "\n".join(
        [
            f"### {time.strftime('%Y-%m-%d')} · {vendor} · {size / 1e6:.0f} MB export "
            f"({records:,} records)",
            "",
            f"{harness.machine()} {harness.command(vendor)}",
            "",
            "| step | s | records/s | ÷ lxml alone | peak MiB |",
            "|---|---:|---:|---:|---:|",
            f"| lxml `iterparse` alone (baseline) | {alone:.1f} | {records / alone:,.0f} "
            "| 1.0× | |",
            (
                f"| healthkit-to-sqlite (baseline) | {dogsheep:.1f} | {records / dogsheep:,.0f} "
                f"| {dogsheep / alone:.1f}× | |"
                if dogsheep
                else "| healthkit-to-sqlite (baseline) | not installed | | | |"
            ),
            f"| whole import | {imported:.1f} | {records / imported:,.0f} "
            f"| {imported / alone:.1f}× | {first_peak:.0f} |",
            f"| re-import | {reimported:.1f} | {records / reimported:,.0f} "
            f"| {reimported / alone:.1f}× | {second_peak:.0f} |",
            "",
            f"Goals: ≥ 110,000 records/s ({fast}); re-import ≥ 3× faster ({faster}); "
            f"peak {peak:.0f} MiB.",
        ]
    )
    print(run)
    if options.write:
        harness.record(SECTION, INTRO, run)


if __name__ == "__main__":
    main()
