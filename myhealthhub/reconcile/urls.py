from __future__ import annotations

from django.urls import path

from myhealthhub.reconcile import views

app_name = "reconcile"

urlpatterns = [
    path("<uuid:profile_uuid>/to-verify/", views.open_conflicts, name="conflicts"),
    path("<uuid:profile_uuid>/medication-list/", views.medication_list, name="medication_list"),
    path(
        "<uuid:profile_uuid>/medication-list.pdf",
        views.medication_list_pdf,
        name="medication_list_pdf",
    ),
    path("<uuid:profile_uuid>/same/<uuid:group_uuid>/", views.group_page, name="group"),
    path("<uuid:profile_uuid>/same/<uuid:group_uuid>/review/", views.review, name="review"),
    path("<uuid:profile_uuid>/same/<uuid:group_uuid>/take-out/", views.take_out, name="take_out"),
    path("<uuid:profile_uuid>/same/<uuid:group_uuid>/link/", views.link, name="link"),
]
