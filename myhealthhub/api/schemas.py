"""What several routers share: codings, pages walked by an opaque cursor, form errors.

A cursor names the last row a page gave, signed so that it says nothing and
cannot be forged into another order; it only ever narrows a query that is
already the profile's (DESIGN.md principle 10).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django import forms
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import WithJsonSchema

from myhealthhub.api.problems import Problem

MOST_PER_PAGE = 200
PER_PAGE = 50
_CURSOR_SALT = "myhealthhub.api.cursor"


class Coding(Schema):
    system: str = ""
    code: str = ""
    display: str = ""


def cursor_after(row_id: int, walk: str) -> str:
    """The cursor of the page after the row ``row_id`` of the walk named ``walk``."""
    return signing.Signer(salt=_CURSOR_SALT).sign_object([walk, row_id], compress=True)


def row_after(cursor: str | None, walk: str) -> int:
    """The row a cursor of ``walk`` names (0 without one); a 400 for any other text."""
    if not cursor:
        return 0
    try:
        named, row_id = signing.Signer(salt=_CURSOR_SALT).unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError):
        raise bad_cursor() from None
    if named != walk or not isinstance(row_id, int):
        raise bad_cursor()
    return row_id


def bad_cursor() -> Problem:
    return Problem(
        400,
        _("This cursor is not one this list gave"),
        _("Start again without a cursor, then pass the “next” of each page."),
    )


# A moment as the API writes it: ISO 8601 in UTC, with its offset and every digit it has
# (the JSON encoder would cut it to milliseconds, and a moment sent back would differ).
Moment = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def form_problem(form: forms.Form) -> Problem:
    """A form's errors as the API's 422: where (a field, or "" for the whole) and what."""
    errors = [
        {"where": "" if name == NON_FIELD_ERRORS else name, "problem": error["message"]}
        for name, items in form.errors.get_json_data().items()
        for error in items
    ]
    return invalid(errors)


def invalid(errors: list[dict[str, Any]]) -> Problem:
    return Problem(422, _("Some values are not right"), errors=errors)
