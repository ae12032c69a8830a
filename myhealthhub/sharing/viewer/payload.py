"""Read a SMART Health Link: ``shlink:/`` and the base64url JSON payload after it.

HL7 SMART Health Cards and Links IG v1.0.0, "Construct a SMART Health Link
Payload". A link is the payload, minified, base64url-encoded and prefixed
with ``shlink:/``, optionally after a viewer's address ending in ``#``.
``decode_link`` checks it by the same rules as the browser viewer
(static/myhealthhub/shl-link.js), so a link refused here is refused there.

Where the guide says a reader must ignore something (properties it does not
know, flag letters it does not know) it is ignored, not refused.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from myhealthhub.errors import Refused

PREFIX = "shlink:/"
# A QR code holds at most about 4,300 characters; a link ten times longer is
# not one, and its JSON is never parsed.
MAX_LINK_LENGTH = 32_768
KEY_LENGTH = 43
MAX_LABEL_LENGTH = 80
# The protocol versions this reader knows; a newer one may need what it cannot do.
KNOWN_VERSION = 1
# Plain http only for a server on this very machine (development, tests).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Past this many seconds since 1970 (the year 5138) an expiry is read as
# milliseconds: the guide's own example writes "1767225600000" for 1 January 2026.
LARGEST_EPOCH_SECONDS = 10**11

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_FLAG = re.compile(r"[A-Z]*")
_LINK_START = re.compile(r"(?:^|#)shlink:/", re.IGNORECASE)


class LinkRefused(Refused):
    """Not a SMART Health Link this viewer can open; ``problem`` names the rule it breaks."""

    def __init__(self, problem: str, reason: str) -> None:
        super().__init__(reason)
        self.problem = problem


@dataclass(frozen=True)
class Payload:
    """What a SMART Health Link says: where its files are, their key, and how to ask."""

    url: str
    # 43 base64url characters: the 32-byte AES key of every file of the link.
    key: str
    expires_at: datetime | None = None
    # Its flag letters as written: L long-term, P passcode, U a single file by GET.
    flag: str = ""
    label: str = ""
    version: int = KNOWN_VERSION

    @property
    def key_bytes(self) -> bytes:
        return base64.urlsafe_b64decode(self.key + "=")

    @property
    def long_term(self) -> bool:
        return "L" in self.flag

    @property
    def needs_passcode(self) -> bool:
        return "P" in self.flag

    @property
    def direct_file(self) -> bool:
        """Flag U: ``url`` answers a GET with the one encrypted file, with no manifest."""
        return "U" in self.flag

    def is_expired(self, at: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= at


def decode_link(text: str) -> Payload:
    """The payload of a link, bare (``shlink:/…``) or after a viewer's address and ``#``.

    Raises ``LinkRefused`` saying what is wrong with it.
    """
    text = text.strip()
    if len(text) > MAX_LINK_LENGTH:
        raise LinkRefused("too_long", _("This link is far too long to be a SMART Health Link."))
    start = _LINK_START.search(text)
    if start is None:
        raise LinkRefused(
            "not_a_link", _("This is not a SMART Health Link: it has no “shlink:/” in it.")
        )
    data = _json_object(text[start.end() :])
    return Payload(
        url=_manifest_url(data.get("url")),
        key=_key(data.get("key")),
        expires_at=_expiry(data.get("exp")),
        flag=_flag(data.get("flag")),
        label=_label(data.get("label")),
        version=_version(data.get("v")),
    )


def _json_object(encoded: str) -> dict[str, Any]:
    # Padding is not part of base64url, but some writers add it.
    encoded = encoded.rstrip("=")
    damaged = _("This SMART Health Link is damaged: its content cannot be read.")
    if not encoded or not _BASE64URL.fullmatch(encoded):
        raise LinkRefused("encoding", damaged)
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise LinkRefused("encoding", damaged) from None
    if not isinstance(data, dict):
        raise LinkRefused("encoding", damaged)
    return data


def _manifest_url(value: object) -> str:
    refused = LinkRefused(
        "url", _("This SMART Health Link has no https address to fetch its information from.")
    )
    if not isinstance(value, str) or any(ord(c) <= 32 or ord(c) == 127 for c in value):
        raise refused
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise refused from None
    if not host:
        raise refused
    if parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS):
        return value
    raise refused


def _key(value: object) -> str:
    if isinstance(value, str) and len(value) == KEY_LENGTH and _BASE64URL.fullmatch(value):
        return value
    raise LinkRefused("key", _("This SMART Health Link's key is not 43 base64url characters."))


def _expiry(value: object) -> datetime | None:
    if value is None:
        return None
    refused = LinkRefused("exp", _("This SMART Health Link's expiry time is not a time."))
    # The guide's example payload writes its expiry as a string of digits.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise refused
    seconds = value / 1000 if value > LARGEST_EPOCH_SECONDS else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise refused from None


def _flag(value: object) -> str:
    if value is None:
        return ""
    if (
        not isinstance(value, str)
        or not _FLAG.fullmatch(value)
        or list(value) != sorted(set(value))
    ):
        raise LinkRefused(
            "flag",
            _("This SMART Health Link's flags are not capital letters in alphabetical order."),
        )
    # Letters this reader does not know are ignored, as the guide requires; P
    # (ask a passcode, by POST) and U (fetch one file, by GET) cannot both hold.
    if "P" in value and "U" in value:
        raise LinkRefused(
            "flag",
            _("This SMART Health Link asks both for a passcode and for a direct file (P and U)."),
        )
    return value


def _label(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_LABEL_LENGTH:
        raise LinkRefused(
            "label", _("This SMART Health Link's label is not text of at most 80 characters.")
        )
    return value


def _version(value: object) -> int:
    if value is None:
        return KNOWN_VERSION
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LinkRefused("version", _("This SMART Health Link's version is not a number."))
    if value > KNOWN_VERSION:
        raise LinkRefused(
            "version",
            _(
                "This SMART Health Link was made for a newer version of the standard "
                "than this viewer can open."
            ),
        )
    return value
