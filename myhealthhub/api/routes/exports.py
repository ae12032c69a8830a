"""Exports as jobs: start one, ask how far it has got, download its file.

The exports page's rules hold here too (exports/jobs.py): the caller's role
reaches some formats, the plan of the profile's owner decides which may be
made, and a job is personal: seen and downloaded only by the account that
started it. Every format runs as a job here, short ones too.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from myhealthhub.api.auth import caller_of
from myhealthhub.api.gate import needs, reach
from myhealthhub.api.models import Scope
from myhealthhub.api.problems import Problem
from myhealthhub.api.routes.documents import answers, damaged
from myhealthhub.documents.serving import as_file, prepend
from myhealthhub.errors import ActionRefused
from myhealthhub.exports import jobs
from myhealthhub.exports.models import ExportJob, ExportState
from myhealthhub.lib import crypto
from myhealthhub.profiles.access import Access
from myhealthhub.profiles.models import Role

router = Router(tags=["exports"])


class ExportIn(Schema):
    format: str = Field(description="pdf, ips, ics; csv, fhir and archive for the owner")
    language: str = Field("", description="en or es; the profile's language when empty")
    paper: str = Field("", description="a4 or letter, for the PDF; a4 when empty")


class ExportOut(Schema):
    uuid: uuid.UUID
    format: str
    state: ExportState
    progress: int = Field(description="Percent written")
    message: str = Field(description="Why it failed, when it did")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    expires_at: dt.datetime | None
    filename: str
    file_url: str | None = Field(description="Where to download it, once it is ready")
    poll_url: str


def _out(access: Access, job: ExportJob) -> ExportOut:
    args = [access.profile.uuid, job.uuid]
    return ExportOut(
        uuid=job.uuid,
        format=job.format,
        state=ExportState(job.state),
        progress=job.percent,
        message=job.message,
        created_at=job.created_at,
        finished_at=job.finished_at,
        expires_at=job.expires_at,
        filename=job.filename,
        file_url=reverse("api:exports_file", args=args) if jobs.is_available(job) else None,
        poll_url=reverse("api:exports_get", args=args),
    )


def _mine(request: HttpRequest, access: Access) -> QuerySet[ExportJob]:
    # Exports are personal, as on the page: another account's job answers 404.
    return ExportJob.objects.filter(created_by_id=caller_of(request).account.pk).select_related(
        "profile", "file"
    )


@router.post(
    "/{profile_uuid}/exports",
    response={202: ExportOut},
    operation_id="exports_start",
    url_name="exports_start",
    summary="Start an export; the same format still being written is answered instead",
    openapi_extra=needs(Scope.EXPORT, Role.VIEWER),
)
def start_export(
    request: HttpRequest, profile_uuid: uuid.UUID, body: ExportIn, response: HttpResponse
) -> Status[ExportOut]:
    access = reach(request, profile_uuid, scope=Scope.EXPORT, needs=Role.VIEWER)
    try:
        options = jobs.options_for(access.profile, language=body.language, paper=body.paper)
    except ActionRefused as refusal:
        raise Problem(422, _("Some values are not right"), refusal.message) from None
    try:
        job = jobs.start_export(
            access.profile,
            jobs.exporter_for(body.format),
            options,
            actor=caller_of(request).account,
            role=access.role,
            request=request,
        )
    except jobs.UnknownFormat:
        # A format the caller's role does not reach is as unknown as one that does not exist.
        offered = ", ".join(offer.slug for offer in jobs.offered(access.role))
        raise Problem(
            422,
            _("Some values are not right"),
            errors=[
                {
                    "where": "body.format",
                    "problem": _("Choose one of these formats: %(formats)s.")
                    % {"formats": offered},
                }
            ],
        ) from None
    except ActionRefused as refusal:  # the plan of the profile's owner
        raise Problem(403, _("This export is not available"), refusal.message) from None
    out = _out(access, job)
    response["Location"] = out.poll_url
    return Status(202, out)


@router.get(
    "/{profile_uuid}/exports/{export_uuid}",
    response=ExportOut,
    operation_id="exports_get",
    url_name="exports_get",
    summary="How far an export has got, and where its file is once ready",
    openapi_extra=needs(Scope.EXPORT, Role.VIEWER),
)
def get_export(request: HttpRequest, profile_uuid: uuid.UUID, export_uuid: uuid.UUID) -> ExportOut:
    access = reach(request, profile_uuid, scope=Scope.EXPORT, needs=Role.VIEWER)
    return _out(access, access.get(_mine(request, access), export_uuid))


@router.get(
    "/{profile_uuid}/exports/{export_uuid}/file",
    operation_id="exports_file",
    url_name="exports_file",
    summary="The export's file, as the exports page sends it",
    openapi_extra=needs(Scope.EXPORT, Role.VIEWER)
    | answers(
        file=True,
        s409="Not written yet: ask again after Retry-After",
        s410="Failed, expired or no longer offered: start a new one",
    ),
)
def download_export(
    request: HttpRequest, profile_uuid: uuid.UUID, export_uuid: uuid.UUID
) -> StreamingHttpResponse:
    access = reach(request, profile_uuid, scope=Scope.EXPORT, needs=Role.VIEWER)
    job = access.get(_mine(request, access), export_uuid)
    if job.is_active:
        raise Problem(
            409,
            _("This export is not ready yet"),
            _("Ask again in a moment: it is %(percent)d%% written.") % {"percent": job.percent},
            headers={"Retry-After": "2"},
        )
    if not jobs.is_available(job):
        raise Problem(
            410,
            _("This export is not available"),
            job.message or _("This export is no longer available. Start a new one."),
        )
    try:
        exporter = jobs.exporter_for(job.format)
        chunks = jobs.open_result(
            job, role=access.role, actor=caller_of(request).account, request=request
        )
        # Read (and authenticated) before the headers go out, so a damaged
        # file is answered as one rather than cut off mid-download.
        first = next(chunks, b"")
    except jobs.UnknownFormat:  # a format since retired, or no longer the caller's role's
        raise Problem(
            410,
            _("This export is not available"),
            _("This export is no longer available. Start a new one."),
        ) from None
    except ActionRefused as refusal:  # the plan no longer has the format
        raise Problem(403, _("This export is not available"), refusal.message) from None
    except crypto.IntegrityError:
        raise damaged() from None
    assert job.file is not None
    response = StreamingHttpResponse(prepend(first, chunks), content_type=exporter.media_type)
    response["Content-Length"] = str(job.file.size)
    return as_file(response, job.filename)
