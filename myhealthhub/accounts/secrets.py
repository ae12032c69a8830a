"""Second-factor secrets (TOTP keys, recovery-code seeds) sealed by the master key.

allauth keeps them in the database; through MFAAdapter they are stored as
``sealed:v1:<key id>:<base64>`` so a database dump alone cannot mint codes.
Values stored before sealing existed are read as they are and sealed on the
next key rotation.
"""

from __future__ import annotations

import base64

from allauth.mfa.models import Authenticator

from myhealthhub.lib import crypto, keyring

PREFIX = "sealed:v1:"


def seal(text: str, master: bytes | None = None) -> str:
    master = master or keyring.current()
    sealed = crypto.seal_secret(master, text.encode())
    return f"{PREFIX}{keyring.key_id(master)}:{base64.b64encode(sealed).decode()}"


def open_sealed(value: str) -> str:
    if not value.startswith(PREFIX):
        return value
    key_id, _sep, blob = value.removeprefix(PREFIX).partition(":")
    master = keyring.keyring().get(key_id)
    if master is None:
        raise keyring.MissingKey(f"a second-factor secret was sealed with master key {key_id}")
    return crypto.open_secret(master, base64.b64decode(blob)).decode()


def reseal_all(target: bytes) -> int:
    """Seal every second-factor secret under the master key ``target``; returns how many."""
    prefix = f"{PREFIX}{keyring.key_id(target)}:"
    count = 0
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = dict(authenticator.data)
        changed = False
        for name in ("secret", "seed"):
            value = data.get(name)
            if isinstance(value, str) and not value.startswith(prefix):
                data[name] = seal(open_sealed(value), target)
                changed = True
        if changed:
            authenticator.data = data
            authenticator.save(update_fields=["data"])
            count += 1
    return count
