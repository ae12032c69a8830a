"""A link's passcode, kept as a salted HMAC-SHA256 under the instance's secret key.

Not the account password hasher (Argon2, 100 MiB and 150 ms a check) on
purpose: the manifest is answered to anyone holding the link, and a slow,
memory-hard hash there would hand them the server's memory. What stops
guessing is the link's lifetime limit of attempts (manifest.py), not the
hash's cost; and a stolen database gains nothing from a passcode, since the
files it guards are encrypted with a key the database does not hold (or
holds sealed by the master key, for links kept up to date).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SCHEME = "hmac-sha256"
_PURPOSE = "myhealthhub.sharing.passcode"


def hashed(passcode: str) -> str:
    salt = secrets.token_hex(16)
    return f"{SCHEME}${salt}${_digest(salt, passcode)}"


def matches(passcode: str, stored: str) -> bool:
    """Whether ``passcode`` is the one kept; under a previous secret key too, while it is kept."""
    scheme, _sep, rest = stored.partition("$")
    salt, _sep, digest = rest.partition("$")
    if scheme != SCHEME or not salt or not digest:
        return False
    secrets_kept: list[str | bytes] = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(
        constant_time_compare(_digest(salt, passcode, secret), digest) for secret in secrets_kept
    )


def _digest(salt: str, passcode: str, secret: str | bytes | None = None) -> str:
    key_salt = f"{_PURPOSE}:{salt}"
    return salted_hmac(key_salt, passcode, secret=secret, algorithm="sha256").hexdigest()
