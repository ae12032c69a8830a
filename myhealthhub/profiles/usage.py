"""How profiles count against an account's plan."""

from __future__ import annotations

from myhealthhub.accounts.models import User
from myhealthhub.accounts.plans import counts_usage
from myhealthhub.profiles.models import Grant, Role


@counts_usage("profiles")
def owned_profiles(user: User) -> int:
    return Grant.objects.in_force().filter(account_id=user.pk, role=Role.OWNER).count()
