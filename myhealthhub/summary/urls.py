from __future__ import annotations

from django.urls import path

from myhealthhub.summary import views

app_name = "summary"

urlpatterns = [
    path("<uuid:profile_uuid>/summary/", views.page, name="page"),
    path("<uuid:profile_uuid>/summary/pdf/", views.pdf, name="pdf"),
    path("<uuid:profile_uuid>/checklist/", views.checklist, name="checklist"),
]
