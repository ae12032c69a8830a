from __future__ import annotations

from django.urls import URLPattern, path

from myhealthhub.sharing.viewer import views

urlpatterns: list[URLPattern] = [
    path("view/", views.viewer, name="viewer"),
]
