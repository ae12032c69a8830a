"""The single-use token an invitation e-mail carries, and the hash kept in its place.

Only the SHA-256 of a token is stored (``Invitation.token_hash``): someone who
reads the database, or a backup, cannot answer an invitation with it. A token
of 32 random bytes needs no slow hash and no salt, as a password would.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh token (43 URL-safe characters) and its hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
