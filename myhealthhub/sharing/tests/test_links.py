"""SMART Health Links as a recipient meets them: only the link's text and HTTP.

The recipient here is independent of our code: it decodes the payload with
base64 and json, asks the manifest over HTTP, and opens each file with
joserfc, as any conformant viewer would.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from joserfc import jwe
from joserfc.jwk import OctKey

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.documents.storage import default_storage
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.actions import delete_profile
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.sharing.links.actions import (
    PASSCODE_ATTEMPTS,
    LinkChoices,
    addresses,
    create_link,
    link_text,
    revoke_link,
)
from myhealthhub.sharing.models import AccessOutcome, ShareAccess, ShareLink

RECIPIENT = "Dr. Sol, Clínica Norte"


def make(world: World, **chosen: Any) -> str:
    """A new link to Ana's profile, made by her owner: its whole text."""
    chosen.setdefault("expires_at", timezone.now() + dt.timedelta(days=7))
    chosen.setdefault("with_summary_pdf", False)
    made = create_link(
        world.profile, LinkChoices(**chosen), actor=world.accounts["owner"], request=None
    )
    viewer, manifest = addresses(made.link, None)
    return link_text(viewer, made.link, made.key, manifest)


def newest() -> ShareLink:
    """The link a test made last (the world has its own)."""
    found = ShareLink.objects.order_by("-pk").first()
    assert found is not None
    return found


def decoded(text: str) -> dict[str, Any]:
    """The payload, read as the guide says: after ``#shlink:/``, base64url JSON."""
    encoded = text.split("#shlink:/", 1)[1]
    return dict(json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))))


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def ask(payload: dict[str, Any], **body: Any) -> Any:
    body.setdefault("recipient", RECIPIENT)
    return Client().post(path_of(payload["url"]), json.dumps(body), content_type="application/json")


def opened(payload: dict[str, Any], token: str) -> bytes:
    key = OctKey.import_key(base64.urlsafe_b64decode(payload["key"] + "="))
    plaintext = jwe.decrypt_compact(token, key).plaintext
    assert plaintext is not None
    return plaintext


def test_an_independent_viewer_opens_the_link_and_reads_the_summary(world: World):
    create_entry(
        KINDS["allergies"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={"display": "Penicillin", "status": "active", "reaction": "Hives"},
    )
    payload = decoded(make(world, label="For Dr. Sol", with_summary_pdf=True))
    assert set(payload) == {"url", "key", "exp", "label", "v"}
    assert payload["label"] == "For Dr. Sol" and payload["v"] == 1
    response = ask(payload)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "no-store" in response["Cache-Control"]
    manifest = response.json()
    assert manifest["status"] == "finalized"
    types = [file["contentType"] for file in manifest["files"]]
    assert types == ["application/fhir+json;fhirVersion=4.0.1", "application/pdf"]
    ips, pdf = (opened(payload, file["embedded"]) for file in manifest["files"])
    bundle = json.loads(ips)
    Bundle.model_validate(bundle)
    names = json.dumps(bundle)
    assert "Metformin" in names and "Penicillin" in names
    assert pdf.startswith(b"%PDF")


def test_the_manifest_address_carries_256_random_bits_and_the_flags_are_in_order(world: World):
    first = decoded(make(world, passcode="lighthouse", long_term=True))
    second = decoded(make(world))
    assert first["flag"] == "LP" and "flag" not in second
    ids = [payload["url"].rsplit("/", 1)[1] for payload in (first, second)]
    assert ids[0] != ids[1]
    for manifest_id in ids:
        assert len(base64.urlsafe_b64decode(manifest_id + "=")) == 32
    assert len(first["key"]) == 43


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ({"label": "x" * 81}, "A label has at most 80 characters."),
        ({"passcode": "123"}, "A passcode has at least 6 characters."),
        ({"direct": True, "passcode": "lighthouse"}, "carries one file and has no passcode"),
        ({"direct": True, "with_summary_pdf": True}, "carries one file and has no passcode"),
        ({"with_summary_ips": False}, "Choose what the link carries."),
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "must end in the future"),
    ],
)
def test_a_wrong_choice_is_refused_and_nothing_is_made(
    world: World, chosen: dict[str, Any], message: str
):
    with pytest.raises(ActionRefused, match=message):
        make(world, **chosen)
    assert list(ShareLink.objects.filter(profile=world.profile)) == [world.share_link]


