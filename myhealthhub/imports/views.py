"""The import pages: the list with its upload form, and one import's progress and preview."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from myhealthhub.accounts.current import account_of
from myhealthhub.documents import uploads
from myhealthhub.errors import ActionRefused
from myhealthhub.imports import live_progress, pipeline
from myhealthhub.imports.forms import ChooseForm, CommitForm, ImportForm
from myhealthhub.imports.models import ImportJob, ImportOriginal, JobState
from myhealthhub.imports.people import PersonShown
from myhealthhub.imports.presenting import demographic_rows, kind_rows, metric_label
from myhealthhub.imports.preview import Preview
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role

PAGE_SIZE = 30
# How often the page asks how far an import has got, in seconds.
POLL_EVERY = 1


def _job(access: Access, job_uuid: uuid.UUID) -> ImportJob:
    return access.get(ImportJob.objects.select_related("profile", "source", "retried_as"), job_uuid)


@profile_view(read=Role.VIEWER, write=Role.EDITOR)
def import_list(request: HttpRequest, access: Access) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and (stopped := uploads.too_large(request)):
        form.add_error("files", stopped)
    elif request.method == "POST" and form.is_valid():
        files = form.cleaned_data["files"]
        try:
            job = pipeline.start_import(
                access.profile,
                [(upload.name, upload) for upload in files],
                actor=account_of(request),
                request=request,
            )
        except ActionRefused as refusal:
            form.add_error("files", refusal.message)
        else:
            return uploads.go_to(
                request, reverse("imports:detail", args=[access.profile.uuid, job.uuid])
            )
    jobs = (
        ImportJob.objects.filter(profile_id=access.profile.pk)
        .defer("preview", "patients")
        .prefetch_related(
            Prefetch(
                "originals",
                ImportOriginal.objects.filter(profile_id=access.profile.pk).select_related(
                    "document"
                ),
            )
        )
        .order_by("-created_at", "-id")
    )
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/list.html",
        {
            "access": access,
            "form": form,
            "page": page,
            "imports_current": True,
            "max_upload": settings.MAX_UPLOAD_BYTES,
        },
        status=400 if form.errors else 200,
    )


@profile_view(read=Role.VIEWER)
@require_safe
def import_detail(request: HttpRequest, access: Access, job_uuid: uuid.UUID) -> HttpResponse:
    job = _job(access, job_uuid)
    # A commit's progress is in its transaction until it ends: what the worker said last.
    live_progress.bring_up_to_date(job)
    originals = job.originals.filter(profile_id=access.profile.pk).select_related("document")
    preview = Preview.of(job)
    context = {
        "access": access,
        "job": job,
        "preview": preview,
        "imports_current": True,
        "poll_every": POLL_EVERY,
        "kinds": kind_rows(preview),
        "demographics": demographic_rows(access.profile, preview),
        "readings": [
            (metric_label(metric), count) for metric, count in preview.readings.metrics.items()
        ],
        "reading_span": _span(preview.readings.first, preview.readings.last),
        "reading_devices": [
            (name, count) for name, count in preview.readings.devices.items() if name
        ],
        "person": PersonShown.of(person) if (person := job.patient_named(job.patient)) else None,
        "people": [PersonShown.of(person) for person in job.patients],
        "originals": originals,
        # Asked only of a failed job: the page that polls a running one does not pay for it.
        "can_try_again": job.may_try_again and _all_kept(originals),
        "commit_form": CommitForm(),
        "JobState": JobState,
    }
    # The page polls its status box while a worker is on the job; once the
    # job settles, the whole page is loaded again to show the preview.
    if request.headers.get("HX-Request") and request.GET.get("status"):
        if job.is_active:
            return render(request, "imports/_status.html", context)
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/detail.html", context)


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def import_choose(request: HttpRequest, access: Access, job_uuid: uuid.UUID) -> HttpResponse:
    job = _job(access, job_uuid)
    form = ChooseForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionRefused(_("Choose one of the people in the file."))
        pipeline.choose_patient(job, form.cleaned_data["patient"])
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    return redirect("imports:detail", access.profile.uuid, job.uuid)


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def import_commit(request: HttpRequest, access: Access, job_uuid: uuid.UUID) -> HttpResponse:
    job = _job(access, job_uuid)
    form = CommitForm(request.POST)
    form.is_valid()  # two optional boxes: always valid
    try:
        pipeline.request_commit(
            job,
            actor=account_of(request),
            apply_demographics=form.cleaned_data.get("apply_demographics", False),
            other_person_confirmed=form.cleaned_data.get("other_person", False),
        )
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    return redirect("imports:detail", access.profile.uuid, job.uuid)


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def import_try_again(request: HttpRequest, access: Access, job_uuid: uuid.UUID) -> HttpResponse:
    job = _job(access, job_uuid)
    try:
        again = pipeline.try_again(job, actor=account_of(request), request=request)
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("imports:detail", access.profile.uuid, job.uuid)
    return redirect("imports:detail", access.profile.uuid, again.uuid)


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def import_discard(request: HttpRequest, access: Access, job_uuid: uuid.UUID) -> HttpResponse:
    job = _job(access, job_uuid)
    try:
        pipeline.discard_job(job, actor=account_of(request), request=request)
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("imports:detail", access.profile.uuid, job.uuid)
    messages.success(request, _("The import was discarded; nothing was added."))
    return redirect("imports:list", access.profile.uuid)


def _all_kept(originals: QuerySet[ImportOriginal]) -> bool:
    return bool(originals) and all(original.document is not None for original in originals)


def _span(first: str, last: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the new readings, as dates for the page's formatter."""
    if not first or not last:
        return None
    return dt.date.fromisoformat(first), dt.date.fromisoformat(last)
