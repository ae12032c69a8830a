"""How the FHIR endpoints answer: ``application/fhir+json``, refusals as OperationOutcomes.

A refusal is the API's :class:`~myhealthhub.api.problems.Problem` (the same
gate, the same words in the token account's language), written as FHIR
writes errors instead of as problem details.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

import orjson
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from myhealthhub.api.auth import TokenAuth
from myhealthhub.api.problems import Problem

FHIR_JSON = "application/fhir+json"

# An HTTP status as FHIR's issue type (http://hl7.org/fhir/issue-type).
ISSUE_TYPES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    413: "too-costly",
    429: "throttled",
}

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def dumps(value: Any) -> bytes:
    # Lazy translations (choice labels) become their text in the active language,
    # as the FHIR export writes them (exports/fhir.py).
    return orjson.dumps(value, default=str)


def resource_answer(resource: Any) -> HttpResponse:
    return HttpResponse(dumps(resource), content_type=FHIR_JSON)


def operation_outcome(problem: Problem) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "error",
        "code": ISSUE_TYPES.get(problem.status, "processing"),
        "details": {"text": problem.title},
    }
    if problem.detail:
        issue["diagnostics"] = problem.detail
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_answer(request: HttpRequest, problem: Problem) -> HttpResponse:
    response = HttpResponse(
        dumps(operation_outcome(problem)), status=problem.status, content_type=FHIR_JSON
    )
    for name, value in problem.headers.items():
        response[name] = value
    response["Content-Language"] = getattr(request, "LANGUAGE_CODE", "en")
    return response


def unauthenticated() -> Problem:
    return Problem(
        401,
        _("A valid token is needed"),
        _("Send a personal access token as “Authorization: Bearer mhh_…”."),
        headers={"WWW-Authenticate": 'Bearer realm="MyHealthHub"'},
    )


def _reading_only(request: HttpRequest) -> None:
    if request.method not in ("GET", "HEAD"):
        raise Problem(
            405,
            _("This server only reads"),
            _("Use GET: FHIR here is read-only."),
            headers={"Allow": "GET, HEAD"},
        )


def public_view(view: View[P]) -> View[P]:
    """A FHIR endpoint anyone may read (``metadata``, as every FHIR server serves it)."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        try:
            _reading_only(request)
            return view(request, *args, **kwargs)
        except Problem as problem:
            return outcome_answer(request, problem)

    return csrf_exempt(wrapper)


def token_view(view: View[P]) -> View[P]:
    """A FHIR endpoint for a personal access token; the view then goes through ``gate.reach``.

    The token is read as the REST API reads it (TokenAuth: live, of an active
    account, counted against its rate limit, its account's language active).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        try:
            _reading_only(request)
            caller = TokenAuth()(request)
            if caller is None:
                raise unauthenticated()
            # What caller_of() reads, as django-ninja sets it for the REST API.
            request.auth = caller  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)
        except Problem as problem:
            return outcome_answer(request, problem)

    return csrf_exempt(wrapper)
