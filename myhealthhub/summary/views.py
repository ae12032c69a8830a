"""The summary page, its PDF and the checklist: read-only, for anyone who may view the profile."""

from __future__ import annotations

import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from myhealthhub.accounts.current import account_of
from myhealthhub.accounts.models import User
from myhealthhub.documents.serving import as_file
from myhealthhub.exports import jobs
from myhealthhub.exports.formats import filename
from myhealthhub.exports.pdf import SummaryPdf
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.profiles.zones import zone_for
from myhealthhub.summary import checklist as checklist_items
from myhealthhub.summary.choices import Choices, SummaryForm, read_choices
from myhealthhub.summary.render import summary_document


def _pdf_allowed(access: Access) -> bool:
    # The plan of the profile's owner, as for every export (exports/jobs.py).
    return jobs.plan_allows_profile(access.profile, SummaryPdf())


def _page(
    request: HttpRequest, access: Access, choices: Choices, status: int = 200
) -> HttpResponse:
    assert isinstance(request.user, User)
    return render(
        request,
        "summary/page.html",
        {
            "access": access,
            "summary_current": True,
            "form": SummaryForm.showing(choices.options),
            "problems": choices.problems,
            "document": summary_document(access.profile, choices.options),
            "pdf_allowed": _pdf_allowed(access),
        },
        status=status,
    )


@profile_view(read=Role.VIEWER)
@require_safe
def page(request: HttpRequest, access: Access) -> HttpResponse:
    return _page(request, access, read_choices(request.GET, access.profile))


@profile_view(read=Role.VIEWER)
@require_safe
def pdf(request: HttpRequest, access: Access) -> HttpResponse:
    assert isinstance(request.user, User)
    choices = read_choices(request.GET, access.profile)
    if not _pdf_allowed(access):
        choices.problems.append(_("The plan of this profile does not include the PDF summary."))
        return _page(request, access, choices, status=403)
    # The day in the export's zone, as the summary's own "times are in" line.
    name = filename(
        access.profile,
        SummaryPdf(),
        timezone.localdate(timezone=zone_for(access.profile, request.user)),
    )
    if request.method == "HEAD":
        # A link checker or a browser probing: headers only, nothing drawn, no download logged.
        return _pdf_response(b"", name)
    # Written and audited as every export answered at once is.
    body = io.BytesIO()
    jobs.export_now(
        access.profile,
        SummaryPdf(),
        choices.options,
        body,
        actor=account_of(request),
        role=access.role,
        request=request,
    )
    return _pdf_response(body.getvalue(), name)


def _pdf_response(body: bytes, name: str) -> HttpResponse:
    return as_file(HttpResponse(body, content_type=SummaryPdf.media_type), name)


@profile_view(read=Role.VIEWER)
@require_safe
def checklist(request: HttpRequest, access: Access) -> HttpResponse:
    items = checklist_items.checklist(access.profile)
    return render(
        request,
        "summary/checklist.html",
        {
            "access": access,
            "checklist_current": True,
            "items": items,
            "done": sum(item.done for item in items),
            "total": len(items),
        },
    )
