"""The SMART Health Link viewer: a page anyone may open, that reads the link in the browser.

The server only hands out the page and its words. The link's payload, with
the key to its files, stays in the address's fragment, which browsers never
send; the scripts (static/myhealthhub/shl-*.js) fetch and decrypt the
files and show them. So this view knows nothing of any link, and answers
the same to everyone.
"""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_update
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from myhealthhub.sharing.viewer.wording import vaccine_names, wording


@require_safe
# Decrypted health information must not come back from the browser's back-forward cache.
@never_cache
# Links made by other SMART Health Link servers name their manifest on their own
# host: this page alone may fetch from any HTTPS origin (their CORS decides).
@csp_update({"connect-src": [SELF, "https:"]})
def viewer(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sharing/viewer/page.html",
        {
            "wording": wording(),
            "vaccines": vaccine_names(translation.get_language() or "en"),
        },
    )
