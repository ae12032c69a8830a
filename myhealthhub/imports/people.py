"""The person a file is about, beside the person of the profile it is imported into."""

from __future__ import annotations

from typing import Any

from django.db import models

from myhealthhub.imports.base import PatientFound
from myhealthhub.profiles.models import Profile
from myhealthhub.search.text import fold


def patient_data(person: PatientFound) -> dict[str, Any]:
    return {
        "key": person.key,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "birth": person.birth.isoformat() if person.birth else "",
        "sex": person.sex,
    }


def differs_from(profile: Profile, person: dict[str, Any]) -> bool:
    """Whether the file's person looks like someone other than the profile's.

    Names are compared folded (accents and case aside), the family name only
    when both have one; the birth date only when both have one.
    """
    given = fold(person["given_name"]).split()
    own_given = fold(profile.given_name).split()
    if given and own_given and given[0] != own_given[0]:
        return True
    family, own_family = fold(person["family_name"]), fold(profile.family_name)
    if family and own_family and family != own_family:
        return True
    birth, own_birth = person["birth"], profile.birth
    return bool(birth and own_birth and not own_birth.isoformat().startswith(birth[:10]))


def _profile_length(name: str) -> int:
    column = Profile._meta.get_field(name)
    assert isinstance(column, models.CharField)
    return column.max_length or 0


def unnamed(person: dict[str, Any]) -> bool:
    """Whether the file does not name its person: a birth date alone does not say who."""
    return not (person["given_name"] or person["family_name"])


def demographics(profile: Profile, person: dict[str, Any]) -> dict[str, Any]:
    """The profile fields the file would fill or change, with their new values."""
    offered: dict[str, Any] = {}
    for name in ("given_name", "family_name", "sex"):
        # As long as the profile's columns allow; a longer name is cut, not refused.
        value = (person.get(name) or "")[: _profile_length(name)]
        if value and value != getattr(profile, name) and not (name == "sex" and value == "unknown"):
            offered[name] = value
    birth = person.get("birth") or ""
    if birth and (profile.birth is None or profile.birth.isoformat() != birth):
        offered["birth"] = birth
    return offered
