from django.urls import path

from myhealthhub.audit import views

app_name = "audit"

urlpatterns = [
    path("<uuid:profile_uuid>/audit/", views.trail, name="trail"),
]
