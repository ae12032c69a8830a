"""The API's addresses: REST at /api/v1/."""

from __future__ import annotations

from django.urls import path

from myhealthhub.api.v1 import api

urlpatterns = [path("api/v1/", api.urls)]
