"""Errors as problem details (RFC 9457), in the language of the token's account.

Every refusal of the API answers ``application/problem+json`` with a title a
person can read and, where it helps, what to change; never a traceback, and
never whether something the caller may not see exists (404 as for nothing).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from myhealthhub.lib import json_bounds

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """A refusal with its status, a short title and the details of what was wrong."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def not_found() -> Problem:
    return Problem(404, _("Not found"), _("Nothing is here, or this token may not see it."))


def answer(request: HttpRequest, problem: Problem) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    body.update(problem.extra)
    response = HttpResponse(
        json_bounds.dumps(body), status=problem.status, content_type=PROBLEM_JSON
    )
    for name, value in problem.headers.items():
        response[name] = value
    response["Content-Language"] = getattr(request, "LANGUAGE_CODE", "en")
    return response
