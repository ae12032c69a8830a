"""Who is asking, behind a reverse proxy: one setting, read by everything that keys on an address.

Behind a proxy every request comes from the proxy's address. Lockouts
(django-axes), sign-in rate limits (allauth), sessions and the audit log
all read ``REMOTE_ADDR``; keyed on the proxy, ten wrong passwords from one
person would lock out everyone else, and every audit event would name the
proxy. ``ClientAddressMiddleware`` runs first and puts the client's
address there instead, once, for all of them.

Only a request that comes from a trusted proxy (``TRUSTED_PROXIES``) is
believed about where it comes from: the client is the nearest address in
its ``X-Forwarded-For`` that is not itself a trusted proxy, read from the
right, since each proxy appends the address it was reached from and only
the part written by trusted proxies can be relied on. A client that writes
the header itself, reaching the server directly, changes nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(entries: Iterable[str]) -> list[Network]:
    """ "127.0.0.1", "10.0.0.0/8", "::1" as networks; ValueError names an entry that is none."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]


def client_address(peer: str, forwarded_for: str, trusted: Sequence[Network]) -> str:
    """The address of who is asking, given the peer's address and what the proxies forwarded."""
    if not _within(peer, trusted):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        if not _is_address(hop):
            return peer  # a hop no proxy would write: the chain cannot be trusted past it
        if not _within(hop, trusted):
            return hop
    return peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _within(address: str, trusted: Sequence[Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


class ClientAddressMiddleware:
    """First in the stack: ``REMOTE_ADDR`` becomes the client's address, behind a trusted proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.trusted:
            meta = request.META
            meta["REMOTE_ADDR"] = client_address(
                meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), self.trusted
            )
        return self.get_response(request)
