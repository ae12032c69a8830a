"""What a plan counts of sharing: live links, and those kept up to date.

Registered when the app is ready, from a module that imports little: every
process that starts, the command line's included, loads it.
"""

from __future__ import annotations

from myhealthhub.accounts.models import User
from myhealthhub.accounts.plans import counts_usage
from myhealthhub.profiles.models import Role
from myhealthhub.sharing.models import ShareLink


@counts_usage("live_share_links")
def _live_links(account: User) -> int:
    return (
        ShareLink.objects.live()
        .filter(profile__grants__account=account, **_owned())
        .distinct()
        .count()
    )


@counts_usage("long_term_share_links")
def _long_term_links(account: User) -> int:
    return (
        ShareLink.objects.live()
        .filter(long_term=True, profile__grants__account=account, **_owned())
        .distinct()
        .count()
    )


def _owned() -> dict[str, object]:
    # The links of the profiles the account owns: the plan that pays for them.
    return {"profile__grants__role": Role.OWNER, "profile__grants__revoked_at__isnull": True}
