"""The account's token pages: its personal access tokens, and revoking one."""

from __future__ import annotations

from django.urls import path

from myhealthhub.api import views

app_name = "tokens"

urlpatterns = [
    path("account/tokens/", views.token_list, name="list"),
    path("account/tokens/<uuid:token_uuid>/revoke/", views.token_revoke, name="revoke"),
]
