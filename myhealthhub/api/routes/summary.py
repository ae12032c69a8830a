"""The summary as a PDF: the same choices, writer, audit and headers as the page's PDF."""

from __future__ import annotations

import io
import uuid

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from myhealthhub.api.auth import caller_of
from myhealthhub.api.gate import needs, reach
from myhealthhub.api.models import Scope
from myhealthhub.api.problems import Problem
from myhealthhub.api.routes.documents import A_FILE
from myhealthhub.documents.serving import as_file
from myhealthhub.errors import ActionRefused
from myhealthhub.exports import jobs
from myhealthhub.exports.formats import filename
from myhealthhub.exports.pdf import SummaryPdf
from myhealthhub.profiles.models import Role
from myhealthhub.profiles.zones import zone_for
from myhealthhub.summary.choices import read_choices

router = Router(tags=["summary"])


class SummaryQuery(Schema):
    """Declared for the schema; summary/choices.py reads them, as for the page."""

    language: str | None = None
    paper: str | None = None
    sections: list[str] | None = None
    since: str | None = None


@router.get(
    "/{profile_uuid}/summary.pdf",
    operation_id="summary_pdf",
    url_name="summary_pdf",
    summary="The summary as a PDF, in the profile's language unless ?language= says otherwise",
    description="?language=en|es, ?paper=a4|letter, ?sections= (repeated), ?since=YYYY-MM-DD.",
    openapi_extra=needs(Scope.READ, Role.VIEWER) | {"responses": {200: A_FILE}},
)
def summary_pdf(
    request: HttpRequest, profile_uuid: uuid.UUID, query: Query[SummaryQuery]
) -> HttpResponse:
    access = reach(request, profile_uuid, scope=Scope.READ, needs=Role.VIEWER)
    account = caller_of(request).account
    choices = read_choices(request.GET, access.profile)
    if choices.problems:
        # The page draws the defaults and says so; a program is told, and gets nothing unasked.
        raise Problem(
            422,
            _("Some values are not right"),
            errors=[{"where": "query", "problem": problem} for problem in choices.problems],
        )
    body = io.BytesIO()
    try:
        # Written and audited as every export answered at once is.
        jobs.export_now(
            access.profile,
            SummaryPdf(),
            choices.options,
            body,
            actor=account,
            role=access.role,
            request=request,
        )
    except ActionRefused as refusal:
        raise Problem(403, _("This export is not available"), refusal.message) from None
    # The day in the export's zone, as the summary's own "times are in" line.
    name = filename(
        access.profile, SummaryPdf(), timezone.localdate(timezone=zone_for(access.profile, account))
    )
    return as_file(HttpResponse(body.getvalue(), content_type=SummaryPdf.media_type), name)
