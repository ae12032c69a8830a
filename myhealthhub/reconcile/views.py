"""A group's statements side by side, its conflicts and reviews; a profile's open conflicts."""

from __future__ import annotations

import io
import uuid

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from myhealthhub.accounts.current import account_of
from myhealthhub.accounts.models import User
from myhealthhub.documents.serving import as_file
from myhealthhub.errors import ActionRefused
from myhealthhub.exports import jobs
from myhealthhub.exports.formats import filename
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.profiles.zones import zone_for
from myhealthhub.reconcile import actions
from myhealthhub.reconcile.exporter import MedicationListPdf, list_document
from myhealthhub.reconcile.groups import GroupView, groups_of
from myhealthhub.reconcile.keys import RECONCILED
from myhealthhub.reconcile.marks import to_verify_in
from myhealthhub.reconcile.models import Group
from myhealthhub.reconcile.sides import side_by_side
from myhealthhub.records.kinds import KINDS
from myhealthhub.summary.choices import Choices, SummaryForm, read_choices

# Groups offered to link with, at most: a longer list is no choice anyone makes.
LINKABLE = 200


class ReviewForm(forms.Form):
    field = forms.CharField(widget=forms.HiddenInput)
    with_whom = forms.CharField(
        label=gettext_lazy("Checked with"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("For example: my pharmacist, Dr. Sol."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _group(access: Access, group_uuid: uuid.UUID) -> tuple[Group, GroupView]:
    group = access.get(Group.objects.all(), group_uuid)
    views = groups_of(access.profile, [group.kind], group_uuids=[group.uuid])
    if not views:
        raise Http404
    return group, views[0]


@profile_view(read=Role.VIEWER)
def group_page(request: HttpRequest, access: Access, group_uuid: uuid.UUID) -> HttpResponse:
    group, view = _group(access, group_uuid)
    others: list[Group] = []
    if access.can_edit and group.kind != "results":
        # By the name each group keeps (standing.py): no statement is read for the choice.
        others = list(
            Group.objects.filter(profile_id=access.profile.pk, kind=group.kind)
            .exclude(pk=group.pk)
            .order_by("label", "pk")[:LINKABLE]
        )
    return render(
        request,
        "reconcile/group.html",
        {
            "access": access,
            "kind": KINDS[group.kind],
            "view": view,
            "table": side_by_side(view),
            "forms": {c.field: ReviewForm(initial={"field": c.field}) for c in view.conflicts},
            "others": others,
        },
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def review(request: HttpRequest, access: Access, group_uuid: uuid.UUID) -> HttpResponse:
    group, view = _group(access, group_uuid)
    form = ReviewForm(request.POST)
    conflict = None
    if form.is_valid():
        conflict = next((c for c in view.conflicts if c.field == form.cleaned_data["field"]), None)
    if conflict is None:
        messages.error(request, _("That disagreement is no longer there; nothing was marked."))
    else:
        actions.review_conflict(
            group,
            conflict,
            with_whom=form.cleaned_data["with_whom"],
            note=form.cleaned_data["note"],
            actor=account_of(request),
            request=request,
        )
        messages.success(request, _("Marked as reviewed."))
    return redirect("reconcile:group", profile_uuid=access.profile.uuid, group_uuid=group.uuid)


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def take_out(request: HttpRequest, access: Access, group_uuid: uuid.UUID) -> HttpResponse:
    group, _view = _group(access, group_uuid)
    try:
        entry_uuid = uuid.UUID(request.POST.get("entry", ""))
        alone = actions.take_out(group, entry_uuid, actor=account_of(request), request=request)
    except ValueError:
        messages.error(request, _("Choose an entry of this group."))
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Taken out: it is now a group of its own."))
        return redirect("reconcile:group", profile_uuid=access.profile.uuid, group_uuid=alone.uuid)
    return redirect("reconcile:group", profile_uuid=access.profile.uuid, group_uuid=group.uuid)


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def link(request: HttpRequest, access: Access, group_uuid: uuid.UUID) -> HttpResponse:
    group, _view = _group(access, group_uuid)
    try:
        other = access.get(Group.objects.all(), uuid.UUID(request.POST.get("other", "")))
        actions.link(group, other, actor=account_of(request), request=request)
    except (ValueError, Http404):
        messages.error(request, _("Choose another group of the same kind."))
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Linked: they are now one group."))
    return redirect("reconcile:group", profile_uuid=access.profile.uuid, group_uuid=group.uuid)


@profile_view(read=Role.VIEWER)
def open_conflicts(request: HttpRequest, access: Access) -> HttpResponse:
    views = to_verify_in(access.profile, RECONCILED)
    return render(
        request,
        "reconcile/conflicts.html",
        {"access": access, "views": views, "kinds": KINDS},
    )


def _list_page(
    request: HttpRequest, access: Access, choices: Choices, status: int = 200
) -> HttpResponse:
    with translation.override(choices.options.language):
        document = list_document(access.profile)
    return render(
        request,
        "reconcile/medication_list_page.html",
        {
            "access": access,
            "document": document,
            "form": SummaryForm.showing(choices.options),
            "problems": choices.problems,
            "pdf_allowed": jobs.plan_allows_profile(access.profile, MedicationListPdf()),
        },
        status=status,
    )


@profile_view(read=Role.VIEWER)
@require_safe
def medication_list(request: HttpRequest, access: Access) -> HttpResponse:
    return _list_page(request, access, read_choices(request.GET, access.profile))


@profile_view(read=Role.VIEWER)
@require_safe
def medication_list_pdf(request: HttpRequest, access: Access) -> HttpResponse:
    assert isinstance(request.user, User)
    exporter = MedicationListPdf()
    choices = read_choices(request.GET, access.profile)
    on = timezone.localdate(timezone=zone_for(access.profile, request.user))
    body = io.BytesIO()
    if request.method != "HEAD":
        # Checked, written and audited as every export answered at once is.
        try:
            jobs.export_now(
                access.profile,
                exporter,
                choices.options,
                body,
                actor=account_of(request),
                role=access.role,
                request=request,
            )
        except ActionRefused as refusal:
            choices.problems.append(refusal.message)
            return _list_page(request, access, choices, status=403)
    response = HttpResponse(body.getvalue(), content_type=exporter.media_type)
    return as_file(response, filename(access.profile, exporter, on))
