"""The keeper's invitation pages under the profile's address, and the invitee's by token."""

from __future__ import annotations

from django.urls import URLPattern, path

from myhealthhub.sharing.invitations import views

urlpatterns: list[URLPattern] = [
    path("p/<uuid:profile_uuid>/access/invite/", views.invite, name="invite"),
    path(
        "p/<uuid:profile_uuid>/access/invitations/<uuid:invitation_uuid>/cancel/",
        views.cancel,
        name="cancel_invitation",
    ),
    path("p/<uuid:profile_uuid>/access/grants/<uuid:grant_uuid>/", views.grant, name="grant"),
    path("p/<uuid:profile_uuid>/access/leave/", views.leave, name="leave"),
    # token_urlsafe's alphabet is the slug converter's: letters, digits, "-" and "_".
    path("invitation/<slug:token>/", views.invitation, name="invitation"),
]
