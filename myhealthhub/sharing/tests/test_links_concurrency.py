"""Twenty wrong passcodes at once, against a live server: no more tries counted than allowed."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from myhealthhub.conftest import make_account
from myhealthhub.profiles.actions import create_profile
from myhealthhub.sharing.links.actions import PASSCODE_ATTEMPTS, LinkChoices, create_link
from myhealthhub.sharing.models import AccessOutcome, ShareAccess, ShareLink

GUESSES = 20


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory SQLite test database fails at once on a locked table, where the "
    "deployed file waits on its busy timeout; CI runs this on PostgreSQL",
)
def test_twenty_wrong_passcodes_at_once_spend_no_more_than_the_limit(live_server):
    owner = make_account("keeper@example.org")
    profile = create_profile(owner, request=None, given_name="Ana")
    made = create_link(
        profile,
        LinkChoices(
            expires_at=timezone.now() + dt.timedelta(days=1),
            passcode="lighthouse",
            with_summary_pdf=False,
        ),
        actor=owner,
        request=None,
    )
    address = f"{live_server.url}/shl/{made.link.manifest_id}"

    def guess(number: int) -> int:
        body = json.dumps({"recipient": f"guesser {number}", "passcode": f"wrong-{number}"})
        request = urllib.request.Request(  # noqa: S310  (the live server's own http URL)
            address, body.encode(), {"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as refused:
            return refused.code

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        statuses = sorted(pool.map(guess, range(GUESSES)))

    assert statuses == [401] * PASSCODE_ATTEMPTS + [404] * (GUESSES - PASSCODE_ATTEMPTS)
    # The standing world's rows may share the database: only this link's are counted.
    counted = ShareAccess.objects.filter(
        link=made.link, outcome=AccessOutcome.WRONG_PASSCODE
    ).count()
    assert counted == PASSCODE_ATTEMPTS
    link = ShareLink.objects.get(pk=made.link.pk)
    assert link.attempts_left == 0 and link.disabled_at is not None
