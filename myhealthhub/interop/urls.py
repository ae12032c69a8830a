from __future__ import annotations

from django.urls import path

from myhealthhub.interop import export_views, views

app_name = "interop"

urlpatterns = [
    path("<uuid:profile_uuid>/imports/", views.import_list, name="list"),
    path("<uuid:profile_uuid>/imports/<uuid:job_uuid>/", views.import_detail, name="detail"),
    path("<uuid:profile_uuid>/imports/<uuid:job_uuid>/choose/", views.import_choose, name="choose"),
    path("<uuid:profile_uuid>/imports/<uuid:job_uuid>/commit/", views.import_commit, name="commit"),
    path(
        "<uuid:profile_uuid>/imports/<uuid:job_uuid>/discard/",
        views.import_discard,
        name="discard",
    ),
    path("<uuid:profile_uuid>/exports/", export_views.export_list, name="exports"),
    path(
        "<uuid:profile_uuid>/exports/<uuid:job_uuid>/",
        export_views.export_detail,
        name="export_detail",
    ),
    path(
        "<uuid:profile_uuid>/exports/<uuid:job_uuid>/download/",
        export_views.export_download,
        name="export_download",
    ),
]
