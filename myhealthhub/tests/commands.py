"""The `myhealthhub` command as tests start it: a process of its own, on a data folder of the test's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CLI = (sys.executable, "-m", "myhealthhub.cli")


def clean_environment(data_dir: Path, **variables: str) -> dict[str, str]:
    """This process's environment without MyHealthHub's settings, on ``data_dir``.

    MYHEALTHHUB_* and DATABASE_URL are the test process's own (its database,
    its tasks run inline), and AWS_* would send a storage test to a real
    bucket: the command starts from its defaults, with ``variables`` set.
    """
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MYHEALTHHUB_", "AWS_")) and name != "DATABASE_URL"
    }
    return environment | {"MYHEALTHHUB_DATA_DIR": str(data_dir)} | variables


def run_command(
    environment: dict[str, str], *args: str, stdin: str = "", **options: Any
) -> subprocess.CompletedProcess[str]:
    """``myhealthhub ARGS``, its output captured as text."""
    return subprocess.run(
        [*CLI, *args],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        **options,
    )
