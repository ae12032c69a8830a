from __future__ import annotations

from django.urls import path

from myhealthhub.sharing.links import pages, views

urlpatterns = [
    # The manifest's address: 43 base64url characters (secrets.token_urlsafe(32)).
    path("shl/<str:manifest_id>", views.manifest_view, name="shl_manifest"),
    path("shl/file/<str:token>", views.file_view, name="shl_file"),
    # The keeper's pages, under the profile's address.
    path("p/<uuid:profile_uuid>/share/", pages.link_list, name="links"),
    path("p/<uuid:profile_uuid>/share/new/", pages.link_new, name="link_new"),
    path("p/<uuid:profile_uuid>/share/<uuid:link_uuid>/", pages.link_detail, name="link"),
    path(
        "p/<uuid:profile_uuid>/share/<uuid:link_uuid>/revoke/",
        pages.link_revoke,
        name="link_revoke",
    ),
    path("p/<uuid:profile_uuid>/share/<uuid:link_uuid>/card/", pages.link_card, name="link_card"),
]
