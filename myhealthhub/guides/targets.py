"""The pages the guides send a reader to, in the reader's own record.

A guide names a page by a key ("summary", "add_medication"); the reader gets
that page of the profile chosen for them, or, where their role does not
reach it, the nearest page it does reach, so no link of a guide answers 404.
Without a profile every key leads to the list of profiles, where the first
one is made.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse

from myhealthhub.profiles.models import Grant, Role


@dataclass(frozen=True)
class Target:
    url_name: str
    needs: Role = Role.VIEWER
    # The records kind of records:list and records:create.
    kind: str | None = None
    # The key to use instead for a role that does not reach this page.
    instead: str | None = None


TARGETS: dict[str, Target] = {
    "overview": Target("profiles:overview"),
    "summary": Target("summary:page"),
    "checklist": Target("summary:checklist"),
    "share": Target("sharing:links", needs=Role.OWNER, instead="summary"),
    "medication_list": Target("reconcile:medication_list"),
    "conflicts": Target("reconcile:conflicts"),
    "medications": Target("records:list", kind="medications"),
    "add_medication": Target(
        "records:create", needs=Role.EDITOR, kind="medications", instead="medications"
    ),
    "allergies": Target("records:list", kind="allergies"),
    "conditions": Target("records:list", kind="conditions"),
    "appointments": Target("records:list", kind="appointments"),
    "reviews": Target("records:list", kind="medication-reviews"),
    "add_review": Target(
        "records:create", needs=Role.EDITOR, kind="medication-reviews", instead="reviews"
    ),
    "imports": Target("imports:list"),
    "readings": Target("records:readings"),
    "documents": Target("documents:list"),
    "add_document": Target("documents:upload", needs=Role.EDITOR, instead="documents"),
}


def url_for(key: str, grant: Grant | None) -> str:
    """The address of ``key``'s page in the profile of ``grant``, as far as its role reaches."""
    if grant is None:
        return reverse("home")
    target = TARGETS[key]
    while not grant.role_enum.includes(target.needs):
        assert target.instead is not None, f"{key} has nowhere to go for {grant.role}"
        target = TARGETS[target.instead]
    kwargs: dict[str, object] = {"profile_uuid": grant.profile.uuid}
    if target.kind is not None:
        kwargs["kind"] = target.kind
    return reverse(target.url_name, kwargs=kwargs)


def links_for(grant: Grant | None) -> dict[str, str]:
    """Every target's address for the reader: what the guides' templates link to."""
    return {key: url_for(key, grant) for key in TARGETS}


def chosen(grants: Sequence[Grant], wanted: str | None) -> Grant | None:
    """The grant of the profile the reader came from (``?profile=``), else their first one.

    Only the reader's own live grants are looked at: a profile they may not
    open is never chosen, and whether it exists does not show.
    """
    if wanted:
        try:
            wanted_uuid = uuid.UUID(wanted)
        except ValueError:
            wanted_uuid = None
        for grant in grants:
            if grant.profile.uuid == wanted_uuid:
                return grant
    return grants[0] if grants else None
