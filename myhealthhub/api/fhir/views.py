"""The FHIR read endpoints: the API's gate to the profile, then the exports' own mapping."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.api.auth import caller_of
from myhealthhub.api.fhir import search
from myhealthhub.api.fhir.capability import capability_statement
from myhealthhub.api.fhir.outcomes import (
    FHIR_JSON,
    public_view,
    resource_answer,
    token_view,
)
from myhealthhub.api.gate import reach
from myhealthhub.api.models import Scope
from myhealthhub.api.problems import Problem, not_found
from myhealthhub.errors import ActionRefused
from myhealthhub.exports import jobs
from myhealthhub.exports.fhir import FhirExport
from myhealthhub.exports.fhir_resources import people
from myhealthhub.exports.ips import IpsExport
from myhealthhub.profiles.access import Access
from myhealthhub.profiles.models import Role
from myhealthhub.profiles.zones import zone_for
from myhealthhub.records.kinds import KINDS

# $everything's pieces are small (one resource, one reference): sent in bigger writes.
STREAM_BYTES = 64 * 1024


@public_view
def metadata(request: HttpRequest) -> HttpResponse:
    base = request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")
    return resource_answer(capability_statement(base.rstrip("/")))


@token_view
def patient(request: HttpRequest, patient_id: str) -> HttpResponse:
    access = _reach(request, patient_id, Role.VIEWER)
    profile = access.profile
    with _as_exported(access, caller_of(request).account):
        care_team = (
            KINDS["care-team"]
            .queryset(profile)
            .alive()
            .order_by("id")
            .values_list("uuid", flat=True)
        )
        return resource_answer(people.patient(profile, profile.contacts.order_by("id"), care_team))


@token_view
def summary(request: HttpRequest, patient_id: str) -> HttpResponse:
    """The IPS: what the IPS export writes, through the function the export page calls."""
    exporter = IpsExport()
    access = _reach(request, patient_id, exporter.role)
    out = io.BytesIO()
    try:
        jobs.export_now(
            access.profile,
            exporter,
            jobs.options_for(access.profile),
            out,
            actor=caller_of(request).account,
            role=access.role,
            request=request,
        )
    except jobs.UnknownFormat:
        raise not_found() from None
    except ActionRefused as refusal:
        raise _not_in_plan(refusal) from None
    return HttpResponse(out.getvalue(), content_type=FHIR_JSON)


@token_view
def everything(request: HttpRequest, patient_id: str) -> StreamingHttpResponse:
    """The FHIR export, streamed as it is written: a full export, so for whom the export is."""
    exporter = FhirExport()
    access = _reach(request, patient_id, exporter.role)
    try:
        pieces = jobs.stream_now(
            access.profile,
            exporter,
            jobs.options_for(access.profile),
            actor=caller_of(request).account,
            role=access.role,
            request=request,
        )
    except jobs.UnknownFormat:
        raise not_found() from None
    except ActionRefused as refusal:
        raise _not_in_plan(refusal) from None
    return StreamingHttpResponse(_gathered(pieces), content_type=FHIR_JSON)


@token_view
def search_type(request: HttpRequest, resource_type: str) -> HttpResponse:
    if resource_type not in search.SEARCHABLE:
        raise Problem(
            404,
            _("Not found"),
            _("This server does not search %(type)s. Its metadata lists what it does.")
            % {"type": resource_type[:40]},
        )
    patient_id = request.GET.get("patient", "")
    if not patient_id:
        raise Problem(
            400,
            _("The search is not right"),
            _("Say whose record to search: patient=<the profile's id>."),
        )
    # "Patient/<id>", a full URL to it, or the id alone.
    access = _reach(request, patient_id.rstrip("/").rsplit("/", 1)[-1], Role.VIEWER)
    account = caller_of(request).account
    # Read before the export's language is active: a refusal is in the account's.
    query = search.read_query(request.GET, zone_for(access.profile, account))
    with _as_exported(access, account):
        page = search.run(access.profile, resource_type, query)
        next_url = ""
        if page.next:
            params = request.GET.copy()
            params["_page"] = page.next
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return resource_answer(search.searchset(page, request.build_absolute_uri(), next_url))


def _reach(request: HttpRequest, patient_id: str, needs: Role) -> Access:
    try:
        profile_uuid = uuid.UUID(patient_id)
    except ValueError:
        raise not_found() from None
    return reach(request, profile_uuid, scope=Scope.READ, needs=needs)


def _not_in_plan(refusal: ActionRefused) -> Problem:
    return Problem(403, _("This export is not available"), refusal.message)


def _as_exported(access: Access, account: User) -> AbstractContextManager[None]:
    """As the exports write for ``account``: in the export's language, zone and units."""
    options = jobs.options_for(access.profile)
    return jobs.written_as(options, zone=zone_for(access.profile, account), reader=account)


def _gathered(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """The export's pieces, gathered into writes of about STREAM_BYTES."""
    gathered: list[bytes] = []
    size = 0
    for piece in pieces:
        gathered.append(piece)
        size += len(piece)
        if size >= STREAM_BYTES:
            yield b"".join(gathered)
            gathered, size = [], 0
    if gathered:
        yield b"".join(gathered)
