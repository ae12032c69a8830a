"""The page shell: landmarks, labels, a strict CSP and no script from inline or elsewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from myhealthhub.conftest import World


class Shell(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            # JSON data blocks are not executed; anything else must come from a file.
            self._in_script = (
                "src" not in attributes and attributes.get("type") != "application/json"
            )
        if any(name.startswith("on") for name in attributes) or "style" in attributes:
            raise AssertionError(f"inline handler or style on <{tag}>: {attributes}")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def pages(world: World) -> list[str]:
    profile = {"profile_uuid": world.profile.uuid}
    return [
        reverse("home"),
        reverse("profiles:create"),
        reverse("profiles:overview", kwargs=profile),
        reverse("profiles:edit", kwargs=profile),
        reverse("profiles:sharing", kwargs=profile),
        reverse("audit:trail", kwargs=profile),
        reverse("accounts:account"),
        reverse("mfa_index"),
        reverse("account_email"),
        reverse("account_change_password"),
    ]


@pytest.mark.parametrize("index", range(10))
def test_pages_have_landmarks_labels_and_no_inline_script(world: World, index: int):
    url = pages(world)[index]
    response = world.client("owner").get(url)
    assert response.status_code == 200, url
    shell = Shell()
    shell.feed(response.content.decode())
    tags = [tag for tag, _ in shell.tags]
    assert {"header", "main", "nav", "footer", "h1"} <= set(tags), url
    assert shell.inline_scripts == 0, url
    for tag, attributes in shell.tags:
        if tag == "script" and attributes.get("src"):
            assert str(attributes["src"]).startswith("/static/"), "no script from another host"
        if tag == "link" and attributes.get("href"):
            assert str(attributes["href"]).startswith("/static/"), "no asset from another host"
    labelled = {attributes.get("for") for tag, attributes in shell.tags if tag == "label"}
    for tag, attributes in shell.tags:
        if tag in {"input", "select", "textarea"} and attributes.get("type") not in {
            "hidden",
            "submit",
        }:
            assert (
                attributes.get("id") in labelled
                or attributes.get("aria-label")
                or attributes.get("aria-labelledby")
            ), f"{url}: unlabelled <{tag} name={attributes.get('name')}>"


def test_content_security_policy_forbids_inline_script_and_framing(world: World):
    response = world.client("owner").get(reverse("home"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_htmx_ships_from_this_server(world: World, client):
    page = world.client("owner").get(reverse("home")).content.decode()
    source = re.search(r'<script src="([^"]+htmx[^"]*)"', page)
    assert source is not None
    assert client.get(source.group(1)).status_code == 200


def test_csrf_is_enforced(world: World):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.accounts["owner"])
    response = client.post(
        reverse("profiles:create"), {"given_name": "Eve", "sex": "female", "language": "en"}
    )
    assert response.status_code == 403