def test_wrong_passcodes_are_counted_for_the_link_s_life_then_it_is_gone(world: World):
    payload = decoded(make(world, passcode="lighthouse"))
    for left in range(PASSCODE_ATTEMPTS - 1, -1, -1):
        response = ask(payload, passcode="lightship")
        assert response.status_code == 401
        assert response.json() == {"remainingAttempts": left}
    # Disabled: the right passcode too finds nothing, as for a link that never was.
    assert ask(payload, passcode="lighthouse").status_code == 404
    assert AuditEvent.objects.filter(action=Action.SHARE_LINK_DISABLED).count() == 1


def test_the_right_passcode_opens_and_spends_nothing(world: World):
    payload = decoded(make(world, passcode="lighthouse"))
    assert ask(payload).status_code == 401  # no passcode is a wrong one
    assert ask(payload, passcode="lighthouse").status_code == 200
    assert newest().attempts_left == PASSCODE_ATTEMPTS - 1


def test_an_ended_link_answers_404_at_once(world: World):
    payload = decoded(make(world, expires_at=timezone.now() + dt.timedelta(hours=1)))
    assert ask(payload).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, seconds=1)):
        assert ask(payload).status_code == 404


def test_a_revoked_link_answers_404_on_the_next_request_and_its_files_are_gone(world: World):
    payload = decoded(make(world))
    assert ask(payload).status_code == 200
    link = newest()
    revoke_link(link, actor=world.accounts["owner"], request=None)
    assert ask(payload).status_code == 404
    assert not link.files.exists()


def test_one_file_by_get_with_flag_u(world: World):
    payload = decoded(make(world, direct=True))
    assert payload["flag"] == "U"
    response = Client().get(path_of(payload["url"]), {"recipient": RECIPIENT})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jose"
    Bundle.model_validate(json.loads(opened(payload, response.content.decode())))
    # Without the flag, a GET finds nothing.
    plain = decoded(make(world))
    assert Client().get(path_of(plain["url"]), {"recipient": RECIPIENT}).status_code == 404


def test_files_too_long_to_embed_come_by_a_location_that_expires(world: World):
    payload = decoded(make(world))
    (file,) = ask(payload, embeddedLengthMax=10).json()["files"]
    assert "embedded" not in file
    fetched = Client().get(path_of(file["location"]))
    assert fetched.status_code == 200
    Bundle.model_validate(json.loads(opened(payload, fetched.content.decode())))
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        assert Client().get(path_of(file["location"])).status_code == 404
    tampered = file["location"][:-2] + ("AA" if not file["location"].endswith("AA") else "BB")
    assert Client().get(path_of(tampered)).status_code == 404


def test_a_long_term_link_writes_what_the_record_says_now_and_is_not_polled_too_often(
    world: World,
):
    payload = decoded(make(world, long_term=True))
    first = ask(payload).json()
    assert first["status"] == "can-change"
    create_entry(
        KINDS["medications"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={"display": "Lisinopril 10 mg", "status": "active"},
    )
    too_soon = ask(payload)
    assert too_soon.status_code == 429 and int(too_soon["Retry-After"]) > 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        (file,) = ask(payload).json()["files"]
    assert b"Lisinopril" in opened(payload, file["embedded"])


def test_every_request_is_in_the_access_log_with_the_recipient_it_named(world: World):
    payload = decoded(make(world, passcode="lighthouse"))
    ask(payload, passcode="nope-nope")
    ask(payload, passcode="lighthouse", recipient="Urgencias, Hospital del Mar")
    log = list(ShareAccess.objects.order_by("at", "id").values_list("recipient", "outcome"))
    assert log == [
        (RECIPIENT, AccessOutcome.WRONG_PASSCODE),
        ("Urgencias, Hospital del Mar", AccessOutcome.OPENED),
    ]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"passcode": "x"}', b'{"recipient": 3}', b'{"recipient": " "}'],
)
def test_a_request_that_is_not_a_manifest_request_is_refused(world: World, body: bytes):
    payload = decoded(make(world))
    response = Client().post(path_of(payload["url"]), body, content_type="application/json")
    assert response.status_code == 400
    assert not ShareAccess.objects.exists()


