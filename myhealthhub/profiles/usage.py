"""Profiles and plans: how profiles count against an account's plan, and whose plan pays for one.

This sits with profiles, not in ``accounts/plans.py``: accounts come before
profiles in the apps' order, and who pays for a profile is read from its grants.
"""

from __future__ import annotations

from myhealthhub.accounts.models import User
from myhealthhub.accounts.plans import Allowance, allowance, counts_usage
from myhealthhub.profiles.models import Grant, Profile, Role


@counts_usage("profiles")
def owned_profiles(user: User) -> int:
    return Grant.objects.in_force().filter(account_id=user.pk, role=Role.OWNER).count()


def billed_account(profile: Profile) -> User | None:
    """The plan of the profile's first owner pays for it, whoever acts on it."""
    grant = (
        Grant.objects.in_force()
        .filter(profile_id=profile.pk, role=Role.OWNER)
        .select_related("account")
        .order_by("granted_at", "pk")
        .first()
    )
    return grant.account if grant else None


def profile_allowance(profile: Profile, what: str, amount: int = 1) -> Allowance:
    """:func:`allowance` for ``profile``'s paying account; a profile nobody owns has no limit."""
    account = billed_account(profile)
    return Allowance(allowed=True) if account is None else allowance(account, what, amount)
