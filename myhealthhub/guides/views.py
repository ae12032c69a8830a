"""The Help pages: the list of guides, and one guide with links into the reader's record.

Public: the guides show nothing of anyone's record. A signed-in reader's
links open the pages of one of their profiles, found through the gate's
``live_grants``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import select_template
from django.views.decorators.http import require_safe

from myhealthhub.accounts.models import User
from myhealthhub.guides import targets
from myhealthhub.guides.catalogue import GUIDES
from myhealthhub.profiles.access import live_grants
from myhealthhub.profiles.models import Grant


def _readers_grants(request: HttpRequest) -> list[Grant]:
    if not isinstance(request.user, User):
        return []
    return list(live_grants(request.user).order_by("profile__given_name", "profile__family_name"))


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "guides/index.html", {"guides": GUIDES.values()})


@require_safe
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    found = GUIDES.get(slug)
    if found is None:
        raise Http404
    grants = _readers_grants(request)
    grant = targets.chosen(grants, request.GET.get("profile"))
    return render(
        request,
        "guides/guide.html",
        {
            "guide": found,
            "body": select_template(found.templates()),
            "links": targets.links_for(grant),
            "action_url": targets.url_for(found.action, grant),
            "chosen": grant,
            "others": [other for other in grants if other is not grant],
            "other_guides": [other for other in GUIDES.values() if other is not found],
        },
    )
