"""How much one token may ask: requests a minute, and the size and depth of a body."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from myhealthhub.api.models import AccessToken
from myhealthhub.api.problems import Problem

WINDOW_SECONDS = 60


def count_request(token: AccessToken) -> None:
    """Count one request of ``token`` in this minute; a 429 past its share.

    The minute is a fixed window shared by every worker through the cache, so
    the limit holds however many processes serve the API.
    """
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"api-rate:{token.pk}:{window}"
    cache.add(key, 0, WINDOW_SECONDS * 2)
    try:
        used = cache.incr(key)
    except ValueError:  # the window's row expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS * 2)
        used = 1
    if used > settings.API_REQUESTS_PER_MINUTE:
        wait = max(1, int(WINDOW_SECONDS - now % WINDOW_SECONDS) + 1)
        raise Problem(
            429,
            _("Too many requests"),
            _("This token may make %(count)d requests a minute. Try again in %(seconds)d s.")
            % {"count": settings.API_REQUESTS_PER_MINUTE, "seconds": wait},
            headers={"Retry-After": str(wait)},
        )
