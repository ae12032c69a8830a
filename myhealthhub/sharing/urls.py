"""Sharing's addresses: the keeper's pages under /p/, and what recipients open unsigned."""

from __future__ import annotations

from django.urls import include, path

app_name = "sharing"

urlpatterns = [
    path("", include("myhealthhub.sharing.links.urls")),
    path("", include("myhealthhub.sharing.invitations.urls")),
    path("", include("myhealthhub.sharing.viewer.urls")),
]
