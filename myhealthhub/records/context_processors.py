"""The record's menu: a few sections named for what a family keeps, not for our tables."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.kinds import KINDS, Kind

# "No known allergies" is reached from the allergies page, not the record's menu.
MENU = tuple(kind for slug, kind in KINDS.items() if slug != "no-known-allergies")


def record_kinds(request: HttpRequest) -> dict[str, Any]:
    return {"record_kinds": MENU}


@dataclass(frozen=True)
class Place:
    """One page of the menu: a kind's list, or a named page of the profile.

    ``also`` names the other views that belong to it (an entry's page is in its
    kind's list; an import's page is in Imports), so the menu shows where one is.
    """

    view: str
    label: str | Promise = ""
    kind: str = ""
    also: tuple[str, ...] = ()

    def title(self) -> str:
        return str(KINDS[self.kind].plural).capitalize() if self.kind else str(self.label)

    def url(self, profile_uuid: str) -> str:
        args = (profile_uuid, self.kind) if self.kind else (profile_uuid,)
        return reverse(self.view, args=args)

    def is_here(self, view_name: str, kind: Kind | None) -> bool:
        if self.kind:
            return kind is not None and kind.slug == self.kind
        names = (self.view, *self.also)
        return kind is None and any(
            view_name == name or (name.endswith(":") and view_name.startswith(name))
            for name in names
        )


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    current: bool


@dataclass(frozen=True)
class Section:
    title: str
    links: tuple[Link, ...]
    owner_only: bool = False

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


RECORD = (
    Place("records:list", kind="medications"),
    Place("records:list", kind="conditions"),
    Place("records:list", kind="allergies"),
    Place("records:list", kind="immunizations"),
    Place("records:list", kind="results"),
    Place("records:measurements", _("Measurements"), also=("records:trend",)),
    Place("records:readings", _("Device readings"), also=("records:add_readings",)),
    Place("records:list", kind="procedures"),
    Place("records:list", kind="visits"),
    Place("records:list", kind="family-history"),
    Place("records:list", kind="workouts"),
    Place("records:list", kind="notes"),
    Place("records:timeline", _("Timeline")),
)
CARE = (
    Place("records:list", kind="appointments"),
    Place("records:list", kind="care-team"),
    Place("reconcile:medication_list", _("Medication list")),
    Place("records:list", kind="medication-reviews"),
    Place("summary:checklist", _("Visit checklist")),
    Place("summary:page", _("Summary")),
    Place("reminders:calendar", _("Calendar feed")),
)
FILES = (
    Place("documents:list", _("Documents"), also=("documents:",)),
    Place("imports:list", _("Imports"), also=("imports:",)),
    Place("exports:list", _("Exports"), also=("exports:",)),
)
SHARING = (
    Place("profiles:sharing", _("Who has access"), also=("sharing:invite", "sharing:grant")),
    Place(
        "sharing:links",
        _("Links for clinicians"),
        also=("sharing:link_new", "sharing:link", "sharing:link_card"),
    ),
)
SECTIONS: tuple[tuple[Promise, tuple[Place, ...], bool], ...] = (
    (_("Health record"), RECORD, False),
    (_("Visits and care"), CARE, False),
    (_("Files"), FILES, False),
    (_("Sharing"), SHARING, True),
)


def _links(
    places: tuple[Place, ...], profile_uuid: str, view_name: str, kind: Kind | None
) -> Iterator[Link]:
    for place in places:
        try:
            url = place.url(profile_uuid)
        except NoReverseMatch:  # a page of an app that is not installed
            continue
        yield Link(place.title(), url, place.is_here(view_name, kind))


def record_menu(request: HttpRequest) -> dict[str, Any]:
    """The sections of the profile the page is about, with the page's own place marked."""
    match = getattr(request, "resolver_match", None)
    if match is None or "profile_uuid" not in match.kwargs:
        return {}
    profile_uuid = str(match.kwargs["profile_uuid"])
    kind = match.kwargs.get("kind")
    sections = tuple(
        Section(str(title), tuple(_links(places, profile_uuid, match.view_name, kind)), owner_only)
        for title, places, owner_only in SECTIONS
    )
    return {
        "record_sections": sections,
        "overview_current": match.view_name == "profiles:overview",
    }
