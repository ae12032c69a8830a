"""A SMART Health Link's files: compact JWE, ``alg: dir``, ``enc: A256GCM``, with the link's key.

joserfc draws a new 96-bit IV for every encryption, so one key encrypts
each file, and each new version of a long-term link's files, safely.
"""

from __future__ import annotations

from joserfc import jwe
from joserfc.jwk import OctKey

KEY_BYTES = 32  # 256 bits: the payload's key is these, base64url encoded (43 characters)


def encrypt(key: bytes, plaintext: bytes, content_type: str) -> str:
    header = {"alg": "dir", "enc": "A256GCM", "cty": content_type}
    return jwe.encrypt_compact(header, plaintext, OctKey.import_key(key))


def decrypt(key: bytes, token: str) -> bytes:
    """The plaintext of one of our files; for the command line's checks and the tests."""
    plaintext = jwe.decrypt_compact(token, OctKey.import_key(key)).plaintext
    assert plaintext is not None
    return plaintext
