"""A key rotation reseals the keys of links kept up to date (documents.keys.resealing)."""

from __future__ import annotations

from myhealthhub.accounts import secrets as sealed_secrets
from myhealthhub.lib import keyring
from myhealthhub.sharing.models import ShareLink


def reseal_keys(target: bytes) -> None:
    """Every kept link key sealed under the master key ``target`` (a key rotation)."""
    prefix = f"{sealed_secrets.PREFIX}{keyring.key_id(target)}:"
    kept = ShareLink.objects.select_for_update().exclude(sealed_key="")
    for link in kept.exclude(sealed_key__startswith=prefix):
        link.sealed_key = sealed_secrets.seal(sealed_secrets.open_sealed(link.sealed_key), target)
        link.save(update_fields=["sealed_key"])
