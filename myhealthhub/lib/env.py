"""Read MyHealthHub's configuration from ``MYHEALTHHUB_*`` environment variables.

Pure helpers with no Django import, so settings.py can use them before Django
is configured. Secrets may come from a file (``NAME_FILE``) so they can live in
a container secret or a 0600 file instead of the process environment.
"""

from __future__ import annotations

import os
from pathlib import Path

PREFIX = "MYHEALTHHUB_"


class ConfigurationError(Exception):
    """A setting was given a value we cannot use; the message names it."""


def env(name: str, default: str = "") -> str:
    return os.environ.get(PREFIX + name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = env(name).strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{PREFIX}{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env(name).strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{PREFIX}{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env(name).strip()
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """The value of ``NAME``, or the contents of the file named by ``NAME_FILE``."""
    value = env(name)
    if value:
        return value
    path = env(name + "_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ConfigurationError(f"{PREFIX}{name}_FILE cannot be read: {exc}") from None
    return None
