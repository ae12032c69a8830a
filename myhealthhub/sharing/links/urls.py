from __future__ import annotations

from django.urls import path

from myhealthhub.sharing.links import views

urlpatterns = [
    # The manifest's address: 43 base64url characters (secrets.token_urlsafe(32)).
    path("shl/<str:manifest_id>", views.manifest_view, name="shl_manifest"),
    path("shl/file/<str:token>", views.file_view, name="shl_file"),
]
