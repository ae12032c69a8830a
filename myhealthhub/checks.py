"""Start-up checks: the SQLite durability settings are asserted, not assumed.

Tagged ``database``, so `migrate` (which `myhealthhub serve` runs first) and
`myhealthhub check --database default` run them against the real file. The
file storage check and the data folder's privacy need no database and run
with every command; `check --deploy` adds what only matters in production.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import connections

from myhealthhub.documents.backends import S3_BACKEND
from myhealthhub.lib.env import PREFIX
from myhealthhub.proxies import networks

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


@register(Tags.files)
def check_file_storage(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """An S3 storage that names no bucket would fail at the first upload; refuse it at start."""
    default = settings.STORAGES.get("default", {})
    if default.get("BACKEND") != S3_BACKEND:
        return []
    options = default.get("OPTIONS", {})
    messages: list[CheckMessage] = []
    if not options.get("bucket_name"):
        messages.append(
            Error(
                f"{PREFIX}STORAGE is s3 but {PREFIX}S3_BUCKET is not set: "
                "there is no bucket to keep documents in.",
                hint=f"Set {PREFIX}S3_BUCKET to the name of a private bucket "
                f"(and {PREFIX}S3_ENDPOINT_URL for a server other than AWS), "
                f"or {PREFIX}STORAGE=local to keep files in the data folder.",
                id="myhealthhub.E002",
            )
        )
    # One key without the other makes boto3 fail at the first upload with a
    # message that names neither variable.
    if bool(options.get("access_key")) != bool(options.get("secret_key")):
        messages.append(
            Error(
                f"Only one of {PREFIX}S3_ACCESS_KEY_ID and {PREFIX}S3_SECRET_ACCESS_KEY is set.",
                hint="Set both, or neither to let boto3 find credentials itself "
                "(an instance role, AWS_* variables).",
                id="myhealthhub.E003",
            )
        )
    return messages


@register(Tags.security)
def check_private_data_folder(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The data folder, its database and its keys readable by their owner alone.

    The command line and the web process make them so (umask 077); a data
    folder made by an older version, or copied without its modes, is said
    here, with the command that closes it.
    """
    folder = Path(settings.DATA_DIR)
    if not folder.exists():
        return []
    opened = [path for path in (folder, *_private_files(folder)) if _others_may_read(path)]
    if not opened:
        return []
    return [
        CheckWarning(
            "Other users of this computer can read "
            + ", ".join(str(path) for path in opened)
            + ": the data folder holds the health records, and its keys open the documents.",
            hint=f"chmod -R go-rwx {folder}",
            id="myhealthhub.W001",
        )
    ]


def _private_files(folder: Path) -> list[Path]:
    """The keys, and the SQLite database with its journal, when they are in the data folder."""
    names = ["secret_key", "master.key"]
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        name = str(database["NAME"])
        names += [name, f"{name}-wal", f"{name}-shm"]
    return [path for path in (folder / name for name in names) if path.exists()]


def _others_may_read(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


@register(Tags.security, deploy=True)
def check_named_hosts(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """A host name of "*" answers for any name a request gives, which Django's own check allows."""
    if "*" not in settings.ALLOWED_HOSTS:
        return []
    return [
        CheckWarning(
            f'{PREFIX}ALLOWED_HOSTS is "*": any host name a request gives is answered, '
            "and links in e-mails (sign-up, password reset) can be made to point elsewhere.",
            hint=f"Set {PREFIX}ALLOWED_HOSTS to the names people reach this instance at.",
            id="myhealthhub.W002",
        )
    ]


@register(Tags.security)
def check_trusted_proxies(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Each trusted proxy an address or a network: a typo would trust no one, silently."""
    messages: list[CheckMessage] = []
    for entry in settings.TRUSTED_PROXIES:
        try:
            networks([entry])
        except ValueError:
            messages.append(
                Error(
                    f"{PREFIX}TRUSTED_PROXIES names {entry!r}, which is not an address "
                    "or a network.",
                    hint="Name each proxy by its address (127.0.0.1, ::1) or network "
                    "(10.0.0.0/8), separated by commas.",
                    id="myhealthhub.E004",
                )
            )
    return messages
