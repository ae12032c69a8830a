"""pytest plugin loaded before Django: a throwaway data folder, and the suite's markers.

Loaded with ``-p`` (see pyproject.toml) because pytest-django reads the
settings before any conftest.py runs.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from myhealthhub.tests.real_files import SHARED

data_dir = tempfile.mkdtemp(prefix="myhealthhub-test-")
os.makedirs(os.path.join(data_dir, "static"))
os.environ["MYHEALTHHUB_DATA_DIR"] = data_dir
os.environ["MYHEALTHHUB_STATIC_MANIFEST"] = "false"
# The command line speaks the terminal's language (cli.py): the commands the
# tests start in processes of their own speak English unless a test says otherwise.
for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(name, None)
os.environ["LANG"] = "C.UTF-8"
# Tasks run inline in tests; the worker is exercised by its own test.
os.environ.setdefault(
    "MYHEALTHHUB_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
)

# Parsers meet generated input: "dev" explores anew each run, "ci" (set by
# .ci/run) tries the same examples every time, so a red build is a real one
# that replays, and "thorough" digs deeper when a parser changes.
hypothesis_settings.register_profile("dev", max_examples=100, deadline=None)
hypothesis_settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, database=None, print_blob=True
)
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# pytest-django's ways for a test to reach the test database.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


WANTING_SHARED = "needs ../shared/data, which is not beside this clone"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("MYHEALTHHUB_REQUIRE_SHARED_DATA") and not SHARED.is_dir():
        raise pytest.UsageError(
            f"MYHEALTHHUB_REQUIRE_SHARED_DATA is set, and {SHARED} is missing: "
            "the tests marked shared_data would be skipped."
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    shared_data_here = SHARED.is_dir()
    for item in items:
        # "database": what can behave differently on SQLite and on PostgreSQL.
        # CI runs the whole suite on SQLite and only these again on PostgreSQL;
        # a test that starts processes on DATABASE_URL's database says so itself.
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & DATABASE_FIXTURES or item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.database)
        if item.get_closest_marker("shared_data") and not shared_data_here:
            # First, before pytest's own "got empty parameter set" for a test
            # parametrised over files of ../shared/data: the reason is the same.
            item.add_marker(pytest.mark.skip(reason=WANTING_SHARED), append=False)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if WANTING_SHARED in str(report.longrepr)
    ]
    terminalreporter.write_line(f"{len(skipped)} tests skipped for want of ../shared/data")
