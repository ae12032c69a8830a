"""The profiles a token reaches, and one profile with what its record holds."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Router, Schema

from myhealthhub.api.auth import caller_of
from myhealthhub.api.gate import needs, reach
from myhealthhub.api.models import AccessToken, Scope
from myhealthhub.profiles.access import live_grants
from myhealthhub.profiles.counts import entry_counts
from myhealthhub.profiles.models import Role

router = Router(tags=["profiles"])


class ProfileOut(Schema):
    uuid: uuid.UUID
    name: str
    role: str


class ProfileDetail(ProfileOut):
    counts: dict[str, int]


@router.get(
    "/",
    response=list[ProfileOut],
    summary="The profiles this token reaches",
    operation_id="profiles_list",
    url_name="profiles_list",
)
def list_profiles(request: HttpRequest) -> list[ProfileOut]:
    caller = caller_of(request)
    named = AccessToken.profiles.through.objects.filter(accesstoken_id=caller.token.pk).values(
        "profile_id"
    )
    grants = live_grants(caller.account).filter(profile_id__in=named)
    grants = grants.order_by("profile__given_name", "profile__family_name")
    return [
        ProfileOut(uuid=grant.profile.uuid, name=grant.profile.name, role=grant.role)
        for grant in grants
    ]


@router.get(
    "/{profile_uuid}",
    response=ProfileDetail,
    summary="One profile and its counts",
    operation_id="profiles_get",
    url_name="profiles_get",
    openapi_extra=needs(Scope.READ, Role.VIEWER),
)
def get_profile(request: HttpRequest, profile_uuid: uuid.UUID) -> ProfileDetail:
    access = reach(request, profile_uuid, scope=Scope.READ, needs=Role.VIEWER)
    return ProfileDetail(
        uuid=access.profile.uuid,
        name=access.profile.name,
        role=access.grant.role,
        counts=entry_counts(access.profile),
    )
