"""What a person does with groups: review a conflict, take an entry out, link two groups.

Each is one transaction with its audit event (DESIGN.md principle 2). None
changes an entry: a group only links statements, and a review only says a
person looked.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.models import Profile
from myhealthhub.reconcile.differences import Conflict
from myhealthhub.reconcile.models import Group, How, Member, Review
from myhealthhub.reconcile.standing import refresh


@transaction.atomic
def review_conflict(
    group: Group,
    conflict: Conflict,
    *,
    with_whom: str,
    note: str,
    actor: User,
    request: HttpRequest | None,
) -> Review:
    """Mark ``conflict`` reviewed, as it is now: a value it does not hold yet will reopen it."""
    review = Review.objects.create(
        profile_id=group.profile_id,
        group=group,
        field=conflict.field,
        values=conflict.keys,
        with_whom=with_whom.strip()[:200],
        note=note.strip(),
        reviewed_by=actor,
    )
    refresh(group.profile_id, Group.objects.filter(pk=group.pk))
    _log(Action.CONFLICT_REVIEWED, group, actor, request)
    return review


@transaction.atomic
def take_out(
    group: Group, entry_uuid: uuid.UUID, *, actor: User, request: HttpRequest | None
) -> Group:
    """The entry is not what the rest of its group states: it gets a group of its own."""
    member = Member.objects.select_for_update().filter(group=group, entry_uuid=entry_uuid).first()
    if member is None:
        raise ActionRefused(_("That entry is not in this group."))
    if not Member.objects.filter(group=group).exclude(pk=member.pk).exists():
        raise ActionRefused(_("An entry alone in its group cannot be taken out of it."))
    alone = Group.objects.create(profile_id=group.profile_id, kind=group.kind, key=member.key)
    member.group, member.how, member.detail = alone, How.APART, ""
    member.save(update_fields=["group", "how", "detail"])
    refresh(group.profile_id, Group.objects.filter(pk__in=[group.pk, alone.pk]))
    _log(Action.GROUP_SPLIT, group, actor, request)
    return alone


@transaction.atomic
def link(group: Group, other: Group, *, actor: User, request: HttpRequest | None) -> None:
    """``other``'s statements are the same thing as ``group``'s: one group, placed by hand."""
    if other.pk == group.pk or other.profile_id != group.profile_id or other.kind != group.kind:
        raise ActionRefused(_("Only two groups of the same kind in one profile can be linked."))
    Member.objects.filter(group=other).update(group=group, how=How.HAND, detail="")
    # The linked group's own members stay where the person put them too.
    Member.objects.filter(group=group).exclude(how__in=(How.HAND, How.APART)).update(how=How.HAND)
    Review.objects.filter(group=other).update(group=group)
    other.delete()
    refresh(group.profile_id, Group.objects.filter(pk=group.pk))
    _log(Action.GROUPS_LINKED, group, actor, request)


def _log(action: Action, group: Group, actor: User, request: HttpRequest | None) -> None:
    log_action(
        action,
        request=request,
        actor=actor,
        profile=Profile.objects.get(pk=group.profile_id),
        object_type="group",
        object_uuid=group.uuid,
    )
