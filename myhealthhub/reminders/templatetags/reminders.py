"""The header's count of unread notices: {% load reminders %}{% unread_notices as count %}."""

from __future__ import annotations

from django import template

from myhealthhub.accounts.models import User
from myhealthhub.profiles.access import visible_profiles
from myhealthhub.reminders.models import Notice

register = template.Library()
SHOWN_AT_MOST = 99


@register.simple_tag(takes_context=True)
def unread_notices(context: template.Context) -> int | str:
    """How many notices the signed-in account has not seen yet; 0 for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return 0
    unread = Notice.objects.unread().filter(account=user, profile__in=visible_profiles(user))
    # Counted no further than the header shows: "99+" needs no exact number.
    found = len(unread.values_list("pk", flat=True)[: SHOWN_AT_MOST + 1])
    return f"{SHOWN_AT_MOST}+" if found > SHOWN_AT_MOST else found
