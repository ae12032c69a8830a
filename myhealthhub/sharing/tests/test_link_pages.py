"""The keeper's pages for SMART Health Links, through HTTP as a person uses them.

A link made on the page is opened the way a recipient opens it: its text
decoded with base64 and json, its manifest asked over HTTP (test_links.py's
helpers), so what the page shows is proven to be a working link.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.conftest import PASSWORD, World
from myhealthhub.sharing.links.actions import LinkChoices, create_link
from myhealthhub.sharing.links.qr import qr_code, qr_svg
from myhealthhub.sharing.models import ShareLink
from myhealthhub.sharing.tests.test_links import ask, decoded, opened
from myhealthhub.tests.test_page_shell import Shell

PASSCODE = "lighthouse"
HOSTILE = '<script>alert("x")</script> Dr. Sol'


# Helpers.


def fresh(client: Client, account: User) -> Client:
    """A session whose password was given again just now, as making a link asks."""
    session = client.session
    session["account_authentication_methods_user"] = str(account.pk)
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session.save()
    return client


def owner(world: World) -> Client:
    return fresh(world.client("owner"), world.accounts["owner"])


def url(world: World, name: str, link: ShareLink | None = None) -> str:
    kwargs: dict[str, Any] = {"profile_uuid": world.profile.uuid}
    if link is not None:
        kwargs["link_uuid"] = link.uuid
    return reverse(f"sharing:{name}", kwargs=kwargs)


def form(**changes: Any) -> dict[str, Any]:
    """The new-link form as a browser sends it; no PDF unless asked, it takes a while to write."""
    data: dict[str, Any] = {
        "ends": "7d",
        "language": "en",
        "label": "For Dr. Sol",
        "passcode": PASSCODE,
        "passcode_again": PASSCODE,
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def new_links(world: World):
    """Links besides the one the world keeps for each of its profiles."""
    return ShareLink.objects.exclude(pk__in=[world.share_link.pk, world.other.share_link.pk])


def link_text_on(page: str) -> str:
    found = re.search(r'<textarea id="link-text"[^>]*>([^<]+)</textarea>', page)
    assert found, "no link text on the page"
    return html.unescape(found.group(1)).strip()


def errors_on(page: str) -> list[str]:
    return [
        html.unescape(error)
        for error in re.findall(r'<p class="error"[^>]*>([^<]+)</p>|role="alert"><p>([^<]+)', page)
        for error in error
        if error
    ]


def make(world: World, **chosen: Any) -> ShareLink:
    chosen.setdefault("expires_at", timezone.now() + dt.timedelta(days=7))
    chosen.setdefault("with_summary_pdf", False)
    return create_link(
        world.profile, LinkChoices(**chosen), actor=world.accounts["owner"], request=None
    ).link


# Making a link.


def test_the_owner_makes_a_link_with_a_passcode_and_a_recipient_opens_it(world: World):
    response = owner(world).post(url(world, "link_new"), form())
    assert response.status_code == 200
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    text = link_text_on(page)
    assert text.startswith("http://testserver/view/#shlink:/")
    # The QR code is segno's for exactly this text, as inline SVG: no image to fetch.
    assert '<svg role="img" viewBox=' in page
    assert qr_path(qr_svg(text, title="x")) in page
    assert "Tell the passcode separately, not with the link" in page
    assert 'class="wallet-card"' in page and "Ana García" in page

    payload = decoded(text)
    assert payload["flag"] == "P" and payload["label"] == "For Dr. Sol"
    assert ask(payload).status_code == 401  # the passcode is needed
    manifest = ask(payload, passcode=PASSCODE)
    assert manifest.status_code == 200
    (ips,) = manifest.json()["files"]
    assert b"Metformin" in opened(payload, ips["embedded"])
    link = new_links(world).get()
    assert link.created_by == world.accounts["owner"]


def qr_path(svg: str) -> str:
    found = re.search(r'<path stroke="#000" d="[^"]+"', svg)
    assert found
    return found.group(0)


def test_the_qr_code_is_a_full_qr_code_with_error_correction_m():
    code = qr_code("https://example.org/view/#shlink:/eyJ1cmwiOiJ4In0")
    assert code.error == "M" and not code.is_micro
    svg = qr_svg("x", title='Ana <"García">')
    assert "style=" not in svg and "data:" not in svg and "<script" not in svg
    assert '<title>Ana &lt;"García"&gt;</title>' in svg


def test_making_a_link_asks_for_the_password_before_the_form_and_keeps_no_passcode(
    world: World,
):
    client = world.client("owner")
    asked = client.get(url(world, "link_new"))
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    # A form sent without the password given: nothing made, and nothing of it kept.
    sent = client.post(url(world, "link_new"), form())
    assert sent["Location"] == asked["Location"]
    assert not new_links(world).exists()
    assert PASSCODE not in str(dict(client.session))
    # The password given, back to the form; the link is made and shown.
    back = client.post(asked["Location"], {"password": PASSWORD})
    assert back["Location"] == url(world, "link_new")
    shown = client.post(url(world, "link_new"), form())
    assert shown.status_code == 200
    payload = decoded(link_text_on(shown.content.decode()))
    assert ask(payload, passcode=PASSCODE).status_code == 200
    assert new_links(world).count() == 1


def test_the_form_starts_with_a_week_the_profile_s_language_and_its_live_documents(
    world: World,
):
    page = owner(world).get(url(world, "link_new")).content.decode()
    assert re.search(r'<input type="radio" name="ends" value="7d"[^>]*checked>', page)
    # Ana's profile is kept in Spanish.
    assert re.search(r'<option value="es" selected>', page)
    assert "informe de alta.txt" in page
    assert "old.txt" not in page  # deleted
    assert "receta.txt" not in page  # Luis's


def test_by_default_a_link_ends_in_a_week_and_carries_the_summary_as_ips(world: World):
    before = timezone.now()
    response = owner(world).post(url(world, "link_new"), form(passcode="", passcode_again=""))
    assert response.status_code == 200
    link = new_links(world).get()
    assert link.expires_at is not None
    assert dt.timedelta(days=7) <= link.expires_at - before < dt.timedelta(days=7, minutes=1)
    assert link.with_summary_ips and not link.with_summary_pdf and not link.has_passcode
    assert "Anyone who has this link or its QR code can open the summary" in (
        response.content.decode()
    )


def test_a_link_can_end_on_a_chosen_day_at_its_last_minute(world: World):
    day = timezone.localdate() + dt.timedelta(days=3)
    owner(world).post(url(world, "link_new"), form(ends="date", end_date=day.isoformat()))
    link = new_links(world).get()
    assert link.expires_at is not None
    ends = timezone.localtime(link.expires_at)
    assert (ends.date(), ends.hour, ends.minute) == (day, 23, 59)


def test_chosen_documents_go_with_the_link(world: World):
    response = owner(world).post(url(world, "link_new"), form(documents=[str(world.document.pk)]))
    payload = decoded(link_text_on(response.content.decode()))
    files = ask(payload, passcode=PASSCODE).json()["files"]
    assert [file["contentType"] for file in files][1:] == [world.document.content_type]
    assert b"Informe de alta" in opened(payload, files[1]["embedded"])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends": "never"}, "no_end_confirmed", "Tick the box to confirm"),
        ({"label": "x" * 81}, "label", "at most 80 characters (it has 81)"),
        ({"passcode_again": "lightship"}, "passcode_again", "The two passcodes differ"),
        ({"passcode": "12345", "passcode_again": "12345"}, "passcode", "at least 6 characters"),
        ({"ends": "date"}, "end_date", "Choose the day the link ends"),
        ({"ends": "date", "end_date": "2020-01-01"}, "end_date", "Choose today or a day after"),
        ({"ends": "forever"}, "ends", "Select a valid choice"),
    ],
)
def test_a_wrong_choice_is_refused_with_a_clear_error_and_nothing_is_made(
    world: World, changes: dict[str, Any], field: str, message: str
):
    response = owner(world).post(url(world, "link_new"), form(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert any(message in error for error in errors_on(page)), errors_on(page)
    assert "#shlink:/" not in page
    assert not new_links(world).exists()


def test_no_end_once_confirmed_makes_a_link_with_no_end(world: World):
    response = owner(world).post(url(world, "link_new"), form(ends="never", no_end_confirmed="on"))
    assert response.status_code == 200
    assert new_links(world).get().expires_at is None
    assert "exp" not in decoded(link_text_on(response.content.decode()))


def test_documents_of_another_profile_or_deleted_cannot_be_chosen(world: World):
    for document in (world.other.document, world.deleted_document):
        response = owner(world).post(url(world, "link_new"), form(documents=[str(document.pk)]))
        assert response.status_code == 200
        assert 'id="id_documents_error"' in response.content.decode()
    assert not new_links(world).exists()


def test_a_refusal_of_the_action_is_shown_as_a_form_error(world: World, settings):
    # The plan allows the two live links the world has (one to each of the owner's profiles).
    settings.PLANS = {
        "selfhosted": {"name": "Small", "limits": {"live_share_links": 2}, "features": ["*"]}
    }
    page = owner(world).post(url(world, "link_new"), form()).content.decode()
    assert "The plan of this profile allows no more live links." in errors_on(page)
    assert not new_links(world).exists()


# The list and one link.


def test_the_list_and_the_link_s_page_say_what_it_is(world: World):
    owner(world).post(url(world, "link_new"), form(long_term="on"))
    link = new_links(world).get()
    listed = owner(world).get(url(world, "links")).content.decode()
    for text in ("For Dr. Sol", "For Luis García", "Needs a passcode", "Kept up to date", "Live"):
        assert text in listed
    assert "The summary (IPS)" in listed
    assert url(world, "link", link) in listed
    assert "For Marta Otero" not in listed  # Luis's link

    page = owner(world).get(url(world, "link", link)).content.decode()
    assert "For Dr. Sol" in page and "10 wrong tries left" in page
    assert url(world, "link_card", link) in page  # kept up to date: it can be shown again
    assert "No one has asked for it yet." in page


def test_a_link_with_no_end_says_so(world: World):
    make(world, label="Urgencias", expires_at=None)
    assert "No end: until you revoke it" in owner(world).get(url(world, "links")).content.decode()


def test_every_access_is_listed_with_the_recipient_as_sent_and_escaped(world: World):
    payload = decoded(
        link_text_on(owner(world).post(url(world, "link_new"), form()).content.decode())
    )
    ask(payload, passcode="wrong-one", recipient=HOSTILE)
    ask(payload, passcode=PASSCODE, recipient="Urgencias, Hospital del Mar")
    link = new_links(world).get()
    page = owner(world).get(url(world, "link", link)).content.decode()
    assert HOSTILE not in page
    assert html.escape(HOSTILE) in page
    assert "Urgencias, Hospital del Mar" in page
    assert "Wrong passcode" in page and "Opened" in page
    assert "2 accesses" in page and "9 wrong tries left" in page
    listed = owner(world).get(url(world, "links")).content.decode()
    assert re.search(r"<dd>2</dd>", listed)


def test_the_link_page_shows_times_in_the_reader_s_zone(world: World):
    account = world.accounts["owner"]
    User.objects.filter(pk=account.pk).update(time_zone="America/New_York")
    link = make(world, expires_at=dt.datetime(2040, 1, 15, 12, 0, tzinfo=dt.UTC))
    page = owner(world).get(url(world, "link", link)).content.decode()
    assert "Times are in America/New York" in page
    assert "2040-01-15T07:00:00-05:00" in page


def test_a_plain_link_cannot_be_shown_again_a_kept_one_can(world: World):
    plain = make(world, label="Plain")
    page = owner(world).get(url(world, "link", plain)).content.decode()
    assert "This link can no longer be shown: its key was not kept" in page
    assert url(world, "link_new") in page
    card = owner(world).get(url(world, "link_card", plain))
    assert card.status_code == 200
    assert "#shlink:/" not in card.content.decode()

    kept = create_link(
        world.profile,
        LinkChoices(
            expires_at=timezone.now() + dt.timedelta(days=30),
            label="Kept",
            long_term=True,
            with_summary_pdf=False,
        ),
        actor=world.accounts["owner"],
        request=None,
    )
    # Showing a kept link's text hands out the record: the password is asked first.
    asked = world.client("owner").get(url(world, "link_card", kept.link))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    shown = owner(world).get(url(world, "link_card", kept.link))
    assert "no-store" in shown["Cache-Control"]
    payload = decoded(link_text_on(shown.content.decode()))
    assert payload["flag"] == "L" and payload["label"] == "Kept"
    assert opened(payload, ask(payload).json()["files"][0]["embedded"])


def test_the_wallet_card_is_written_in_the_link_s_language(world: World):
    response = owner(world).post(
        url(world, "link_new"),
        form(language="es", ends="date", end_date=f"{timezone.localdate().year + 1}-03-12"),
    )
    page = response.content.decode()
    card = page[page.index('<div class="wallet-card" lang="es">') :]
    assert "12 de marzo" in card  # the date in Spanish, whatever the page's language


def test_a_link_s_state_is_said_in_words(world: World):
    now = timezone.now()
    ended = make(world, label="Ended")
    ShareLink.objects.filter(pk=ended.pk).update(expires_at=now - dt.timedelta(minutes=1))
    stopped = make(world, label="Stopped", passcode=PASSCODE)
    ShareLink.objects.filter(pk=stopped.pk).update(disabled_at=now, attempts_left=0)
    listed = owner(world).get(url(world, "links")).content.decode()
    assert re.search(r"Ended</a>\s*<span class=\"badge state state-ended\">Ended</span>", listed)
    assert "Stopped after too many wrong passcodes" in listed
    for link in (ended, stopped):
        page = owner(world).get(url(world, "link", link)).content.decode()
        assert url(world, "link_revoke", link) not in page  # nothing left to stop
        assert "This link no longer works" in page


# Revoking.


def test_revoking_asks_to_confirm_then_the_link_answers_404_at_once(world: World):
    payload = decoded(
        link_text_on(owner(world).post(url(world, "link_new"), form()).content.decode())
    )
    link = new_links(world).get()
    confirm = owner(world).get(url(world, "link_revoke", link))
    assert confirm.status_code == 200
    assert "Revoke “For Dr. Sol”?" in confirm.content.decode()
    assert ShareLink.objects.get(pk=link.pk).revoked_at is None

    response = owner(world).post(url(world, "link_revoke", link), follow=True)
    assert response.redirect_chain[-1][0] == url(world, "links")
    page = response.content.decode()
    assert "“For Dr. Sol” is revoked: it stopped working at once." in page
    assert "Revoked" in page
    assert ask(payload, passcode=PASSCODE).status_code == 404
    detail = owner(world).get(url(world, "link", link)).content.decode()
    assert url(world, "link_revoke", link) not in detail


def test_revoking_needs_csrf(world: World):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.accounts["owner"])
    assert client.post(url(world, "link_revoke", world.share_link)).status_code == 403
    assert ShareLink.objects.get(pk=world.share_link.pk).revoked_at is None


# Who may.


PAGES = ("links", "link_new", "link", "link_revoke", "link_card")


@pytest.mark.parametrize("caller", ["editor", "viewer", "revoked", "expired", "stranger"])
def test_only_owners_reach_the_pages_others_get_the_gate_s_404(world: World, caller: str):
    client = fresh(world.client(caller), world.accounts[caller])
    for name in PAGES:
        address = url(world, name, None if name in {"links", "link_new"} else world.share_link)
        assert client.get(address).status_code == 404, address
        assert client.post(address, form()).status_code == 404, address
    assert ShareLink.objects.get(pk=world.share_link.pk).revoked_at is None
    assert not new_links(world).exists()


def test_anonymous_callers_are_sent_to_sign_in(world: World):
    for name in PAGES:
        address = url(world, name, None if name in {"links", "link_new"} else world.share_link)
        response = Client().get(address)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_link_of_another_profile_is_hidden(world: World):
    for name in ("link", "link_revoke", "link_card"):
        address = url(world, name, world.other.share_link)
        assert owner(world).get(address).status_code == 404
    assert owner(world).post(url(world, "link_revoke", world.other.share_link)).status_code == 404
    assert ShareLink.objects.get(pk=world.other.share_link.pk).revoked_at is None


def test_the_owner_tools_lead_to_the_links(world: World):
    overview = reverse("profiles:overview", kwargs={"profile_uuid": world.profile.uuid})
    assert url(world, "links") in world.client("owner").get(overview).content.decode()
    assert url(world, "links") not in world.client("editor").get(overview).content.decode()


# The page shell.


def test_the_pages_keep_the_strict_policy_and_label_every_field(world: World):
    """No inline script or style (the QR code included), every field labelled."""
    made = owner(world).post(url(world, "link_new"), form(long_term="on"))
    link = new_links(world).get()
    pages = [made] + [
        owner(world).get(address)
        for address in (
            url(world, "links"),
            url(world, "link_new"),
            url(world, "link", link),
            url(world, "link_card", link),
            url(world, "link_revoke", link),
        )
    ]
    for response in pages:
        assert response.status_code == 200
        shell = Shell()
        shell.feed(response.content.decode())  # raises on a style= or on…= attribute
        assert shell.inline_scripts == 0
        labelled = {attributes.get("for") for tag, attributes in shell.tags if tag == "label"}
        for tag, attributes in shell.tags:
            if tag in {"input", "select", "textarea"} and attributes.get("type") != "hidden":
                assert attributes.get("id") in labelled, attributes


def test_the_list_asks_the_same_queries_for_one_link_or_many(world: World):
    def queries() -> int:
        client = owner(world)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(world, "links")).status_code == 200
        return len(captured)

    one = queries()
    for number in range(5):
        make(world, label=f"Link {number}", documents=[world.document])
    assert queries() == one
