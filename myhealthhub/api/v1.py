"""The REST API, version 1, at /api/v1/: one NinjaAPI, its errors, and its routers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from myhealthhub.api.auth import TokenAuth
from myhealthhub.api.problems import Problem, answer, not_found
from myhealthhub.errors import ActionRefused
from myhealthhub.lib import json_bounds


def too_large() -> Problem:
    return Problem(
        413,
        _("The request is too large"),
        _("Send at most %(size)d MB at a time.")
        % {"size": json_bounds.MOST_BYTES // (1024 * 1024)},
    )


class BoundedJson(Parser):
    """Request bodies within json_bounds' size and depth, or a 400/413 that says why."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            value = json_bounds.loads(request.body)
        except json_bounds.OutOfBounds as refusal:
            if refusal.reason == "size":
                raise too_large() from None
            if refusal.reason == "depth":
                raise Problem(
                    400,
                    _("The request nests too deep"),
                    _("Its JSON may nest at most %(depth)d levels.")
                    % {"depth": json_bounds.MOST_DEPTH},
                ) from None
            raise Problem(400, _("The request is not JSON")) from None
        return value if isinstance(value, dict) else {"items": value}


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Problem details (RFC 9457), in the token's account's language.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status"],
}
# What any operation may answer besides its own success, each as problem details.
REFUSALS = {
    400: "The body is not JSON, or nests too deep",
    401: "No token, or one that is revoked, expired or unknown",
    403: "The token lacks the scope this needs",
    404: "Nothing is here, or this token may not see it",
    413: "The body is too large",
    422: "Some values are not right",
    429: "Too many requests this minute: see Retry-After",
}


class Api(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """The schema, with the refusals every operation may give written out."""
        schema = super().get_openapi_schema(**kwargs)
        schema["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                # ninja keys its own statuses by number: a refusal an operation
                # declares itself keeps its own description.
                for status, description in REFUSALS.items():
                    if status not in responses and str(status) not in responses:
                        responses[status] = {"description": description, "content": problem}
        return schema


api = Api(
    title="MyHealthHub API",
    version="1",
    description="A person's own health record, for their own programs. See docs/api.md.",
    urls_namespace="api",
    auth=TokenAuth(),
    parser=BoundedJson(),
)


@api.exception_handler(Problem)
def _problem(request: HttpRequest, problem: Problem) -> HttpResponse:
    return answer(request, problem)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # ninja wraps what the parser raises in its own 400: answer the parser's refusal.
    if isinstance(error.__cause__, Problem):
        return answer(request, error.__cause__)
    return answer(request, Problem(error.status_code, str(error)))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    # Django refuses a body past DATA_UPLOAD_MAX_MEMORY_SIZE before the parser reads it.
    return answer(request, too_large())


@api.exception_handler(ActionRefused)
def _refused(request: HttpRequest, refusal: ActionRefused) -> HttpResponse:
    """An action's refusal, in the words the pages show for it."""
    return answer(request, Problem(422, _("Some values are not right"), refusal.message))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return answer(request, not_found())


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    problem = Problem(
        401,
        _("A valid token is needed"),
        _("Send a personal access token as “Authorization: Bearer mhh_…”."),
        headers={"WWW-Authenticate": 'Bearer realm="MyHealthHub"'},
    )
    return answer(request, problem)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = [
        {"where": ".".join(str(part) for part in item.get("loc", ())), "problem": item.get("msg")}
        for item in error.errors
    ]
    return answer(request, Problem(422, _("Some values are not right"), errors=errors))


def _register_routes() -> None:
    from myhealthhub.api.routes import documents, entries, exports, profiles, readings, summary

    api.add_router("/profiles", profiles.router)
    api.add_router("/profiles", documents.router)
    api.add_router("/profiles", summary.router)
    api.add_router("/profiles", exports.router)
    api.add_router("/profiles", entries.router)
    api.add_router("/profiles", readings.router)


_register_routes()
