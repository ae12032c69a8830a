from __future__ import annotations

from django.urls import path, register_converter

from myhealthhub.records.kinds import KINDS, Kind
from myhealthhub.records.views import (
    appointments,
    devices,
    entries,
    measurements,
    readings,
    trends,
)


class KindConverter:
    """Only the registered kinds' slugs match, so other /p/<uuid>/… pages are untouched."""

    regex = "|".join(sorted(KINDS, key=len, reverse=True))

    def to_python(self, value: str) -> Kind:
        return KINDS[value]

    def to_url(self, value: Kind | str) -> str:
        return value if isinstance(value, str) else value.slug


register_converter(KindConverter, "kind")

app_name = "records"

urlpatterns = [
    path("<uuid:profile_uuid>/deleted/", entries.recently_deleted, name="deleted"),
    path("<uuid:profile_uuid>/timeline/", entries.timeline, name="timeline"),
    path("<uuid:profile_uuid>/trend/", trends.trend_page, name="trend"),
    path("<uuid:profile_uuid>/measurements/", measurements.measurements, name="measurements"),
    path("<uuid:profile_uuid>/readings/", readings.readings, name="readings"),
    path("<uuid:profile_uuid>/readings/new/", readings.add_readings, name="add_readings"),
    path(
        "<uuid:profile_uuid>/readings/<slug:metric>/devices/",
        devices.move,
        name="move_device",
    ),
    path(
        "<uuid:profile_uuid>/readings/<slug:metric>/chart.svg",
        readings.reading_chart,
        name="reading_chart",
    ),
    path("<uuid:profile_uuid>/trend/chart.svg", trends.trend_chart, name="trend_chart"),
    path(
        "<uuid:profile_uuid>/appointments/calendar.ics",
        appointments.upcoming_ics,
        name="appointments_ics",
    ),
    path(
        "<uuid:profile_uuid>/appointments/<uuid:entry_uuid>/calendar.ics",
        appointments.one_ics,
        name="appointment_ics",
    ),
    path(
        "<uuid:profile_uuid>/appointments/<uuid:entry_uuid>/prepare/",
        appointments.prepare,
        name="appointment_prepare",
    ),
    path("<uuid:profile_uuid>/<kind:kind>/", entries.entry_list, name="list"),
    path("<uuid:profile_uuid>/<kind:kind>/new/", entries.entry_create, name="create"),
    path("<uuid:profile_uuid>/<kind:kind>/<uuid:entry_uuid>/", entries.entry_detail, name="detail"),
    path(
        "<uuid:profile_uuid>/<kind:kind>/<uuid:entry_uuid>/edit/", entries.entry_edit, name="edit"
    ),
    path(
        "<uuid:profile_uuid>/<kind:kind>/<uuid:entry_uuid>/delete/",
        entries.entry_delete,
        name="delete",
    ),
    path(
        "<uuid:profile_uuid>/<kind:kind>/<uuid:entry_uuid>/restore/",
        entries.entry_restore,
        name="restore",
    ),
]
