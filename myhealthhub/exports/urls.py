from __future__ import annotations

from django.urls import path

from myhealthhub.exports import views

app_name = "exports"

urlpatterns = [
    path("<uuid:profile_uuid>/exports/", views.export_list, name="list"),
    path(
        "<uuid:profile_uuid>/exports/<uuid:job_uuid>/",
        views.export_detail,
        name="detail",
    ),
    path(
        "<uuid:profile_uuid>/exports/<uuid:job_uuid>/download/",
        views.export_download,
        name="download",
    ),
]
