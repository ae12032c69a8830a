"""Caregiver invitations: the keeper's pages, and the page the invitee opens from the e-mail."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from myhealthhub.accounts.current import account_of
from myhealthhub.audit.models import AuditEvent
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Grant, Role
from myhealthhub.sharing.invitations import actions
from myhealthhub.sharing.invitations.answerable import WRONG_ACCOUNT, closed, is_for
from myhealthhub.sharing.invitations.forms import GrantForm, InvitationForm
from myhealthhub.sharing.invitations.tokens import hash_token
from myhealthhub.sharing.models import Invitation

# A caregiver's latest actions shown beside their access; the activity log has them all.
RECENT_ACTIONS = 20


@profile_view(read=Role.OWNER, write=Role.OWNER)
def invite(request: HttpRequest, access: Access) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invited = actions.invite(
                access.profile,
                email=form.cleaned_data["email"],
                role=form.role_value,
                consent_note=form.cleaned_data["consent_note"],
                access_ends_at=form.access_ends_at(),
                owner_confirmed=form.owner_confirmed,
                actor=account_of(request),
                request=request,
                link_for=lambda token: request.build_absolute_uri(
                    reverse("sharing:invitation", kwargs={"token": token})
                ),
            )
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link in it works for 7 days.")
                % {"email": invited.invitation.email},
            )
            return redirect("profiles:sharing", profile_uuid=access.profile.uuid)
    return render(request, "sharing/invitations/invite.html", {"access": access, "form": form})


@profile_view(read=Role.OWNER, write=Role.OWNER)
@require_POST
def cancel(request: HttpRequest, access: Access, invitation_uuid: uuid.UUID) -> HttpResponse:
    invitation = access.get(Invitation.objects.all(), invitation_uuid)
    try:
        actions.cancel_invitation(invitation, actor=account_of(request), request=request)
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s was cancelled.") % {"email": invitation.email}
        )
    return redirect("profiles:sharing", profile_uuid=access.profile.uuid)


@profile_view(read=Role.OWNER, write=Role.OWNER)
def grant(request: HttpRequest, access: Access, grant_uuid: uuid.UUID) -> HttpResponse:
    """One caregiver's access: change its role or its end, and what they did lately."""
    kept = access.get(Grant.objects.select_related("account", "granted_by"), grant_uuid)
    form = GrantForm(request.POST or None, role=kept.role_enum, expires_at=kept.expires_at)
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.change_grant(
                kept,
                role=form.role_value,
                access_ends_at=form.access_ends_at(),
                owner_confirmed=form.owner_confirmed,
                actor=account_of(request),
                request=request,
            )
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            if changed:
                messages.success(
                    request,
                    _("Access for %(email)s was changed.") % {"email": kept.account.email},
                )
            if kept.account_id == access.grant.account_id and form.role_value != Role.OWNER:
                # An owner who made themself a caregiver may no longer see who has access.
                return redirect("profiles:overview", profile_uuid=access.profile.uuid)
            return redirect("profiles:sharing", profile_uuid=access.profile.uuid)
    recent = AuditEvent.objects.filter(profile_uuid=access.profile.uuid, actor_id=kept.account_id)[
        :RECENT_ACTIONS
    ]
    return render(
        request,
        "sharing/invitations/grant.html",
        {"access": access, "grant": kept, "form": form, "recent": recent},
    )


@profile_view(read=Role.VIEWER, write=Role.VIEWER)
def leave(request: HttpRequest, access: Access) -> HttpResponse:
    """A caregiver ends their own access to this profile."""
    if request.method == "POST":
        try:
            actions.leave(access.grant, actor=account_of(request), request=request)
        except ActionRefused as refusal:
            messages.error(request, refusal.message)
            return redirect("sharing:leave", profile_uuid=access.profile.uuid)
        messages.success(
            request,
            _("You no longer have access to the record of %(name)s.")
            % {"name": access.profile.name},
        )
        return redirect("home")
    return render(request, "sharing/invitations/leave.html", {"access": access})


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page: whose record, which role, under which consent; accept or decline.

    Reached by the e-mail's token, by a signed-in account. Someone signed out
    is asked to sign in or sign up, and comes back here after; that page is
    the same whatever the token, so it tells nothing about one. Only the
    account of the invited address sees the invitation or may answer it.
    """
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "sharing/invitations/invitation.html", {"signed_out": True})
    account = account_of(request)
    found = (
        Invitation.objects.select_related("profile", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if found is None:
        return render(request, "sharing/invitations/invitation.html", {"unknown": True}, status=404)
    if request.method == "POST":
        return _answer(request, found, token)
    if not is_for(found, account):
        return render(
            request, "sharing/invitations/invitation.html", {"wrong_account": WRONG_ACCOUNT}
        )
    why = closed(found)
    if why is not None:
        accepted = found.grant_id is not None and found.answered_by_id == account.pk
        return render(
            request,
            "sharing/invitations/invitation.html",
            {"closed": why, "invitation": found, "accepted_by_you": accepted},
            status=410,
        )
    return render(request, "sharing/invitations/invitation.html", {"invitation": found})


def _answer(request: HttpRequest, found: Invitation, token: str) -> HttpResponse:
    """Accept or decline; answered by a redirect either way, so a reload sends nothing twice."""
    account = account_of(request)
    if not is_for(found, account) or closed(found) is not None:
        # The page says why, and the actions would refuse it all the same.
        return redirect("sharing:invitation", token=token)
    answer = request.POST.get("answer")
    try:
        if answer == "accept":
            given = actions.accept_invitation(found, account=account, request=request)
            messages.success(
                request,
                _("You now have access to the record of %(name)s.") % {"name": found.profile.name},
            )
            return redirect("profiles:overview", profile_uuid=given.profile.uuid)
        if answer == "decline":
            actions.decline_invitation(found, account=account, request=request)
            messages.success(
                request, _("You declined the invitation. Nothing was shared with you.")
            )
            return redirect("home")
        messages.error(request, _("Choose to accept or to decline the invitation."))
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    return redirect("sharing:invitation", token=token)
