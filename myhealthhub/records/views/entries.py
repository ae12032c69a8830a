"""The pages of every kind of entry: list, add, view with history, edit, delete, restore."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from myhealthhub.accounts.current import account_of
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.reconcile import listing
from myhealthhub.records import actions
from myhealthhub.records.actions import StaleEdit
from myhealthhub.records.forms import TimelineForm, form_class
from myhealthhub.records.kinds import KINDS, Kind
from myhealthhub.records.models import Entry, EntryVersion
from myhealthhub.records.models.base import NEWEST_FIRST, OLDEST_FIRST
from myhealthhub.records.paging import BoundedPaginator
from myhealthhub.records.panels import Group, by_panel_and_day
from myhealthhub.records.sources import sources_of
from myhealthhub.records.text_only import SECTION_CODES, lists_kept_as_text
from myhealthhub.records.timeline import TimelineFilter, timeline_page

PAGE_SIZE = 50
TIMELINE_PAGE = 100
MAX_TIMELINE_PAGE = 200
SORTS: dict[str, tuple[Any, ...]] = {
    "newest": NEWEST_FIRST,
    "oldest": OLDEST_FIRST,
    "name": ("display", "id"),
}


def _entry(access: Access, kind: Kind, entry_uuid: uuid.UUID, *, deleted: bool = False) -> Entry:
    entries = kind.queryset(access.profile).select_related("source")
    entries = entries.filter(deleted_at__isnull=not deleted)
    entry = access.get(entries, entry_uuid)
    return entry


@profile_view(read=Role.VIEWER)
def entry_list(request: HttpRequest, access: Access, kind: Kind) -> HttpResponse:
    entries = kind.queryset(access.profile).alive().select_related("source")
    query = request.GET.get("q", "").strip()
    if query:
        entries = entries.filter(display__icontains=query)
    status_choices = kind.model_field(kind.status_field).choices if kind.status_field else None
    status = request.GET.get("status", "")
    if status_choices and status in dict(status_choices):
        entries = entries.filter(**{kind.status_field: status})
    sort = request.GET.get("sort", "newest")
    order = SORTS.get(sort, SORTS["newest"])
    entries = entries.order_by(*order)
    if kind.slug in listing.FOLDED:
        # One row per group: a medicine three sources state is one line.
        first = listing.first_of_each_group(
            access.profile, kind.slug, entries.values_list("uuid", flat=True)
        )
        page = Paginator(first, PAGE_SIZE).get_page(request.GET.get("page"))
        shown = entries.in_bulk(list(page), field_name="uuid")
        rows = [shown[entry_uuid] for entry_uuid in page]
        page.object_list = rows
    else:
        # Counted only a few pages ahead: a record of 100,000 results is not counted whole.
        page = BoundedPaginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page)
    in_groups = (
        listing.group_rows(access.profile, kind.slug, [e.uuid for e in rows])
        if kind.slug in listing.FOLDED | listing.FOLDED_BY_PAGE
        else {}
    )
    if kind.slug in listing.FOLDED_BY_PAGE:
        rows = listing.one_row_per_group(rows, in_groups)
    # Results newest first, unfiltered, read by panel and day; any other order or
    # filter is a question about single rows, answered by the flat table.
    flat = kind.slug != "results" or query or status or order is not SORTS["newest"]
    # One group without a heading is the flat table, and an empty page's "Nothing recorded yet".
    groups = [Group("", rows)] if flat or not rows else by_panel_and_day(rows)
    return render(
        request,
        "records/list.html",
        {
            "access": access,
            "kind": kind,
            "page": page,
            "groups": groups,
            "in_groups": in_groups,
            "query": query,
            "status": status,
            "status_choices": status_choices,
            "sort": sort,
            # Only allergies, medicines and problems come as lists kept as text.
            "kept_as_text": lists_kept_as_text(access.profile).get(kind.slug, [])
            if kind.slug in SECTION_CODES
            else [],
        },
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def entry_create(request: HttpRequest, access: Access, kind: Kind) -> HttpResponse:
    form = form_class(kind)(request.POST or None, account=account_of(request))
    if request.method == "POST" and form.is_valid():
        try:
            entry = actions.create_entry(
                kind,
                access.profile,
                actor=account_of(request),
                request=request,
                values=form.entry_values(),
            )
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(
                "records:detail", profile_uuid=access.profile.uuid, kind=kind, entry_uuid=entry.uuid
            )
    return render(request, "records/form.html", {"access": access, "kind": kind, "form": form})


@profile_view(read=Role.VIEWER)
def entry_detail(
    request: HttpRequest, access: Access, kind: Kind, entry_uuid: uuid.UUID
) -> HttpResponse:
    entry = _entry(access, kind, entry_uuid)
    versions = EntryVersion.objects.filter(
        profile_id=access.profile.pk, entry_uuid=entry.uuid
    ).select_related("changed_by")
    return render(
        request,
        "records/detail.html",
        {
            "access": access,
            "kind": kind,
            "entry": entry,
            "versions": versions,
            "form": form_class(kind).for_entry(entry, account=account_of(request)),
        },
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def entry_edit(
    request: HttpRequest, access: Access, kind: Kind, entry_uuid: uuid.UUID
) -> HttpResponse:
    entry = _entry(access, kind, entry_uuid)
    form = form_class(kind).for_entry(entry, request.POST or None, account=account_of(request))
    stale: StaleEdit | None = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_entry(
                entry,
                actor=account_of(request),
                request=request,
                values=form.entry_values(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as refusal:
            stale = refusal
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(
                "records:detail", profile_uuid=access.profile.uuid, kind=kind, entry_uuid=entry.uuid
            )
    return render(
        request,
        "records/form.html",
        {"access": access, "kind": kind, "form": form, "entry": entry, "stale": stale},
        status=409 if stale else 200,
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def entry_delete(
    request: HttpRequest, access: Access, kind: Kind, entry_uuid: uuid.UUID
) -> HttpResponse:
    entry = _entry(access, kind, entry_uuid)
    if request.method == "POST":
        actions.delete_entry(entry, actor=account_of(request), request=request)
        messages.success(
            request, _("Deleted. You can restore it from “Recently deleted” for 30 days.")
        )
        return redirect("records:list", profile_uuid=access.profile.uuid, kind=kind)
    return render(request, "records/delete.html", {"access": access, "kind": kind, "entry": entry})


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def entry_restore(
    request: HttpRequest, access: Access, kind: Kind, entry_uuid: uuid.UUID
) -> HttpResponse:
    entry = _entry(access, kind, entry_uuid, deleted=True)
    try:
        actions.restore_entry(entry, actor=account_of(request), request=request)
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("records:deleted", profile_uuid=access.profile.uuid)
    messages.success(request, _("Restored."))
    return redirect(
        "records:detail", profile_uuid=access.profile.uuid, kind=kind, entry_uuid=entry.uuid
    )


@profile_view(read=Role.EDITOR)
def recently_deleted(request: HttpRequest, access: Access) -> HttpResponse:
    groups = []
    for kind in KINDS.values():
        entries = list(
            kind.queryset(access.profile).restorable().order_by("-deleted_at")[:PAGE_SIZE]
        )
        if entries:
            groups.append((kind, entries))
    return render(request, "records/deleted.html", {"access": access, "groups": groups})


@profile_view(read=Role.VIEWER)
def timeline(request: HttpRequest, access: Access) -> HttpResponse:
    form = TimelineForm(request.GET or None, profile=access.profile, reader=account_of(request))
    filters = form.filters() if form.is_valid() else TimelineFilter()
    # Each page reads page × size rows per kind: past a point, narrow the filters instead.
    page = min(max(_int(request.GET.get("page"), 1), 1), MAX_TIMELINE_PAGE)
    items, has_older = timeline_page(access.profile, filters, page=page, size=TIMELINE_PAGE)
    # Each item's Source, read for the whole page at once: its label depends on who reads.
    sources = sources_of(access.profile.pk, ((item.kind, item.uuid) for item in items))
    return render(
        request,
        "records/timeline.html",
        {
            "access": access,
            "form": form,
            "items": items,
            "sources": sources,
            "page": page,
            "has_older": has_older,
            "query": request.GET.copy(),
        },
    )


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default
