from django.urls import path

from myhealthhub.profiles import views

app_name = "profiles"

urlpatterns = [
    path("new/", views.create, name="create"),
    path("<uuid:profile_uuid>/", views.overview, name="overview"),
    path("<uuid:profile_uuid>/edit/", views.edit, name="edit"),
    path("<uuid:profile_uuid>/delete/", views.delete, name="delete"),
    path("<uuid:profile_uuid>/contacts/new/", views.contact_add, name="contact_add"),
    path(
        "<uuid:profile_uuid>/contacts/<uuid:contact_uuid>/", views.contact_edit, name="contact_edit"
    ),
    path(
        "<uuid:profile_uuid>/contacts/<uuid:contact_uuid>/remove/",
        views.contact_remove,
        name="contact_remove",
    ),
    path("<uuid:profile_uuid>/access/", views.sharing, name="sharing"),
    path("<uuid:profile_uuid>/access/<uuid:grant_uuid>/revoke/", views.revoke, name="revoke"),
]
