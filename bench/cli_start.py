"""How long the command line takes before it does any work.

Each command runs as a new process, the way a person or a cron job starts
it, against a fresh data folder (migrated once, with one account); the
wall time of the whole process is measured. The baseline, in the same run,
is `python -c "import django"`: the least any Django command can cost.

    python bench/cli_start.py [--runs N] [--write]

Goal (speed issue): `myhealthhub profiles list` and `myhealthhub import
--help` start in under 0.6 s. Exits 1 if one misses it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import harness

GOAL = 0.6  # seconds
EMAIL = "bench@example.org"
SECTION = "## Command line start-up (`bench/cli_start.py`)"
INTRO = """
Goal (speed issue): `myhealthhub profiles list` and `myhealthhub import --help`
start in under 0.6 s on the reference machine (2 cores). Wall time of a new
process, median of the runs, after one untimed run of each; the baseline is
`python -c "import django"` in the same run.
"""


def seconds(command: list[str], environment: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=environment, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="add the table to RESULTS.md")
    options = parser.parse_args()

    environment = dict(os.environ)
    environment["MYHEALTHHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="myhealthhub-bench-")
    environment.pop("DATABASE_URL", None)  # the embedded default, as a new install runs
    cli = [sys.executable, "-m", "myhealthhub.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=environment, check=True)
    subprocess.run(
        [*cli, "createuser", "--email", EMAIL, "--password-stdin"],
        env=environment,
        input=b"correct-horse-battery\n",
        check=True,
        capture_output=True,
    )
    commands = [
        ('`python -c "import django"` (baseline)', [sys.executable, "-c", "import django"]),
        ("`myhealthhub profiles list`", [*cli, "profiles", "list", "--owner", EMAIL]),
        ("`myhealthhub import --help`", [*cli, "import", "--help"]),
    ]
    medians = {}
    for name, command in commands:
        seconds(command, environment)
        medians[name] = statistics.median(
            seconds(command, environment) for _ in range(options.runs)
        )
    baseline = medians[commands[0][0]]
    rows = []
    missed = False
    for name, _command in commands:
        median = medians[name]
        verdict = ""
        if name != commands[0][0]:
            met = median < GOAL
            missed = missed or not met
            verdict = f"< {GOAL} s: " + ("met" if met else "**missed**")
        rows.append(f"| {name} | {median:.2f} | {median - baseline:+.2f} | {verdict} |")
    run = "\n".join(
        [
            f"### {time.strftime('%Y-%m-%d')} · sqlite · {options.runs} runs a command",
            "",
            f"{harness.machine()} {harness.command('sqlite')}",
            "",
            "| command | median s | beyond baseline s | goal |",
            "|---|---:|---:|---|",
            *rows,
        ]
    )
    print(run)
    if options.write:
        harness.record(SECTION, INTRO, run)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
