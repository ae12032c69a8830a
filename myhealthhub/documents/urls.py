from __future__ import annotations

from django.urls import path

from myhealthhub.documents import views

app_name = "documents"

urlpatterns = [
    path("<uuid:profile_uuid>/documents/", views.document_list, name="list"),
    path("<uuid:profile_uuid>/documents/add/", views.document_upload, name="upload"),
    path("<uuid:profile_uuid>/documents/deleted/", views.recently_deleted, name="deleted"),
    path(
        "<uuid:profile_uuid>/documents/<uuid:document_uuid>/",
        views.document_detail,
        name="detail",
    ),
    path(
        "<uuid:profile_uuid>/documents/<uuid:document_uuid>/edit/",
        views.document_edit,
        name="edit",
    ),
    path(
        "<uuid:profile_uuid>/documents/<uuid:document_uuid>/delete/",
        views.document_delete,
        name="delete",
    ),
    path(
        "<uuid:profile_uuid>/documents/<uuid:document_uuid>/restore/",
        views.document_restore,
        name="restore",
    ),
    path(
        "<uuid:profile_uuid>/documents/<uuid:document_uuid>/file",
        views.document_file,
        name="file",
    ),
    path(
        "<uuid:profile_uuid>/documents/<uuid:document_uuid>/view",
        views.document_view,
        name="view",
    ),
    path(
        "<uuid:profile_uuid>/documents/<uuid:document_uuid>/thumbnail.png",
        views.document_thumbnail,
        name="thumbnail",
    ),
]
