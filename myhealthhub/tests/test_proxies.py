"""The client's address behind proxies: believed only from a trusted proxy, read from the right."""

from __future__ import annotations

import pytest
from django.test import Client

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.proxies import client_address, networks

TRUSTED = networks(["127.0.0.1", "10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # No proxy: the peer is the client, whatever it writes.
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # One proxy: the address it appended.
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        # A client's own header, then the proxy's: the proxy's hop is the one believed.
        ("127.0.0.1", "192.0.2.66, 198.51.100.1", "198.51.100.1"),
        # Two proxies of ours in a row: the first address neither of them is.
        ("10.0.0.2", "198.51.100.1, 10.0.0.3", "198.51.100.1"),
        ("::1", "2001:db8::5", "2001:db8::5"),
        # A trusted proxy that forwards nothing, or garbage: the proxy itself.
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "unknown, <script>", "127.0.0.1"),
        ("127.0.0.1", "10.0.0.3", "127.0.0.1"),
    ],
)
def test_the_client_is_the_nearest_untrusted_hop(peer: str, forwarded_for: str, client: str):
    assert client_address(peer, forwarded_for, TRUSTED) == client


def test_a_proxy_that_is_not_an_address_is_refused_at_start(settings):
    from django.core.checks import run_checks

    settings.TRUSTED_PROXIES = ["127.0.0.1", "proxy.local"]
    found = [message for message in run_checks() if message.id == "myhealthhub.E004"]
    assert len(found) == 1 and "proxy.local" in found[0].msg


def test_behind_a_trusted_proxy_the_audit_log_names_the_client(world: World, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    owner = world.accounts["owner"]
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.23")
    response = client.post("/accounts/login/", {"login": owner.email, "password": "wrong"})
    assert response.status_code == 200
    failed = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).latest("id")
    assert failed.ip_address == "198.51.100.23"
