"""The search page of one profile."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.search.query import search
from myhealthhub.search.text import MAX_QUERY

RESULTS = 50


@profile_view(read=Role.VIEWER)
def results(request: HttpRequest, access: Access) -> HttpResponse:
    typed = request.GET.get("q", "")
    query = typed[:MAX_QUERY].strip()
    # One more than shown tells whether there are more, without counting them all.
    hits = search(access.profile, query, limit=RESULTS + 1) if query else []
    return render(
        request,
        "search/results.html",
        {
            "access": access,
            "search_current": True,
            "search_query": query,
            "hits": hits[:RESULTS],
            "more": len(hits) > RESULTS,
            "shortened": len(typed.strip()) > MAX_QUERY,
            "max_query": MAX_QUERY,
        },
    )
