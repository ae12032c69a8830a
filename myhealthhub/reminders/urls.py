"""Reminders' addresses: notices and their settings, and the private calendar feed."""

from __future__ import annotations

from django.urls import path

from myhealthhub.reminders import views

app_name = "reminders"

urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("account/reminders/", views.choices, name="settings"),
    path("p/<uuid:profile_uuid>/calendar-feed/", views.calendar, name="calendar"),
    # The secret is the address: 43 base64url characters (secrets.token_urlsafe(32)).
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
