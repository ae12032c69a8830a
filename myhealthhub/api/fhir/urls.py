"""FHIR R4 read at /fhir/r4/ (the project's urls.py includes it there)."""

from __future__ import annotations

from django.urls import path

from myhealthhub.api.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient/<str:patient_id>", views.patient, name="patient"),
    path("Patient/<str:patient_id>/$summary", views.summary, name="summary"),
    path("Patient/<str:patient_id>/$everything", views.everything, name="everything"),
    path("<str:resource_type>", views.search_type, name="search"),
]
