"""The one gate between a caller and a profile (DESIGN.md principle 1).

Every view that touches a profile, or anything inside one, gets it here for a
stated role. Whatever the caller may not see answers 404, exactly like
something that does not exist, so a guessed UUID tells nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase

from myhealthhub.accounts.models import User
from myhealthhub.profiles.models import Grant, Profile, Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

P = ParamSpec("P")
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Access:
    """A profile as one caller may use it, and the grant that allows it."""

    profile: Profile
    grant: Grant

    @property
    def role(self) -> Role:
        return self.grant.role_enum

    def can(self, needed: Role) -> bool:
        return self.role.includes(needed)

    # For templates, which cannot pass arguments: show only what the role allows.
    @property
    def can_edit(self) -> bool:
        return self.can(Role.EDITOR)

    @property
    def is_owner(self) -> bool:
        return self.can(Role.OWNER)

    def get(self, queryset: models.QuerySet[M], object_uuid: uuid.UUID) -> M:
        """One object of this profile by its UUID; 404 if it belongs to another."""
        try:
            return queryset.get(profile_id=self.profile.pk, uuid=object_uuid)
        except ObjectDoesNotExist:
            raise Http404 from None


def visible_profiles(user: User) -> models.QuerySet[Profile]:
    return Profile.objects.filter(
        pk__in=Grant.objects.in_force().filter(account_id=user.pk).values("profile_id")
    )


def live_grants(user: User) -> models.QuerySet[Grant]:
    return Grant.objects.in_force().filter(account_id=user.pk).select_related("profile")


def get_access(user: User | Any, profile_uuid: uuid.UUID, needs: Role) -> Access:
    """The caller's access to one profile with at least ``needs``, or 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    grant = (
        Grant.objects.in_force()
        .select_related("profile")
        .filter(account_id=user.pk, profile__uuid=profile_uuid)
        .first()
    )
    if grant is None or not grant.role_enum.includes(needs):
        raise Http404
    return Access(profile=grant.profile, grant=grant)


@dataclass(frozen=True)
class Declared:
    """The roles a profile view declared: the access matrix's test reads them."""

    read: Role
    # None: the view changes nothing, and answers any other method than GET with 405.
    write: Role | None


def profile_view(
    *, read: Role, write: Role | None = None
) -> Callable[
    [Callable[Concatenate[HttpRequest, Access, P], HttpResponseBase]],
    Callable[Concatenate[HttpRequest, P], HttpResponseBase],
]:
    """Make a view take ``access`` for the URL's ``profile_uuid``.

    ``read`` is the role a GET needs and ``write`` the role any other method
    needs; a view without ``write`` only reads, and answers POST with 405 to
    whoever may read it. Anonymous callers are sent to sign in, whatever the
    UUID, so that answer leaks nothing either.
    """
    declared = Declared(read, write)

    def decorate(
        view: Callable[Concatenate[HttpRequest, Access, P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            safe = request.method in SAFE_METHODS
            needs = read if safe or write is None else write
            profile_uuid = kwargs.pop("profile_uuid")
            assert isinstance(profile_uuid, uuid.UUID)
            access = get_access(request.user, profile_uuid, needs)
            if not safe and write is None:
                return HttpResponseNotAllowed(sorted(SAFE_METHODS - {"OPTIONS"}))
            return view(request, access, *args, **kwargs)

        wrapper.__dict__["declared"] = declared
        return cast(Callable[Concatenate[HttpRequest, P], HttpResponseBase], wrapper)

    return decorate
