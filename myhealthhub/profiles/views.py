from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from myhealthhub.accounts.current import account_of
from myhealthhub.errors import ActionRefused, StaleEdit
from myhealthhub.profiles import actions
from myhealthhub.profiles.access import Access, live_grants, profile_view
from myhealthhub.profiles.forms import EmergencyContactForm, ProfileForm
from myhealthhub.profiles.models import Grant, Role
from myhealthhub.profiles.overview import sections as overview_sections
from myhealthhub.sharing.models import Invitation


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    grants = live_grants(account_of(request)).order_by(
        "profile__given_name", "profile__family_name"
    )
    return render(request, "profiles/home.html", {"grants": grants})


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            profile = actions.create_profile(
                account_of(request), request=request, **form.profile_values()
            )
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Profile created for %(name)s.") % {"name": profile.name})
            return redirect("profiles:overview", profile_uuid=profile.uuid)
    return render(request, "profiles/form.html", {"form": form, "creating": True})


@profile_view(read=Role.VIEWER)
def overview(request: HttpRequest, access: Access) -> HttpResponse:
    contacts = access.profile.contacts.all()
    sections = overview_sections(access.profile)
    return render(
        request,
        "profiles/overview.html",
        {
            "access": access,
            "contacts": contacts,
            "sections": sections,
            # A record nothing was ever added to shows where to begin.
            "record_empty": any(section.context.get("nothing_yet") for section in sections),
        },
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def edit(request: HttpRequest, access: Access) -> HttpResponse:
    form = ProfileForm.for_profile(access.profile, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_profile(
                access.profile,
                actor=account_of(request),
                request=request,
                expected_version=form.cleaned_data["version"],
                **form.profile_values(),
            )
        except StaleEdit as refusal:
            form.add_error(None, refusal.message)
            return render(
                request, "profiles/form.html", {"form": form, "access": access}, status=409
            )
        messages.success(request, _("Profile saved."))
        return redirect("profiles:overview", profile_uuid=access.profile.uuid)
    return render(request, "profiles/form.html", {"form": form, "access": access})


@profile_view(read=Role.OWNER, write=Role.OWNER)
def delete(request: HttpRequest, access: Access) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() != access.profile.name:
            messages.error(request, _("Type the profile's full name to delete it."))
        else:
            name = access.profile.name
            actions.delete_profile(access.profile, actor=account_of(request), request=request)
            messages.success(request, _("The profile of %(name)s was deleted.") % {"name": name})
            return redirect("home")
    return render(request, "profiles/delete.html", {"access": access})


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def contact_add(request: HttpRequest, access: Access) -> HttpResponse:
    form = EmergencyContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.add_contact(
            access.profile, actor=account_of(request), request=request, **form.contact_values()
        )
        messages.success(request, _("Emergency contact added."))
        return redirect("profiles:overview", profile_uuid=access.profile.uuid)
    return render(request, "profiles/contact_form.html", {"form": form, "access": access})


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def contact_edit(request: HttpRequest, access: Access, contact_uuid: uuid.UUID) -> HttpResponse:
    contact = access.get(access.profile.contacts.all(), contact_uuid)
    form = EmergencyContactForm.for_contact(contact, request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_contact(
                contact,
                actor=account_of(request),
                request=request,
                expected_version=form.cleaned_data["version"],
                **form.contact_values(),
            )
        except StaleEdit as refusal:
            form.add_error(None, refusal.message)
            status = 409
        else:
            messages.success(request, _("Emergency contact saved."))
            return redirect("profiles:overview", profile_uuid=access.profile.uuid)
    return render(
        request,
        "profiles/contact_form.html",
        {"form": form, "access": access, "contact": contact},
        status=status,
    )


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def contact_remove(request: HttpRequest, access: Access, contact_uuid: uuid.UUID) -> HttpResponse:
    contact = access.get(access.profile.contacts.all(), contact_uuid)
    actions.remove_contact(contact, actor=account_of(request), request=request)
    messages.success(request, _("Emergency contact removed."))
    return redirect("profiles:overview", profile_uuid=access.profile.uuid)


@profile_view(read=Role.OWNER)
def sharing(request: HttpRequest, access: Access) -> HttpResponse:
    """Every grant of the profile, and every invitation: waiting, answered, expired."""
    grants = (
        Grant.objects.filter(profile_id=access.profile.pk)
        .select_related("account", "granted_by")
        .order_by("revoked_at", "granted_at")
    )
    invitations = Invitation.objects.filter(profile_id=access.profile.pk)
    return render(
        request,
        "profiles/sharing.html",
        {"access": access, "grants": grants, "invitations": invitations},
    )


@profile_view(read=Role.OWNER, write=Role.OWNER)
@require_POST
def revoke(request: HttpRequest, access: Access, grant_uuid: uuid.UUID) -> HttpResponse:
    grant = access.get(Grant.objects.select_related("account"), grant_uuid)
    try:
        actions.revoke_grant(grant, actor=account_of(request), request=request)
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("Access for %(email)s was revoked.") % {"email": grant.account.email}
        )
    return redirect("profiles:sharing", profile_uuid=access.profile.uuid)
