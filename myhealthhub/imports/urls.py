from __future__ import annotations

from django.urls import path

from myhealthhub.imports import views

app_name = "imports"

urlpatterns = [
    path("<uuid:profile_uuid>/imports/", views.import_list, name="list"),
    path("<uuid:profile_uuid>/imports/<uuid:job_uuid>/", views.import_detail, name="detail"),
    path("<uuid:profile_uuid>/imports/<uuid:job_uuid>/choose/", views.import_choose, name="choose"),
    path("<uuid:profile_uuid>/imports/<uuid:job_uuid>/commit/", views.import_commit, name="commit"),
    path(
        "<uuid:profile_uuid>/imports/<uuid:job_uuid>/try-again/",
        views.import_try_again,
        name="try_again",
    ),
    path(
        "<uuid:profile_uuid>/imports/<uuid:job_uuid>/discard/",
        views.import_discard,
        name="discard",
    ),
]
