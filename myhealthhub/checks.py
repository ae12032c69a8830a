"""Start-up checks: the SQLite durability settings are asserted, not assumed.

Tagged ``database``, so `migrate` (which `myhealthhub serve` runs first) and
`myhealthhub check --database default` run them against the real file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import connections

# journal_mode is "memory" for the in-memory databases the test suite uses.
EXPECTED_PRAGMAS: dict[str, tuple[Any, ...]] = {
    "journal_mode": ("wal", "memory"),
    "synchronous": (2,),  # FULL
    "foreign_keys": (1,),
}


def sqlite_pragma_problems(alias: str) -> list[str]:
    connection = connections[alias]
    problems = []
    with connection.cursor() as cursor:
        for pragma, allowed in EXPECTED_PRAGMAS.items():
            cursor.execute(f"PRAGMA {pragma}")
            value = cursor.fetchone()[0]
            if value not in allowed:
                problems.append(f"PRAGMA {pragma} is {value!r}, expected {allowed[0]!r}")
        cursor.execute("PRAGMA busy_timeout")
        if cursor.fetchone()[0] <= 0:
            problems.append("PRAGMA busy_timeout is 0: concurrent writers would fail at once")
    if connection.settings_dict["OPTIONS"].get("transaction_mode") != "IMMEDIATE":
        problems.append("transaction_mode is not IMMEDIATE")
    return problems


@register(Tags.database)
def check_sqlite_durability(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for alias in databases or []:
        if connections[alias].vendor != "sqlite":
            continue
        messages.extend(
            Error(
                problem, hint="MyHealthHub's SQLite settings were changed.", id="myhealthhub.E001"
            )
            for problem in sqlite_pragma_problems(alias)
        )
    return messages
