"""The guides' addresses: the Help index and one page per guide."""

from __future__ import annotations

from django.urls import path

from myhealthhub.guides import views

app_name = "guides"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.guide, name="guide"),
]