def test_a_browser_may_ask_from_any_origin(world: World):
    payload = decoded(make(world))
    response = Client().options(path_of(payload["url"]), HTTP_ORIGIN="https://viewer.example")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_the_command_line_makes_lists_and_revokes_a_link(world: World, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("lighthouse\n"))
    call_command(
        "share",
        "create",
        "--profile",
        str(world.profile.uuid),
        "--expires",
        "2d",
        "--passcode-stdin",
        "--label",
        "Urgencias",
        "--json",
    )
    shown = json.loads(capsys.readouterr().out)
    assert shown["flag"] == "P" and shown["viewer"].endswith("/view/")
    payload = decoded(shown["link"])
    assert payload["label"] == "Urgencias"
    assert ask(payload, passcode="lighthouse").status_code == 200
    call_command("share", "list", "--profile", str(world.profile.uuid))
    assert f"{shown['id']}  live" in capsys.readouterr().out
    call_command("share", "revoke", shown["id"])
    assert ask(payload, passcode="lighthouse").status_code == 404
    with pytest.raises(CommandError, match="number of days or hours"):
        call_command("share", "create", "--profile", str(world.profile.uuid), "--expires", "soon")


def test_deleting_the_profile_takes_its_links_and_their_files(
    world: World, django_capture_on_commit_callbacks
):
    payload = decoded(make(world))
    names = list(newest().files.values_list("sealed__name", flat=True))
    store = default_storage()
    assert names and all(store.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        delete_profile(world.profile, actor=world.accounts["owner"], request=None)
    assert not ShareLink.objects.filter(profile_id=world.profile.pk).exists()
    assert not any(store.exists(name) for name in names)
    assert ask(payload).status_code == 404


def test_a_new_link_sweeps_the_files_of_links_that_ended(world: World):
    make(world, expires_at=timezone.now() + dt.timedelta(hours=1))
    ended = newest()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        make(world)
    assert not ended.files.exists()
    assert newest().files.exists() and world.share_link.files.exists()


def test_a_kept_link_key_is_resealed_by_a_key_rotation_and_the_link_still_opens(
    rotating_keys, world: World
):
    payload = decoded(make(world, long_term=True))
    before = newest().sealed_key
    assert payload["key"] not in before and before.startswith("sealed:v1:")
    call_command("keys", "rotate", stdout=io.StringIO())
    after = newest().sealed_key
    assert after != before and after.startswith("sealed:v1:")
    (file,) = ask(payload).json()["files"]
    Bundle.model_validate(json.loads(opened(payload, file["embedded"])))


def test_the_plan_of_the_profile_s_owner_limits_live_and_long_term_links(world: World, settings):
    # The world's live links, one to each of the owner's two profiles, count: one more is
    # the limit here.
    settings.PLANS = {
        "selfhosted": {
            "name": "Small",
            "limits": {"live_share_links": 3, "long_term_share_links": 0},
            "features": ["*"],
        }
    }
    with pytest.raises(ActionRefused, match="allows no more links kept up to date"):
        make(world, long_term=True)
    make(world)
    with pytest.raises(ActionRefused, match="allows no more live links"):
        make(world)
    ShareLink.objects.filter(profile=world.profile).update(revoked_at=timezone.now())
    make(world)  # revoked links count no more
    settings.PLANS["selfhosted"]["features"] = ["export.pdf"]
    with pytest.raises(ActionRefused, match="does not include share links"):
        make(world)


def test_a_passcode_still_opens_after_the_secret_key_is_rotated(world: World, settings):
    payload = decoded(make(world, passcode="lighthouse"))
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a new secret key " * 4
    assert ask(payload, passcode="lighthouse").status_code == 200
    assert ask(payload, passcode="lightship").status_code == 401


def test_a_long_term_link_s_location_answers_the_one_file_it_names(world: World):
    payload = decoded(make(world, long_term=True, with_summary_pdf=True))
    ips, pdf = ask(payload, embeddedLengthMax=10).json()["files"]
    assert (ips["contentType"], pdf["contentType"]) == (
        "application/fhir+json;fhirVersion=4.0.1",
        "application/pdf",
    )
    fetched = Client().get(path_of(pdf["location"]))
    assert opened(payload, fetched.content.decode()).startswith(b"%PDF")
    fetched = Client().get(path_of(ips["location"]))
    Bundle.model_validate(json.loads(opened(payload, fetched.content.decode())))
