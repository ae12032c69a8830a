"""Which time zone a profile's times are written in, outside a page.

Pages show every time in the viewer's own zone (the account's, activated per
request by ``accounts/middleware.py``): simple and predictable for a family
that keeps a record together from two countries. What is made *of* a
profile to be read elsewhere (a calendar file, a FHIR export, the summary's
"times are in" line) uses :func:`zone_for`: the profile's own zone when it
has one (a parent abroad), else the zone of the account that asked.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from myhealthhub.accounts.middleware import account_zone, zone_named

if TYPE_CHECKING:
    from myhealthhub.accounts.models import User
    from myhealthhub.profiles.models import Profile


def zone_for(profile: Profile, account: User | None) -> dt.tzinfo:
    """The profile's zone; else the account's; else the site's (settings.TIME_ZONE).

    ``account`` is None for the command line and for a job whose maker's
    account is gone.
    """
    if profile.time_zone:
        return zone_named(profile.time_zone)
    return account_zone(account)


def zone_label(zone: dt.tzinfo) -> str:
    """The zone's IANA name ("America/New_York") as a person reads it: "America/New York"."""
    return str(zone).replace("_", " ")
