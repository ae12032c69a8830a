"""Appointment extras: calendar files and the page to prepare a visit."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.calendar import appointments_ics
from myhealthhub.records.models import Appointment, MedicationReview
from myhealthhub.records.models.base import NEWEST_FIRST
from myhealthhub.records.models.visits import AppointmentStatus
from myhealthhub.records.overview import allergy_status, medications_taken_now


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _appointment(access: Access, appointment_uuid: uuid.UUID) -> Appointment:
    return access.get(Appointment.objects.alive(), appointment_uuid)


@profile_view(read=Role.VIEWER)
def one_ics(request: HttpRequest, access: Access, entry_uuid: uuid.UUID) -> HttpResponse:
    appointment = _appointment(access, entry_uuid)
    return _calendar_response(appointments_ics(access.profile, [appointment]), "appointment.ics")


@profile_view(read=Role.VIEWER)
def upcoming_ics(request: HttpRequest, access: Access) -> HttpResponse:
    upcoming = (
        Appointment.objects.alive()
        .filter(profile_id=access.profile.pk, starts_at__gte=timezone.now())
        .exclude(status__in=[AppointmentStatus.FULFILLED, AppointmentStatus.NOSHOW])
        .order_by("starts_at")
    )
    return _calendar_response(appointments_ics(access.profile, upcoming), "appointments.ics")


@profile_view(read=Role.VIEWER)
def prepare(request: HttpRequest, access: Access, entry_uuid: uuid.UUID) -> HttpResponse:
    """What to have in hand at the visit: questions, what to bring, medications, allergies."""
    appointment = _appointment(access, entry_uuid)
    profile_id = access.profile.pk
    return render(
        request,
        "records/prepare.html",
        {
            "access": access,
            "appointment": appointment,
            "medications": medications_taken_now(access.profile),
            **allergy_status(access.profile),
            "review": MedicationReview.objects.alive()
            .filter(profile_id=profile_id)
            .order_by(*NEWEST_FIRST)
            .first(),
            "today": timezone.localdate(),
        },
    )
