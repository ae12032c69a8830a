"""The exports page: the formats, a form for each, and the caller's recent export jobs.

A short format (``background`` False) answers its file to the very POST; a
long one becomes a job whose row the page polls with htmx until its file is
ready. Exports are personal: a job is seen and downloaded only by the account
that started it. A format the caller's role does not reach answers 404, as
the gate does for anything the caller may not see. Which formats may be
made is the plan of the profile's owner, whoever clicks (``plan_allows_profile``).
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from myhealthhub.accounts.current import account_of
from myhealthhub.documents.serving import as_file, prepend
from myhealthhub.errors import ActionRefused
from myhealthhub.exports import jobs
from myhealthhub.exports.formats import Exporter, filename
from myhealthhub.exports.models import ExportJob
from myhealthhub.lib import crypto
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.summary.options import ExportOptions

RECENT = 10
# How often the page asks how far a job has got, in seconds.
POLL_EVERY = 1
# The formats that print on paper, and so ask for its size.
PAPER_FORMATS = frozenset({"pdf"})
SPOOL_BYTES = 8 * 1024 * 1024
SAFE_METHODS = ("GET", "HEAD")


class ExportForm(forms.Form):
    format = forms.SlugField(max_length=40)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=settings.LANGUAGES, required=False
    )
    paper = forms.ChoiceField(
        label=gettext_lazy("Paper"),
        choices=[("a4", "A4"), ("letter", gettext_lazy("Letter"))],
        required=False,
    )


@dataclass(frozen=True)
class Offer:
    """One format as the page shows it to this caller."""

    exporter: Exporter
    allowed: bool  # by the plan of the profile's owner
    asks_paper: bool


@profile_view(read=Role.VIEWER, write=Role.VIEWER)
def export_list(request: HttpRequest, access: Access) -> HttpResponseBase:
    account = account_of(request)
    error = ""
    if request.method == "POST":
        form = ExportForm(request.POST)
        if not form.is_valid():
            error = _("Choose one of the formats, and a language.")
        else:
            exporter = _exporter(access, form.cleaned_data["format"])
            try:
                options = jobs.options_for(
                    access.profile,
                    language=form.cleaned_data["language"],
                    paper=form.cleaned_data["paper"],
                )
                if exporter.role == Role.OWNER:
                    # The plan first: no password asked for an export then refused.
                    jobs.check_allowed(exporter, role=access.role, profile=access.profile)
                    _ask_password_again(request)
                if not exporter.background:
                    return _answer_now(request, access, exporter, options)
                job = jobs.start_export(
                    access.profile,
                    exporter,
                    options,
                    actor=account,
                    role=access.role,
                    request=request,
                )
            except ActionRefused as refusal:
                error = refusal.message
            else:
                messages.success(
                    request,
                    _("The export has started. It will be ready to download here."),
                )
                return redirect(f"{request.path}#export-{job.uuid}")
    offers = [
        Offer(
            exporter=exporter,
            allowed=jobs.plan_allows_profile(access.profile, exporter),
            asks_paper=exporter.slug in PAPER_FORMATS,
        )
        for exporter in jobs.offered(access.role)
    ]
    recent = ExportJob.objects.filter(
        profile_id=access.profile.pk, created_by_id=account.pk
    ).select_related("profile", "file")[:RECENT]
    return render(
        request,
        "exports/list.html",
        {
            "access": access,
            "exports_current": True,
            "offers": offers,
            "jobs": [_row(job) for job in recent],
            "error": error,
            "language": access.profile.language,
            "languages": settings.LANGUAGES,
            "poll_every": POLL_EVERY,
            "expires_hours": int(jobs.EXPIRES_AFTER.total_seconds() // 3600),
        },
        status=400 if error else 200,
    )


@profile_view(read=Role.VIEWER)
def export_detail(request: HttpRequest, access: Access, job_uuid: uuid.UUID) -> HttpResponse:
    """One job's state: what the page polls; a page of its own without htmx.

    The poll names the state it shows (``seen``): while that has not changed
    the answer is 204, which htmx leaves unswapped, so the live region around
    it speaks only when there is news.
    """
    job = _job(request, access, job_uuid)
    row = _row(job)
    context = {
        "access": access,
        "exports_current": True,
        "row": row,
        "poll_every": POLL_EVERY,
    }
    if request.headers.get("HX-Request"):
        if request.GET.get("seen") == row.seen:
            return HttpResponse(status=204)
        return render(request, "exports/_state.html", context)
    return render(request, "exports/detail.html", context)


@profile_view(read=Role.VIEWER)
def export_download(request: HttpRequest, access: Access, job_uuid: uuid.UUID) -> HttpResponseBase:
    job = _job(request, access, job_uuid)
    if request.method == "HEAD":
        return _head(request, access, job)
    try:
        chunks = jobs.open_result(job, role=access.role, actor=account_of(request), request=request)
        # Read (and authenticated) before the headers go out, so a damaged
        # file fails here with an error page rather than mid-download.
        first = next(chunks, b"")
    except jobs.UnknownFormat:
        raise Http404 from None
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("exports:list", access.profile.uuid)
    except crypto.IntegrityError:
        return render(request, "documents/damaged.html", status=500)
    exporter = jobs.exporter_for(job.format)
    response = StreamingHttpResponse(prepend(first, chunks), content_type=exporter.media_type)
    assert job.file is not None
    response["Content-Length"] = str(job.file.size)
    return as_file(response, job.filename)


def _head(request: HttpRequest, access: Access, job: ExportJob) -> HttpResponse:
    """The download's headers only: nothing decrypted, and no download to audit."""
    try:
        jobs.check_download(job, role=access.role)
    except jobs.UnknownFormat:
        raise Http404 from None
    except ActionRefused:
        return redirect("exports:list", access.profile.uuid)
    assert job.file is not None
    response = HttpResponse(content_type=jobs.exporter_for(job.format).media_type)
    response["Content-Length"] = str(job.file.size)
    return as_file(response, job.filename)


