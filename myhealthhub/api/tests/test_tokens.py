"""Personal access tokens: made on the account's page or by the command, used by a program.

Tokens are made as a person makes them (the page, with the password given
again, or `myhealthhub tokens`), and used as a program uses them: over HTTP
with ``Authorization: Bearer``, against /api/v1/profiles/.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.api import tokens
from myhealthhub.api.actions import Made, create_token, revoke_token
from myhealthhub.api.models import AccessToken, Scope
from myhealthhub.api.problems import PROBLEM_JSON, Problem
from myhealthhub.api.v1 import BoundedJson
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.errors import ActionRefused
from myhealthhub.lib import json_bounds
from myhealthhub.profiles.actions import create_profile, revoke_grant
from myhealthhub.sharing.tests.test_link_pages import fresh

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

LIST = "/account/tokens/"
SECRET = re.compile(r'id="token-secret"[^>]*value="(mhh_[^"]+)"')


# Helpers.


def token_for(
    world: World,
    caller: str = "owner",
    *,
    scopes: tuple[str, ...] = ("read",),
    profiles: list[Any] | None = None,
) -> Made:
    return create_token(
        world.accounts[caller],
        request=None,
        name=f"{caller}'s script",
        scopes=scopes,
        profile_uuids=profiles if profiles is not None else [world.profile.uuid],
    )


def api_get(path: str, secret: str | None, **extra: Any) -> TestResponse:
    if secret is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return Client().get(f"/api/v1/{path}", **extra)


def profile_path(world: World) -> str:
    return f"profiles/{world.profile.uuid}"


def form(world: World, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Bathroom scale",
        "scopes": ["read", "readings"],
        "profiles": [str(world.profile.uuid)],
        "days": "90",
    }
    data.update(changes)
    return data


def every_stored_text() -> str:
    """Every row of every table, the cache and the sessions included, as one text."""
    texts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            try:
                with transaction.atomic():
                    cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
                    texts.append(repr(cursor.fetchall()))
            except DatabaseError:
                # SQLite's contentless FTS5 table cannot be read whole; its shadow tables can.
                continue
    return "\n".join(texts)


def assert_problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status and body["title"]
    return body


# The account's page.


def test_the_secret_is_shown_once_and_only_its_digest_is_kept(world: World):
    client = fresh(world.client("owner"), world.accounts["owner"])
    made = client.post(LIST, form(world))
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    found = SECRET.search(made.content.decode())
    assert found, "the new token is not on the page"
    secret = found.group(1)
    token = AccessToken.objects.get(account=world.accounts["owner"])
    assert token.name == "Bathroom scale"
    assert token.scopes == ["read", "readings"]
    assert [profile.uuid for profile in token.profiles.all()] == [world.profile.uuid]
    assert token.digest == tokens.digest(secret) and secret.startswith(token.prefix)
    assert dt.timedelta(days=89) < token.expires_at - timezone.now() <= dt.timedelta(days=90)
    stored = every_stored_text()
    assert token.digest in stored and secret not in stored
    # Never again: the list shows its first characters only.
    again = client.get(LIST).content.decode()
    assert secret not in again and f"{token.prefix}…" in again and "Bathroom scale" in again
    # And the token works.
    assert api_get(profile_path(world), secret).status_code == 200


def test_making_a_token_asks_for_the_password_again_first(world: World):
    client = world.client("owner")
    page = client.get(LIST)
    assert page.status_code == 200
    assert 'name="scopes"' not in page.content.decode()
    asked = reverse("account_reauthenticate")
    assert f'href="{asked}?next=%2Faccount%2Ftokens%2F"' in page.content.decode()
    sent = client.post(LIST, form(world))
    assert sent.status_code == 302 and sent["Location"].startswith(asked)
    assert not AccessToken.objects.exists()
    # The password given, the form is there.
    client.post(sent["Location"], {"password": "correct horse battery staple"})
    assert 'name="scopes"' in client.get(LIST).content.decode()


def test_the_form_offers_only_the_profiles_the_account_sees(world: World):
    client = fresh(world.client("editor"), world.accounts["editor"])
    page = client.get(LIST).content.decode()
    assert str(world.profile.uuid) in page and str(world.other.profile.uuid) not in page
    refused = client.post(LIST, form(world, profiles=[str(world.other.profile.uuid)]))
    assert refused.status_code == 200 and 'class="error"' in refused.content.decode()
    wrong_days = client.post(LIST, form(world, days="400"))
    assert 'class="error"' in wrong_days.content.decode()
    assert not AccessToken.objects.exists()


def test_create_token_refuses_profiles_the_account_cannot_see(world: World):
    for caller, profile in (
        ("editor", world.other.profile),
        ("revoked", world.profile),
        ("expired", world.profile),
        ("stranger", world.profile),
    ):
        with pytest.raises(ActionRefused):
            token_for(world, caller, profiles=[profile.uuid])
    with pytest.raises(ActionRefused):
        token_for(world, scopes=("read", "everything"))
    with pytest.raises(ActionRefused):
        token_for(world, profiles=[])
    assert not AccessToken.objects.exists()


def test_revoking_on_the_page_stops_the_token_at_once(world: World):
    made = token_for(world)
    client = world.client("owner")
    assert api_get(profile_path(world), made.secret).status_code == 200
    revoke = reverse("tokens:revoke", kwargs={"token_uuid": made.token.uuid})
    assert client.get(revoke).status_code == 405
    # Another account's revocation finds nothing, and changes nothing.
    assert world.client("editor").post(revoke).status_code == 404
    assert AccessToken.objects.get().revoked_at is None
    done = client.post(revoke)
    assert done.status_code == 302 and done["Location"] == LIST
    assert AccessToken.objects.get().revoked_at is not None
    refused = assert_problem(api_get(profile_path(world), made.secret), 401)
    assert refused["title"] == "A valid token is needed"
    page = client.get(LIST).content.decode()
    assert "state-revoked" in page and "Revoke…" not in page
    assert list(
        AuditEvent.objects.filter(object_uuid=made.token.uuid)
        .order_by("at", "id")
        .values_list("action", "actor")
    ) == [
        (Action.TOKEN_CREATED, world.accounts["owner"].pk),
        (Action.TOKEN_REVOKED, world.accounts["owner"].pk),
    ]


def test_an_expired_token_is_refused_and_listed_as_expired(world: World):
    made = token_for(world)
    AccessToken.objects.filter(pk=made.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = assert_problem(api_get(profile_path(world), made.secret), 401)
    assert response["title"] == "A valid token is needed"
    assert "state-expired" in world.client("owner").get(LIST).content.decode()


# What a token reaches.


def test_a_token_reaches_only_the_profiles_it_names(world: World):
    made = token_for(world)
    listed = api_get("profiles/", made.secret)
    assert listed.status_code == 200
    assert [row["uuid"] for row in listed.json()] == [str(world.profile.uuid)]
    # The owner sees Luis's profile too, but this token does not name it.
    other = api_get(f"profiles/{world.other.profile.uuid}", made.secret)
    assert assert_problem(other, 404)["title"] == "Not found"


def test_a_caregiver_s_token_stops_when_the_grant_is_revoked(world: World):
    made = token_for(world, "editor")
    assert api_get(profile_path(world), made.secret).status_code == 200
    revoke_grant(world.grants["editor"], actor=world.accounts["owner"], request=None)
    assert_problem(api_get(profile_path(world), made.secret), 404)
    assert api_get("profiles/", made.secret).json() == []
    # The page no longer names the profile the token cannot reach.
    page = world.client("editor").get(LIST).content.decode()
    assert "Ana García" not in page and "no longer shared with you" in page


def test_another_account_s_token_cannot_see_the_profile(world: World):
    stranger = world.accounts["stranger"]
    own = create_profile(stranger, request=None, given_name="Pía", family_name="Sol")
    made = token_for(world, "stranger", profiles=[own.uuid])
    assert api_get(f"profiles/{own.uuid}", made.secret).status_code == 200
    assert_problem(api_get(profile_path(world), made.secret), 404)
    assert [row["uuid"] for row in api_get("profiles/", made.secret).json()] == [str(own.uuid)]


def test_no_token_or_a_wrong_one_is_told_how_to_authenticate(world: World):
    for secret in (None, "mhh_not-a-token", "Bearer", "x" * 200):
        response = api_get(profile_path(world), secret)
        assert_problem(response, 401)
        assert response["WWW-Authenticate"] == 'Bearer realm="MyHealthHub"'


def test_a_token_without_the_read_scope_is_told_which_scope_it_lacks(world: World):
    made = token_for(world, scopes=("readings",))
    body = assert_problem(api_get(profile_path(world), made.secret), 403)
    assert body["title"] == "This token may not do that"
    assert "“read”" in body["detail"]


def test_problems_are_in_the_token_account_s_language(world: World):
    User.objects.filter(pk=world.accounts["owner"].pk).update(language="es")
    made = token_for(world)
    response = api_get(f"profiles/{world.other.profile.uuid}", made.secret)
    body = assert_problem(response, 404)
    assert body["title"] == "No encontrado"
    assert response["Content-Language"] == "es"


# Limits.


def test_the_fourth_request_in_a_minute_is_told_when_to_try_again(world: World, settings):
    settings.API_REQUESTS_PER_MINUTE = 3
    # The limit counts in fixed minutes: four requests across a minute's turn are tried again.
    for _attempt in range(2):
        made = token_for(world)
        minute = time.time() // 60
        answers = [api_get(profile_path(world), made.secret) for _ in range(4)]
        if time.time() // 60 == minute:
            break
    assert [answer.status_code for answer in answers[:3]] == [200, 200, 200]
    refused = assert_problem(answers[3], 429)
    assert refused["title"] == "Too many requests"
    assert 1 <= int(answers[3]["Retry-After"]) <= 61


def test_a_body_too_large_or_too_deep_is_refused():
    factory = RequestFactory()
    parser = BoundedJson()
    large = factory.post(
        "/api/v1/", b'"' + b"x" * json_bounds.MOST_BYTES + b'"', content_type="application/json"
    )
    with pytest.raises(Problem) as too_large:
        parser.parse_body(large)
    assert too_large.value.status == 413
    deep = factory.post("/api/v1/", "[" * 40 + "]" * 40, content_type="application/json")
    with pytest.raises(Problem) as too_deep:
        parser.parse_body(deep)
    assert too_deep.value.status == 400
    assert too_deep.value.title == "The request nests too deep"
    within = factory.post("/api/v1/", json.dumps({"a": [[1]]}), content_type="application/json")
    assert parser.parse_body(within) == {"a": [[1]]}


def test_the_last_use_is_recorded_with_its_address(world: World):
    made = token_for(world)
    assert made.token.last_used_at is None
    api_get(profile_path(world), made.secret, REMOTE_ADDR="203.0.113.7")
    token = AccessToken.objects.get()
    assert token.last_used_from == "203.0.113.7"
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)
    assert "from 203.0.113.7" in world.client("owner").get(LIST).content.decode()


# The command.


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("tokens", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_the_token_alone_and_it_works(world: World):
    out, err = run(
        "create",
        "--email",
        "owner@world.example.org",
        "--name",
        "Home server",
        "--scope",
        "read",
        "--scope",
        "readings",
        "--profile",
        str(world.profile.uuid),
        "--expires",
        "30d",
    )
    secret = out.strip()
    assert out == secret + "\n" and secret.startswith(tokens.PREFIX)
    token = AccessToken.objects.get()
    assert token.digest == tokens.digest(secret) and token.scopes == ["read", "readings"]
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert "Home server" in err and secret not in err
    assert api_get(profile_path(world), secret).status_code == 200
    listed, _err = run("list", "--email", "owner@world.example.org")
    assert str(token.uuid) in listed and f"{token.prefix}…" in listed and "live" in listed
    assert str(world.profile.uuid) in listed and secret not in listed
    revoked, _err = run("revoke", "--email", "owner@world.example.org", token.prefix)
    assert "Home server" in revoked
    assert api_get(profile_path(world), secret).status_code == 401
    assert "revoked" in run("list", "--email", "owner@world.example.org")[0]
    assert set(
        AuditEvent.objects.filter(object_uuid=token.uuid).values_list("action", flat=True)
    ) == {
        Action.TOKEN_CREATED,
        Action.TOKEN_REVOKED,
    }


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"--email": "nobody@example.org"}, "No account with the e-mail address"),
        ({"--expires": "2y"}, "--expires takes a number of days"),
        ({"--expires": "400d"}, "--expires takes a number of days"),
        ({"--profile": "not-a-uuid"}, "not-a-uuid is not a profile UUID."),
        ({"--profile": "OTHER"}, "Choose profiles that this account may see."),
        ({"--scope": None}, "Choose what the token may do"),
    ],
)
def test_the_command_says_what_is_wrong_in_one_line(
    world: World, changes: dict[str, str | None], says: str
):
    options: dict[str, str | None] = {
        "--email": "editor@world.example.org",
        "--name": "Script",
        "--scope": "read",
        "--profile": str(world.profile.uuid),
        "--expires": "90d",
    }
    options.update(changes)
    if options["--profile"] == "OTHER":
        options["--profile"] = str(world.other.profile.uuid)
    args = [part for name, value in options.items() if value is not None for part in (name, value)]
    with pytest.raises(CommandError) as refused:
        run("create", *args)
    assert says in str(refused.value) and "\n" not in str(refused.value)
    assert not AccessToken.objects.exists()


def test_the_command_revokes_only_the_account_s_own_token(world: World):
    made = token_for(world)
    with pytest.raises(CommandError, match="has no token"):
        run("revoke", "--email", "editor@world.example.org", str(made.token.uuid))
    with pytest.raises(CommandError, match="has no token"):
        run("revoke", "--email", "owner@world.example.org", tokens.PREFIX)
    assert AccessToken.objects.get().revoked_at is None
    run("revoke", "--email", "owner@world.example.org", str(made.token.uuid))
    assert AccessToken.objects.get().revoked_at is not None


def test_revoke_token_is_audited_once(world: World):
    made = token_for(world)
    for _ in range(2):
        revoke_token(made.token, actor=world.accounts["owner"], request=None)
    assert AuditEvent.objects.filter(action=Action.TOKEN_REVOKED).count() == 1
    assert made.token.allows(Scope.READ)
