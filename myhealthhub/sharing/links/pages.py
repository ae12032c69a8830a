"""The keeper's pages for SMART Health Links: the list, a new link, one link, its revocation.

Sharing the record with someone outside it is the keeper's decision, so
every page here is for the profile's owners only (a caregiver, even an
editor, gets the gate's 404). Making a link asks for the password again
when it was last given more than 5 minutes ago (SECURITY.md), as showing a
kept link's text again does: either hands out the record.

A new link's page is answered to the POST that made it, never by a
redirect: the key of a link that is not kept up to date exists only in that
answer, and is never stored. That page, and the one that shows a kept link
again, are not cached.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from myhealthhub.accounts.current import account_of
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.profiles.zones import zone_label
from myhealthhub.sharing.links.actions import (
    addresses,
    create_link,
    key_of,
    link_text,
    revoke_link,
)
from myhealthhub.sharing.links.described import Described, described, with_details
from myhealthhub.sharing.links.forms import NewLinkForm
from myhealthhub.sharing.links.qr import qr_svg
from myhealthhub.sharing.models import ShareLink

# Accesses shown on one page of a link's log; a long-term link is asked every visit.
ACCESSES_PER_PAGE = 50


@profile_view(read=Role.OWNER)
def link_list(request: HttpRequest, access: Access) -> HttpResponse:
    links = with_details(ShareLink.objects.filter(profile_id=access.profile.pk))
    now = timezone.now()
    return render(
        request,
        "sharing/links/list.html",
        {"access": access, "links": [described(link, now) for link in links]},
    )


@profile_view(read=Role.OWNER, write=Role.OWNER)
def link_new(request: HttpRequest, access: Access) -> HttpResponse:
    # The password is asked before the form, not after it: allauth would keep the
    # POST, passcode included, in the session while asking. A form sent after the
    # window closed is not kept either: it is typed again.
    try:
        _ask_password_again(request)
    except ReauthenticationRequired:
        if request.method == "POST":
            messages.info(
                request,
                _("Give your password again, then make the link: what you typed was not kept."),
            )
        asked = urlencode({"next": request.path})
        return redirect(f"{reverse('account_reauthenticate')}?{asked}")
    form = NewLinkForm(access.profile, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = create_link(
                access.profile, form.choices(), actor=account_of(request), request=request
            )
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            return _handout(request, access, made.link, made.key, "sharing/links/created.html")
    return render(request, "sharing/links/new.html", {"access": access, "form": form})


@profile_view(read=Role.OWNER)
def link_detail(request: HttpRequest, access: Access, link_uuid: uuid.UUID) -> HttpResponse:
    shown = _described(access, link_uuid)
    accesses = shown.link.accesses.order_by("-at", "-id")
    page = Paginator(accesses, ACCESSES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/links/detail.html",
        {
            "access": access,
            "shown": shown,
            "page": page,
            "time_zone": zone_label(timezone.get_current_timezone()),
        },
    )


@profile_view(read=Role.OWNER)
def link_card(request: HttpRequest, access: Access, link_uuid: uuid.UUID) -> HttpResponse:
    """A kept link's text, QR code and wallet card again; for any other, why it cannot be."""
    shown = _described(access, link_uuid)
    key = key_of(shown.link) if shown.key_kept else None
    if key is None:
        return render(request, "sharing/links/card_gone.html", {"access": access, "shown": shown})
    _ask_password_again(request)
    return _handout(request, access, shown.link, key, "sharing/links/card.html")


@profile_view(read=Role.OWNER, write=Role.OWNER)
def link_revoke(request: HttpRequest, access: Access, link_uuid: uuid.UUID) -> HttpResponse:
    """GET asks to confirm; POST revokes: the link answers 404 from its next request on."""
    shown = _described(access, link_uuid)
    if request.method == "POST":
        revoke_link(shown.link, actor=account_of(request), request=request)
        messages.success(
            request,
            _("“%(name)s” is revoked: it stopped working at once.") % {"name": shown.name},
        )
        return redirect("sharing:links", profile_uuid=access.profile.uuid)
    return render(request, "sharing/links/revoke.html", {"access": access, "shown": shown})


@reauthentication_required
def _ask_password_again(request: HttpRequest) -> None:
    """Raises allauth's ReauthenticationRequired unless the password was given in 5 minutes.

    SECURITY.md: a stolen session must not hand out the record by a link.
    """


def _described(access: Access, link_uuid: uuid.UUID) -> Described:
    # Through the gate: a link of another profile is a 404, like one that never was.
    return described(access.get(with_details(ShareLink.objects.all()), link_uuid))


def _handout(
    request: HttpRequest, access: Access, link: ShareLink, key: bytes, template: str
) -> HttpResponse:
    """The link's text, its QR code and its wallet card: never cached, never stored."""
    viewer, manifest = addresses(link, request)
    text = link_text(viewer, link, key, manifest)
    name = access.profile.name
    qr_title = _("QR code of the link to the health summary of %(name)s") % {"name": name}
    # The card is read by the recipient: in the language chosen for the summary.
    with translation.override(link.language):
        card_qr_title = _("QR code of the link to the health summary of %(name)s") % {"name": name}
    context: dict[str, Any] = {
        "access": access,
        "shown": described(access.get(with_details(ShareLink.objects.all()), link.uuid)),
        "link_text": text,
        "qr": qr_svg(text, title=qr_title),
        "card_qr": qr_svg(text, title=card_qr_title),
    }
    response = render(request, template, context)
    add_never_cache_headers(response)
    return response
