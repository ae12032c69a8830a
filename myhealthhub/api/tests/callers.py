"""Clients of the API as the tests make them: a fresh token of one of the world's accounts."""

from __future__ import annotations

from django.test import Client

from myhealthhub.api.actions import create_token
from myhealthhub.conftest import World


def bearer(world: World, caller: str, *scopes: str, name: str = "") -> Client:
    """A client sending a fresh token of ``caller`` for the world's profile."""
    made = create_token(
        world.accounts[caller],
        request=None,
        name=name or f"{caller} test",
        scopes=scopes,
        profile_uuids=[world.profile.uuid],
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {made.secret}")