# Helpers.


@dataclass(frozen=True)
class JobRow:
    job: ExportJob
    label: str
    available: bool

    @property
    def seen(self) -> str:
        """What the page shows of the job, to tell when a poll has news."""
        return f"{self.job.state}-{self.job.percent}"


def _row(job: ExportJob) -> JobRow:
    try:
        label = jobs.exporter_for(job.format).label
    except jobs.UnknownFormat:  # a format since retired
        label = job.format
    return JobRow(job=job, label=label, available=jobs.is_available(job))


@reauthentication_required
def _ask_password_again(request: HttpRequest) -> None:
    """Exporting everything asks for the password again unless given in the last 5 minutes.

    SECURITY.md: a stolen session must not walk away with the whole record.
    allauth keeps the POST while the password is asked, then replays it.
    """


def _exporter(access: Access, slug: str) -> Exporter:
    try:
        exporter = jobs.exporter_for(slug)
        if not access.role.includes(exporter.role):
            raise jobs.UnknownFormat(slug)
    except jobs.UnknownFormat:
        raise Http404 from None
    return exporter


def _job(request: HttpRequest, access: Access, job_uuid: uuid.UUID) -> ExportJob:
    made = ExportJob.objects.filter(created_by_id=account_of(request).pk).select_related(
        "profile", "file"
    )
    return access.get(made, job_uuid)


def _answer_now(
    request: HttpRequest, access: Access, exporter: Exporter, options: ExportOptions
) -> HttpResponseBase:
    # In memory up to 8 MiB, then a private temporary file that vanishes when closed.
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    try:
        jobs.export_now(
            access.profile,
            exporter,
            options,
            out,  # type: ignore[arg-type]
            actor=account_of(request),
            role=access.role,
            request=request,
        )
    except BaseException:
        out.close()
        raise
    out.seek(0)
    response = FileResponse(out, content_type=exporter.media_type)
    name = filename(access.profile, exporter, timezone.localdate())
    return as_file(response, name)
