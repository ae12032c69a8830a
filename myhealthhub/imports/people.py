"""The person a file is about, beside the person of the profile it is imported into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from myhealthhub.imports.base import PatientFound
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile
from myhealthhub.search.text import fold


def patient_data(person: PatientFound) -> dict[str, Any]:
    return {
        "key": person.key,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "birth": person.birth.isoformat() if person.birth else "",
        "sex": person.sex,
        "identifiers": list(person.identifiers),
        "deceased": person.deceased.isoformat() if person.deceased else "",
    }


@dataclass(frozen=True)
class PersonShown:
    """A person of the file as a person tells them apart: name, birth date, record numbers.

    The key that names them inside MyHealthHub ("Patient/5f0c…") is no help
    to anyone, and is shown only when the file gives nothing else.
    """

    key: str
    name: str
    birth: str  # in the active language: "1 May 1970", "May 1970", "1970"
    identifiers: tuple[str, ...]

    @classmethod
    def of(cls, person: dict[str, Any]) -> PersonShown:
        birth = person.get("birth") or ""
        return cls(
            key=person["key"],
            name=f"{person['given_name']} {person['family_name']}".strip(),
            birth=PartialDate.parse(birth).localized() if birth else "",
            identifiers=tuple(person.get("identifiers") or ()),
        )

    @property
    def label(self) -> str:
        parts = [self.name or _("Unnamed")]
        if self.birth:
            parts.append(_("born %(date)s") % {"date": self.birth})
        parts += self.identifiers
        if not (self.name or self.birth or self.identifiers):
            parts.append(self.key)
        return ", ".join(parts)


def chosen_by(people: list[dict[str, Any]], wanted: str) -> str | None:
    """The key of the one person ``wanted`` names: by key, record number, name or birth date.

    The command line's ``--patient`` takes what the person sees in the list of
    choices; a text that names several people, or none, chooses no one.
    """
    wanted = wanted.strip()
    if any(person["key"] == wanted for person in people):
        return wanted
    for names in (_by_record_number, _by_name, _by_birth):
        matches = [person["key"] for person in people if names(person, wanted)]
        if len(matches) == 1:
            return matches[0]
    return None


def _by_record_number(person: dict[str, Any], wanted: str) -> bool:
    """ "MRN 12345" as shown, or "12345" alone; accents and case aside."""
    folded = fold(wanted)
    return any(
        folded in (fold(shown), fold(shown.rsplit(" ", 1)[-1]))
        for shown in person.get("identifiers") or ()
    )


def _by_name(person: dict[str, Any], wanted: str) -> bool:
    return fold(wanted) == fold(f"{person['given_name']} {person['family_name']}".strip())


def _by_birth(person: dict[str, Any], wanted: str) -> bool:
    """The birth date as the file writes it (1970-05-01), or as it is shown."""
    birth = person["birth"]
    return bool(birth) and wanted in (birth, PersonShown.of(person).birth)


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
    # Previews stored before the date of death was read have none.
    deceased = person.get("deceased") or ""
    if deceased and (profile.deceased is None or profile.deceased.isoformat() != deceased):
        offered["deceased"] = deceased
    return offered
